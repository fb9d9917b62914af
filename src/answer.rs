//! The answer to a question as plain data: cited excerpts with highlight ranges, the
//! disclaimer and any notices (crisis, emergency, nothing found). Also how an excerpt of 2-3
//! sentences is chosen from an article. Knows nothing of terminals or Discord: `cli` and
//! `discord` each render an [`Answer`] their own way.

use crate::corpus::{Article, Condition, Evidence};
use crate::safety::{Helpline, Screening};
use crate::search::Analysis;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::ops::Range;

/// Shown with every answer unless a server rewords it; never removed.
pub const DEFAULT_DISCLAIMER: &str = "cairn is a librarian, not a clinician: these excerpts summarise published sources and do not replace advice from your own doctor or care team.";

/// Longest excerpt, in characters.
pub const MAX_EXCERPT_CHARS: usize = 420;

/// What a question gets back.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// What the safety check found (no question text).
    pub screening: Screening,
}

impl Answer {
    /// Where the next page starts, when there is one.
    pub fn next_offset(&self) -> Option<usize> {
        self.has_more.then_some(self.offset + self.citations.len())
    }

    /// One page of an answer that holds every page (offset 0): the citations from `offset`,
    /// at most `limit`, with the same notices and disclaimer. Buttons page through this, so
    /// the list a member pages through never changes under them.
    pub fn page(&self, offset: usize, limit: usize) -> Answer {
        let limit = limit.max(1);
        let all = self.citations.len();
        let start = (self.offset.max(offset) - self.offset).min(all);
        Answer {
            citations: self.citations[start..(start + limit).min(all)].to_vec(),
            offset: self.offset + start,
            has_more: start + limit < all,
            notices: self.notices.clone(),
            disclaimer: self.disclaimer.clone(),
            search_withheld: self.search_withheld,
            screening: self.screening.clone(),
        }
    }
}

/// One cited excerpt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Citation {
    pub article_id: String,
    pub title: String,
    pub summary: String,
    /// The source of the passage the excerpt comes from (an article may have several).
    pub source_name: String,
    pub source_url: String,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub published: String,
    /// When the article was written.
    #[serde(default)]
    pub written: NaiveDate,
    /// The last review by someone other than the writer; `None`: not yet independently
    /// reviewed, which every renderer says.
    pub reviewed: Option<NaiveDate>,
    pub review_overdue: bool,
    /// The level of the excerpt's source, and the same in plain words ("Study in mice").
    pub evidence: Evidence,
    pub evidence_label: String,
    /// The excerpt's source is a preprint, not yet peer reviewed.
    #[serde(default)]
    pub preprint: bool,
    pub conditions: Vec<Condition>,
    pub cautions: Vec<String>,
    pub excerpt: String,
    /// Byte ranges of `excerpt` (UTF-8) holding words that matched the question.
    pub highlights: Vec<Range<usize>>,
    pub score: f32,
}

impl Citation {
    /// The review status in words, the same in every renderer: "Reviewed 2027-03-01" or "Not
    /// yet independently reviewed", and "(overdue for review)" when it is.
    pub fn review_status(&self) -> String {
        let status = match self.reviewed {
            Some(d) => format!("Reviewed {d}"),
            None => "Not yet independently reviewed".to_string(),
        };
        if self.review_overdue {
            format!("{status} (overdue for review)")
        } else {
            status
        }
    }

    /// The kind of evidence in plain words, flagged when the source is a preprint.
    pub fn evidence_words(&self) -> String {
        if self.preprint {
            format!("{} (preprint, not yet peer reviewed)", self.evidence_label)
        } else {
            self.evidence_label.clone()
        }
    }
}

