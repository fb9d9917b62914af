//! The core handle: a loaded article library with its search index and synonyms. One function,
//! [`Library::ask`], turns a question and [`AskOptions`] into an [`Answer`]; the CLI and the bot
//! both call it. Opening builds the index when the corpus changed since the last build.
//! Servers' own articles live beside the shared library (`live.rs`).

mod live;

pub use live::LiveChange;
use live::{split_key, LiveView};

use crate::answer::{excerpt, Answer, Citation, Notice, DEFAULT_DISCLAIMER};
use crate::corpus::{self, synonyms, Article, ArticleText, Condition, CorpusError, Problem};
use crate::safety::{Safety, Screening};
use crate::search::semantic::{Encoder, SemanticError, SemanticIndex};
use crate::search::{
    Analysis, Engine, Hit, IndexDoc, LiveIndex, Opened, QueryPlan, Ranking, Scope, SearchError,
    SearchIndex,
};
use arc_swap::ArcSwap;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where the library lives.
#[derive(Debug, Clone)]
pub struct LibraryConfig {
    /// The `corpus/` folder: articles plus `synonyms.toml`.
    pub corpus_dir: PathBuf,
    /// Where the tantivy index is kept; `None` keeps it in memory.
    pub index_dir: Option<PathBuf>,
    /// Rebuild the index even if it matches the corpus.
    pub force_rebuild: bool,
    /// A sentence-encoder folder (all-MiniLM-L6-v2) for semantic matching; `None` = lexical only.
    pub model_dir: Option<PathBuf>,
    /// The largest article file read, in bytes; a larger one is a problem and left out.
    pub max_article_bytes: u64,
}

