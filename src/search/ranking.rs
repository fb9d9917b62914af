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
        }
    }

    /// What `/ask` and `cairn ask` use.
    pub fn standard() -> Ranking {
        Ranking {
            name: "default".into(),
            title: 3.0,
            summary: 2.0,
            tags: 2.0,
            body: 1.0,
            synonyms: true,
            synonym_weight: 0.8,
        }
    }
}

impl Default for Ranking {
    fn default() -> Ranking {
        Ranking::standard()
    }
}
