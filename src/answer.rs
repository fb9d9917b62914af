//! The answer to a question as plain data: cited excerpts with highlight ranges, the
//! disclaimer and any notices (crisis, emergency, nothing found). Also how an excerpt of 2-3
//! sentences is chosen from an article. Knows nothing of terminals or Discord: `cli` and
//! `discord` each render an [`Answer`] their own way.

use crate::corpus::{Article, Condition, Evidence};
use crate::safety::Helpline;
use crate::search::Analysis;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashSet;
use std::ops::Range;

/// Shown with every answer unless a server rewords it; never removed.
pub const DEFAULT_DISCLAIMER: &str = "cairn is a librarian, not a clinician: these excerpts summarise published sources and do not replace advice from your own doctor or care team.";

/// Longest excerpt, in characters.
pub const MAX_EXCERPT_CHARS: usize = 420;

/// What a question gets back.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub citations: Vec<Citation>,
    /// Position of the first citation among all matches (for paging).
    pub offset: usize,
    /// Whether more citations follow this page.
    pub has_more: bool,
    pub notices: Vec<Notice>,
    pub disclaimer: String,
    /// True when the search was not run because the question contains crisis language; the
    /// caller may offer to run it anyway (`AskOptions::crisis_acknowledged`).
    pub search_withheld: bool,
}

/// One cited excerpt.
#[derive(Debug, Clone, Serialize)]
pub struct Citation {
    pub article_id: String,
    pub title: String,
    pub summary: String,
    pub source_name: String,
    pub source_url: String,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub published: String,
    pub reviewed: NaiveDate,
    pub review_overdue: bool,
    pub evidence: Evidence,
    pub evidence_label: &'static str,
    pub conditions: Vec<Condition>,
    pub cautions: Vec<String>,
    pub excerpt: String,
    /// Byte ranges of `excerpt` (UTF-8) holding words that matched the question.
    pub highlights: Vec<Range<usize>>,
    pub score: f32,
}

/// Something the reader must see besides the citations.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Notice {
    /// Crisis language: a warm, short message and helplines, shown before anything else.
    Crisis {
        message: String,
        helplines: Vec<Helpline>,
    },
    /// An emergency symptom: call emergency services first.
    Emergency { message: String },
    /// No article matched.
    NothingFound {
        message: String,
        suggestions: Vec<String>,
    },
}

impl Notice {
    pub fn crisis(helplines: Vec<Helpline>) -> Notice {
        Notice::Crisis {
            message: "It sounds like you might be going through something really hard. You don't have to face it alone: please reach out to someone now. These lines are free and confidential.".into(),
            helplines,
        }
    }

    pub fn emergency(what: &str) -> Notice {
        Notice::Emergency {
            message: format!("If you or someone near you has {what} now, call your local emergency number (999, 112, 911 or 000) before anything else."),
        }
    }

    pub fn nothing_found(condition: Option<Condition>) -> Notice {
        let mut suggestions = vec![
            "Use the key words of your question, e.g. \"pacing\", \"brain fog\", \"FMT safety\"."
                .to_string(),
            "Try the full name of a condition or treatment instead of a nickname.".to_string(),
            "See the list of topics the library covers with /topics (or `cairn topics`)."
                .to_string(),
        ];
        if let Some(c) = condition {
            suggestions.insert(
                0,
                format!("Search without the condition filter ({}).", c.label()),
            );
        }
        Notice::NothingFound {
            message: "No article in the library matches that question.".into(),
            suggestions,
        }
    }
}

/// A sentence of a paragraph, by byte range.
fn sentences(text: &str) -> Vec<Range<usize>> {
    const ABBREV: &[&str] = &["e.g", "i.e", "al", "vs", "dr", "approx", "etc", "fig"];
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if matches!(c, b'.' | b'!' | b'?') {
            let mut j = i + 1;
            while j < bytes.len() && matches!(bytes[j], b'"' | b'\'' | b')') {
                j += 1;
            }
            let at_break = j >= bytes.len() || bytes[j] == b' ';
            let next_starts = text[j..].trim_start().chars().next().is_none_or(|ch| {
                ch.is_uppercase() || ch.is_ascii_digit() || ch == '"' || ch == '('
            });
            let word_before = text[start..i]
                .rsplit(|ch: char| ch.is_whitespace() || ch == '(')
                .next()
                .unwrap_or("")
                .to_lowercase();
            let abbrev = c == b'.' && ABBREV.contains(&word_before.as_str());
            if at_break && next_starts && !abbrev {
                out.push(start..j);
                start = j;
                while start < bytes.len() && bytes[start] == b' ' {
                    start += 1;
                }
                i = start;
                continue;
            }
        }
        i += 1;
    }
    if start < bytes.len() {
        out.push(start..bytes.len());
    }
    out
}