impl LibraryConfig {
    pub fn new(corpus_dir: impl Into<PathBuf>, index_dir: Option<PathBuf>) -> LibraryConfig {
        LibraryConfig {
            corpus_dir: corpus_dir.into(),
            index_dir,
            force_rebuild: false,
            model_dir: None,
            max_article_bytes: corpus::DEFAULT_MAX_ARTICLE_BYTES,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Semantic(#[from] SemanticError),
}

/// How a question is asked.
#[derive(Debug, Clone)]
pub struct AskOptions {
    /// Only articles tagged with this condition.
    pub condition: Option<Condition>,
    /// Citations per page.
    pub limit: usize,
    /// Citations to skip (the page start).
    pub offset: usize,
    /// ISO country code for crisis helplines.
    pub country: Option<String>,
    /// A server's own wording of the disclaimer (it cannot be removed).
    pub disclaimer: Option<String>,
    /// The member saw the crisis reply and asked for the search results anyway.
    pub crisis_acknowledged: bool,
    /// The day to judge review dates against (defaults to today).
    pub today: Option<NaiveDate>,
    /// Which articles may answer: the shared library's, a server's own, or both.
    pub scope: Scope,
    /// The server's focus conditions: their articles rank first among equals.
    pub focus: Vec<Condition>,
}

impl Default for AskOptions {
    fn default() -> AskOptions {
        AskOptions {
            condition: None,
            limit: 3,
            offset: 0,
            country: None,
            disclaimer: None,
            crisis_acknowledged: false,
            today: None,
            scope: Scope::SHARED,
            focus: Vec::new(),
        }
    }
}

/// Articles with their scores, best first.
type Ranked<'a> = Vec<(&'a Article, f32, Hit)>;

/// How well the best article covers a question (see [`Library::relevance`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Relevance {
    /// The idf-weighted share of the question's terms and synonym groups found, 0 to 1.
    pub coverage: f32,
    /// How many of them were found, of how many.
    pub matched: usize,
    pub units: usize,
    /// How many of the question's terms no article contains at all.
    pub unknown: usize,
    /// Whether a found one is library vocabulary: a word of an article's tags, a condition,
    /// or a synonym.
    pub vocabulary: bool,
}

/// The coverage above which an article answers whatever words it shares.
pub const RELEVANCE_FLOOR: f32 = 0.5;

impl Relevance {
    /// The relevance floor: never pad an answer with weak matches. An article answers when it
    /// covers at least [`RELEVANCE_FLOOR`] of the question, when it contains at least three of
    /// the question's terms, or when the question uses the library's vocabulary and no more of
    /// its words are unknown to the library than the article matches (a rambling question
    /// about a condition the library covers, "what is ibs exactly? is it all in my head?"). Chosen on the golden questions and the off-topic set
    /// (`tests/safety/offtopic.txt`) with `cargo run --release --example safety_threshold`.
    pub fn enough(&self) -> bool {
        self.coverage >= RELEVANCE_FLOOR
            || self.matched >= 3
            || (self.vocabulary && self.unknown == 0)
    }
}

/// Overdue articles keep this fraction of their score.
const OVERDUE_PENALTY: f32 = 0.8;
/// An article no one but its writer has checked ranks slightly below a reviewed one.
const UNREVIEWED_PENALTY: f32 = 0.97;
/// Articles about one of the server's focus conditions get this much more score.
const FOCUS_BOOST: f32 = 1.25;
/// How many of the best-ranked articles the relevance floor looks at: the answer is shown when
/// one of them covers the question.
const FLOOR_CANDIDATES: usize = 2;
/// At most this many matches are considered for paging.
pub const MAX_RESULTS: usize = 50;

/// A loaded library, ready to answer questions. Cheap to share behind an `Arc`.
pub struct Library {
    articles: BTreeMap<String, Article>,
    engine: Engine,
    safety: Safety,
    /// Analysed words of tags, conditions and synonyms: what the library is about.
    vocabulary: HashSet<String>,
    problems: Vec<Problem>,
    opened: Opened,
    build_time: Duration,
    /// Servers' own articles: the current view, swapped whole on every change.
    live: ArcSwap<LiveView>,
    /// The one writer of the live index (created with the first server article).
    writer: Mutex<Option<LiveIndex>>,
    /// How it was opened (to reopen it after a re-index).
    config: LibraryConfig,
    /// The index generation it opened (`None` in memory).
    generation: Option<String>,
}

impl Library {
    /// Loads the corpus and opens (or builds) its index. Invalid files are left out and listed in
    /// [`Library::problems`]; the rest still works.
    pub fn open(config: &LibraryConfig) -> Result<Library, LibraryError> {
        Self::open_with_progress(config, &|_, _| {})
    }