/// Something the reader must see besides the citations.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Notice {
    /// Crisis language: a warm, short message and helplines, shown before anything else.
    Crisis {
        message: String,
        helplines: Vec<Helpline>,
        /// Whether the member can still ask for the library's results.
        results_on_request: bool,
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
    /// The crisis reply: warm and brief, no method detail, helplines first (safe-messaging).
    pub fn crisis(helplines: Vec<Helpline>, results_on_request: bool) -> Notice {
        Notice::Crisis {
            message: "It sounds like you are going through something really painful right now, and I'm glad you said something. You don't have to carry this alone. Please reach out to one of these free, confidential lines, or to someone you trust, now. If you are in immediate danger, call your local emergency number.".into(),
            helplines,
            results_on_request,
        }
    }

    /// An emergency notice: call the emergency number first (the country's, when known).
    pub fn emergency(what: &str, number: Option<&str>) -> Notice {
        let call = match number {
            Some(n) => format!("call {n}"),
            None => "call your local emergency number (for example 999, 112, 911, 000 or 111)"
                .to_string(),
        };
        Notice::Emergency {
            message: format!(
                "If you or someone near you has {what} now, {call} before anything else."
            ),
        }
    }

    pub fn nothing_found(condition: Option<Condition>) -> Notice {
        let mut suggestions = vec![
            "Use the key words of your question, e.g. \"pacing\", \"brain fog\", \"FMT safety\"."
                .to_string(),
            "Try the full name of a condition or treatment instead of a nickname.".to_string(),
            "See the list of topics the library covers with /topics (or `cairn topics`)."
                .to_string(),
            "Ask a moderator: they can point you elsewhere, or add an article on it.".to_string(),
        ];
        if let Some(c) = condition {
            suggestions.insert(
                0,
                format!("Search without the condition filter ({}).", c.label()),
            );
        }
        Notice::NothingFound {
            message: "The library has nothing on this yet.".into(),
            suggestions,
        }
    }
}

/// Abbreviations whose full stop does not end a sentence (compared ignoring ASCII case).
const ABBREV: &[&str] = &["e.g", "i.e", "al", "vs", "dr", "approx", "etc", "fig"];
/// The longest of [`ABBREV`], in bytes: a longer word is never compared.
const LONGEST_ABBREV: usize = 6;

/// The sentences of a paragraph, by byte range. A sentence ends at `.`, `!` or `?` (then any
/// closing quotes or brackets) followed by a space and a capital, a digit, `"` or `(`, or by the
/// end of the text; the full stop of an abbreviation ([`ABBREV`]) ends none.
fn sentences(text: &str) -> Vec<Range<usize>> {
    Splitter { text, examined: 0 }.split()
}

/// The sentence splitter, in linear time. Every byte it reads goes through
/// [`Splitter::char_at`] (or is counted by [`Splitter::is_abbrev`]), so `examined` is the work
/// done: each byte is read by the main walk, at most once more as the character after a full
/// stop, once more while skipping the spaces after a possible sentence end, and once more as
/// part of the (at most 6-byte) word before a sentence end; the word before a full stop is known
/// from the walk, never found by looking back. So `examined <= 4 * text.len()`.
struct Splitter<'a> {
    text: &'a str,
    examined: usize,
}

impl Splitter<'_> {
    /// The character starting at byte `at`, if any, counting its bytes as examined.
    fn char_at(&mut self, at: usize) -> Option<char> {
        let ch = self.text.get(at..)?.chars().next()?;
        self.examined += ch.len_utf8();
        Some(ch)
    }

    fn split(&mut self) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        // Where the word ending at `i` begins: after the sentence's last whitespace or `(`.
        let mut word_start = 0;
        let mut i = 0;
        while let Some(c) = self.char_at(i) {
            let next = i + c.len_utf8();
            if c.is_whitespace() || c == '(' {
                word_start = next;
            } else if let Some(end) = self.sentence_end(c, i, word_start) {
                out.push(start..end);
                start = end;
                while self.char_at(start) == Some(' ') {
                    start += 1;
                }
                word_start = start;
                i = start;
                continue;
            }
            i = next;
        }
        if start < self.text.len() {
            out.push(start..self.text.len());
        }
        out
    }

    /// Where the sentence ends when the character `c` at byte `i` ends it (after any closing
    /// quotes or brackets); `word_start..i` is the word before it.
    fn sentence_end(&mut self, c: char, i: usize, word_start: usize) -> Option<usize> {
        if !matches!(c, '.' | '!' | '?') {
            return None;
        }
        let mut j = i + 1;
        let mut after = self.char_at(j);
        while let Some('"' | '\'' | ')') = after {
            j += 1;
            after = self.char_at(j);
        }
        if !matches!(after, None | Some(' ')) || (c == '.' && self.is_abbrev(word_start..i)) {
            return None;
        }
        // The next sentence must start like one: a capital, a digit, a quote or a bracket.
        let mut k = j;
        let first = loop {
            match self.char_at(k) {
                Some(ch) if ch.is_whitespace() => k += ch.len_utf8(),
                other => break other,
            }
        };
        first
            .is_none_or(|ch| ch.is_uppercase() || ch.is_ascii_digit() || ch == '"' || ch == '(')
            .then_some(j)
    }

    fn is_abbrev(&mut self, word: Range<usize>) -> bool {
        if word.len() > LONGEST_ABBREV {
            return false;
        }
        self.examined += word.len();
        let word = &self.text[word];
        ABBREV.iter().any(|a| a.eq_ignore_ascii_case(word))
    }
}

