//! The answer a question gets: citations with their sources, dates, evidence, excerpts and
//! highlights; paging; the condition filter; safety notices; overdue articles ranked lower.

mod common;

use cairn::corpus::Condition;
use cairn::{AskOptions, Library, LibraryConfig, Notice};

#[test]
fn the_first_readme_question_gets_cited_highlighted_excerpts() {
    let a = common::bundled()
        .ask(
            "why do I crash for days after doing too much?",
            &AskOptions::default(),
        )
        .unwrap();
    assert_eq!(a.citations.len(), 3);
    assert_eq!(a.citations[0].article_id, "pem-post-exertional-malaise");
    for c in &a.citations {
        assert!(c.source_url.starts_with("https://"), "{}", c.source_url);
        assert!(!c.source_name.is_empty() && !c.published.is_empty());
        assert!(!c.excerpt.is_empty());
        assert!(c.excerpt.chars().count() <= cairn::answer::MAX_EXCERPT_CHARS);
        for h in &c.highlights {
            let word = c.excerpt[h.clone()].to_lowercase();
            assert!(
                !word.trim().is_empty(),
                "empty highlight in {:?}",
                c.excerpt
            );
        }
    }
    assert!(
        a.citations[0].highlights.iter().any(|h| {
            let w = a.citations[0].excerpt[h.clone()].to_lowercase();
            w.starts_with("crash") || w.starts_with("exert") || w.starts_with("malaise")
        }),
        "no matched word marked in {:?}",
        a.citations[0].excerpt
    );
    assert!(a.disclaimer.contains("not a clinician"));
    assert!(a.has_more);
}

#[test]
fn pages_do_not_repeat_citations() {
    let lib = common::bundled();
    let q = "gut bacteria and fatigue";
    let first = lib.ask(q, &AskOptions::default()).unwrap();
    let second = lib
        .ask(
            q,
            &AskOptions {
                offset: 3,
                ..AskOptions::default()
            },
        )
        .unwrap();
    assert_eq!(second.offset, 3);
    assert!(!second.citations.is_empty());
    for c in &second.citations {
        assert!(first.citations.iter().all(|f| f.article_id != c.article_id));
    }
}

#[test]
fn the_condition_filter_keeps_only_that_condition() {
    let a = common::bundled()
        .ask(
            "exercise",
            &AskOptions {
                condition: Some(Condition::Fibromyalgia),
                limit: 10,
                ..AskOptions::default()
            },
        )
        .unwrap();
    assert!(!a.citations.is_empty());
    for c in &a.citations {
        assert!(
            c.conditions.contains(&Condition::Fibromyalgia),
            "{}",
            c.article_id
        );
    }
}

#[test]
fn crisis_language_is_answered_before_any_search() {
    let lib = common::bundled();
    let q = "I can't cope with the fibro pain anymore, I want to die";
    let a = lib
        .ask(
            q,
            &AskOptions {
                country: Some("GB".into()),
                ..AskOptions::default()
            },
        )
        .unwrap();
    assert!(a.search_withheld);
    assert!(a.citations.is_empty());
    match &a.notices[0] {
        Notice::Crisis { helplines, .. } => {
            assert!(helplines.iter().any(|h| h.contact.contains("116 123")))
        }
        other => panic!("first notice is {other:?}"),
    }
    // The member may still ask for the results.
    let b = lib
        .ask(
            q,
            &AskOptions {
                crisis_acknowledged: true,
                ..AskOptions::default()
            },
        )
        .unwrap();
    assert!(!b.search_withheld);
    assert!(!b.citations.is_empty());
    assert!(matches!(b.notices[0], Notice::Crisis { .. }));
}

#[test]
fn emergency_symptoms_come_first() {
    let a = common::bundled()
        .ask(
            "crushing chest pain and dizzy when standing, is this POTS?",
            &AskOptions::default(),
        )
        .unwrap();
    assert!(
        matches!(a.notices.first(), Some(Notice::Emergency { .. })),
        "{:?}",
        a.notices
    );
    assert!(!a.citations.is_empty());
}

#[test]
fn overdue_articles_rank_lower_and_are_flagged() {
    let body = "Pacing means planning rest between activities. It helps many people.";
    let fresh = common::article("fresh", "Pacing", body, "\"mecfs\"");
    let old = common::article("old", "Pacing", body, "\"mecfs\"")
        .replace("written = 2025-01-01", "written = 2019-01-01");
    let dir = common::temp_corpus(&[("fresh.md", fresh), ("old.md", old)]);
    let lib = Library::open(&LibraryConfig::new(dir.path(), None)).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 21);
    let a = lib
        .ask(
            "pacing",
            &AskOptions {
                today,
                ..AskOptions::default()
            },
        )
        .unwrap();
    let ids: Vec<&str> = a.citations.iter().map(|c| c.article_id.as_str()).collect();
    assert_eq!(ids, vec!["fresh", "old"]);
    assert!(!a.citations[0].review_overdue);
    assert!(a.citations[1].review_overdue);
    assert!(a.citations[1].score < a.citations[0].score);
}

#[test]
fn a_server_may_reword_the_disclaimer_but_not_remove_it() {
    let lib = common::bundled();
    let custom = lib
        .ask(
            "pacing",
            &AskOptions {
                disclaimer: Some("Talk to your GP.".into()),
                ..AskOptions::default()
            },
        )
        .unwrap();
    assert_eq!(custom.disclaimer, "Talk to your GP.");
    let blank = lib
        .ask(
            "pacing",
            &AskOptions {
                disclaimer: Some("  ".into()),
                ..AskOptions::default()
            },
        )
        .unwrap();
    assert_eq!(blank.disclaimer, cairn::answer::DEFAULT_DISCLAIMER);
}

#[test]
fn the_answer_serialises_to_json() {
    let a = common::bundled()
        .ask("brain fog", &AskOptions::default())
        .unwrap();
    let v = serde_json::to_value(&a).unwrap();
    let c = &v["citations"][0];
    for key in [
        "title",
        "source_name",
        "source_url",
        "published",
        "written",
        "evidence",
        "evidence_label",
        "excerpt",
        "highlights",
    ] {
        assert!(!c[key].is_null(), "citation JSON lacks {key}: {c}");
    }
    assert!(v["disclaimer"].is_string());
}
