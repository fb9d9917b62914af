//! The search pipeline every caller shares (`/ask`, `cairn ask`, `cairn eval`): analyse the
//! question, expand it with synonyms, search, optionally re-search with pseudo-relevance
//! feedback (RM3: terms that are frequent in the first hits are added to the question), and,
//! when a sentence encoder is loaded, fuse the lexical scores with semantic similarity.

use super::analysis::{Analysis, QueryPlan, QueryTerm};
use super::semantic::SemanticIndex;
use super::{Hit, Ranking, Scope, SearchError, SearchIndex};
use crate::corpus::synonyms::Synonym;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;

/// An index with the analysis and ranking used to query it. Cloning is cheap (a new snapshot
/// clones the engine with a new view of the live index).
#[derive(Clone)]
pub struct Engine {
    index: SearchIndex,
    analysis: Analysis,
    ranking: Ranking,
    /// Stems of stop words, never used as feedback terms.
    stop_stems: HashSet<String>,
    semantic: Option<Arc<SemanticIndex>>,
}

/// How many candidates each side (lexical, semantic) contributes to score fusion.
const FUSION_POOL: usize = 100;
/// The least cosine similarity for a document found by meaning alone.
const MIN_SEMANTIC_ONLY: f32 = 0.25;

impl Engine {
    pub fn new(index: SearchIndex, synonyms: &[Synonym], ranking: Ranking) -> Engine {
        let mut analysis = Analysis::new(synonyms);
        let stop_stems = analysis.stop_stems();
        Engine {
            index,
            analysis,
            ranking,
            stop_stems,
            semantic: None,
        }
    }

    /// Adds semantic similarity (used when the ranking's `semantic` weight is above 0).
    pub fn with_semantic(mut self, semantic: SemanticIndex) -> Engine {
        self.semantic = Some(Arc::new(semantic));
        self
    }

    /// This engine over the shared index plus a new view of the live index.
    pub fn with_live(&self, live: tantivy::Searcher) -> Result<Engine, SearchError> {
        Ok(Engine {
            index: self.index.with_live(live)?,
            ..self.clone()
        })
    }

    /// Whether a sentence encoder is loaded.
    pub fn has_semantic(&self) -> bool {
        self.semantic.is_some()
    }

    pub fn set_ranking(&mut self, ranking: Ranking) {
        self.ranking = ranking;
    }

    /// A copy of the analysis (cheap), e.g. for highlighting.
    pub fn analysis(&self) -> Analysis {
        self.analysis.clone()
    }

