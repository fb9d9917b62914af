//! What moderators and admins do, for the bot and the CLI alike: add, edit, review, remove and
//! export a server's own articles, read and change a server's settings, and keep this process's
//! live library in step with the store (its change feed). Every write is validated exactly as
//! `cairn check` validates library files, is all-or-nothing, and leaves an audit row.

use crate::corpus::{Article, Problem};
use crate::library::{Library, LiveChange};
use crate::settings::{self, ServerSettings, SettingError};
use crate::store::{
    ArticleWriteError, AuditEntry, Change, Store, StoreError, StoredArticle, Write,
};
use arc_swap::ArcSwap;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

/// How often a process looks for changes other processes made.
pub const SYNC_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum CurationError {
    /// The article has problems; nothing was written.
    #[error("the article has {} problem(s); nothing was saved", .0.len())]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Write(#[from] ArticleWriteError),
    #[error(transparent)]
    Setting(#[from] SettingError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the live index could not be updated: {0}")]
    Index(String),
}

/// The store and this process's library, kept in step.
pub struct Curator {
    pub store: Store,
    /// The library now: swapped whole when `cairn index` builds a new generation.
    library: ArcSwap<Library>,
    /// The last change of the store's feed applied to the library.
    seen: tokio::sync::Mutex<i64>,
    /// The process-wide defaults settings resolve over.
    pub defaults: ServerSettings,
}

impl Curator {
    /// Loads every server's articles from the store into the library's live index. A stored
    /// article that no longer validates (an older version's rules) is left out with a warning.
    pub async fn open(
        store: Store,
        library: Arc<Library>,
        defaults: ServerSettings,
    ) -> Result<Curator, CurationError> {
        let seen = load_all(&store, &library).await?;
        Ok(Curator {
            store,
            library: ArcSwap::new(library),
            seen: tokio::sync::Mutex::new(seen),
            defaults,
        })
    }

    /// The library as it is now.
    pub fn library(&self) -> Arc<Library> {
        self.library.load_full()
    }

    /// Reopens the shared library when `cairn index` switched the index folder to a new
    /// generation (or rebuilt it after a change to the corpus), then loads every server's
    /// articles into it and swaps it in. Questions in flight finish on the old one. Returns
    /// whether it reloaded.
    pub async fn reload_if_reindexed(&self) -> Result<bool, CurationError> {
        let old = self.library();
        if !old.reindexed() {
            return Ok(false);
        }
        let config = old.config().clone();
        let mut seen = self.seen.lock().await;
        let fresh = tokio::task::spawn_blocking(move || Library::open(&config))
            .await
            .map_err(|e| CurationError::Index(e.to_string()))?
            .map_err(|e| CurationError::Index(e.to_string()))?;
        let fresh = Arc::new(fresh);
        *seen = load_all(&self.store, &fresh).await?;
        self.library.store(fresh);
        tracing::info!("the index was rebuilt by another process; the library was reloaded");
        Ok(true)
    }

    /// Applies the store's changes since the last sync (this process's and others'). Returns
    /// how many articles changed.
    pub async fn sync(&self) -> Result<usize, CurationError> {
        let mut seen = self.seen.lock().await;
        let changes = self.store.changes_since(*seen).await?;
        let Some(last) = changes.last().map(|c| c.seq) else {
            return Ok(0);
        };
        let touched: BTreeSet<(u64, String)> = changes
            .into_iter()
            .map(
                |Change {
                     server, article, ..
                 }| (server, article),
            )
            .collect();
        let today = chrono::Local::now().date_naive();
        let mut live = Vec::new();
        for (server, id) in &touched {
            match self.store.article(*server, id).await? {
                Some(a) => live.extend(to_changes(&self.library(), vec![a], today)),
                None => live.push(LiveChange::Remove {
                    server: *server,
                    id: id.clone(),
                }),
            }
        }
        apply(&self.library(), live).await?;
        *seen = last;
        tracing::info!("applied {} change(s) from the store", touched.len());
        Ok(touched.len())
    }

    /// Follows the change feed (and re-indexing by `cairn index`) every [`SYNC_EVERY`] until
    /// `stop` resolves.
    pub async fn follow(self: Arc<Self>, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let mut tick = tokio::time::interval(SYNC_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = &mut stop => return,
                _ = tick.tick() => {
                    if let Err(e) = self.reload_if_reindexed().await {
                        tracing::warn!(error = %e, "could not reload the re-indexed library");
                    }
                    if let Err(e) = self.sync().await {
                        tracing::warn!(error = %e, "could not follow the store's changes");
                    }
                    if let Err(e) = self.store.expire_sessions().await {
                        tracing::warn!(error = %e, "could not remove expired sessions");
                    }
                }
            }
        }
    }

    /// Validates a server article, as `cairn check` would.
    pub fn validate(&self, markdown: &str) -> Result<Article, CurationError> {
        let today = chrono::Local::now().date_naive();
        self.library()
            .validate_server_article(markdown, today)
            .map_err(CurationError::Invalid)
    }

    /// Adds a new article to a server: validated, stored, audited, and searchable when this
    /// returns.
    pub async fn add(
        &self,
        server: u64,
        markdown: &str,
        actor: u64,
    ) -> Result<Article, CurationError> {
        self.write(server, markdown, actor, Write::Add).await
    }

    /// Replaces a server's article (the id inside `markdown` must be the article's).
    pub async fn edit(
        &self,
        server: u64,
        id: &str,
        markdown: &str,
        actor: u64,
    ) -> Result<Article, CurationError> {
        let article = self.validate(markdown)?;
        if article.id != id {
            return Err(CurationError::Invalid(vec![Problem {
                path: format!("{id}.md").into(),
                line: 1,
                message: format!(
                    "the id cannot change on edit (`{id}` became `{}`); add a new article instead",
                    article.id
                ),
            }]));
        }
        self.write(server, markdown, actor, Write::Edit).await
    }

    /// Records that a moderator (`by`, their name as the article shows it) checked the article
    /// against its sources `today`: its `[review]` gets that date and name, and the audit log
    /// names the reviewer. A review by the article's writer is refused, as `check` refuses it.
    pub async fn review(
        &self,
        server: u64,
        id: &str,
        actor: u64,
        by: &str,
        today: NaiveDate,
    ) -> Result<Article, CurationError> {
        let stored = self
            .store
            .article(server, id)
            .await?
            .ok_or_else(|| ArticleWriteError::Missing(id.to_string()))?;
        let markdown = crate::corpus::front::set_review(&stored.markdown, today, by);
        self.write(server, &markdown, actor, Write::Review).await
    }

    async fn write(
        &self,
        server: u64,
        markdown: &str,
        actor: u64,
        write: Write,
    ) -> Result<Article, CurationError> {
        let article = self.validate(markdown)?;
        self.store
            .put_article(server, &article.id, markdown, actor, write)
            .await?;
        self.sync().await?;
        Ok(article)
    }

    /// Removes a server's article; it stops answering when this returns.
    pub async fn remove(&self, server: u64, id: &str, actor: u64) -> Result<(), CurationError> {
        self.store.remove_article(server, id, actor).await?;
        self.sync().await?;
        Ok(())
    }

    /// A server's article as library-format Markdown (what `/article export` sends).
    pub async fn export(&self, server: u64, id: &str) -> Result<StoredArticle, CurationError> {
        Ok(self
            .store
            .article(server, id)
            .await?
            .ok_or_else(|| ArticleWriteError::Missing(id.to_string()))?)
    }

    /// Who changed an article, what and when, oldest first.
    pub async fn history(&self, server: u64, id: &str) -> Result<Vec<AuditEntry>, CurationError> {
        Ok(self.store.history(server, Some(id)).await?)
    }

    /// A server's settings, resolved over the defaults.
    pub async fn settings(&self, server: u64) -> Result<ServerSettings, CurationError> {
        let stored = self.store.settings(server).await?;
        Ok(ServerSettings::resolve(&stored, &self.defaults))
    }

    /// Validates and saves one setting; returns its name and stored value.
    pub async fn set(
        &self,
        server: u64,
        name: &str,
        value: &str,
        actor: u64,
    ) -> Result<(&'static str, String), CurationError> {
        let (name, value) = settings::validate(name, value)?;
        self.store.set_setting(server, name, &value, actor).await?;
        Ok((name, value))
    }

    /// Puts one setting (or all) back to its default; returns how many changed.
    pub async fn reset(
        &self,
        server: u64,
        name: Option<&str>,
        actor: u64,
    ) -> Result<u64, CurationError> {
        let name = name.map(settings::setting).transpose()?.map(|s| s.name);
        Ok(self.store.reset_settings(server, name, actor).await?)
    }
}

