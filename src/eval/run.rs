//! Runs the project's real search pipeline (`search::Engine`: the same analysis, synonym
//! expansion, ranking and feedback as `/ask`) over a BEIR collection or over
//! `corpus/golden.toml`, and scores the runs with [`super::metrics`].

use super::beir::{Collection, Qrels};
use super::metrics::{evaluate, QueryMetrics, Summary};
use crate::corpus::golden::GoldenQuestion;
use crate::corpus::synonyms::Synonym;
use crate::library::Library;
use crate::search::semantic::{Encoder, SemanticIndex};
use crate::search::{Engine, IndexDoc, Ranking, SearchError, SearchIndex};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// How deep each run goes (recall@100 needs 100).
pub const DEPTH: usize = 100;

/// The scores of one ranking over one collection, with its query latency.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub ranking: String,
    pub summary: Summary,
    pub per_query: Vec<QueryMetrics>,
    /// Mean and 95th-percentile time per query (search only, excerpts not included), in ms.
    pub mean_ms: f64,
    pub p95_ms: f64,
}

fn index_docs(c: &Collection) -> Vec<IndexDoc> {
    c.docs
        .iter()
        .map(|d| IndexDoc {
            id: d.id.clone(),
            title: d.title.clone(),
            body: d.text.clone(),
            ..IndexDoc::default()
        })
        .collect()
}

/// Indexes a BEIR collection in memory: `title` as the title, `text` as the body.
pub fn index_collection(c: &Collection) -> Result<SearchIndex, SearchError> {
    SearchIndex::build_in_ram(&index_docs(c), &|_| {})
}

/// Runs every query of `queries` through `search` and scores the run against `qrels`.
fn score(
    name: &str,
    queries: &BTreeMap<String, String>,
    qrels: &Qrels,
    mut search: impl FnMut(&str) -> Result<Vec<(String, f32)>, SearchError>,
) -> Result<RunReport, SearchError> {
    let mut run = BTreeMap::new();
    let mut times = Vec::with_capacity(queries.len());
    for (qid, text) in queries {
        let started = Instant::now();
        let hits = search(text)?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        run.insert(qid.clone(), hits);
    }
    let (summary, per_query) = evaluate(&run, qrels);
    times.sort_by(f64::total_cmp);
    let mean_ms = times.iter().sum::<f64>() / times.len().max(1) as f64;
    let p95_ms = times
        .get((times.len() * 95 / 100).min(times.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0);
    Ok(RunReport {
        ranking: name.to_string(),
        summary,
        per_query,
        mean_ms,
        p95_ms,
    })
}

/// Evaluates each ranking on a BEIR collection, through one index and one engine. With an
/// `encoder`, documents are embedded once (cached in the system's temporary folder) and
/// rankings with a `semantic` weight fuse it in.
pub fn run_beir(
    collection: &Collection,
    synonyms: &[Synonym],
    rankings: &[Ranking],
    encoder: Option<Arc<Encoder>>,
) -> Result<Vec<RunReport>, SearchError> {
    let index = index_collection(collection)?;
    let mut engine = Engine::new(index, synonyms, Ranking::bm25());
    if let Some(encoder) = encoder {
        let docs = index_docs(collection);
        let cache = std::env::temp_dir().join(format!("cairn-embeddings-{}.bin", docs.len()));
        engine = engine.with_semantic(SemanticIndex::build(encoder, &docs, Some(&cache)));
    }
    let mut reports = Vec::new();
    for ranking in rankings {
        engine.set_ranking(ranking.clone());
        reports.push(score(
            &ranking.name,
            &collection.queries,
            &collection.qrels,
            |q| {
                let (_, hits) = engine.search(q, None, crate::search::Scope::SHARED, DEPTH)?;
                Ok(hits.into_iter().map(|h| (h.id, h.score)).collect())
            },
        )?);
    }
    Ok(reports)
}

/// Evaluates each ranking on the golden questions: every expected article counts as relevant
/// (grade 1). Questions with a condition are searched with that filter, as members would.
pub fn run_golden(
    library: &mut Library,
    questions: &[GoldenQuestion],
    rankings: &[Ranking],
) -> Result<Vec<RunReport>, SearchError> {
    let mut queries = BTreeMap::new();
    let mut qrels = Qrels::new();
    let mut conditions = BTreeMap::new();
    for (i, q) in questions.iter().enumerate() {
        let qid = format!("golden-{:03}", i + 1);
        queries.insert(qid.clone(), q.ask.clone());
        conditions.insert(q.ask.clone(), q.condition);
        qrels.insert(qid, q.expect.iter().map(|id| (id.clone(), 1)).collect());
    }
    let mut reports = Vec::new();
    for ranking in rankings {
        library.set_ranking(ranking.clone());
        let lib = &*library;
        reports.push(score(&ranking.name, &queries, &qrels, |q| {
            lib.search_ids(q, conditions.get(q).copied().flatten(), DEPTH)
        })?);
    }
    library.set_ranking(Ranking::standard());
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::beir::Doc;

    fn doc(id: &str, title: &str, text: &str) -> Doc {
        Doc {
            id: id.into(),
            title: title.into(),
            text: text.into(),
        }
    }

    #[test]
    fn the_pipeline_runs_end_to_end_on_a_tiny_collection() {
        let collection = Collection {
            docs: vec![
                doc("d1", "Pacing and energy", "Pacing means planning rest."),
                doc("d2", "Sleep", "Unrefreshing sleep is common."),
                doc("d3", "Gut bacteria", "Butyrate producers were fewer."),
            ],
            queries: [
                ("q1".to_string(), "how does pacing work".to_string()),
                ("q2".to_string(), "butyrate".to_string()),
            ]
            .into_iter()
            .collect(),
            qrels: [
                (
                    "q1".to_string(),
                    [("d1".to_string(), 2)].into_iter().collect(),
                ),
                (
                    "q2".to_string(),
                    [("d3".to_string(), 1), ("d2".to_string(), 1)]
                        .into_iter()
                        .collect(),
                ),
            ]
            .into_iter()
            .collect(),
        };
        let reports = run_beir(
            &collection,
            &[],
            &[Ranking::bm25(), Ranking::standard()],
            None,
        )
        .unwrap();
        assert_eq!(reports.len(), 2);
        for r in &reports {
            assert_eq!(r.summary.queries, 2);
            // q1: d1 first, the only relevant: every metric 1. q2: d3 first of two relevant,
            // d2 not retrieved: nDCG = 1 / (1 + 1/log2 3), recall 1/2, MRR 1.
            let ndcg_q2 = 1.0 / (1.0 + 1.0 / 3f64.log2());
            assert!(
                (r.summary.ndcg10 - (1.0 + ndcg_q2) / 2.0).abs() < 1e-6,
                "{:?}",
                r.summary
            );
            assert!((r.summary.recall100 - 0.75).abs() < 1e-6);
            assert!((r.summary.mrr10 - 1.0).abs() < 1e-6);
        }
    }
}
