//! The knobs of ranking, gathered in one value so that `cairn eval` can run plain BM25 and the
//! default ranking side by side through the same code.

use serde::Serialize;

/// Field weights and query expansion settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranking {
    /// A name for reports (`bm25`, `default`).
    pub name: String,
    pub title: f32,
    pub summary: f32,
    pub tags: f32,
    pub body: f32,
    /// Expand questions with `synonyms.toml`.
    pub synonyms: bool,
    /// Weight of a synonym's terms relative to the question's own.
    pub synonym_weight: f32,
    /// Pseudo-relevance feedback (RM3), if any.
    pub feedback: Option<Feedback>,
    /// Weight of a bonus for consecutive question words found near each other (0 = off).
    pub proximity: f32,
    /// How many positions apart "near" may be.
    pub proximity_slop: u32,
    /// Weight of semantic similarity (cosine, from the optional sentence encoder) added to the
    /// lexical score normalised to 0..1 (0 = off; ignored when no model is loaded).
    pub semantic: f32,
}

/// RM3 pseudo-relevance feedback settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feedback {
    /// How many top documents feed the relevance model.
    pub docs: usize,
    /// How many of its terms are added to the question.
    pub terms: usize,
    /// The question's share of the final query (0..1); the added terms share the rest.
    pub original_weight: f32,
    /// Weigh candidate terms by their rarity (idf) as well as their frequency in the feedback
    /// documents, so that words every abstract uses ("study", "patients") are not added.
    pub idf: bool,
    /// Search the added terms in the body only, not in every weighted field: a quarter of the
    /// term lists to walk (100,000 articles: 3.4 against 4.5 ms an answer), the same NFCorpus
    /// nDCG@10, but 4 golden questions missed and an off-topic question padded. Off.
    pub body_only: bool,
}

impl Ranking {
    /// Plain BM25: every field weighs the same, no expansion.
    pub fn bm25() -> Ranking {
        Ranking {
            name: "bm25".into(),
            title: 1.0,
            summary: 1.0,
            tags: 1.0,
            body: 1.0,
            synonyms: false,
            synonym_weight: 0.0,
            feedback: None,
            proximity: 0.0,
            proximity_slop: 0,
            semantic: 0.0,
        }
    }

    /// What `/ask` and `cairn ask` use. Chosen on NFCorpus dev and train and on
    /// `corpus/golden.toml` (see the README's table): title and summary weigh a quarter more
    /// than the body (more cost NFCorpus: x2 lost 0.004-0.007 nDCG@10), synonyms expand the
    /// question, and RM3 feedback with idf-weighted terms adds the words the best first hits
    /// share. When a sentence encoder is loaded, semantic similarity is fused in with weight 2
    /// (the lexical score is normalised to 0..1, the cosine is about 0.1-0.7).
    pub fn standard() -> Ranking {
        Ranking {
            name: "default".into(),
            title: 1.25,
            summary: 1.25,
            tags: 1.0,
            body: 1.0,
            synonyms: true,
            synonym_weight: 0.8,
            feedback: Some(Feedback::default()),
            proximity: 0.0,
            proximity_slop: 0,
            semantic: 2.0,
        }
    }
}

impl Ranking {
    /// Every named variant, plain BM25 first and the default last (for `cairn eval`).
    pub fn variants() -> Vec<Ranking> {
        let standard = Ranking::standard();
        // Tried and rejected: titles, summaries and tags weighing twice the body.
        let fields = Ranking {
            name: "title-x2".into(),
            title: 2.0,
            summary: 2.0,
            tags: 2.0,
            ..Ranking::bm25()
        };
        let synonyms = Ranking {
            name: "bm25+synonyms".into(),
            synonyms: true,
            synonym_weight: standard.synonym_weight,
            ..Ranking::bm25()
        };
        let rm3 = Ranking {
            name: "bm25+rm3".into(),
            feedback: Some(Feedback {
                idf: false,
                ..Feedback::default()
            }),
            ..Ranking::bm25()
        };
        let rm3_idf = Ranking {
            name: "bm25+rm3-idf".into(),
            feedback: Some(Feedback::default()),
            ..Ranking::bm25()
        };
        let proximity = Ranking {
            name: "default+proximity".into(),
            proximity: 0.2,
            proximity_slop: 1,
            ..standard.clone()
        };
        // The default without the sentence encoder, and the encoder alone.
        let lexical = Ranking {
            name: "lexical".into(),
            semantic: 0.0,
            ..standard.clone()
        };
        // Feedback terms searched in the body only: faster, tried and rejected (see above).
        let body_only = Ranking {
            name: "lexical-fb-body-only".into(),
            feedback: standard.feedback.clone().map(|f| Feedback {
                body_only: true,
                ..f
            }),
            ..lexical.clone()
        };
        let semantic = Ranking {
            name: "semantic-only".into(),
            semantic: 1000.0,
            ..Ranking::bm25()
        };
        vec![
            Ranking::bm25(),
            fields,
            synonyms,
            rm3,
            rm3_idf,
            proximity,
            lexical,
            body_only,
            semantic,
            standard,
        ]
    }

    /// A variant by name (`bm25`, `title-x2`, `bm25+synonyms`, `bm25+rm3`, `bm25+rm3-idf`,
    /// `default+proximity`, `lexical`, `lexical-fb-body-only`, `semantic-only`, `default`).
    pub fn named(name: &str) -> Option<Ranking> {
        Ranking::variants().into_iter().find(|r| r.name == name)
    }
}

impl Default for Feedback {
    fn default() -> Feedback {
        Feedback {
            docs: 10,
            terms: 30,
            original_weight: 0.5,
            idf: true,
            body_only: false,
        }
    }
}

impl Default for Ranking {
    fn default() -> Ranking {
        Ranking::standard()
    }
}
