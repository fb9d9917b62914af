//! The article parser on arbitrary text: it must report problems, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a valid date");
    let parsed = cairn::corpus::parse_article(std::path::Path::new("fuzz.md"), text, today);
    if let Some(article) = parsed.article {
        // A valid article's text can be analysed and excerpted like any other.
        let _ = article.body_text();
    }
});
