//! Text analysis shared by indexing, querying and highlighting: how words become index terms
//! (lowercase, accents folded, English stems), which question words are dropped, and how
//! synonyms expand a question. User text only ever becomes a list of analysed terms here; it never
//! reaches a query parser.

use crate::corpus::synonyms::Synonym;
use std::collections::HashSet;
use std::ops::Range;
use std::sync::Arc;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, TokenStream,
};

/// The name the analyser is registered under in every index.
pub const ANALYZER: &str = "cairn_en";
/// At most this many distinct terms are taken from one question.
pub const MAX_QUERY_TERMS: usize = 48;

/// The English analyser used for every text field and every query.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Words split and normalised but not stemmed, to test against the stop lists.
fn word_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Words that carry no topic in a member's question: English function words and question
/// words. "no", "not" and "without" are deliberately absent: they are kept, at a low weight.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "all",
    "am",
    "an",
    "and",
    "any",
    "anyone",
    "are",
    "as",
    "at",
    "be",
    "been",
    "before",
    "being",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "done",
    "during",
    "each",
    "else",
    "for",
    "from",
    "get",
    "gets",
    "getting",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "him",
    "his",
    "how",
    "i",
    "if",
    "im",
    "in",
    "into",
    "is",
    "it",
    "its",
    "just",
    "know",
    "like",
    "might",
    "mine",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "please",
    "really",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "things",
    "this",
    "those",
    "through",
    "to",
    "too",
    "u",
    "under",
    "until",
    "up",
    "us",
    "very",
    "was",
    "we",
    "were",
    "what",
    "whats",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "s",
    "t",
    "d",
    "ll",
    "m",
    "re",
    "ve",
    "anybody",
    "someone",
    "somebody",
    "tell",
    "thanks",
    "hi",
    "hello",
    "hey",
    "ok",
    "okay",
    // Fillers members type that say nothing about the topic.
    "actually",
    "exactly",
    "basically",
    "basicly",
    "literally",
    "totally",
    "totaly",
    "honestly",
    "anyway",
    "guys",
    "lol",
    "pls",
    "plz",
    "kinda",
    "sorta",
    "stuff",
];

/// Kept in a question but worth little on their own.
const WEAK_WORDS: &[&str] = &["no", "not", "nor", "without", "never"];

/// One analysed query term with its weight.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryTerm {
    pub term: String,
    pub weight: f32,
}

/// One alternative wording added by a synonym: a sequence of analysed terms (one term or a
/// phrase) and its weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    pub terms: Vec<String>,
    pub weight: f32,
}

/// A question turned into what the index is searched for: the question's own terms, and for
/// each synonym it mentions, a group of alternative wordings of which only the best-matching one
/// counts (so a concept with many spellings does not outweigh the rest of the question).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryPlan {
    pub terms: Vec<QueryTerm>,
    pub groups: Vec<Vec<Alternative>>,
    /// Every synonym the question used: its term's analysed words and its meanings. An article
    /// that holds one of the meanings covers the term's words ("yakult" by "probiotic").
    pub synonyms_used: Vec<(Vec<String>, Vec<Vec<String>>)>,
    /// Terms that feedback (RM3) added: not the question's, searched in the fields
    /// `Feedback::body_only` says. Empty in a question's own plan.
    pub added: Vec<QueryTerm>,
}

impl QueryPlan {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.groups.is_empty()
    }

    /// Every analysed term the plan looks for (for highlighting).
    pub fn all_terms(&self) -> HashSet<String> {
        let mut set: HashSet<String> = self.terms.iter().map(|t| t.term.clone()).collect();
        for alt in self.groups.iter().flatten() {
            set.extend(alt.terms.iter().cloned());
        }
        set
    }
}

/// A synonym with its term and meanings already analysed.
#[derive(Debug, Clone)]
struct CompiledSynonym {
    term: Vec<String>,
    means: Vec<Vec<String>>,
}

/// The analyser plus the compiled synonym table: turns questions into query plans.
#[derive(Clone)]
pub struct Analysis {
    stems: TextAnalyzer,
    words: TextAnalyzer,
    /// Shared, not copied: an `Analysis` is cloned for every question.
    synonyms: Arc<[CompiledSynonym]>,
    stop: Arc<HashSet<&'static str>>,
}

impl Analysis {
    pub fn new(synonyms: &[Synonym]) -> Analysis {
        let mut a = Analysis {
            stems: analyzer(),
            words: word_analyzer(),
            synonyms: Arc::from(Vec::new()),
            stop: Arc::new(STOP_WORDS.iter().copied().collect()),
        };
        let compiled: Vec<CompiledSynonym> = synonyms
            .iter()
            .map(|s| CompiledSynonym {
                term: a.terms(&s.term),
                means: s
                    .means
                    .iter()
                    .map(|m| a.terms(m))
                    .filter(|m| !m.is_empty())
                    .collect(),
            })
            .filter(|s| !s.term.is_empty() && !s.means.is_empty())
            .collect();
        a.synonyms = Arc::from(compiled);
        a
    }

    /// The stems of the stop words (to keep them out of feedback terms).
    pub fn stop_stems(&mut self) -> HashSet<String> {
        STOP_WORDS
            .iter()
            .chain(WEAK_WORDS)
            .map(|w| self.stem(w))
            .collect()
    }

