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
        "Written:",
        "Not yet independently reviewed",
        "From the source: \"",
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
    // No problem lines: only the reading grade of each article.
    let s = text(&out);
    let mut lines = s.lines();
    assert!(
        lines.next().unwrap_or("").starts_with("reading grade"),
        "{s}"
    );
    let grades: Vec<&str> = lines.collect();
    assert!(grades.len() >= 84, "{s}");
    assert!(
        grades
            .iter()
            .all(|l| l.starts_with("  ") && l.contains(" summary ") && l.contains(" body ")),
        "{s}"
    );
}

#[test]
fn check_reports_every_problem_with_path_and_line() {
    let good = common::article("good", "Good", "Body text here.", "\"mecfs\"");
    let dup = common::article("good", "Dup", "Body.", "\"mecfs\"");
    let bad = common::article("bad", "Bad", "Body.", "\"mecfs\"")
        .replace("https://example.org/bad", "http://example.org/bad")
        .replace("written = 2025-01-01", "written = \"2025-02-30\"")
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
        format!("{}:4: bad date in `written`", bad_path.display()),
        format!("{}:6: unknown evidence level `rumour`", bad_path.display()),
        format!(
            "{}:12: source.url `http://example.org/bad` must be an https:// link",
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
    let current = std::fs::read_to_string(index.path().join("idx/current")).unwrap();
    assert!(index
        .path()
        .join("idx")
        .join(current.trim())
        .join("meta.json")
        .exists());
    assert!(
        index.path().join("idx/cairn-index").exists(),
        "the folder is marked as cairn's"
    );
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

#[test]
fn twenty_asks_at_once_on_an_unbuilt_index_all_answer() {
    let index = tempfile::tempdir().unwrap();
    let idx = index.path().join("idx");
    let children: Vec<_> = (0..20)
        .map(|_| {
            std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
                .arg("--corpus")
                .arg(common::corpus_dir())
                .arg("--index")
                .arg(&idx)
                .args(["ask", "what is pacing"])
                .env_remove("CAIRN_MODEL")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut failed = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        if !out.status.success() {
            failed.push(String::from_utf8_lossy(&out.stderr).to_string());
        }
    }
    assert_eq!(failed, Vec::<String>::new(), "every ask answers");
    let builds = std::fs::read_dir(&idx)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("building-"))
        .count();
    assert_eq!(builds, 0, "no half-built index is left behind");
}

#[test]
fn asks_while_the_index_is_rebuilt_never_fail() {
    let index = tempfile::tempdir().unwrap();
    let idx = index.path().join("idx");
    let corpus = common::corpus_dir();
    assert!(common::cairn_lexical(&corpus, &idx, &["index"])
        .status
        .success());
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (rebuilds, failures) = std::thread::scope(|s| {
        let indexer = s.spawn(|| {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let out = common::cairn_lexical(&corpus, &idx, &["index"]);
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                n += 1;
            }
            n
        });
        let mut failures = Vec::new();
        for _ in 0..25 {
            let out = common::cairn_lexical(&corpus, &idx, &["ask", "pacing"]);
            if !out.status.success() {
                failures.push(String::from_utf8_lossy(&out.stderr).to_string());
            }
        }
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        (indexer.join().unwrap(), failures)
    });
    assert!(rebuilds >= 1);
    assert_eq!(failures, Vec::<String>::new());
}

#[test]
fn the_operator_curates_a_server_from_the_command_line() {
    let index = tempfile::tempdir().unwrap();
    let idx = index.path().join("idx");
    let db = index.path().join("cairn.db").display().to_string();
    let corpus = common::corpus_dir();
    let run = |args: &[&str]| {
        let mut all = vec!["--database", db.as_str()];
        all.extend_from_slice(args);
        common::cairn_lexical(&corpus, &idx, &all)
    };
    let file = index.path().join("group-walks.md");
    std::fs::write(
        &file,
        "+++\nid = \"group-walks\"\ntitle = \"Okapi group walks\"\nsummary = \"Our gentle walks.\"\nreviewed = 2026-11-01\nevidence = \"patient-guide\"\nconditions = [\"mecfs\"]\n\n[source]\nname = \"Our group\"\nurl = \"https://example.org/walks\"\npublished = \"2026\"\n+++\n\nThe okapi group walks are short and paced, on Saturdays.\n",
    )
    .unwrap();
    let out = run(&["article", "add", file.to_str().unwrap(), "--server", "77"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The server's /ask finds it; another server's and the shared library's do not.
    let out = run(&["ask", "--server", "77", "okapi group walks"]);
    assert!(
        common::stdout(&out).contains("Okapi group walks"),
        "{}",
        common::stdout(&out)
    );
    let out = run(&["ask", "--server", "78", "okapi group walks"]);
    assert!(!common::stdout(&out).contains("Okapi group walks"));
    let out = run(&["ask", "okapi group walks"]);
    assert!(!common::stdout(&out).contains("Okapi group walks"));
    // Settings apply to that server's answers.
    let out = run(&["config", "set", "shared-library", "off", "--server", "77"]);
    assert!(out.status.success());
    let out = run(&["ask", "--server", "77", "--json", "what is pacing"]);
    let answer: serde_json::Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    let cited: Vec<&str> = answer["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["article_id"].as_str().unwrap())
        .collect();
    assert_eq!(cited, ["group-walks"], "only the server's own articles");
    let out = run(&["config", "set", "citations", "9", "--server", "77"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 to 5"));
    let out = run(&["config", "show", "--server", "77"]);
    assert!(
        common::stdout(&out).contains("shared-library    off"),
        "{}",
        common::stdout(&out)
    );
    // Export gives the file back; an invalid file changes nothing; remove removes it.
    let out = run(&["article", "export", "group-walks", "--server", "77"]);
    assert_eq!(
        common::stdout(&out),
        std::fs::read_to_string(&file).unwrap()
    );
    let bad = index.path().join("bad.md");
    std::fs::write(&bad, "+++\nid = \"bad\"\n+++\n").unwrap();
    let out = run(&["article", "add", bad.to_str().unwrap(), "--server", "77"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was saved"));
    let out = run(&["article", "list", "--server", "77"]);
    assert!(
        common::stdout(&out).contains("1 article(s)"),
        "{}",
        common::stdout(&out)
    );
    let out = run(&["article", "remove", "group-walks", "--server", "77"]);
    assert!(out.status.success());
    let out = run(&["article", "history", "group-walks", "--server", "77"]);
    let history = common::stdout(&out);
    assert!(
        history.contains("operator (command line)  add") && history.contains("remove"),
        "{history}"
    );
}
