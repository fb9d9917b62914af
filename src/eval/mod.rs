//! Offline retrieval evaluation. This module owns two things: loading a
//! BEIR-format test collection (corpus, queries and the graded judgments of
//! one split, see [`beir`]) and scoring ranked runs against those judgments
//! with nDCG@10, recall@10, recall@100 and MRR@10, computed exactly as
//! `trec_eval`/`pytrec_eval` compute them, tie-breaking included (see
//! [`metrics`]). [`run`] produces the runs with the project's real search
//! pipeline, so what is measured is what `/ask` does.

pub mod beir;
pub mod metrics;
pub mod run;

pub use beir::{load, load_qrels, Collection, Doc, EvalError, Qrels};
pub use metrics::{evaluate, QueryMetrics, Summary};
