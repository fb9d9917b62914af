//! The whole question path on arbitrary text, on the bundled library: safety screening,
//! analysis, synonym expansion, search, the relevance floor and excerpting. Any input must give
//! an answer or a "nothing found", never a panic.
#![no_main]

use cairn::{AskOptions, Library, LibraryConfig};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn library() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(|| {
        let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus");
        Library::open(&LibraryConfig::new(corpus, None)).expect("the bundled library opens")
    })
}

fuzz_target!(|question: &str| {
    let lib = library();
    let screening = lib.screen(question);
    let opts = AskOptions {
        crisis_acknowledged: true,
        ..AskOptions::default()
    };
    let answer = lib.ask(question, &opts).expect("any question is answered");
    assert!(!answer.disclaimer.is_empty());
    if screening.means {
        assert!(answer.citations.is_empty());
    }
    for c in &answer.citations {
        for h in &c.highlights {
            assert!(c.excerpt.is_char_boundary(h.start) && c.excerpt.is_char_boundary(h.end));
        }
    }
});