/// Splits `text` into runs that are (true) or are not (false) highlighted. Ranges that overlap
/// an earlier one, fall outside the text or split a character are ignored, never a panic.
pub fn highlight_runs<'a>(text: &'a str, highlights: &[Range<usize>]) -> Vec<(&'a str, bool)> {
    let mut runs = Vec::new();
    let mut at = 0;
    for r in highlights {
        if r.start < at
            || r.end > text.len()
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            continue;
        }
        runs.push((&text[at..r.start], false));
        runs.push((&text[r.clone()], true));
        at = r.end;
    }
    runs.push((&text[at..], false));
    runs.retain(|(s, _)| !s.is_empty());
    runs
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

/// Headings whose passages answer rather than introduce: findings and what they mean.
const ANSWER_HEADINGS: &[&str] = &[
    "mean",
    "found",
    "find",
    "finding",
    "result",
    "show",
    "evidence",
    "answer",
    "help",
    "work",
    "recommend",
    "advice",
    "what to do",
    "day to day",
];

/// Whether a paragraph stands under a heading that announces an answer.
fn under_answer_heading(article: &Article, paragraph: usize) -> bool {
    let heading = article
        .paragraph_headings
        .get(paragraph)
        .copied()
        .flatten()
        .and_then(|h| article.headings.get(h));
    heading.is_some_and(|h| {
        let h = h.to_lowercase();
        ANSWER_HEADINGS.iter().any(|w| h.contains(w))
    })
}

/// An excerpt: its text, the byte ranges of matched words in it, and the paragraph it starts
/// in (whose source it is shown under).
pub struct Excerpt {
    pub text: String,
    pub highlights: Vec<Range<usize>>,
    pub paragraph: usize,
}