    /// As [`Library::open`], calling `progress(done, total)` while indexing.
    pub fn open_with_progress(
        config: &LibraryConfig,
        progress: &dyn Fn(usize, usize),
    ) -> Result<Library, LibraryError> {
        let today = chrono::Local::now().date_naive();
        // Bodies are only read into memory when the index must be built from them (or the
        // encoder must check its embeddings against them); a built index holds them already.
        let files = files_fingerprint(config)?;
        let keep_text = match &config.index_dir {
            Some(dir) => {
                config.force_rebuild
                    || config.model_dir.is_some()
                    || SearchIndex::built_from(dir)
                        .is_none_or(|built| !built.starts_with(&format!("{files}:")))
            }
            None => true,
        };
        let keep = corpus::Keep {
            text: keep_text,
            style: false,
        };
        let loaded =
            corpus::load_dir_with(&config.corpus_dir, today, config.max_article_bytes, keep)?;
        let (syns, syn_problems) = synonyms::load(&config.corpus_dir.join("synonyms.toml"));
        let (mut safety, safety_problems) = Safety::load(&config.corpus_dir);
        let mut problems = loaded.problems;
        problems.extend(syn_problems);
        problems.extend(safety_problems);

        let total = loaded.articles.len();
        let docs = || -> Vec<IndexDoc> {
            if keep_text {
                return loaded.articles.iter().map(index_doc).collect();
            }
            // The files matched but the set of valid articles did not (a date passed): read
            // the bodies after all.
            let keep = corpus::Keep {
                text: true,
                style: false,
            };
            match corpus::load_dir_with(&config.corpus_dir, today, config.max_article_bytes, keep) {
                Ok(full) => full.articles.iter().map(index_doc).collect(),
                Err(e) => {
                    tracing::warn!(error = %e, "the library could not be read again to index it");
                    Vec::new()
                }
            }
        };
        let started = Instant::now();
        let report = |n: usize| progress(n, total);
        let (index, opened) = match &config.index_dir {
            Some(dir) => {
                let fp = format!("{files}:{}", ids_fingerprint(&loaded.articles));
                SearchIndex::open_or_build(dir, &fp, &docs, config.force_rebuild, &report)?
            }
            None => (SearchIndex::build_in_ram(&docs(), &report)?, Opened::Built),
        };
        let mut engine = Engine::new(index, &syns, Ranking::standard());
        if let Some(model) = &config.model_dir {
            let encoder = std::sync::Arc::new(Encoder::load(model)?);
            safety = safety.with_encoder(encoder.clone());
            let cache = config
                .index_dir
                .as_ref()
                .map(|d| d.join("cairn-embeddings.bin"));
            engine = engine.with_semantic(SemanticIndex::build(encoder, &docs(), cache.as_deref()));
        }
        let vocabulary = vocabulary(&loaded.articles, &syns, &mut engine.analysis());
        // The bodies now live in the index: memory keeps what ranking, listing and autocomplete
        // need (see `Library::article`).
        let articles = loaded
            .articles
            .into_iter()
            .map(|mut a| {
                a.take_text();
                (a.id.clone(), a)
            })
            .collect();
        Ok(Library {
            vocabulary,
            articles,
            engine,
            safety,
            problems,
            opened,
            build_time: started.elapsed(),
            live: ArcSwap::from_pointee(LiveView::default()),
            writer: Mutex::new(None),
            generation: config
                .index_dir
                .as_deref()
                .and_then(crate::search::generations::current_generation),
            config: LibraryConfig {
                force_rebuild: false,
                ..config.clone()
            },
        })
    }

    /// The valid articles, by id.
    pub fn articles(&self) -> impl Iterator<Item = &Article> {
        self.articles.values()
    }

    /// A shared article's metadata and sources. Its body is not kept in memory (that is read
    /// from the index when an answer shows it): see [`Library::article_with_text`].
    pub fn article(&self, id: &str) -> Option<&Article> {
        self.articles.get(id)
    }

    /// A shared article whole, its body read from the index.
    pub fn article_with_text(&self, id: &str) -> Result<Option<Article>, SearchError> {
        let Some(article) = self.articles.get(id) else {
            return Ok(None);
        };
        let hit = Hit::by_id(id);
        let view = self.live.load();
        Ok(Some(self.with_body(&view, article, &hit)?.into_owned()))
    }

