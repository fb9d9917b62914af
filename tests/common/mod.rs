//! Helpers shared by the integration tests: the bundled library, and small hand-made libraries
//! in temporary folders.

#![allow(dead_code)]

use cairn::{Library, LibraryConfig};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
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

/// The optional sentence encoder's folder (`CAIRN_MODEL`). With `CAIRN_REQUIRE_MODEL` set (as
/// `.ci/run` does), a missing model fails the test instead of skipping it.
pub fn model() -> Option<PathBuf> {
    let dir = std::env::var_os("CAIRN_MODEL")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from);
    if dir.is_none() {
        assert!(
            std::env::var_os("CAIRN_REQUIRE_MODEL").is_none(),
            "CAIRN_REQUIRE_MODEL is set but CAIRN_MODEL is not"
        );
        eprintln!("CAIRN_MODEL is not set: semantic tests skipped");
    }
    dir
}

/// The bundled library, in memory, with semantic matching on.
pub fn bundled_with_model(dir: PathBuf) -> Library {
    let mut config = LibraryConfig::new(corpus_dir(), None);
    config.model_dir = Some(dir);
    Library::open(&config).expect("the library opens with the model")
}

/// The bundled library as `cairn ask` runs it here: with the encoder when `CAIRN_MODEL` is set.
pub fn as_deployed() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(|| match model() {
        Some(dir) => bundled_with_model(dir),
        None => Library::open(&LibraryConfig::new(corpus_dir(), None))
            .expect("the bundled library opens"),
    })
}

/// The lines of a test-set file under `tests/`, without comments and blank lines.
pub fn test_set(name: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// A valid article file's text.
pub fn article(id: &str, title: &str, body: &str, conditions: &str) -> String {
    format!(
        r#"+++
id = "{id}"
title = "{title}"
summary = "A summary of {title}."
written = 2025-01-01
writer = "Test writer"
evidence = "guideline"
conditions = [{conditions}]
tags = ["test"]

[source]
name = "Test Organisation"
url = "https://example.org/{id}"
published = "2021-10"

[review]
every = 36
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

/// Runs the `cairn` binary on a library and index folder, offline, with no token and the
/// default article size limit.
pub fn cairn(corpus: &Path, index: &Path, args: &[&str]) -> Output {
    cairn_command(corpus, index, args)
        .output()
        .expect("cairn runs")
}

/// As [`cairn`], without the sentence encoder even when `CAIRN_MODEL` is set: for tests about
/// other things, which would otherwise load the model in every process.
pub fn cairn_lexical(corpus: &Path, index: &Path, args: &[&str]) -> Output {
    cairn_command(corpus, index, args)
        .env_remove("CAIRN_MODEL")
        .output()
        .expect("cairn runs")
}

fn cairn_command(corpus: &Path, index: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cairn"));
    cmd.arg("--corpus")
        .arg(corpus)
        .arg("--index")
        .arg(index)
        .args(args)
        .env_remove("DISCORD_TOKEN")
        .env_remove("CAIRN_MAX_ARTICLE_KB")
        .env_remove("CAIRN_DATABASE_URL");
    cmd
}

/// What a command printed on stdout.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The databases the store's tests run on: a fresh SQLite file always, and a fresh PostgreSQL
/// database when `CAIRN_TEST_POSTGRES_URL` is set (as `.ci/run` does when a server answers on
/// 127.0.0.1:5432). With the variable set, a failure to connect fails the test, never skips it.
pub struct TestDatabases {
    pub urls: Vec<String>,
    _dir: tempfile::TempDir,
    pg_admin: Option<(String, String)>,
}

impl TestDatabases {
    pub async fn new() -> TestDatabases {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut urls = vec![dir.path().join("cairn.db").display().to_string()];
        let mut pg_admin = None;
        if let Some(admin) = postgres_url() {
            let name = format!(
                "cairn_test_{}_{}",
                std::process::id(),
                NEXT_DB.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            );
            run_pg(&admin, &format!("DROP DATABASE IF EXISTS {name}")).await;
            run_pg(&admin, &format!("CREATE DATABASE {name}")).await;
            urls.push(replace_db(&admin, &name));
            pg_admin = Some((admin, name));
        }
        TestDatabases {
            urls,
            _dir: dir,
            pg_admin,
        }
    }

    /// Drops the PostgreSQL database (call at the end of a test; a leftover one is harmless).
    pub async fn drop_all(self) {
        if let Some((admin, name)) = &self.pg_admin {
            run_pg(
                admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}

static NEXT_DB: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// `CAIRN_TEST_POSTGRES_URL`, if set and not empty.
pub fn postgres_url() -> Option<String> {
    std::env::var("CAIRN_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

fn replace_db(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let base = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

async fn run_pg(admin: &str, sql: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .unwrap_or_else(|e| {
            panic!("CAIRN_TEST_POSTGRES_URL is set but PostgreSQL does not answer: {e}")
        });
    sqlx::query(sql)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}