/// Loads every server's articles into `library`; returns the change feed's position they
/// reflect.
async fn load_all(store: &Store, library: &Arc<Library>) -> Result<i64, CurationError> {
    let seen = store.last_change().await?;
    let stored = store.articles(None).await?;
    let today = chrono::Local::now().date_naive();
    let changes = to_changes(library, stored, today);
    apply(library, changes).await?;
    Ok(seen)
}

fn to_changes(library: &Library, stored: Vec<StoredArticle>, today: NaiveDate) -> Vec<LiveChange> {
    stored
        .into_iter()
        .filter_map(
            |s| match library.validate_server_article(&s.markdown, today) {
                Ok(article) if article.id == s.id => Some(LiveChange::Put {
                    server: s.server,
                    article: Box::new(article),
                }),
                _ => {
                    tracing::warn!(
                        server = s.server,
                        article = %s.id,
                        "a stored article no longer validates; it is left out until edited"
                    );
                    None
                }
            },
        )
        .collect()
}

/// Applies live changes on the blocking pool (tantivy is synchronous).
async fn apply(library: &Arc<Library>, changes: Vec<LiveChange>) -> Result<(), CurationError> {
    if changes.is_empty() {
        return Ok(());
    }
    let lib = library.clone();
    tokio::task::spawn_blocking(move || lib.apply(changes))
        .await
        .map_err(|e| CurationError::Index(e.to_string()))?
        .map_err(|e| CurationError::Index(e.to_string()))
}

