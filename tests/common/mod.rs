//! Helpers shared by the integration tests: the bundled library, and small hand-made libraries
//! in temporary folders.

#![allow(dead_code)]

use cairn::{Library, LibraryConfig};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The bundled library, indexed in memory once per test binary.
pub fn bundled() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(|| {
        Library::open(&LibraryConfig::new(corpus_dir(), None)).expect("the bundled library opens")
    })
}

/// A valid article file's text.
pub fn article(id: &str, title: &str, body: &str, conditions: &str) -> String {
    format!(
        r#"+++
id = "{id}"
title = "{title}"
summary = "A summary of {title}."
reviewed = 2025-01-01
evidence = "guideline"
conditions = [{conditions}]
tags = ["test"]

[source]
name = "Test Organisation"
url = "https://example.org/{id}"
published = "2021-10"
+++

{body}
"#
    )
}

/// Writes `files` (name, text) into a new temporary folder.
pub fn temp_corpus(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write fixture");
    }
    dir
}
