//! The library earns trust: every excerpt stands under the source of its own passage, the
//! evidence label says what kind of study it is in plain words, an article no one but its writer
//! has checked says so (and ranks a little lower), the answer (the article's summary) leads every
//! citation, and exercise advice never reaches an ME/CFS member without its caution.

mod common;

use cairn::{AskOptions, Library, LibraryConfig};
use std::path::Path;

/// An article of the current format, with `extra` front matter lines before its tables.
fn article(id: &str, summary: &str, review: &str, sources: &str, body: &str) -> String {
    format!(
        "+++\nid = \"{id}\"\ntitle = \"About {id}\"\nsummary = \"{summary}\"\nwritten = 2026-01-02\nwriter = \"Ann\"\nevidence = \"rct\"\nconditions = [\"fibromyalgia\"]\n\n{review}\n\n{sources}+++\n\n{body}\n"
    )
}

const TWO_SOURCES: &str = "[[sources]]\nkey = \"trial\"\nname = \"Trial journal (Ng 2024)\"\nurl = \"https://doi.org/10.1000/trial\"\npublished = \"2024\"\nevidence = \"rct\"\n\n[[sources]]\nkey = \"mice\"\nname = \"Mouse journal (Lee 2025)\"\nurl = \"https://doi.org/10.1000/mice\"\npublished = \"2025\"\nevidence = \"animal\"\npreprint = true\n";

fn library(dir: &Path, files: &[(&str, String)]) -> Library {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let lib = Library::open(&LibraryConfig::new(dir.to_path_buf(), None)).unwrap();
    assert!(lib.problems().is_empty(), "{:?}", lib.problems());
    lib
}

#[test]
fn an_excerpt_is_shown_under_the_source_of_its_own_passage() {
    let dir = tempfile::tempdir().unwrap();
    let body = "A small trial found less pain in people who had the treatment. [^trial]\n\n## What mice showed\n\nGerm-free mice given stool from patients showed pain-like behaviour and sensitivity. [^mice]";
    let lib = library(
        dir.path(),
        &[(
            "fmt.md",
            article(
                "fmt",
                "It is experimental.",
                "[review]\nevery = 6",
                TWO_SOURCES,
                body,
            ),
        )],
    );
    let ask = |q: &str| lib.ask(q, &AskOptions::default()).unwrap().citations;
    let mice = ask("germ-free mice pain-like behaviour");
    assert_eq!(mice.len(), 1);
    assert!(
        mice[0].excerpt.contains("Germ-free mice"),
        "{}",
        mice[0].excerpt
    );
    assert_eq!(mice[0].source_url, "https://doi.org/10.1000/mice");
    assert_eq!(mice[0].source_name, "Mouse journal (Lee 2025)");
    assert_eq!(mice[0].evidence_label, "Study in animals or in the lab");
    assert_eq!(
        mice[0].evidence_words(),
        "Study in animals or in the lab (preprint, not yet peer reviewed)"
    );
    assert_eq!(mice[0].published, "2025");
    let trial = ask("small trial less pain treatment");
    assert!(
        trial[0].excerpt.contains("small trial"),
        "{}",
        trial[0].excerpt
    );
    assert_eq!(trial[0].source_url, "https://doi.org/10.1000/trial");
    assert_eq!(trial[0].evidence_label, "Randomised controlled trial");
    assert!(
        !trial[0].excerpt.contains("mice"),
        "never crosses into another source's passage"
    );
    // The answer leads: every citation carries the article's summary.
    assert_eq!(trial[0].summary, "It is experimental.");
}