/// The fields a moderator fills in to write an article from Discord (the modal and the
/// command's options).
#[derive(Debug, Clone, Default)]
pub struct ArticleForm {
    /// `None`: made from the title.
    pub id: Option<String>,
    pub title: String,
    pub summary: String,
    pub source_name: String,
    pub source_url: String,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    pub published: String,
    pub evidence: String,
    /// Condition keys, separated by commas or spaces.
    pub conditions: String,
    pub tags: Vec<String>,
    pub cautions: Vec<String>,
    /// When it was written, and the writer's name (the moderator's handle).
    pub written: NaiveDate,
    pub writer: String,
    pub body: String,
}

/// How often a server's article is due for review, unless its file says otherwise.
pub const SERVER_REVIEW_MONTHS: u32 = 24;

impl ArticleForm {
    /// The article in the library's format: TOML front matter (every string escaped by the
    /// TOML writer) and the Markdown body. Validation happens on the result, as for files.
    pub fn to_markdown(&self) -> String {
        let q = |s: &str| toml::Value::String(s.trim().to_string()).to_string();
        let list = |items: &[String]| {
            let quoted: Vec<String> = items.iter().map(|s| q(s)).collect();
            format!("[{}]", quoted.join(", "))
        };
        let conditions: Vec<String> = self
            .conditions
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|w| !w.is_empty())
            .map(|w| {
                // An unknown word stays as written, for validation to report.
                settings::condition(w)
                    .map_or_else(|| w.to_ascii_lowercase(), |c| c.key().to_string())
            })
            .collect();
        let published = self.published.trim();
        let published = if is_full_date(published) {
            published.to_string()
        } else {
            q(published)
        };
        let id = self.id.clone().unwrap_or_else(|| slug(&self.title));
        let mut s = String::from("+++\n");
        s.push_str(&format!("id = {}\n", q(&id)));
        s.push_str(&format!("title = {}\n", q(&self.title)));
        s.push_str(&format!("summary = {}\n", q(&self.summary)));
        s.push_str(&format!("written = {}\n", self.written));
        s.push_str(&format!("writer = {}\n", q(&self.writer)));
        s.push_str(&format!("evidence = {}\n", q(&self.evidence)));
        s.push_str(&format!("conditions = {}\n", list(&conditions)));
        if !self.tags.is_empty() {
            s.push_str(&format!("tags = {}\n", list(&self.tags)));
        }
        if !self.cautions.is_empty() {
            s.push_str(&format!("cautions = {}\n", list(&self.cautions)));
        }
        s.push_str("\n[source]\n");
        s.push_str(&format!("name = {}\n", q(&self.source_name)));
        s.push_str(&format!("url = {}\n", q(&self.source_url)));
        s.push_str(&format!("published = {published}\n"));
        s.push_str(&format!("\n[review]\nevery = {SERVER_REVIEW_MONTHS}\n"));
        s.push_str("+++\n\n");
        s.push_str(self.body.trim());
        s.push('\n');
        s
    }

    /// The form of an existing article, from its stored Markdown (for a pre-filled edit).
    pub fn from_article(article: &Article, markdown: &str) -> ArticleForm {
        ArticleForm {
            id: Some(article.id.clone()),
            title: article.title.clone(),
            summary: article.summary.clone(),
            source_name: article.source().name.clone(),
            source_url: article.source().url.clone(),
            published: article.source().published.to_string(),
            evidence: article.evidence.key().to_string(),
            conditions: article
                .conditions
                .iter()
                .map(|c| c.key())
                .collect::<Vec<_>>()
                .join(", "),
            tags: article.tags.clone(),
            cautions: article.cautions.clone(),
            written: article.written,
            writer: article.writer.clone(),
            body: body_of(markdown).to_string(),
        }
    }
}

