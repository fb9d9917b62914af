//! Every question in corpus/golden.toml must find its expected articles in the top 3. All misses
//! are reported together, with what was found instead.

mod common;

use cairn::corpus::golden;

#[test]
fn golden_questions_find_their_articles_in_the_top_3() {
    let lib = common::bundled();
    assert!(
        lib.problems().is_empty(),
        "the bundled library has problems: {:?}",
        lib.problems()
    );
    let (questions, problems) =
        golden::load(&common::corpus_dir().join("golden.toml")).expect("golden.toml is readable");
    assert!(
        problems.is_empty(),
        "golden.toml has problems: {problems:?}"
    );
    assert!(
        questions.len() >= 30,
        "only {} golden questions",
        questions.len()
    );

    let mut misses = Vec::new();
    for q in &questions {
        let top: Vec<String> = lib
            .search_ids(&q.ask, q.condition, 3)
            .expect("search works")
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        for want in &q.expect {
            if !top.contains(want) {
                misses.push(format!(
                    "line {}: {:?} expected {want}, top 3 were {top:?}",
                    q.line, q.ask
                ));
            }
        }
    }
    assert!(
        misses.is_empty(),
        "{} of {} golden questions missed:\n{}",
        misses.len(),
        questions.len(),
        misses.join("\n")
    );
}