    /// The analysed terms of `text`, in order (stop words kept).
    pub fn terms(&mut self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut stream = self.stems.token_stream(text);
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    /// The analysed terms of `text` with the byte range of the original word each came from.
    pub fn terms_with_offsets(&mut self, text: &str) -> Vec<(Range<usize>, String)> {
        let mut out = Vec::new();
        let mut stream = self.stems.token_stream(text);
        while stream.advance() {
            let t = stream.token();
            out.push((t.offset_from..t.offset_to, t.text.clone()));
        }
        out
    }

    /// Turns a question into a query plan. With `expand`, each synonym found in the question adds
    /// a group of alternatives weighted `synonym_weight` (a phrase of n terms `synonym_weight / n`,
    /// since it matches one concept, not n). Stop and question words are dropped unless nothing
    /// else is left.
    pub fn plan(&mut self, question: &str, expand: bool, synonym_weight: f32) -> QueryPlan {
        // Words (unstemmed) decide what is a stop word; stems are what gets searched.
        let mut words = Vec::new();
        {
            let mut stream = self.words.token_stream(question);
            while stream.advance() {
                words.push(stream.token().text.clone());
                if words.len() >= MAX_QUERY_TERMS * 8 {
                    break;
                }
            }
        }
        let stems: Vec<String> = words.iter().map(|w| self.stem(w)).collect();

        let mut plan = QueryPlan::default();
        let mut seen = HashSet::new();
        let content: Vec<usize> = (0..words.len())
            .filter(|&i| !self.stop.contains(words[i].as_str()))
            .collect();
        let chosen: Vec<usize> = if content
            .iter()
            .all(|&i| WEAK_WORDS.contains(&words[i].as_str()))
        {
            // Only stop words ("what is it?"): search them all rather than nothing.
            (0..words.len()).collect()
        } else {
            content
        };
        for i in chosen {
            if plan.terms.len() >= MAX_QUERY_TERMS {
                break;
            }
            if stems[i].is_empty() || !seen.insert(stems[i].clone()) {
                continue;
            }
            let weight = if WEAK_WORDS.contains(&words[i].as_str()) {
                0.2
            } else {
                1.0
            };
            plan.terms.push(QueryTerm {
                term: stems[i].clone(),
                weight,
            });
        }

        if expand {
            let mut added = HashSet::new();
            for syn in self.synonyms.iter() {
                if !contains_run(&stems, &syn.term) {
                    continue;
                }
                let group: Vec<Alternative> = syn
                    .means
                    .iter()
                    .filter(|m| {
                        !(m.len() == 1 && seen.contains(&m[0])) && added.insert((*m).clone())
                    })
                    .map(|m| Alternative {
                        terms: m.clone(),
                        weight: synonym_weight / m.len() as f32,
                    })
                    .collect();
                plan.synonyms_used
                    .push((syn.term.clone(), syn.means.clone()));
                if !group.is_empty() {
                    plan.groups.push(group);
                }
            }
        }
        plan
    }

    fn stem(&mut self, word: &str) -> String {
        let mut stream = self.stems.token_stream(word);
        let mut out = String::new();
        if stream.advance() {
            out = stream.token().text.clone();
        }
        out
    }
}

fn contains_run(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syn(term: &str, means: &[&str]) -> Synonym {
        Synonym {
            term: term.into(),
            means: means.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn terms(plan: &QueryPlan) -> Vec<(&str, f32)> {
        plan.terms
            .iter()
            .map(|t| (t.term.as_str(), t.weight))
            .collect()
    }

    #[test]
    fn question_words_drop_and_negations_stay_weak() {
        let mut a = Analysis::new(&[]);
        let plan = a.plan("Why does exercise NOT help my fatigue?", false, 0.8);
        assert_eq!(
            terms(&plan),
            vec![
                ("exercis", 1.0),
                ("not", 0.2),
                ("help", 1.0),
                ("fatigu", 1.0)
            ]
        );
    }

    #[test]
    fn only_stop_words_still_searches() {
        let mut a = Analysis::new(&[]);
        let plan = a.plan("what is it?", false, 0.8);
        assert_eq!(plan.terms.len(), 3);
    }

    #[test]
    fn accents_fold_and_symbols_vanish() {
        let mut a = Analysis::new(&[]);
        assert_eq!(a.terms("Café naïve"), vec!["cafe", "naiv"]);
        assert!(a.plan("(*&^%$#@!) ~~ :: \"\" 🙂", false, 0.8).is_empty());
        assert_eq!(
            terms(&a.plan("title:foo", false, 0.8)),
            vec![("titl", 1.0), ("foo", 1.0)]
        );
    }

    #[test]
    fn synonyms_expand_to_phrases_and_terms() {
        let mut a = Analysis::new(&[
            syn(
                "poop transplant",
                &["fecal microbiota transplantation", "fmt"],
            ),
            syn("pem", &["post-exertional malaise"]),
        ]);
        let plan = a.plan("is a poop transplant safe?", true, 0.9);
        let alt = |terms: &[&str], weight: f32| Alternative {
            terms: terms.iter().map(|t| t.to_string()).collect(),
            weight,
        };
        assert_eq!(
            plan.groups,
            vec![vec![
                alt(&["fecal", "microbiota", "transplant"], 0.9 / 3.0),
                alt(&["fmt"], 0.9)
            ]]
        );
        // "transplant" alone does not trigger the two-word synonym.
        assert!(a.plan("kidney transplant", true, 0.8).groups.is_empty());
        assert!(a
            .plan("is a poop transplant safe?", false, 0.8)
            .groups
            .is_empty());
    }

    #[test]
    fn huge_questions_are_capped() {
        let mut a = Analysis::new(&[]);
        let long: String = (0..3000).map(|i| format!("word{i} ")).collect();
        assert_eq!(a.plan(&long, true, 0.8).terms.len(), MAX_QUERY_TERMS);
    }
}