/// What an audited change changed, for `/article history`: " (title, body)" for an edit,
/// empty otherwise.
pub fn changed_parts(before: Option<&str>, after: Option<&str>) -> String {
    let (Some(before), Some(after)) = (before, after) else {
        return String::new();
    };
    let fields = |md: &str| -> BTreeMap<String, String> {
        let front = md.split("+++").nth(1).unwrap_or("");
        let mut section = String::new();
        let mut out = BTreeMap::new();
        for line in front.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                section = format!("{}.", line.trim_matches(['[', ']']));
            } else if let Some((k, v)) = line.split_once('=') {
                out.insert(format!("{section}{}", k.trim()), v.trim().to_string());
            }
        }
        out.insert("body".into(), body_of(md).trim().to_string());
        out
    };
    let (b, a) = (fields(before), fields(after));
    let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    let changed: Vec<&str> = keys
        .into_iter()
        .filter(|k| b.get(*k) != a.get(*k))
        .map(|k| k.as_str())
        .collect();
    if changed.is_empty() {
        " (no change)".to_string()
    } else {
        format!(" ({})", changed.join(", "))
    }
}

fn is_full_date(s: &str) -> bool {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10
}

/// The Markdown body after the front matter.
pub fn body_of(markdown: &str) -> &str {
    let mut rest = markdown;
    for _ in 0..2 {
        match rest.find("+++") {
            Some(i) => rest = &rest[i + 3..],
            None => return markdown,
        }
    }
    rest.trim_start_matches(['\r', '\n'])
}

/// An id from a title: lowercase letters and digits joined by single hyphens, at most 60
/// characters ("article" if nothing is left).
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "article".to_string()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_names_what_an_edit_changed() {
        let a =
            "+++\ntitle = \"A\"\nreviewed = 2020-01-01\n[source]\nurl = \"x\"\n+++\nBody one.\n";
        let b =
            "+++\ntitle = \"B\"\nreviewed = 2020-01-01\n[source]\nurl = \"y\"\n+++\nBody two.\n";
        assert_eq!(
            changed_parts(Some(a), Some(b)),
            " (body, source.url, title)"
        );
        assert_eq!(changed_parts(Some(a), Some(a)), " (no change)");
        assert_eq!(changed_parts(None, Some(a)), "");
    }

    #[test]
    fn slugs_are_valid_ids() {
        assert_eq!(
            slug("Pacing: a beginner's guide!"),
            "pacing-a-beginner-s-guide"
        );
        assert_eq!(slug("???"), "article");
        assert!(slug(&"long title ".repeat(20)).len() <= 60);
    }

    #[test]
    fn form_text_is_escaped_by_toml() {
        let form = ArticleForm {
            title: "A \"quoted\" title\nwith = signs".into(),
            published: "2021-10".into(),
            written: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            writer: "sam \"mod\"".into(),
            ..ArticleForm::default()
        };
        let md = form.to_markdown();
        let front = md.split("+++").nth(1).unwrap();
        let parsed: toml::Table = front.parse().expect("valid TOML");
        assert_eq!(
            parsed["title"].as_str(),
            Some("A \"quoted\" title\nwith = signs")
        );
        assert_eq!(parsed["source"]["published"].as_str(), Some("2021-10"));
        assert_eq!(parsed["writer"].as_str(), Some("sam \"mod\""));
        assert_eq!(
            parsed["review"]["every"].as_integer(),
            Some(i64::from(SERVER_REVIEW_MONTHS))
        );
    }
}