    /// BM25's inverse document frequency of each analysed term in article bodies, and that of
    /// a term no article contains. Always above 0, even in a library of one article.
    pub fn idf<'a>(
        &self,
        terms: impl Iterator<Item = &'a str>,
    ) -> Result<(Vec<f32>, f32), SearchError> {
        let (n, dfs) = self.index.doc_freqs(terms)?;
        let idf = |df: u64| (1.0 + (n as f32 - df as f32 + 0.5) / (df as f32 + 0.5)).ln();
        Ok((dfs.into_iter().map(idf).collect(), idf(0)))
    }

    /// The analysed terms of each hit, as counted when it was indexed (none for a hit found by
    /// meaning alone).
    pub fn doc_terms(&self, hits: &[Hit]) -> Result<Vec<super::DocTerms>, SearchError> {
        self.index.doc_terms(hits)
    }

    /// What was stored with a hit's document (see [`SearchIndex::stored`]).
    pub fn stored(&self, hit: &Hit) -> Result<Option<String>, SearchError> {
        self.index.stored(hit)
    }

    /// The question's own plan: analysed terms plus synonym groups (what gets highlighted).
    pub fn plan(&self, question: &str) -> QueryPlan {
        self.analysis
            .clone()
            .plan(question, self.ranking.synonyms, self.ranking.synonym_weight)
    }

    /// The top `limit` hits for a question within `scope`, with the question's plan.
    pub fn search(
        &self,
        question: &str,
        condition: Option<&str>,
        scope: Scope,
        limit: usize,
    ) -> Result<(QueryPlan, Vec<Hit>), SearchError> {
        self.search_embedded(question, None, condition, scope, limit)
    }

    /// Whether [`Engine::search`] embeds the question (an encoder is loaded and the ranking
    /// weighs meaning).
    pub fn embeds_questions(&self) -> bool {
        self.semantic.is_some() && self.ranking.semantic > 0.0
    }

    /// [`Engine::search`] with the question's embedding, when it was already computed
    /// (with the safety net's, in one pass).
    pub fn search_embedded(
        &self,
        question: &str,
        embedding: Option<&[f32]>,
        condition: Option<&str>,
        scope: Scope,
        limit: usize,
    ) -> Result<(QueryPlan, Vec<Hit>), SearchError> {
        let semantic = self.semantic.as_ref().filter(|_| self.embeds_questions());
        let Some(semantic) = semantic else {
            return self.lexical(question, condition, scope, limit);
        };
        let (plan, lexical) = self.lexical(question, condition, scope, limit.max(FUSION_POOL))?;
        if plan.is_empty() {
            // Nothing searchable (only symbols or emoji): no meaning to match either.
            return Ok((plan, lexical));
        }
        let own;
        let query = match embedding {
            Some(e) => e,
            None => {
                own = semantic.encoder.embed(question);
                &own
            }
        };
        let scores = semantic.scores(query);
        let top = lexical.iter().map(|h| h.score).fold(0.0f32, f32::max);
        let weight = self.ranking.semantic;
        let mut seen: HashSet<String> = HashSet::new();
        let mut fused: Vec<Hit> = lexical
            .into_iter()
            .map(|mut h| {
                let lex = if top > 0.0 { h.score / top } else { 0.0 };
                let cos = semantic.position(&h.id).map_or(0.0, |i| scores[i]);
                h.score = lex + weight * cos;
                seen.insert(h.id.clone());
                h
            })
            .collect();
        // Embeddings cover the shared library only: servers' own articles are matched by words.
        let nearest = if scope.shared {
            semantic.nearest(&scores, condition, FUSION_POOL)
        } else {
            Vec::new()
        };
        for i in nearest {
            // A document that shares no word with the question must at least be close in
            // meaning; this keeps unrelated questions from getting arbitrary answers.
            let id = semantic.id(i);
            if scores[i] >= MIN_SEMANTIC_ONLY && !seen.contains(id) {
                fused.push(Hit {
                    id: id.to_string(),
                    score: weight * scores[i],
                    addr: None,
                });
            }
        }
        fused.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        fused.truncate(limit);
        Ok((plan, fused))
    }

    /// The lexical part: BM25 with synonyms, then RM3 feedback if the ranking asks for it.
    fn lexical(
        &self,
        question: &str,
        condition: Option<&str>,
        scope: Scope,
        limit: usize,
    ) -> Result<(QueryPlan, Vec<Hit>), SearchError> {
        let plan = self.plan(question);
        let Some(prf) = self.ranking.feedback.as_ref().filter(|_| !plan.is_empty()) else {
            let hits = self
                .index
                .search(&plan, &self.ranking, condition, scope, limit)?;
            return Ok((plan, hits));
        };
        // The first pass only finds the feedback documents.
        let first = self
            .index
            .search(&plan, &self.ranking, condition, scope, prf.docs.max(2))?;
        if first.len() < 2 {
            return Ok((plan, first.into_iter().take(limit).collect()));
        }
        let expanded = self.expand(&plan, &first[..prf.docs.min(first.len())], prf)?;
        let hits = self
            .index
            .search(&expanded, &self.ranking, condition, scope, limit)?;
        Ok((plan, hits))
    }

    /// RM3: a relevance model over the feedback documents (each term's share of each document,
    /// weighted by the document's share of the scores), its top terms mixed with the question.
    fn expand(
        &self,
        plan: &QueryPlan,
        feedback: &[Hit],
        prf: &super::ranking::Feedback,
    ) -> Result<QueryPlan, SearchError> {
        // Each document's terms were counted when it was indexed: nothing is re-analysed here.
        let docs = self.index.doc_terms(feedback)?;
        let total_score: f32 = feedback.iter().map(|h| h.score.max(0.0)).sum();
        let mut model: HashMap<&str, f32> = HashMap::new();
        for (hit, doc) in feedback.iter().zip(&docs) {
            if doc.total() == 0 || total_score <= 0.0 {
                continue;
            }
            let doc_weight = hit.score.max(0.0) / total_score;
            let len = doc.total() as f32;
            for (t, n) in doc.counts() {
                if t.len() < 3
                    || t.bytes().all(|b| b.is_ascii_digit())
                    || self.stop_stems.contains(t)
                {
                    continue;
                }
                *model.entry(t).or_default() += doc_weight * n as f32 / len;
            }
        }
        let mut candidates: Vec<(&str, f32)> = model.into_iter().collect();
        candidates.sort_by(by_weight);
        let top: Vec<(&str, f32)> = if prf.idf {
            self.rarest(&candidates, prf.terms)?
        } else {
            candidates.truncate(prf.terms);
            candidates
        };
        let mass: f32 = top.iter().map(|(_, w)| w).sum();

        // The question keeps `original_weight` of the total, spread over its terms and groups.
        let own: f32 = plan.terms.iter().map(|t| t.weight).sum::<f32>()
            + plan
                .groups
                .iter()
                .map(|g| g.iter().map(|a| a.weight).fold(0.0, f32::max))
                .sum::<f32>();
        let keep = if own > 0.0 {
            prf.original_weight / own
        } else {
            0.0
        };
        let mut out = plan.clone();
        for t in &mut out.terms {
            t.weight *= keep;
        }
        for alt in out.groups.iter_mut().flatten() {
            alt.weight *= keep;
        }
        if mass > 0.0 {
            for (term, w) in top {
                let add = (1.0 - prf.original_weight) * w / mass;
                match out.terms.iter_mut().find(|t| t.term == term) {
                    Some(t) => t.weight += add,
                    None => out.added.push(QueryTerm {
                        term: term.to_string(),
                        weight: add,
                    }),
                }
            }
        }
        Ok(out)
    }

    /// The `n` candidates with the highest weight x idf (ties by term), best first. Candidates
    /// come sorted by weight; since no idf exceeds that of a term no document has, the look-ups
    /// stop once even that could not lift a candidate into the top `n`, which leaves most of
    /// the feedback documents' words unlooked-up and changes nothing in the result.
    fn rarest<'a>(
        &self,
        candidates: &[(&'a str, f32)],
        n: usize,
    ) -> Result<Vec<(&'a str, f32)>, SearchError> {
        let (docs, _) = self.index.doc_freqs(std::iter::empty())?;
        let ceiling = ((docs as f32 + 1.0) / 1.0).ln().max(0.0);
        let mut scored: Vec<(&str, f32)> = Vec::new();
        // The n-th best product so far (a min-heap of the best n).
        let mut best: BinaryHeap<std::cmp::Reverse<Product>> = BinaryHeap::new();
        for chunk in candidates.chunks(16) {
            if best.len() >= n {
                let floor = best.peek().map_or(0.0, |r| r.0 .0);
                if chunk[0].1 * ceiling < floor {
                    break;
                }
            }
            let idf = self.index.body_idf(chunk.iter().map(|(t, _)| *t))?;
            for (&(term, w), idf) in chunk.iter().zip(idf) {
                let product = w * idf;
                scored.push((term, product));
                best.push(std::cmp::Reverse(Product(product)));
                if best.len() > n {
                    best.pop();
                }
            }
        }
        scored.sort_by(by_weight);
        scored.truncate(n);
        Ok(scored)
    }
}

