//! Each document's analysed terms, computed once when it is indexed and stored beside it, so
//! that answering a question never re-analyses an article: pseudo-relevance feedback reads the
//! term counts of the first hits, and the relevance floor reads which terms an article has.
//!
//! Stored as text: the number of terms in the title and body, then each distinct term of the
//! title and body with its count, then the terms found only in the summary and tags. Analysed
//! terms are letters and digits only, so spaces and new lines separate them safely.

use super::IndexDoc;
use std::collections::HashMap;
use tantivy::tokenizer::{PreTokenizedString, TextAnalyzer};

/// A document's analysed terms, in their stored form (read in place, nothing copied).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocTerms {
    text: String,
    /// How many terms the title and body have (stop words included).
    len: usize,
}

impl DocTerms {
    /// Analyses a document once: its terms, and its title, summary, tags and body as tokens
    /// for the index (so the index does not analyse them again).
    pub fn analyse(
        doc: &IndexDoc,
        analyzer: &mut TextAnalyzer,
    ) -> (DocTerms, [PreTokenizedString; 4]) {
        let mut tokenize = |text: &str| {
            let mut tokens = Vec::new();
            let mut stream = analyzer.token_stream(text);
            while stream.advance() {
                tokens.push(stream.token().clone());
            }
            PreTokenizedString {
                text: text.to_string(),
                tokens,
            }
        };
        let fields = [
            tokenize(&doc.title),
            tokenize(&doc.summary),
            tokenize(&doc.tags),
            tokenize(&doc.body),
        ];
        let mut counts: HashMap<&str, u32> = HashMap::new();
        let mut len = 0;
        for field in [&fields[0], &fields[3]] {
            for token in &field.tokens {
                len += 1;
                *counts.entry(token.text.as_str()).or_default() += 1;
            }
        }
        let mut extra: Vec<&str> = Vec::new();
        for field in [&fields[1], &fields[2]] {
            for token in &field.tokens {
                let term = token.text.as_str();
                if !counts.contains_key(term) && !extra.contains(&term) {
                    extra.push(term);
                }
            }
        }
        let mut counts: Vec<(&str, u32)> = counts.into_iter().collect();
        counts.sort();
        extra.sort();
        let mut text = len.to_string();
        text.push('\n');
        for (i, (term, n)) in counts.iter().enumerate() {
            if i > 0 {
                text.push(' ');
            }
            text.push_str(term);
            text.push(' ');
            text.push_str(&n.to_string());
        }
        text.push('\n');
        text.push_str(&extra.join(" "));
        (DocTerms { text, len }, fields)
    }

    /// The stored form.
    pub fn encode(&self) -> &str {
        &self.text
    }

    /// Reads the stored form; anything malformed reads as no terms (feedback then skips the
    /// document and coverage finds nothing in it), never a panic.
    pub fn decode(text: String) -> DocTerms {
        let mut lines = text.split('\n');
        let Some(len) = lines.next().and_then(|l| l.parse().ok()) else {
            return DocTerms::default();
        };
        let mut words = lines.next().unwrap_or("").split_ascii_whitespace();
        let mut pairs = 0usize;
        while let Some(_term) = words.next() {
            match words.next().map(str::parse::<u32>) {
                Some(Ok(_)) => pairs += 1,
                _ => return DocTerms::default(),
            }
        }
        if pairs == 0 && len > 0 {
            return DocTerms::default();
        }
        DocTerms { text, len }
    }

    /// How many terms the title and body have (stop words included).
    pub fn total(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0 && self.extra().next().is_none()
    }

    fn line(&self, n: usize) -> &str {
        self.text.split('\n').nth(n).unwrap_or("")
    }

    /// Each distinct term of the title and body, and how often it occurs there.
    pub fn counts(&self) -> impl Iterator<Item = (&str, u32)> {
        let mut words = self.line(1).split_ascii_whitespace();
        std::iter::from_fn(move || {
            let term = words.next()?;
            let n = words.next()?.parse().ok()?;
            Some((term, n))
        })
    }

    /// Terms of the summary and tags that the title and body lack.
    pub fn extra(&self) -> impl Iterator<Item = &str> {
        self.line(2).split_ascii_whitespace()
    }

    /// Every distinct term of the document (title, summary, tags and body).
    pub fn all(&self) -> impl Iterator<Item = &str> {
        self.counts().map(|(t, _)| t).chain(self.extra())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> IndexDoc {
        IndexDoc {
            id: "a".into(),
            title: "Pacing and PEM".into(),
            summary: "Pacing helps; energy envelope".into(),
            tags: "pacing, post-exertional malaise".into(),
            body: "Pacing keeps activity inside the energy envelope. Pacing is not exercise."
                .into(),
            ..IndexDoc::default()
        }
    }

    #[test]
    fn counts_title_and_body_and_keeps_the_rest_apart() {
        let mut analyzer = super::super::analysis::analyzer();
        let t = DocTerms::analyse(&doc(), &mut analyzer).0;
        let count = |w: &str| t.counts().find(|(t, _)| *t == w).map(|(_, n)| n);
        assert_eq!(count("pace"), Some(3));
        assert_eq!(count("envelop"), Some(1));
        assert_eq!(t.total(), 14);
        // "malais" is only in the tags, "energi" is in the body as well as the summary.
        assert!(t.extra().any(|t| t == "malais"));
        assert!(!t.extra().any(|t| t == "energi"));
        assert_eq!(count("malais"), None);
        assert!(t.all().any(|t| t == "malais") && t.all().any(|t| t == "pace"));
    }

    #[test]
    fn the_stored_form_reads_back() {
        let mut analyzer = super::super::analysis::analyzer();
        let t = DocTerms::analyse(&doc(), &mut analyzer).0;
        assert_eq!(DocTerms::decode(t.encode().to_string()), t);
        assert_eq!(t.counts().count(), 12);
    }

    #[test]
    fn damage_reads_as_nothing() {
        for bad in [
            "",
            "x\npace 1",
            "3\npace one",
            "3\npace",
            "3\n",
            "\u{0}\u{0}",
        ] {
            let t = DocTerms::decode(bad.to_string());
            assert_eq!(t, DocTerms::default(), "{bad:?}");
            assert!(t.is_empty() && t.all().next().is_none());
        }
    }
}
