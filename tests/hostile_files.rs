//! One bad file is one problem: whatever sits in the library folder under an article's name (a
//! dangling link, a folder, a named pipe, a link to a device or outside the folder, a huge file,
//! hidden characters, mentions, invites), the library opens, the good article is still answered,
//! `cairn ask` and `cairn topics` exit 0, and `cairn check` exits 1 naming the file and line.

mod common;

use cairn::{AskOptions, Library, LibraryConfig};
use common::{cairn, stdout};
use std::path::Path;
use std::process::Command;

/// The article every hostile library also holds.
fn good() -> String {
    common::article(
        "good",
        "Pacing basics",
        "Pacing means you plan your rest. It helps many people.",
        "\"mecfs\"",
    )
}

/// Builds a library of the good article plus what `make(corpus, elsewhere)` puts at
/// `corpus/bad_name`, and asserts that exactly one problem is reported, on `bad_name` at `line`,
/// containing `expect`, while everything else works, in the library and in the binary.
fn one_problem(bad_name: &str, line: usize, expect: &str, make: impl FnOnce(&Path, &Path)) {
    let corpus = common::temp_corpus(&[("good.md", good())]);
    let elsewhere = tempfile::tempdir().unwrap();
    make(corpus.path(), elsewhere.path());
    let bad = corpus.path().join(bad_name);

    let lib = Library::open(&LibraryConfig::new(corpus.path(), None))
        .unwrap_or_else(|e| panic!("{bad_name}: the library does not open: {e}"));
    let problems: Vec<String> = lib.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(problems.len(), 1, "{bad_name}: {problems:?}");
    let p = &lib.problems()[0];
    assert_eq!(p.path, bad, "{problems:?}");
    assert_eq!(p.line, line, "{problems:?}");
    assert!(p.message.contains(expect), "{bad_name}: {problems:?}");
    let ids: Vec<&str> = lib.articles().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, vec!["good"], "{bad_name}");
    let answer = lib.ask("pacing", &AskOptions::default()).unwrap();
    assert_eq!(answer.citations[0].article_id, "good", "{bad_name}");
    drop(lib);

    let index = tempfile::tempdir().unwrap();
    let index = index.path().join("idx");
    let ask = cairn(corpus.path(), &index, &["ask", "what is pacing?"]);
    assert!(
        ask.status.success(),
        "{bad_name}: ask failed: {}",
        String::from_utf8_lossy(&ask.stderr)
    );
    assert!(stdout(&ask).contains("Pacing basics"), "{}", stdout(&ask));
    let topics = cairn(corpus.path(), &index, &["topics"]);
    assert!(
        topics.status.success(),
        "{bad_name}: topics failed: {}",
        String::from_utf8_lossy(&topics.stderr)
    );
    assert!(stdout(&topics).contains("mecfs"), "{}", stdout(&topics));
    let check = cairn(corpus.path(), &index, &["check"]);
    assert_eq!(
        check.status.code(),
        Some(1),
        "{bad_name}: {}",
        stdout(&check)
    );
    let named = format!("{}:{line}: ", bad.display());
    assert!(
        stdout(&check).contains(&named),
        "{bad_name}: check does not name {named}:\n{}",
        stdout(&check)
    );
}

fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

/// `good.md`'s text as another article, with `from` replaced by `to`.
fn variant(id: &str, from: &str, to: &str) -> String {
    let text = common::article(id, "Pacing and sleep", "Rest helps pacing.", "\"mecfs\"");
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1)
}

#[test]
fn the_good_library_alone_checks_clean() {
    let corpus = common::temp_corpus(&[("good.md", good())]);
    let index = tempfile::tempdir().unwrap();
    let check = cairn(corpus.path(), &index.path().join("idx"), &["check"]);
    assert!(check.status.success(), "{}", stdout(&check));
}

#[test]
fn a_dangling_symlink() {
    one_problem("gone.md", 1, "which does not exist", |dir, _| {
        symlink(&dir.join("nowhere.md"), &dir.join("gone.md"))
    });
}

#[test]
fn a_folder_named_like_an_article() {
    one_problem(
        "folder.md",
        1,
        "is a folder, not a regular file",
        |dir, _| std::fs::create_dir(dir.join("folder.md")).unwrap(),
    );
}

