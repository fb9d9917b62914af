//! Servers' own articles, live. Readers take the current [`LiveView`] (an immutable snapshot:
//! the articles and a frozen view of the live index) from an `ArcSwap`; one writer applies
//! changes to the in-memory live index, commits, and swaps a new view in. A change is
//! searchable as soon as [`Library::apply`] returns, with no rebuild and no restart.
//!
//! The store is the source of truth; this is a cache of it, rebuilt at start from
//! [`crate::store::Store::articles`] and kept up to date from the store's change feed.

use super::Library;
use crate::corpus::{parse_article, Article, Problem};
use crate::search::{Engine, IndexDoc, LiveIndex, SearchError};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// One immutable view of the servers' articles.
#[derive(Default)]
pub(crate) struct LiveView {
    /// The engine over the shared index plus this view of the live index (`None` until the
    /// first server article arrives).
    pub(crate) engine: Option<Engine>,
    /// Articles by (server, id).
    pub(crate) articles: BTreeMap<(u64, String), Arc<Article>>,
}

/// The key of a server's article in the live index: `server:id` (ids are slugs, so the colon
/// never occurs in a shared article's id).
pub(crate) fn live_key(server: u64, id: &str) -> String {
    format!("{server}:{id}")
}

/// The (server, id) of a live index key, `None` for a shared article's id.
pub(crate) fn split_key(key: &str) -> Option<(u64, &str)> {
    let (server, id) = key.split_once(':')?;
    Some((server.parse().ok()?, id))
}

/// A change to apply to the live library.
#[derive(Debug, Clone)]
pub enum LiveChange {
    /// Add or replace a server's article.
    Put { server: u64, article: Box<Article> },
    /// Remove a server's article (nothing happens if it is not there).
    Remove { server: u64, id: String },
}

impl Library {
    /// Validates a server article's Markdown exactly as `cairn check` validates a library file
    /// named `<id>.md`, and refuses an id the shared library already uses. Every problem is
    /// returned; nothing is stored or indexed here.
    pub fn validate_server_article(
        &self,
        markdown: &str,
        today: NaiveDate,
    ) -> Result<Article, Vec<Problem>> {
        let id = declared_id(markdown).unwrap_or_default();
        let path = PathBuf::from(format!(
            "{}.md",
            if id.is_empty() { "article" } else { &id }
        ));
        // Articles stored before the review scheme are read in its form (nothing is lost).
        let markdown = crate::corpus::front::upgrade_legacy(markdown);
        let parsed = parse_article(&path, &markdown, today);
        // A moderator's article is held to `cairn check`'s standard, plain words included.
        let mut problems = parsed.problems;
        problems.extend(parsed.style);
        if let Some((id, line)) = &parsed.declared_id {
            if self.articles.contains_key(id) {
                problems.push(Problem {
                    path: path.clone(),
                    line: *line,
                    message: format!(
                        "id `{id}` is already used by an article of the shared library; choose another"
                    ),
                });
            }
        }
        match parsed.article {
            Some(a) if problems.is_empty() => Ok(a),
            _ => {
                problems.sort_by_key(|p| p.line);
                Err(problems)
            }
        }
    }

    /// One server's article.
    pub fn server_article(&self, server: u64, id: &str) -> Option<Arc<Article>> {
        self.live
            .load()
            .articles
            .get(&(server, id.to_string()))
            .cloned()
    }

    /// One server's articles, by id.
    pub fn server_articles(&self, server: u64) -> Vec<Arc<Article>> {
        self.live
            .load()
            .articles
            .range((server, String::new())..)
            .take_while(|((s, _), _)| *s == server)
            .map(|(_, a)| a.clone())
            .collect()
    }

    /// How many server articles are live, over all servers.
    pub fn server_article_count(&self) -> usize {
        self.live.load().articles.len()
    }

    /// Applies changes to the live index in one commit and swaps in a new view: once this
    /// returns, every question sees them. Changes are applied one batch at a time.
    pub fn apply(&self, changes: Vec<LiveChange>) -> Result<(), SearchError> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if writer.is_none() {
            *writer = Some(LiveIndex::new()?);
        }
        let Some(index) = writer.as_mut() else {
            unreachable!("the live index was created above")
        };
        let old = self.live.load_full();
        let mut articles = old.articles.clone();
        let mut put = Vec::new();
        let mut removed = Vec::new();
        for change in changes {
            match change {
                LiveChange::Put { server, article } => {
                    let key = live_key(server, &article.id);
                    put.push(live_doc(&key, server, &article));
                    articles.insert((server, article.id.clone()), Arc::new(*article));
                }
                LiveChange::Remove { server, id } => {
                    removed.push(live_key(server, &id));
                    articles.remove(&(server, id));
                }
            }
        }
        let searcher = index.apply(&put, &removed)?;
        self.live.store(Arc::new(LiveView {
            engine: Some(self.engine.with_live(searcher)?),
            articles,
        }));
        Ok(())
    }
}

fn live_doc(key: &str, server: u64, a: &Article) -> IndexDoc {
    let mut doc = super::index_doc(a);
    doc.id = key.to_string();
    doc.server = Some(server);
    // A server's articles stay whole in memory: nothing to store.
    doc.stored = None;
    doc
}

/// The `id = "..."` of front matter, read leniently (the parser reports it properly).
fn declared_id(markdown: &str) -> Option<String> {
    markdown
        .lines()
        .take(40)
        .filter_map(|l| l.trim().strip_prefix("id"))
        .filter_map(|rest| rest.trim_start().strip_prefix('='))
        .map(|v| v.trim().trim_matches('"').to_string())
        .find(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_shared_ids_are_not_keys() {
        assert_eq!(split_key(&live_key(42, "my-note")), Some((42, "my-note")));
        assert_eq!(split_key("fmt-for-ibs"), None);
        assert_eq!(split_key("x:y"), None);
    }
}
