//! Properties that must hold for any input, checked with proptest on every `cargo test` (the
//! same properties as the cargo-fuzz targets in `fuzz/`, which run for longer by hand):
//! parsers report problems and never panic, any question gets an answer, escaping round-trips.

mod common;

use cairn::curation::ArticleForm;
use cairn::settings;
use cairn::AskOptions;
use proptest::prelude::*;

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

/// Text that looks like what people type, with Markdown, TOML and Discord syntax mixed in.
fn texty() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,200}",
        "[a-z +=\"'\\[\\]#*_`<>@:/.\\n-]{0,200}",
        "(\\+\\+\\+\\n)?[a-z_]{1,8} = \"[^\"]{0,20}\"\\n(\\+\\+\\+\\n)?.{0,50}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_article_parser_reports_problems_and_never_panics(text in texty()) {
        let parsed = cairn::corpus::parse_article(std::path::Path::new("p.md"), &text, today());
        // An article comes back only when nothing is wrong with it.
        prop_assert!(parsed.article.is_none() || parsed.problems.is_empty());
        if let Some(a) = parsed.article {
            let _ = a.body_text();
        }
    }

    #[test]
    fn any_question_gets_an_answer_or_nothing_found(question in texty()) {
        let lib = common::bundled();
        let screening = lib.screen(&question);
        let opts = AskOptions { crisis_acknowledged: true, ..AskOptions::default() };
        let answer = lib.ask(&question, &opts).expect("any question is answered");
        prop_assert!(!answer.disclaimer.is_empty());
        if screening.means {
            prop_assert!(answer.citations.is_empty());
        }
        for c in &answer.citations {
            for h in &c.highlights {
                prop_assert!(c.excerpt.is_char_boundary(h.start) && c.excerpt.is_char_boundary(h.end));
            }
        }
        prop_assert!(!answer.citations.is_empty() || !answer.notices.is_empty());
    }

    #[test]
    fn button_ids_are_parsed_strictly(id in "(cairn:)?[a-z-]{0,12}(:[0-9a-z]{0,22}){0,4}") {
        if cairn::buttons::is_cairn_button(&id) {
            prop_assert!(id.starts_with("cairn:"));
        }
    }

    #[test]
    fn a_validated_setting_validates_to_itself(
        name in prop::sample::select(settings::SETTINGS.iter().map(|s| s.name).collect::<Vec<_>>()),
        value in texty(),
    ) {
        if let Ok((name, normal)) = settings::validate(name, &value) {
            prop_assert_eq!(settings::validate(name, &normal), Ok((name, normal.clone())));
        }
    }

    #[test]
    fn form_fields_survive_toml_escaping(title in "[^\\p{C}]{1,120}", summary in "[^\\p{C}]{1,200}") {
        let form = ArticleForm {
            id: Some("prop-test".into()),
            title: title.clone(),
            summary: summary.clone(),
            source_name: "A source".into(),
            source_url: "https://example.org/a".into(),
            published: "2024-05".into(),
            evidence: "patient-guide".into(),
            conditions: "mecfs".into(),
            written: today(),
            writer: "prop writer".into(),
            body: "Some text.".into(),
            ..ArticleForm::default()
        };
        let md = form.to_markdown();
        let parsed = cairn::corpus::parse_article(std::path::Path::new("prop-test.md"), &md, today());
        // The parser squeezes runs of white space, as it does for files.
        let squeezed = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(a) = parsed.article {
            prop_assert_eq!(squeezed(&a.title), squeezed(&title));
            prop_assert_eq!(squeezed(&a.summary), squeezed(&summary));
        } else {
            // Only the article's own rules may refuse it (length, hidden characters, mentions),
            // never broken TOML.
            prop_assert!(
                parsed.problems.iter().all(|p| !p.message.contains("invalid front matter")),
                "{:?}", parsed.problems
            );
        }
    }
}