#[test]
fn a_named_pipe_is_never_opened() {
    // Opening a FIFO for reading waits for a writer: before, this test hung.
    one_problem("pipe.md", 1, "is a named pipe (FIFO)", |dir, _| {
        let path =
            std::ffi::CString::new(dir.join("pipe.md").as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path and a plain mode.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
    });
}

#[test]
fn a_symlink_to_a_device() {
    // Before, this read /dev/zero until memory ran out.
    one_problem(
        "zero.md",
        1,
        "is a symbolic link to /dev/zero, outside the library folder",
        |dir, _| symlink(Path::new("/dev/zero"), &dir.join("zero.md")),
    );
}

#[test]
fn a_symlink_to_an_article_outside_the_folder_is_not_indexed() {
    one_problem(
        "outside.md",
        1,
        "outside the library folder",
        |dir, elsewhere| {
            let target = elsewhere.join("outside.md");
            std::fs::write(
                &target,
                variant("outside", "Rest helps", "Sleep hygiene helps"),
            )
            .unwrap();
            symlink(&target, &dir.join("outside.md"));
        },
    );
}

#[test]
fn a_symlink_inside_the_folder_is_followed() {
    let corpus = common::temp_corpus(&[("good.md", good())]);
    std::fs::create_dir(corpus.path().join("drafts")).unwrap();
    let target = corpus.path().join("drafts").join("linked.md");
    std::fs::write(
        &target,
        variant("linked", "Rest helps", "Sleep hygiene helps"),
    )
    .unwrap();
    symlink(&target, &corpus.path().join("linked.md"));
    let lib = Library::open(&LibraryConfig::new(corpus.path(), None)).unwrap();
    assert!(lib.problems().is_empty(), "{:?}", lib.problems());
    assert_eq!(lib.articles().count(), 2);
}

/// A valid article of more than 256 KB.
fn huge() -> String {
    let body = "Pacing means resting before you are tired. ".repeat(7_000);
    assert!(body.len() > 256 * 1024);
    common::article("huge", "A very long article", &body, "\"mecfs\"")
}

#[test]
fn an_article_over_the_size_limit() {
    one_problem("huge.md", 1, "is larger than 256 KB", |dir, _| {
        std::fs::write(dir.join("huge.md"), huge()).unwrap()
    });
}

#[test]
fn the_size_limit_is_configurable() {
    let corpus = common::temp_corpus(&[("good.md", good()), ("huge.md", huge())]);
    let mut config = LibraryConfig::new(corpus.path(), None);
    config.max_article_bytes = 512 * 1024;
    let lib = Library::open(&config).unwrap();
    assert!(lib.problems().is_empty(), "{:?}", lib.problems());
    config.max_article_bytes = 1024;
    let lib = Library::open(&config).unwrap();
    let problems: Vec<String> = lib.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("larger than 1 KB"), "{problems:?}");

    let index = tempfile::tempdir().unwrap();
    let index = index.path().join("idx");
    let out = cairn(corpus.path(), &index, &["--max-article-kb", "512", "check"]);
    assert!(out.status.success(), "{}", stdout(&out));
    let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["check", "--corpus"])
        .arg(corpus.path())
        .env("CAIRN_MAX_ARTICLE_KB", "512")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stdout(&out));
    let out = cairn(corpus.path(), &index, &["--max-article-kb", "0", "check"]);
    assert_eq!(out.status.code(), Some(2), "a limit of 0 KB is refused");
}

#[test]
fn terminal_escape_codes_in_a_title() {
    // A TOML escape puts a real ESC into the title; before, `check` passed it and `ask` printed
    // it to the terminal.
    one_problem(
        "ansi.md",
        3,
        "control character U+001B (escape",
        |dir, _| {
            let text = variant(
                "ansi",
                "title = \"Pacing and sleep\"",
                r#"title = "\u001B[2J\u001B[31mPacing and sleep\u001B[0m""#,
            );
            std::fs::write(dir.join("ansi.md"), text).unwrap()
        },
    );
}

#[test]
fn a_mention_in_the_body() {
    one_problem("mention.md", 20, "Discord mention `@everyone`", |dir, _| {
        let text = variant("mention", "Rest helps", "Ask @everyone: rest helps");
        std::fs::write(dir.join("mention.md"), text).unwrap()
    });
}

#[test]
fn an_invite_link_in_the_body() {
    one_problem(
        "invite.md",
        20,
        "Discord invite link `discord.gg/abc123`",
        |dir, _| {
            let text = variant(
                "invite",
                "Rest helps",
                "Join https://discord.gg/abc123 where rest helps",
            );
            std::fs::write(dir.join("invite.md"), text).unwrap()
        },
    );
}

#[test]
fn a_right_to_left_override_in_a_title() {
    one_problem("rtl.md", 3, "U+202E (right-to-left override)", |dir, _| {
        let text = variant("rtl", "Pacing and sleep", "Pacing and \u{202E}peels");
        std::fs::write(dir.join("rtl.md"), text).unwrap()
    });
}

#[test]
fn the_library_data_files_are_read_as_safely_as_articles() {
    // A named pipe called synonyms.toml, and /dev/zero behind safety.toml: neither is opened,
    // each is one problem, and the library (with the bundled safety rules) still answers.
    one_problem("synonyms.toml", 1, "is a named pipe (FIFO)", |dir, _| {
        let path = std::ffi::CString::new(dir.join("synonyms.toml").as_os_str().as_encoded_bytes())
            .unwrap();
        // SAFETY: a valid NUL-terminated path and a plain mode.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
    });
    one_problem("safety.toml", 1, "outside the library folder", |dir, _| {
        symlink(Path::new("/dev/zero"), &dir.join("safety.toml"))
    });
}
