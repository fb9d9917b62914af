//! Nothing a member types can break a search: every input yields citations or a helpful
//! "nothing found" notice, never a panic or a syntax error.

mod common;

use cairn::{AskOptions, Notice};

fn ask(q: &str) -> cairn::Answer {
    common::bundled()
        .ask(q, &AskOptions::default())
        .unwrap_or_else(|e| panic!("{q:?} failed: {e}"))
}

fn nothing_found(a: &cairn::Answer) -> bool {
    a.notices
        .iter()
        .any(|n| matches!(n, Notice::NothingFound { .. }))
}

#[test]
fn hostile_and_odd_inputs_answer_without_error() {
    let long = "why am I so tired after a shower ".repeat(200); // ~6,600 characters
    let inputs = [
        "",
        "   ",
        "?!?!",
        "(*&^%$#@!) ~~ :: [] {} \\ / | < >",
        "title:foo",
        "pain: fibro",
        "\"unclosed quote",
        "AND OR NOT",
        "+pacing -exercise",
        "fmt^10 ~2 pacing*",
        "🙂🙃🤒",
        "纤维肌痛是什么",
        "что такое фибромиалгия",
        "ما هو الألم العضلي الليفي",
        "\u{0}\u{1}control\u{7f}",
        long.as_str(),
    ];
    for q in inputs {
        let a = ask(q);
        assert!(
            !a.citations.is_empty() || nothing_found(&a),
            "{q:?}: neither citations nor a nothing-found notice"
        );
        assert!(!a.disclaimer.is_empty());
    }
}

#[test]
fn syntax_like_questions_still_find_articles() {
    // Query syntax in user text is just words: "pain: fibro" searches for pain and fibro.
    for q in [
        "pain: fibro",
        "title:fibromyalgia",
        "\"post-exertional malaise\"",
        "ME/CFS (pacing)",
    ] {
        let a = ask(q);
        assert!(!a.citations.is_empty(), "{q:?} found nothing");
    }
}

#[test]
fn nothing_found_says_what_to_try() {
    let a = ask("🙂🙃🤒");
    let Some(Notice::NothingFound { suggestions, .. }) = a
        .notices
        .iter()
        .find(|n| matches!(n, Notice::NothingFound { .. }))
    else {
        panic!("no nothing-found notice: {:?}", a.notices);
    };
    assert!(suggestions.len() >= 2);
    assert!(a.citations.is_empty());
}