    /// The article with its body: a server's article has it in memory, a shared one's is
    /// read from the index (where `hit` found it).
    fn with_body<'a>(
        &self,
        view: &LiveView,
        article: &'a Article,
        hit: &Hit,
    ) -> Result<Cow<'a, Article>, SearchError> {
        if article.has_text() {
            return Ok(Cow::Borrowed(article));
        }
        let engine = view.engine.as_ref().unwrap_or(&self.engine);
        let stored = engine.stored(hit)?;
        let text = match stored.as_deref().map(serde_json::from_str::<ArticleText>) {
            Some(Ok(text)) => text,
            other => {
                tracing::warn!(article = %article.id, problem = ?other.map(|r| r.err()), "the index holds no readable body for this article");
                ArticleText::default()
            }
        };
        Ok(Cow::Owned(article.with_text(text)))
    }

    /// Articles for a title being typed (autocomplete), at most `limit`: see
    /// [`titles_matching`].
    pub fn titles_matching(&self, typed: &str, limit: usize) -> Vec<&Article> {
        titles_matching(self.articles.values(), typed, limit)
    }

    /// Problems found while loading (invalid articles are not indexed).
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Whether the index was reused or built on open, and how long that took.
    pub fn index_status(&self) -> (Opened, Duration) {
        (self.opened, self.build_time)
    }

    /// How this library was opened.
    pub fn config(&self) -> &LibraryConfig {
        &self.config
    }

    /// Whether the index folder now holds another generation than the one this library
    /// opened (`cairn index` ran).
    pub fn reindexed(&self) -> bool {
        match &self.config.index_dir {
            Some(dir) => crate::search::generations::current_generation(dir) != self.generation,
            None => false,
        }
    }

    /// Whether semantic matching is on (a sentence encoder is loaded).
    pub fn has_semantic(&self) -> bool {
        self.engine.has_semantic()
    }

    /// Replaces the ranking (evaluation, experiments).
    pub fn set_ranking(&mut self, ranking: Ranking) {
        self.engine.set_ranking(ranking);
    }

    /// Ranked article ids for a question, without excerpts (evaluation, autocomplete).
    pub fn search_ids(
        &self,
        question: &str,
        condition: Option<Condition>,
        limit: usize,
    ) -> Result<Vec<(String, f32)>, SearchError> {
        let (_, hits) =
            self.engine
                .search(question, condition.map(|c| c.key()), Scope::SHARED, limit)?;
        Ok(hits.into_iter().map(|h| (h.id, h.score)).collect())
    }

    /// The safety rules in force (helplines, the encoder's second net).
    pub fn safety(&self) -> &Safety {
        &self.safety
    }

    /// Screens a question for crisis language and emergencies (what [`Library::ask`] does first).
    pub fn screen(&self, question: &str) -> Screening {
        self.safety.screen(question)
    }

    /// The safety rules alone, without the encoder's net (instant).
    pub fn screen_lexical(&self, question: &str) -> Screening {
        self.safety.screen_lexical(question)
    }

    /// Answers a question: safety checks first, then search, then excerpts for one page.
    pub fn ask(&self, question: &str, opts: &AskOptions) -> Result<Answer, SearchError> {
        let (screening, embedding) = self.screen_embedded(question);
        self.ask_embedded(question, &screening, embedding.as_deref(), opts)
    }

    /// [`Library::screen`], and when search embeds questions too, the question's embedding
    /// from the same forward pass as the safety net's (for [`Library::ask_embedded`]): one
    /// pass through the encoder per question instead of two.
    pub fn screen_embedded(&self, question: &str) -> (Screening, Option<Vec<f32>>) {
        let also = self.engine.embeds_questions().then_some(question);
        self.safety.screen_along(question, also)
    }

    /// [`Library::ask`] with the question already screened.
    pub fn ask_screened(
        &self,
        question: &str,
        screening: &Screening,
        opts: &AskOptions,
    ) -> Result<Answer, SearchError> {
        self.ask_embedded(question, screening, None, opts)
    }

    /// [`Library::ask_screened`] with the question's embedding already computed
    /// ([`Library::screen_embedded`]); `None` embeds it here if search needs it.
    pub fn ask_embedded(
        &self,
        question: &str,
        screening: &Screening,
        embedding: Option<&[f32]>,
        opts: &AskOptions,
    ) -> Result<Answer, SearchError> {
        let today = opts
            .today
            .unwrap_or_else(|| chrono::Local::now().date_naive());
        let mut answer = Answer {
            citations: Vec::new(),
            offset: opts.offset,
            has_more: false,
            notices: Vec::new(),
            disclaimer: opts
                .disclaimer
                .clone()
                .filter(|d| !d.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_DISCLAIMER.to_string()),
            search_withheld: false,
            screening: screening.clone(),
        };
        let country = opts.country.as_deref();
        // Danger to life now comes first: an overdose needs the emergency number before
        // anything else, then the crisis reply.
        if let Some(e) = &screening.emergency {
            answer.notices.push(Notice::emergency(
                &e.what,
                self.safety.emergency_number(country).as_deref(),
            ));
        }
        if screening.crisis {
            answer.notices.push(Notice::crisis(
                self.safety.helplines(country),
                screening.results_on_request(),
            ));
        }
        if screening.crisis && (screening.means || !opts.crisis_acknowledged) {
            answer.search_withheld = true;
            return Ok(answer);
        }

        let view = self.live.load();
        let (plan, mut ranked) = self.rank(&view, question, embedding, opts, today)?;
        let mut analysis = self.engine.analysis();
        // Never pad with weak matches: when the best article covers too little of the question,
        // the library has nothing on it.
        // (The best article is judged first, then the next one: with the encoder's similarity
        // fused in, an article about a neighbouring topic may rank just above the one that
        // covers the question.)
        let mut covered = false;
        for (article, _, hit) in ranked.iter().take(FLOOR_CANDIDATES) {
            if self
                .relevance_of(&view, &plan, article, hit, &mut analysis)?
                .enough()
            {
                covered = true;
                break;
            }
        }
        if !covered {
            ranked.clear();
        }

        let limit = opts.limit.max(1);
        answer.has_more = ranked.len() > opts.offset + limit;
        let terms = plan.all_terms();
        for (card, score, hit) in ranked.into_iter().skip(opts.offset).take(limit) {
            let article = self.with_body(&view, card, &hit)?;
            let article = article.as_ref();
            let cut = excerpt(article, &terms, &mut analysis);
            // The excerpt is shown under the source of the passage it comes from.
            let source = article.source_of(cut.paragraph);
            answer.citations.push(Citation {
                // A server's article is known by its own id within its server.
                article_id: article.id.clone(),
                title: article.title.clone(),
                summary: article.summary.clone(),
                source_name: source.name.clone(),
                source_url: source.url.clone(),
                published: source.published.to_string(),
                written: article.written,
                reviewed: article.review.date,
                review_overdue: article.review_overdue(today),
                evidence: source.evidence,
                evidence_label: source.evidence.label().to_string(),
                preprint: source.preprint,
                conditions: article.conditions.clone(),
                cautions: article.cautions.clone(),
                excerpt: cut.text,
                highlights: cut.highlights,
                score,
            });
        }
        if answer.citations.is_empty() && opts.offset == 0 {
            answer.notices.push(Notice::nothing_found(opts.condition));
        }
        Ok(answer)
    }

    /// Ranked articles for a question within the options' scope, overdue ones lower and the
    /// server's focus conditions higher (ties keep the index order).
    fn rank<'a>(
        &'a self,
        view: &'a LiveView,
        question: &str,
        embedding: Option<&[f32]>,
        opts: &AskOptions,
        today: NaiveDate,
    ) -> Result<(QueryPlan, Ranked<'a>), SearchError> {
        let engine = view.engine.as_ref().unwrap_or(&self.engine);
        let (plan, hits) = engine.search_embedded(
            question,
            embedding,
            opts.condition.map(|c| c.key()),
            opts.scope,
            MAX_RESULTS,
        )?;
        let mut ranked: Ranked = hits
            .into_iter()
            .filter_map(|h| {
                let a: &Article = match split_key(&h.id) {
                    Some((server, id)) => view.articles.get(&(server, id.to_string()))?,
                    None => self.articles.get(&h.id)?,
                };
                let mut score = h.score;
                if a.review_overdue(today) {
                    score *= OVERDUE_PENALTY;
                }
                if !a.independently_reviewed() {
                    score *= UNREVIEWED_PENALTY;
                }
                if a.conditions.iter().any(|c| opts.focus.contains(c)) {
                    score *= FOCUS_BOOST;
                }
                Some((a, score, h))
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok((plan, ranked))
    }

    /// How well the best-ranked article covers the question (`None` when nothing matched at
    /// all). Used to choose the relevance floor ([`Relevance::enough`]).
    pub fn relevance(
        &self,
        question: &str,
        condition: Option<Condition>,
    ) -> Result<Option<Relevance>, SearchError> {
        let today = chrono::Local::now().date_naive();
        let view = self.live.load();
        let opts = AskOptions {
            condition,
            ..AskOptions::default()
        };
        let (plan, ranked) = self.rank(&view, question, None, &opts, today)?;
        let mut analysis = self.engine.analysis();
        ranked
            .first()
            .map(|(best, _, hit)| self.relevance_of(&view, &plan, best, hit, &mut analysis))
            .transpose()
    }

    /// How much of the question an article covers: each of the question's terms and synonym
    /// groups (a group matches when any of its wordings is in the article) weighted by its
    /// rarity (idf), and whether a matched one is library vocabulary.
    fn relevance_of(
        &self,
        view: &LiveView,
        plan: &QueryPlan,
        article: &Article,
        hit: &Hit,
        analysis: &mut Analysis,
    ) -> Result<Relevance, SearchError> {
        // The terms counted when the article was indexed; an article found by meaning alone is
        // analysed now.
        let engine = view.engine.as_ref().unwrap_or(&self.engine);
        let stored = engine.doc_terms(std::slice::from_ref(hit))?;
        let analysed = if stored.iter().all(|d| d.all().next().is_none()) {
            let article = self.with_body(view, article, hit)?;
            let text = format!(
                "{}\n{}\n{}\n{}",
                article.title,
                article.summary,
                article.tags.join(" "),
                article.body_text()
            );
            analysis.terms(&text)
        } else {
            Vec::new()
        };
        let present: HashSet<&str> = stored
            .iter()
            .flat_map(|d| d.all())
            .chain(analysed.iter().map(String::as_str))
            .collect();
        let groups: Vec<(Vec<&str>, bool)> = plan
            .groups
            .iter()
            .map(|group| {
                let found = group
                    .iter()
                    .any(|alt| alt.terms.iter().all(|t| present.contains(t.as_str())));
                let words = group
                    .iter()
                    .flat_map(|alt| alt.terms.iter().map(String::as_str))
                    .collect();
                (words, found)
            })
            .collect();
        // A word that brought in a synonym group the article matches ("yakult" for
        // "probiotic") is covered by that group, not a word the library lacks.
        let covered: HashSet<&str> = plan
            .synonyms_used
            .iter()
            .filter(|(_, means)| {
                means
                    .iter()
                    .any(|m| m.iter().all(|t| present.contains(t.as_str())))
            })
            .flat_map(|(term, _)| term.iter().map(String::as_str))
            .collect();
        // (words, found, weight, known through a synonym)
        let mut units: Vec<(Vec<&str>, bool, f32, bool)> = plan
            .terms
            .iter()
            .map(|t| {
                let via_synonym = covered.contains(t.term.as_str());
                let found = present.contains(t.term.as_str()) || via_synonym;
                (vec![t.term.as_str()], found, t.weight, via_synonym)
            })
            .collect();
        for (words, found) in groups {
            units.push((words, found, 1.0, false));
        }
        let mut out = Relevance {
            coverage: 1.0,
            matched: 0,
            units: units.len(),
            unknown: 0,
            vocabulary: false,
        };
        // One look-up for every word of every unit, then each unit takes its own slice.
        let (idf, never) = self.engine.idf(
            units
                .iter()
                .flat_map(|(words, _, _, _)| words.iter().copied()),
        )?;
        let mut next = 0;
        let (mut total, mut matched) = (0.0, 0.0);
        for (words, found, weight, via_synonym) in units {
            let own = &idf[next..next + words.len()];
            next += words.len();
            let rarest = own.iter().copied().fold(0.0f32, f32::max);
            let w = weight * rarest;
            total += w;
            if rarest >= never && !via_synonym {
                out.unknown += 1;
            }
            if found {
                matched += w;
                out.matched += 1;
                out.vocabulary |= words.iter().any(|t| self.vocabulary.contains(*t));
            }
        }
        if total > 0.0 {
            out.coverage = matched / total;
        }
        Ok(out)
    }

    /// Conditions and tags with how many articles carry each, most used first.
    pub fn topics(&self) -> Topics {
        let mut conds = BTreeMap::<Condition, usize>::new();
        let mut tags = BTreeMap::<String, usize>::new();
        for a in self.articles.values() {
            for c in &a.conditions {
                *conds.entry(*c).or_default() += 1;
            }
            for t in &a.tags {
                *tags.entry(t.clone()).or_default() += 1;
            }
        }
        let mut conds: Vec<_> = conds.into_iter().collect();
        conds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut tags: Vec<_> = tags.into_iter().collect();
        tags.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Topics {
            conditions: conds,
            tags,
        }
    }
}

/// Articles for a title being typed (autocomplete), at most `limit`: titles or ids that
/// contain the text first, then those where every typed word starts a word of the title, id or
/// tags. No search, no encoder: cheap enough for every keystroke.
pub fn titles_matching<'a>(
    articles: impl Iterator<Item = &'a Article>,
    typed: &str,
    limit: usize,
) -> Vec<&'a Article> {
    let needle = typed.trim().to_lowercase();
    let words: Vec<&str> = needle
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut contains = Vec::new();
    let mut prefixes = Vec::new();
    for a in articles {
        let title = a.title.to_lowercase();
        if needle.is_empty() || title.contains(&needle) || a.id.contains(&needle) {
            contains.push(a);
            continue;
        }
        let haystack = format!("{title} {} {}", a.id, a.tags.join(" "));
        let own: Vec<&str> = haystack
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        if !words.is_empty() && words.iter().all(|w| own.iter().any(|o| o.starts_with(w))) {
            prefixes.push(a);
        }
    }
    contains.into_iter().chain(prefixes).take(limit).collect()
}

