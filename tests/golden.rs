//! Every question in corpus/golden.toml must find its expected articles (one: in the top 3;
//! two or more: each in the top 5) through the path a member's question takes (`Library::ask`,
//! default ranking), keep its ordering rule, and show the answer its pattern describes. All
//! misses are reported together, with what was found instead. The set itself must be hard: at
//! most 20% of the questions may share half their content words with the expected title.

mod common;

use cairn::corpus::golden::{self, GoldenQuestion};
use cairn::library::AskOptions;
use cairn::Library;
use std::collections::HashSet;

fn questions() -> Vec<GoldenQuestion> {
    let (questions, problems) =
        golden::load(&common::corpus_dir().join("golden.toml")).expect("golden.toml is readable");
    assert!(
        problems.is_empty(),
        "golden.toml has problems: {problems:?}"
    );
    questions
}

/// Every miss of one library on the golden set.
fn misses(lib: &Library, questions: &[GoldenQuestion]) -> Vec<String> {
    let mut misses = Vec::new();
    for q in questions {
        let opts = AskOptions {
            condition: q.condition,
            limit: q.depth(),
            ..AskOptions::default()
        };
        let answer = lib.ask(&q.ask, &opts).expect("ask works");
        let top: Vec<&str> = answer
            .citations
            .iter()
            .map(|c| c.article_id.as_str())
            .collect();
        for want in &q.expect {
            if !top.contains(&want.as_str()) {
                misses.push(format!(
                    "line {}: {:?} expected {want} in the top {}, found {top:?}",
                    q.line,
                    q.ask,
                    q.depth()
                ));
            }
        }
        if let Some((high, low)) = &q.above {
            let at = |id: &str| top.iter().position(|t| *t == id);
            if let (Some(h), Some(l)) = (at(high), at(low)) {
                if h > l {
                    misses.push(format!(
                        "line {}: {:?} ranked {low} above {high}: {top:?}",
                        q.line, q.ask
                    ));
                }
            } else if at(high).is_none() {
                misses.push(format!(
                    "line {}: {:?} must rank {high} above {low}, but {high} is not shown: {top:?}",
                    q.line, q.ask
                ));
            }
        }
        if let Some(pattern) = &q.answer {
            let re = regex::RegexBuilder::new(pattern)
                .case_insensitive(true)
                .build()
                .unwrap();
            let shown = answer
                .citations
                .iter()
                .find(|c| c.article_id == q.expect[0])
                .map(|c| format!("{} {}", c.summary, c.excerpt));
            match shown {
                Some(text) if re.is_match(&text) => {}
                Some(text) => misses.push(format!(
                    "line {}: {:?} showed no answer matching /{pattern}/: {text:?}",
                    q.line, q.ask
                )),
                None => {}
            }
        }
    }
    misses
}

#[test]
fn golden_questions_find_their_articles_with_the_default_ranking() {
    let lib = common::bundled();
    assert!(
        lib.problems().is_empty(),
        "the bundled library has problems: {:?}",
        lib.problems()
    );
    let questions = questions();
    assert!(
        questions.len() >= 150,
        "only {} golden questions",
        questions.len()
    );
    assert_all_pass(lib, &questions, "lexical");
}

/// Prints how many questions pass with `lib` and fails with every miss.
fn assert_all_pass(lib: &Library, questions: &[GoldenQuestion], label: &str) {
    let misses = misses(lib, questions);
    eprintln!(
        "golden ({label}): {} of {} questions pass",
        questions.len() - misses.len().min(questions.len()),
        questions.len()
    );
    assert!(
        misses.is_empty(),
        "{} misses on {} golden questions ({label}):\n{}",
        misses.len(),
        questions.len(),
        misses.join("\n")
    );
}

/// With the optional sentence encoder (when `CAIRN_MODEL` is set), the same set passes.
#[test]
fn golden_questions_pass_with_the_encoder_too() {
    let Some(dir) = common::model() else {
        return;
    };
    let lib = common::bundled_with_model(dir);
    assert_all_pass(&lib, &questions(), "with the encoder");
}

/// Words that carry meaning: 3+ letters, not stop words, lower case.
fn content_words(text: &str) -> HashSet<String> {
    const STOP: &[&str] = &[
        "the", "and", "for", "are", "but", "not", "you", "your", "with", "what", "does", "can",
        "how", "why", "who", "when", "where", "which", "this", "that", "there", "their", "they",
        "them", "from", "have", "has", "had", "was", "were", "will", "would", "should", "could",
        "about", "into", "than", "then", "its", "it's", "our", "out", "any", "all", "get", "got",
        "just", "also", "more", "most", "some", "such", "too", "very", "been", "being", "did",
        "doing", "is", "im", "i'm", "ive", "i've", "me", "my", "do", "so", "if", "or", "an", "a",
        "of", "to", "in", "on", "at", "by", "be", "as", "no", "yes", "one", "say", "says",
    ];
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| w.chars().count() >= 3 && !STOP.contains(w))
        .map(str::to_string)
        .collect()
}

#[test]
fn at_most_a_fifth_of_the_questions_echo_their_articles_title() {
    let lib = common::bundled();
    let questions = questions();
    let mut echo = Vec::new();
    for q in &questions {
        let Some(article) = lib.articles().find(|a| a.id == q.expect[0]) else {
            panic!("line {}: unknown article {}", q.line, q.expect[0]);
        };
        let asked = content_words(&q.ask);
        if asked.is_empty() {
            continue;
        }
        let title = content_words(&article.title);
        let shared = asked.intersection(&title).count();
        if shared * 2 >= asked.len() {
            echo.push(format!(
                "line {}: {:?} ~ {:?}",
                q.line, q.ask, article.title
            ));
        }
    }
    let share = echo.len() as f64 / questions.len() as f64;
    eprintln!(
        "golden: {} of {} questions ({:.0}%) share half their content words with the title",
        echo.len(),
        questions.len(),
        share * 100.0
    );
    assert!(
        share <= 0.20,
        "{:.0}% echo their title:\n{}",
        share * 100.0,
        echo.join("\n")
    );
}

#[test]
fn the_golden_set_covers_pairs_orderings_conditions_and_answers() {
    let questions = questions();
    let pairs = questions.iter().filter(|q| q.expect.len() > 1).count();
    let ordered = questions.iter().filter(|q| q.above.is_some()).count();
    let scoped = questions.iter().filter(|q| q.condition.is_some()).count();
    let answers = questions.iter().filter(|q| q.answer.is_some()).count();
    assert!(pairs >= 10, "{pairs} pair questions");
    assert!(ordered >= 3, "{ordered} ordering rules");
    assert!(scoped >= 10, "{scoped} condition-scoped questions");
    assert!(answers >= 20, "{answers} answer patterns");
    assert!(
        questions.iter().any(|q| q.above
            == Some((
                "nice-ng206-graded-exercise".to_string(),
                "fibromyalgia-exercise".to_string()
            ))),
        "an ME/CFS exercise question ranks NG206 above the fibromyalgia exercise article"
    );
}