/// Heaviest first, ties by term: the order feedback terms are chosen in.
fn by_weight(a: &(&str, f32), b: &(&str, f32)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0))
}

/// An `f32` ordered by `total_cmp`, for the heap of best products.
#[derive(PartialEq)]
struct Product(f32);

impl Eq for Product {}

impl PartialOrd for Product {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Product {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::IndexDoc;

    fn engine() -> Engine {
        let bodies = [
            "pacing energy envelope crash rest pacing",
            "pacing heart rate monitor crash",
            "fibromyalgia sleep pain pacing",
            "gut microbiome fibre probiotic",
            "orthostatic heart rate standing salt",
            "envelope theory energy budget pacing",
        ];
        let docs: Vec<IndexDoc> = bodies
            .iter()
            .enumerate()
            .map(|(i, b)| IndexDoc {
                id: format!("d{i}"),
                title: format!("article {i}"),
                body: b.to_string(),
                ..IndexDoc::default()
            })
            .collect();
        let index = SearchIndex::build_in_ram(&docs, &|_| {}).unwrap();
        Engine::new(index, &[], Ranking::standard())
    }

    #[test]
    fn the_rarest_candidates_are_those_a_full_computation_finds() {
        let engine = engine();
        let words = [
            "pace", "energi", "envelop", "crash", "rest", "heart", "rate", "monitor", "sleep",
            "pain", "gut", "salt", "budget", "theori", "articl",
        ];
        // Weights that make frequent words heavy, as feedback does; then 60 words no body has
        // (the highest idf there is), light enough that most are never looked up.
        let absent: Vec<String> = (0..60).map(|i| format!("absent{i}")).collect();
        let mut candidates: Vec<(&str, f32)> = words
            .iter()
            .copied()
            .chain(absent.iter().map(String::as_str))
            .enumerate()
            .map(|(i, w)| (w, 1.0 / (i as f32 + 1.0)))
            .collect();
        candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let idf = engine
            .index
            .body_idf(candidates.iter().map(|(t, _)| *t))
            .unwrap();
        for n in [1, 2, 3, 5, 8, 15, 30, 75, 100] {
            let mut full: Vec<(&str, f32)> = candidates
                .iter()
                .zip(&idf)
                .map(|(&(t, w), idf)| (t, w * idf))
                .collect();
            full.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            full.truncate(n);
            assert_eq!(engine.rarest(&candidates, n).unwrap(), full, "n = {n}");
        }
    }

    #[test]
    fn feedback_reads_the_terms_counted_at_indexing() {
        let engine = engine();
        let (plan, hits) = engine
            .search("pacing crash", None, Scope::SHARED, 10)
            .unwrap();
        assert!(!plan.is_empty());
        assert!(hits.len() >= 2, "{hits:?}");
        let terms = engine.doc_terms(&hits[..1]).unwrap();
        assert!(
            terms[0].counts().any(|(t, _)| t == "pace"),
            "{:?}",
            terms[0]
        );
        // The expanded query brings in a word of the first hits the question did not have.
        let prf = Ranking::standard().feedback.unwrap();
        let expanded = engine.expand(&plan, &hits, &prf).unwrap();
        assert!(!expanded.added.is_empty(), "{expanded:?}");
        let own: Vec<&str> = plan.terms.iter().map(|t| t.term.as_str()).collect();
        assert!(
            expanded
                .added
                .iter()
                .all(|t| !own.contains(&t.term.as_str())),
            "{expanded:?}"
        );
    }
}