/// What the library covers: conditions and tags with their article counts.
#[derive(Debug, Clone)]
pub struct Topics {
    pub conditions: Vec<(Condition, usize)>,
    pub tags: Vec<(String, usize)>,
}

/// The analysed words of every tag, condition and synonym (the words members type).
fn vocabulary(
    articles: &[Article],
    syns: &[synonyms::Synonym],
    analysis: &mut Analysis,
) -> HashSet<String> {
    let mut text = String::new();
    for a in articles {
        text.push_str(&a.tags.join(" "));
        text.push('\n');
    }
    for c in Condition::ALL {
        text.push_str(c.label());
        text.push(' ');
        text.push_str(c.key());
        text.push('\n');
    }
    for s in syns {
        text.push_str(&s.term);
        text.push('\n');
    }
    analysis.terms(&text).into_iter().collect()
}

fn index_doc(a: &Article) -> IndexDoc {
    IndexDoc {
        id: a.id.clone(),
        title: a.title.clone(),
        summary: a.summary.clone(),
        tags: a.tags.join(" "),
        body: a.body_text(),
        conditions: a.conditions.iter().map(|c| c.key().to_string()).collect(),
        server: None,
        stored: serde_json::to_string(&a.text()).ok(),
    }
}

/// A digest of every article file (name and bytes, or why it cannot be read), read as loading
/// reads them: with [`ids_fingerprint`], what the index was built from. The index is rebuilt
/// when either changes.
fn files_fingerprint(config: &LibraryConfig) -> Result<String, CorpusError> {
    let root = corpus::canonical_dir(&config.corpus_dir)?;
    let mut h = Sha256::new();
    for path in corpus::article_paths(&config.corpus_dir)? {
        h.update(
            path.file_name()
                .map(|n| n.as_encoded_bytes())
                .unwrap_or_default(),
        );
        let text = corpus::read_article(&root, &path, config.max_article_bytes)
            .unwrap_or_else(|p| format!("\0{}", p.message));
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    Ok(format!("{:x}", h.finalize()))
}

/// A digest of which articles are valid.
fn ids_fingerprint(valid: &[Article]) -> String {
    let mut h = Sha256::new();
    for a in valid {
        h.update(a.id.as_bytes());
        h.update([0]);
    }
    format!("{:x}", h.finalize())
}