#[test]
fn unreviewed_articles_say_so_and_rank_just_below_reviewed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let one =
        "[source]\nname = \"Guide\"\nurl = \"https://example.org/guide\"\npublished = \"2024\"\n";
    let body = "Pacing means planning rest around your energy. Short rests help many people.";
    let reviewed =
        "[review]\nevery = 24\ndate = 2026-03-01\nby = \"Bo\"\nsource_checked = 2026-03-01";
    let lib = library(
        dir.path(),
        &[
            // Same words: only the review differs. "a" sorts first, so without the rule it
            // would win the tie.
            (
                "a-unreviewed.md",
                article(
                    "a-unreviewed",
                    "Pacing helps.",
                    "[review]\nevery = 24",
                    one,
                    body,
                ),
            ),
            (
                "b-reviewed.md",
                article("b-reviewed", "Pacing helps.", reviewed, one, body),
            ),
        ],
    );
    let opts = AskOptions {
        today: chrono::NaiveDate::from_ymd_opt(2026, 6, 1),
        ..AskOptions::default()
    };
    let c = lib
        .ask("pacing planning rest energy", &opts)
        .unwrap()
        .citations;
    assert_eq!(
        c[0].article_id,
        "b-reviewed",
        "{:?}",
        c.iter().map(|c| &c.article_id).collect::<Vec<_>>()
    );
    assert_eq!(c[0].review_status(), "Reviewed 2026-03-01");
    assert_eq!(c[1].article_id, "a-unreviewed");
    assert_eq!(c[1].review_status(), "Not yet independently reviewed");
    assert!(c[1].score < c[0].score);
    assert!(c[1].score > c[0].score * 0.9, "only slightly lower");
    // Two years after writing, with no review, it is overdue.
    let late = AskOptions {
        today: chrono::NaiveDate::from_ymd_opt(2028, 2, 1),
        ..AskOptions::default()
    };
    let c = lib
        .ask("pacing planning rest energy", &late)
        .unwrap()
        .citations;
    let a = c.iter().find(|c| c.article_id == "a-unreviewed").unwrap();
    assert_eq!(
        a.review_status(),
        "Not yet independently reviewed (overdue for review)"
    );
}

#[test]
fn every_exercise_or_activity_article_carries_the_mecfs_caution() {
    let lib = common::bundled();
    let mut missing = Vec::new();
    let mut tagged = 0;
    for a in lib.articles() {
        let about_activity = a
            .tags
            .iter()
            .any(|t| t.contains("exercise") || t.contains("activity"));
        if !about_activity {
            continue;
        }
        tagged += 1;
        let cautioned = a.cautions.iter().any(|c| {
            c.contains("ME/CFS") && (c.contains("post-exertional malaise") || c.contains("PEM"))
        });
        if !cautioned {
            missing.push(a.id.clone());
        }
    }
    assert!(
        tagged >= 5,
        "only {tagged} articles are tagged exercise or activity"
    );
    assert!(missing.is_empty(), "no ME/CFS and PEM caution: {missing:?}");
}

#[test]
fn the_library_is_large_checked_and_honest_about_review() {
    let lib = common::bundled();
    assert!(lib.problems().is_empty(), "{:?}", lib.problems());
    let n = lib.articles().count();
    assert!(n >= 84, "only {n} articles");
    // Nobody but the writers has checked the articles yet: none may claim a review.
    assert!(lib.articles().all(|a| !a.independently_reviewed()));
    // Reviews are spread by risk, not all due on one day.
    let mut due: Vec<_> = lib.articles().map(|a| a.review_due()).collect();
    due.sort();
    due.dedup();
    assert!(due.len() >= 3, "review dates: {due:?}");
    // Every source named in a body is a listed one, and the plain-words labels are used.
    // (The library keeps bodies in the index: each is read back whole.)
    for card in lib.articles() {
        assert!(
            card.paragraphs.is_empty(),
            "{}: body kept in memory",
            card.id
        );
        let a = lib.article_with_text(&card.id).unwrap().unwrap();
        assert!(!a.paragraphs.is_empty(), "{}: no body in the index", a.id);
        assert_eq!(a.title, card.title);
        for (i, _) in a.paragraphs.iter().enumerate() {
            assert!(a.sources.iter().any(|s| s.key == a.source_of(i).key));
        }
        assert!(!a.summary.contains("the material we hold"), "{}", a.id);
        for p in &a.paragraphs {
            for phrase in [
                "the material we hold",
                "our sources",
                "this article",
                "see our article",
            ] {
                assert!(!p.to_lowercase().contains(phrase), "{}: {p}", a.id);
            }
        }
    }
}