/// Cuts `text` to at most `max` characters on a word boundary, adding "...".
pub fn truncate_words(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let keep = max.saturating_sub(3);
    let cut = text
        .char_indices()
        .nth(keep)
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let head = &text[..cut];
    let head = match head.rfind(char::is_whitespace) {
        Some(sp) if sp > cut / 2 => &head[..sp],
        _ => head,
    };
    format!(
        "{}...",
        head.trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == ';')
    )
}

/// Picks the 2-3 consecutive sentences of `article` that best match `terms`, and the byte ranges
/// of the matching words inside it.
pub fn excerpt(
    article: &Article,
    terms: &HashSet<String>,
    analysis: &mut Analysis,
) -> (String, Vec<Range<usize>>) {
    // (paragraph, sentence range, distinct matches, total matches)
    let mut best: Option<(usize, usize, usize, usize)> = None; // (para, sentence idx, distinct, total)
    let mut all: Vec<Vec<Range<usize>>> = Vec::new();
    for (p, para) in article.paragraphs.iter().enumerate() {
        let sents = sentences(para);
        for (s, range) in sents.iter().enumerate() {
            let toks = analysis.terms(&para[range.clone()]);
            let matched: Vec<&String> = toks.iter().filter(|t| terms.contains(*t)).collect();
            let distinct = matched.iter().collect::<HashSet<_>>().len();
            let total = matched.len();
            if distinct > 0 && best.is_none_or(|(_, _, d, t)| (distinct, total) > (d, t)) {
                best = Some((p, s, distinct, total));
            }
        }
        all.push(sents);
    }
    let (p, s) = best.map(|(p, s, _, _)| (p, s)).unwrap_or((0, 0));
    let Some(para) = article.paragraphs.get(p) else {
        return (String::new(), Vec::new());
    };
    let sents = &all[p];
    if sents.is_empty() {
        return (String::new(), Vec::new());
    }
    // Grow the window from the best sentence: forwards first, then back, up to 3 sentences.
    let (mut lo, mut hi) = (s, s);
    let len = |lo: usize, hi: usize| para[sents[lo].start..sents[hi].end].chars().count();
    while hi - lo < 2 {
        if hi + 1 < sents.len() && len(lo, hi + 1) <= MAX_EXCERPT_CHARS {
            hi += 1;
        } else if lo > 0 && len(lo - 1, hi) <= MAX_EXCERPT_CHARS {
            lo -= 1;
        } else {
            break;
        }
        if len(lo, hi) > MAX_EXCERPT_CHARS * 2 / 3 {
            break;
        }
    }
    let text = truncate_words(&para[sents[lo].start..sents[hi].end], MAX_EXCERPT_CHARS);
    let mut highlights: Vec<Range<usize>> = Vec::new();
    for (r, t) in analysis.terms_with_offsets(&text) {
        if !terms.contains(&t) {
            continue;
        }
        // "post-exertional malaise" reads better as one marked phrase than three words.
        match highlights.last_mut() {
            Some(last)
                if text[last.end..r.start]
                    .chars()
                    .all(|c| c == ' ' || c == '-') =>
            {
                last.end = r.end;
            }
            _ => highlights.push(r),
        }
    }
    (text, highlights)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        sentences(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn sentences_split_on_full_stops_not_abbreviations() {
        assert_eq!(
            split("Rest helps. Xiong et al. found changes, e.g. fewer microbes! Is it 2023? Yes."),
            vec![
                "Rest helps.",
                "Xiong et al. found changes, e.g. fewer microbes!",
                "Is it 2023?",
                "Yes."
            ]
        );
        assert_eq!(
            split("No full stop at the end"),
            vec!["No full stop at the end"]
        );
        assert_eq!(
            split("Version 1.5 is out. Next."),
            vec!["Version 1.5 is out.", "Next."]
        );
    }

    #[test]
    fn truncation_is_on_a_word_boundary() {
        let t = truncate_words("alpha beta gamma delta epsilon", 16);
        assert_eq!(t, "alpha beta...");
        assert!(t.chars().count() <= 16);
        assert_eq!(truncate_words("short", 16), "short");
        // Multi-byte text never splits a character.
        let long = "é".repeat(50);
        assert!(truncate_words(&long, 10).ends_with("..."));
    }
}
