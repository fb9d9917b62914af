//! The `cairn` binary as a newcomer meets it: `ask` (text and JSON), `check`, `index`, `topics`,
//! offline and with no token.

mod common;

use common::{cairn, stdout as text};
use std::path::Path;
use std::process::Command;

#[test]
fn ask_prints_cited_excerpts_and_the_disclaimer() {
    let index = tempfile::tempdir().unwrap();
    let out = cairn(
        &common::corpus_dir(),
        &index.path().join("idx"),
        &["ask", "why do I crash for days after doing too much?"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = text(&out);
    for label in [
        "1. ",
        "Source:",
        "Link:      https://",
        "Published:",
        "Reviewed:",
        "Evidence:",
        "**",
        "not a clinician",
    ] {
        assert!(s.contains(label), "missing {label:?} in:\n{s}");
    }
    assert!(s.contains("More results: add --page 2"), "{s}");
}

#[test]
fn ask_json_is_the_answer_value() {
    let index = tempfile::tempdir().unwrap();
    let out = cairn(
        &common::corpus_dir(),
        &index.path().join("idx"),
        &[
            "ask",
            "--json",
            "--condition",
            "fibromyalgia",
            "--limit",
            "2",
            "does",
            "fmt",
            "help",
            "fibro?",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let cites = v["citations"].as_array().unwrap();
    assert_eq!(cites.len(), 2);
    for c in cites {
        assert!(c["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "fibromyalgia"));
    }
}

#[test]
fn bad_options_are_specific_errors() {
    let index = tempfile::tempdir().unwrap();
    let out = cairn(
        &common::corpus_dir(),
        &index.path().join("idx"),
        &["ask", "--condition", "gout", "pain"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown condition `gout`"), "{err}");

    let out = cairn(
        Path::new("/no/such/corpus"),
        &index.path().join("idx"),
        &["ask", "pain"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/corpus does not exist"));
}

#[test]
fn check_passes_on_the_bundled_library() {
    let index = tempfile::tempdir().unwrap();
    let out = cairn(&common::corpus_dir(), index.path(), &["check"]);
    assert!(out.status.success(), "check failed:\n{}", text(&out));
    assert_eq!(text(&out), "");
}

#[test]
fn check_reports_every_problem_with_path_and_line() {
    let good = common::article("good", "Good", "Body text here.", "\"mecfs\"");
    let dup = common::article("good", "Dup", "Body.", "\"mecfs\"");
    let bad = common::article("bad", "Bad", "Body.", "\"mecfs\"")
        .replace("https://example.org/bad", "http://example.org/bad")
        .replace("reviewed = 2025-01-01", "reviewed = \"2025-02-30\"")
        .replace("evidence = \"guideline\"\n", "evidence = \"rumour\"\n")
        .replace("title = \"Bad\"\n", "");
    let dir = common::temp_corpus(&[("good.md", good), ("copy.md", dup), ("bad.md", bad)]);
    let out = cairn(dir.path(), &dir.path().join("idx"), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let s = text(&out);
    let bad_path = dir.path().join("bad.md");
    let copy_path = dir.path().join("copy.md");
    let expect = [
        format!("{}:1: missing required field `title`", bad_path.display()),
        format!("{}:4: bad date in `reviewed`", bad_path.display()),
        format!("{}:5: unknown evidence level `rumour`", bad_path.display()),
        format!(
            "{}:11: source.url `http://example.org/bad` must be an https:// link",
            bad_path.display()
        ),
        format!("{}:2: duplicate id `good`", copy_path.display()),
    ];
    for e in &expect {
        assert!(
            s.lines().any(|l| l.starts_with(e.as_str())),
            "missing {e:?} in:\n{s}"
        );
    }

    // The valid article is still searchable.
    let out = cairn(dir.path(), &dir.path().join("idx"), &["ask", "body"]);
    assert!(out.status.success());
    assert!(text(&out).contains("1. Good"), "{}", text(&out));
}

#[test]
fn index_rebuilds_with_a_summary() {
    let index = tempfile::tempdir().unwrap();
    let out = cairn(&common::corpus_dir(), &index.path().join("idx"), &["index"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = text(&out);
    let n = common::bundled().articles().count();
    assert!(s.starts_with(&format!("indexed {n} articles into ")), "{s}");
    assert!(index.path().join("idx/meta.json").exists());
}

#[test]
fn topics_lists_conditions_with_counts() {
    let index = tempfile::tempdir().unwrap();
    let out = cairn(
        &common::corpus_dir(),
        &index.path().join("idx"),
        &["topics"],
    );
    assert!(out.status.success());
    let s = text(&out);
    assert!(s.contains("mecfs") && s.contains("fibromyalgia"), "{s}");
}

#[test]
fn serve_without_a_good_token_is_a_one_line_error_with_exit_code_2() {
    let cwd = tempfile::tempdir().unwrap(); // no .env here
    for (token, expect) in [
        (None, "error: DISCORD_TOKEN is not set"),
        (
            Some("this is not a token"),
            "error: DISCORD_TOKEN is malformed",
        ),
    ] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cairn"));
        cmd.current_dir(cwd.path())
            .arg("--corpus")
            .arg(common::corpus_dir())
            .arg("serve")
            .env_remove("DISCORD_TOKEN");
        if let Some(t) = token {
            cmd.env("DISCORD_TOKEN", t);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{token:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with(expect), "{err}");
        assert!(!err.contains("this is not a token"), "{err}");
    }
}

#[test]
fn a_malformed_env_file_is_named_with_its_line_and_never_read_as_no_token() {
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(
        cwd.path().join(".env"),
        "# settings\nDISCORD_TOKEN=abc.def.SECRETPART\nthis line is broken 'SECRET2\n",
    )
    .unwrap();
    for args in [&["serve"][..], &["topics"][..]] {
        let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .current_dir(cwd.path())
            .arg("--corpus")
            .arg(common::corpus_dir())
            .args(args)
            .env_remove("DISCORD_TOKEN")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: .env:3:"), "{err}");
        assert!(!err.contains("DISCORD_TOKEN is not set"), "{err}");
        assert!(!err.contains("SECRET"), "the line is not echoed: {err}");
    }
}

#[test]
fn eval_scores_a_beir_collection_and_names_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let beir = dir.path().join("tiny");
    std::fs::create_dir_all(beir.join("qrels")).unwrap();
    std::fs::write(
        beir.join("corpus.jsonl"),
        concat!(
            "{\"_id\": \"d1\", \"title\": \"Pacing and energy\", \"text\": \"Pacing means planning rest.\"}\n",
            "{\"_id\": \"d2\", \"title\": \"Sleep\", \"text\": \"Unrefreshing sleep is common.\"}\n",
        ),
    )
    .unwrap();
    std::fs::write(
        beir.join("queries.jsonl"),
        "{\"_id\": \"q1\", \"text\": \"pacing\"}\n{\"_id\": \"q2\", \"text\": \"sleep\"}\n",
    )
    .unwrap();
    std::fs::write(
        beir.join("qrels/dev.tsv"),
        "query-id\tcorpus-id\tscore\r\nq1\td1\t2\r\nq2\td1\t1\r\n",
    )
    .unwrap();
    let out = cairn(
        &common::corpus_dir(),
        &dir.path().join("idx"),
        &[
            "eval",
            "--beir",
            beir.to_str().unwrap(),
            "--ranking",
            "all",
            "--per-query",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = text(&out);
    assert!(s.contains("2 documents, 2 queries"), "{s}");
    // q1 finds d1 first (1.0); q2 finds only d2, which is not relevant (0.0): mean 0.5.
    let bm25 = s.lines().find(|l| l.starts_with("bm25 ")).unwrap();
    assert!(bm25.contains(" 0.5000 "), "{bm25}");
    assert!(s.lines().any(|l| l.starts_with("default ")), "{s}");
    assert!(s.contains("q2 "), "{s}");

    let out = cairn(
        &common::corpus_dir(),
        &dir.path().join("idx"),
        &["eval", "--beir", "/no/such/collection"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no BEIR collection at /no/such/collection"),
        "{err}"
    );

    let out = cairn(
        &common::corpus_dir(),
        &dir.path().join("idx"),
        &["eval", "--golden"],
    );
    assert!(out.status.success());
    assert!(text(&out).contains("golden questions"), "{}", text(&out));
}