/// Picks the 2-3 consecutive sentences of `article` that best match `terms`, and the byte ranges
/// of the matching words inside it. Among sentences matching as many distinct terms, one that
/// answers (under a findings or "what this means" heading, and not itself a question) wins over
/// one that only repeats the question's words. The window never crosses into a passage of
/// another source, so the excerpt is always shown under its own source.
pub fn excerpt(article: &Article, terms: &HashSet<String>, analysis: &mut Analysis) -> Excerpt {
    // Every sentence of the body, in order: (paragraph, byte range in that paragraph).
    let units: Vec<(usize, Range<usize>)> = article
        .paragraphs
        .iter()
        .enumerate()
        .flat_map(|(p, para)| sentences(para).into_iter().map(move |r| (p, r)))
        .collect();
    if units.is_empty() {
        return Excerpt {
            text: String::new(),
            highlights: Vec::new(),
            paragraph: 0,
        };
    }
    // The sentence with the most distinct matched terms wins; then one that answers; then the
    // most matches.
    let mut best: Option<(usize, (usize, usize, usize))> = None;
    for (i, (p, r)) in units.iter().enumerate() {
        let sentence = &article.paragraphs[*p][r.clone()];
        let toks = analysis.terms(sentence);
        let matched: Vec<&String> = toks.iter().filter(|t| terms.contains(*t)).collect();
        let distinct = matched.iter().collect::<HashSet<_>>().len();
        let answers = usize::from(under_answer_heading(article, *p))
            + usize::from(!sentence.trim_end().ends_with('?'));
        let key = (distinct, answers, matched.len());
        if distinct > 0 && best.is_none_or(|(_, k)| key > k) {
            best = Some((i, key));
        }
    }
    let s = best.map(|(i, _)| i).unwrap_or(0);
    let text_of = |lo: usize, hi: usize| -> String {
        let mut out = String::new();
        for (p, r) in &units[lo..=hi] {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&article.paragraphs[*p][r.clone()]);
        }
        out
    };
    // Characters of each sentence, counted once: growing the window never re-reads the text.
    let chars: Vec<usize> = units
        .iter()
        .map(|(p, r)| article.paragraphs[*p][r.clone()].chars().count())
        .collect();
    let len = |lo: usize, hi: usize| chars[lo..=hi].iter().sum::<usize>() + (hi - lo);
    // Grow the window from the best sentence, forwards first, up to 3 sentences. It stays in
    // its paragraph unless that gives too little to read (a short list item, say).
    let (mut lo, mut hi) = (s, s);
    while hi - lo < 2 && len(lo, hi) <= MAX_EXCERPT_CHARS * 2 / 3 {
        let short = len(lo, hi) < 150;
        let source = |u: usize| article.paragraph_sources.get(units[u].0).copied();
        let heading = |u: usize| article.paragraph_headings.get(units[u].0).copied();
        // A short passage may borrow from its neighbours, but never across a heading or into
        // another source's passage.
        let same = |a: usize, b: usize| {
            (units[a].0 == units[b].0 || (short && heading(a) == heading(b)))
                && source(a) == source(b)
        };
        if hi + 1 < units.len() && same(hi, hi + 1) && len(lo, hi + 1) <= MAX_EXCERPT_CHARS {
            hi += 1;
        } else if lo > 0 && same(lo - 1, lo) && len(lo - 1, hi) <= MAX_EXCERPT_CHARS {
            lo -= 1;
        } else {
            break;
        }
    }
    let text = truncate_words(&text_of(lo, hi), MAX_EXCERPT_CHARS);
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
    Excerpt {
        text,
        highlights,
        paragraph: units[lo].0,
    }
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
    fn abbreviations_quotes_and_brackets() {
        assert_eq!(
            split("See Dr. Lee, i.e. the GP. \"Rest.\" (It helps.) Then APPROX. 3 days. E.G. Me."),
            vec![
                "See Dr. Lee, i.e. the GP.",
                "\"Rest.\"",
                "(It helps.)",
                "Then APPROX. 3 days.",
                "E.G. Me."
            ]
        );
        // Only a plain space after the full stop can end a sentence, as before.
        assert_eq!(
            split("Odd.  Spaces.\u{a0} Élan. \u{a0}Fin."),
            vec!["Odd.", "Spaces.\u{a0} Élan.", "\u{a0}Fin."]
        );
        assert_eq!(split(""), Vec::<&str>::new());
        assert_eq!(split("..."), vec!["..."]);
    }

    /// The splitter as it was (quadratic: it looked back over the sentence at every full
    /// stop), kept as the reference the linear one must agree with.
    fn reference(text: &str) -> Vec<Range<usize>> {
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

    #[test]
    fn the_linear_splitter_agrees_with_the_old_one() {
        // Every text of up to 5 pieces from these, in a fixed pseudo-random order.
        const PIECES: &[&str] = &[
            ".", "!", "?", " ", "  ", "\"", "'", ")", "(", "a", "Word", "e.g", "I.E", "al", "Dr",
            "approx", "7", "é", "\u{a0}", "\n", "x.y", "Étude",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..50_000 {
            let mut text = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut r = seed;
            for _ in 0..(r % 6) {
                r /= 6;
                text.push_str(PIECES[(r % PIECES.len() as u64) as usize]);
                r /= PIECES.len() as u64;
            }
            assert_eq!(sentences(&text), reference(&text), "{text:?}");
        }
    }

    /// The work the splitter does, in bytes examined, on `text`.
    fn work(text: &str) -> usize {
        let mut splitter = Splitter { text, examined: 0 };
        splitter.split();
        splitter.examined
    }

    #[test]
    fn sentence_splitting_is_linear_on_adversarial_text() {
        // No clock: the splitter counts every byte it reads, and the count stays within a small
        // multiple of the length (the old splitter looked back over the whole sentence at every
        // full stop: some 80 billion reads for the first input).
        let inputs = [
            ".".repeat(400 * 1024),
            "a.".repeat(100_000),
            ". ".repeat(100_000),
            "x. y".repeat(50_000),
            "e.g. ".repeat(50_000),
            "approx. x ".repeat(30_000),
            format!("A.{}x", " ".repeat(200_000)),
            format!("A{}", ".)\"'".repeat(50_000)),
            ")\"'".repeat(100_000),
            "!?".repeat(100_000),
            "é.\u{a0}".repeat(60_000),
            format!("{} end.", "word ".repeat(80_000)),
        ];
        for text in &inputs {
            let n = text.len();
            let w = work(text);
            assert!(
                w <= 4 * n,
                "{w} bytes examined for {n} bytes of {:?}...",
                &text[..20]
            );
            // Every byte is read at least once, and the sentences cover the text in order.
            assert!(w >= n);
            let mut at = 0;
            for r in sentences(text) {
                assert!(r.start >= at && r.end > r.start, "{r:?}");
                at = r.end;
            }
        }
        assert_eq!(sentences(&inputs[0]), vec![0..400 * 1024]);
    }

    fn article(body: &str) -> Article {
        let text = format!(
            "+++\nid = \"a\"\ntitle = \"T\"\nsummary = \"S.\"\nwritten = 2025-01-01\nwriter = \"W\"\nevidence = \"rct\"\nconditions = [\"mecfs\"]\n[source]\nname = \"N\"\nurl = \"https://example.org/\"\npublished = \"2020\"\n[review]\nevery = 24\n+++\n{body}"
        );
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        crate::corpus::parse_article(std::path::Path::new("a.md"), &text, today)
            .article
            .expect("valid test article")
    }

    #[test]
    fn the_excerpt_is_the_best_sentences_with_marked_words() {
        let a = article(
            "Nothing here. Still nothing.\n\nRest days help. Pacing means planning rest between tasks. It is self-led. Unrelated closing words.\n",
        );
        let terms: HashSet<String> = ["pace", "rest"].iter().map(|s| s.to_string()).collect();
        let mut analysis = Analysis::new(&[]);
        let Excerpt {
            text,
            highlights: hl,
            ..
        } = excerpt(&a, &terms, &mut analysis);
        assert_eq!(
            text,
            "Pacing means planning rest between tasks. It is self-led. Unrelated closing words."
        );
        let marked: Vec<&str> = hl.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(marked, vec!["Pacing", "rest"]);
    }

    #[test]
    fn an_answering_passage_wins_over_an_introduction_that_repeats_the_question() {
        let a = article(
            "Does FMT help fibromyalgia? Interest in FMT for fibromyalgia has grown.\n\n## What the trial found\n\nIn a small trial, FMT for fibromyalgia came with less pain. There was no placebo.\n",
        );
        let mut analysis = Analysis::new(&[]);
        let terms: HashSet<String> = analysis.terms("FMT fibromyalgia").into_iter().collect();
        let cut = excerpt(&a, &terms, &mut analysis);
        assert!(cut.text.starts_with("In a small trial"), "{}", cut.text);
        assert_eq!(cut.paragraph, 1);
    }

    #[test]
    fn a_short_list_item_borrows_its_neighbours() {
        let a = article("Criteria:\n\n- fatigue;\n- post-exertional malaise;\n- unrefreshing sleep.\n\nAnother paragraph entirely, which is long enough to stand on its own as an excerpt.\n");
        let terms: HashSet<String> = ["malais"].iter().map(|s| s.to_string()).collect();
        let Excerpt {
            text,
            highlights: hl,
            ..
        } = excerpt(&a, &terms, &mut Analysis::new(&[]));
        assert!(
            text.starts_with("post-exertional malaise; unrefreshing sleep."),
            "{text}"
        );
        assert_eq!(&text[hl[0].clone()], "malaise");
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
