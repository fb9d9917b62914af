//! The database: per-server settings, feedback counts, servers' own articles, the audit log and
//! the change feed other processes follow. An embedded SQLite file by default
//! (`data/cairn.db`), PostgreSQL by URL for operators who run several processes. The same
//! queries run on both through sqlx's `Any` driver; each backend has its own migrations
//! (`migrations/sqlite`, `migrations/postgres`), run at every open.
//!
//! Nothing here holds question text, and no member id is stored with anything a member asked
//! or rated: the only user ids are those of moderators and admins, on what they changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

/// The two feedback counts of one article ("helpful", "not helpful"); never who voted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub helpful: u64,
    pub not_helpful: u64,
}

/// The default database, relative to the working directory.
pub const DEFAULT_DATABASE: &str = "data/cairn.db";

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL {0:?}: use a file path, sqlite://PATH or postgres://...")]
    Url(String),
    #[error("cannot create the folder {path} for the database: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("cannot bring the database {url} up to date: {source}")]
    Migrate {
        url: String,
        source: sqlx::migrate::MigrateError,
    },
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("cannot read {path}: {message}")]
    Import { path: PathBuf, message: String },
}

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database handle: one connection pool, passed around.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The URL with any password left out (for messages).
    shown: String,
}

/// A server's own article as stored: its library-format Markdown and the last change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredArticle {
    pub server: u64,
    pub id: String,
    pub markdown: String,
    pub updated_at: i64,
    pub updated_by: u64,
}

/// A button session as stored: the answer's pages as JSON (never the question, never who
/// asked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub server: u64,
    pub page_size: u64,
    pub answer: String,
    pub anyway: Option<String>,
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub actor: u64,
    pub action: String,
    pub target: String,
    pub at: i64,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A change to a server's articles, from the change feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub seq: i64,
    pub server: u64,
    pub article: String,
}

/// What an article write does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// Fails if the id is taken.
    Add,
    /// Fails if the article does not exist.
    Edit,
    /// A review: same text with a new `reviewed` date.
    Review,
}

impl Write {
    fn action(self) -> &'static str {
        match self {
            Write::Add => "add",
            Write::Edit => "edit",
            Write::Review => "review",
        }
    }
}

/// Why an article write was refused.
#[derive(Debug, thiserror::Error)]
pub enum ArticleWriteError {
    #[error("this server already has an article with the id `{0}`")]
    Exists(String),
    #[error("this server has no article with the id `{0}`")]
    Missing(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ArticleWriteError {
    fn from(e: sqlx::Error) -> Self {
        ArticleWriteError::Store(StoreError::Sql(e))
    }
}

fn id_i64(id: u64) -> i64 {
    // Discord ids are below 2^63; larger values cannot come from Discord and wrap harmlessly
    // into a distinct negative key.
    id as i64
}

fn id_u64(id: i64) -> u64 {
    id as u64
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Store {
    /// Opens (creating if needed) the database at `url` and runs its migrations. `url` is a
    /// `postgres://` URL, a `sqlite://` URL, or a plain file path for SQLite.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        // An empty CAIRN_DATABASE_URL= (as in .env.example) means the default.
        let url = match url.trim() {
            "" => DEFAULT_DATABASE,
            u => u,
        };
        let (backend, connect, shown) =
            if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                (Backend::Postgres, url.to_string(), hide_password(url))
            } else if url.contains("://") && !url.starts_with("sqlite://") {
                return Err(StoreError::Url(hide_password(url)));
            } else {
                let path = url.strip_prefix("sqlite://").unwrap_or(url);
                let path = path.split('?').next().unwrap_or(path);
                if path != ":memory:" {
                    if let Some(parent) = Path::new(path)
                        .parent()
                        .filter(|p| !p.as_os_str().is_empty())
                    {
                        std::fs::create_dir_all(parent).map_err(|source| StoreError::Folder {
                            path: parent.to_path_buf(),
                            source,
                        })?;
                    }
                }
                (
                    Backend::Sqlite,
                    format!("sqlite://{path}?mode=rwc"),
                    path.to_string(),
                )
            };
        let max = match backend {
            // One writer at a time in SQLite; a few readers beside it.
            Backend::Sqlite if connect.contains(":memory:") => 1,
            Backend::Sqlite => 4,
            Backend::Postgres => 8,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(10))
            .connect(&connect)
            .await
            .map_err(|source| StoreError::Connect {
                url: shown.clone(),
                source,
            })?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                url: shown.clone(),
                source,
            })?;
        Ok(Store {
            pool,
            backend,
            shown,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database, as it can be shown (no password).
    pub fn shown(&self) -> &str {
        &self.shown
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock first
    /// (`BEGIN IMMEDIATE`), waiting its turn: a transaction that read first and wrote later
    /// could otherwise fail at once with "database is locked" when another wrote meanwhile.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    // ---- settings ----

    /// A server's settings that differ from the defaults, by name.
    pub async fn settings(&self, server: u64) -> Result<BTreeMap<String, String>, StoreError> {
        let rows = sqlx::query("SELECT name, value FROM settings WHERE server_id = $1")
            .bind(id_i64(server))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
            .collect())
    }

    /// Sets one setting (already validated) and audits it.
    pub async fn set_setting(
        &self,
        server: u64,
        name: &str,
        value: &str,
        actor: u64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let before: Option<String> =
            sqlx::query("SELECT value FROM settings WHERE server_id = $1 AND name = $2")
                .bind(id_i64(server))
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.get(0));
        sqlx::query(
            "INSERT INTO settings (server_id, name, value) VALUES ($1, $2, $3) \
             ON CONFLICT (server_id, name) DO UPDATE SET value = excluded.value",
        )
        .bind(id_i64(server))
        .bind(name)
        .bind(value)
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            server,
            actor,
            "config set",
            name,
            before,
            Some(value.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Puts one setting, or all of them (`None`), back to the default. Returns how many were
    /// changed.
    pub async fn reset_settings(
        &self,
        server: u64,
        name: Option<&str>,
        actor: u64,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT name, value FROM settings WHERE server_id = $1 AND ($2 = '' OR name = $2)",
        )
        .bind(id_i64(server))
        .bind(name.unwrap_or(""))
        .fetch_all(&mut *tx)
        .await?;
        for r in &rows {
            let (n, v): (String, String) = (r.get(0), r.get(1));
            sqlx::query("DELETE FROM settings WHERE server_id = $1 AND name = $2")
                .bind(id_i64(server))
                .bind(&n)
                .execute(&mut *tx)
                .await?;
            audit(&mut tx, server, actor, "config reset", &n, Some(v), None).await?;
        }
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    // ---- feedback ----

    /// Counts one vote for each article, in one transaction.
    pub async fn vote(
        &self,
        server: u64,
        articles: &[String],
        helpful: bool,
    ) -> Result<(), StoreError> {
        let (h, n) = if helpful { (1i64, 0i64) } else { (0, 1) };
        let mut tx = self.begin_write().await?;
        for id in articles {
            sqlx::query(
                "INSERT INTO feedback (server_id, article_id, helpful, not_helpful) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (server_id, article_id) DO UPDATE SET \
                 helpful = feedback.helpful + excluded.helpful, \
                 not_helpful = feedback.not_helpful + excluded.not_helpful",
            )
            .bind(id_i64(server))
            .bind(id)
            .bind(h)
            .bind(n)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Feedback counts for one server (`Some`) or summed over all (`None`), least helpful
    /// first: most "not helpful" votes net of "helpful", then the article id.
    pub async fn feedback(&self, server: Option<u64>) -> Result<Vec<(String, Counts)>, StoreError> {
        let rows = sqlx::query(
            "SELECT article_id, CAST(SUM(helpful) AS BIGINT), CAST(SUM(not_helpful) AS BIGINT) \
             FROM feedback \
             WHERE ($1 = 0 OR server_id = $2) GROUP BY article_id",
        )
        .bind(i64::from(server.is_some()))
        .bind(id_i64(server.unwrap_or(0)))
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<(String, Counts)> = rows
            .iter()
            .map(|r| {
                (
                    r.get::<String, _>(0),
                    Counts {
                        helpful: sum(r, 1) as u64,
                        not_helpful: sum(r, 2) as u64,
                    },
                )
            })
            .collect();
        out.sort_by(|a, b| {
            let net = |c: &Counts| c.not_helpful as i64 - c.helpful as i64;
            net(&b.1).cmp(&net(&a.1)).then_with(|| a.0.cmp(&b.0))
        });
        Ok(out)
    }

    /// Imports the counts of an old `data/feedback.json` once (into server 0). Returns how many
    /// articles were imported, or `None` if this database had already imported one or the file
    /// does not exist. The file is left alone.
    pub async fn import_feedback_json(&self, path: &Path) -> Result<Option<usize>, StoreError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(StoreError::Import {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })
            }
        };
        let counts: BTreeMap<String, Counts> =
            serde_json::from_str(&text).map_err(|e| StoreError::Import {
                path: path.to_path_buf(),
                message: format!("not a valid feedback file: {e}"),
            })?;
        let mut tx = self.begin_write().await?;
        // The marker goes in first: a second process importing at the same time conflicts
        // here and imports nothing.
        let marked = sqlx::query(
            "INSERT INTO meta (name, value) VALUES ('feedback_json_imported', $1) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(format!("{} articles at {}", counts.len(), now()))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if marked == 0 {
            return Ok(None);
        }
        for (id, c) in &counts {
            sqlx::query(
                "INSERT INTO feedback (server_id, article_id, helpful, not_helpful) \
                 VALUES (0, $1, $2, $3) ON CONFLICT (server_id, article_id) DO UPDATE SET \
                 helpful = feedback.helpful + excluded.helpful, \
                 not_helpful = feedback.not_helpful + excluded.not_helpful",
            )
            .bind(id)
            .bind(c.helpful as i64)
            .bind(c.not_helpful as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(counts.len()))
    }

    // ---- server articles ----

    /// One server's articles (`Some`), or every server's (`None`), by server then id.
    pub async fn articles(&self, server: Option<u64>) -> Result<Vec<StoredArticle>, StoreError> {
        let rows = sqlx::query(
            "SELECT server_id, article_id, markdown, updated_at, updated_by FROM articles \
             WHERE ($1 = 0 OR server_id = $2) ORDER BY server_id, article_id",
        )
        .bind(i64::from(server.is_some()))
        .bind(id_i64(server.unwrap_or(0)))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(stored_article).collect())
    }

    pub async fn article(
        &self,
        server: u64,
        id: &str,
    ) -> Result<Option<StoredArticle>, StoreError> {
        let row = sqlx::query(
            "SELECT server_id, article_id, markdown, updated_at, updated_by FROM articles \
             WHERE server_id = $1 AND article_id = $2",
        )
        .bind(id_i64(server))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(stored_article))
    }

    /// Writes an article (already validated), its audit row and its change-feed row in one
    /// transaction. Returns the change.
    pub async fn put_article(
        &self,
        server: u64,
        id: &str,
        markdown: &str,
        actor: u64,
        write: Write,
    ) -> Result<Change, ArticleWriteError> {
        let mut tx = self.begin_write().await?;
        self.serialise_changes(&mut tx).await?;
        let before = markdown_in(&mut tx, server, id).await?;
        match (write, &before) {
            (Write::Add, Some(_)) => return Err(ArticleWriteError::Exists(id.to_string())),
            (Write::Edit | Write::Review, None) => {
                return Err(ArticleWriteError::Missing(id.to_string()))
            }
            _ => {}
        }
        sqlx::query(
            "INSERT INTO articles (server_id, article_id, markdown, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (server_id, article_id) DO UPDATE SET \
             markdown = excluded.markdown, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by",
        )
        .bind(id_i64(server))
        .bind(id)
        .bind(markdown)
        .bind(now())
        .bind(id_i64(actor))
        .execute(&mut *tx)
        .await?;
        let after = Some(markdown.to_string());
        audit(&mut tx, server, actor, write.action(), id, before, after).await?;
        let change = record_change(&mut tx, server, id).await?;
        tx.commit().await?;
        Ok(change)
    }

    /// Removes an article, with its audit row (keeping the text it had) and change-feed row.
    pub async fn remove_article(
        &self,
        server: u64,
        id: &str,
        actor: u64,
    ) -> Result<Change, ArticleWriteError> {
        let mut tx = self.begin_write().await?;
        self.serialise_changes(&mut tx).await?;
        let before = markdown_in(&mut tx, server, id).await?;
        if before.is_none() {
            return Err(ArticleWriteError::Missing(id.to_string()));
        }
        sqlx::query("DELETE FROM articles WHERE server_id = $1 AND article_id = $2")
            .bind(id_i64(server))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, server, actor, "remove", id, before, None).await?;
        let change = record_change(&mut tx, server, id).await?;
        tx.commit().await?;
        Ok(change)
    }

    /// PostgreSQL hands out identity values before commit, so two concurrent writers could
    /// commit change 11 before change 10 and a follower that had read 11 would never see 10.
    /// Article writes take this lock so changes commit in order (they are rare).
    async fn serialise_changes(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Postgres {
            sqlx::query("LOCK TABLE article_changes IN EXCLUSIVE MODE")
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// The audit log of one server for one target (an article id or setting name), oldest
    /// first; `None` for every target.
    pub async fn history(
        &self,
        server: u64,
        target: Option<&str>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT actor_id, action, target, at, before_text, after_text FROM audit \
             WHERE server_id = $1 AND ($2 = '' OR target = $2) ORDER BY id",
        )
        .bind(id_i64(server))
        .bind(target.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| AuditEntry {
                actor: id_u64(r.get(0)),
                action: r.get(1),
                target: r.get(2),
                at: r.get(3),
                before: r.get(4),
                after: r.get(5),
            })
            .collect())
    }

    // ---- button sessions ----

    /// Keeps a session until `expires_at` (Unix seconds).
    pub async fn put_session(
        &self,
        id: u64,
        session: &StoredSession,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id, server_id, expires_at, page_size, answer, anyway) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET \
             expires_at = excluded.expires_at, answer = excluded.answer, anyway = excluded.anyway",
        )
        .bind(id_i64(id))
        .bind(id_i64(session.server))
        .bind(expires_at)
        .bind(session.page_size as i64)
        .bind(&session.answer)
        .bind(&session.anyway)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A session that has not expired.
    pub async fn session(&self, id: u64) -> Result<Option<StoredSession>, StoreError> {
        let row = sqlx::query(
            "SELECT server_id, page_size, answer, anyway FROM sessions \
             WHERE id = $1 AND expires_at > $2",
        )
        .bind(id_i64(id))
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| StoredSession {
            server: id_u64(r.get(0)),
            page_size: r.get::<i64, _>(1) as u64,
            answer: r.get(2),
            anyway: r.get(3),
        }))
    }

    /// Deletes expired sessions; returns how many.
    pub async fn expire_sessions(&self) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now())
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// Changes after `seq`, in order.
    pub async fn changes_since(&self, seq: i64) -> Result<Vec<Change>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, server_id, article_id FROM article_changes WHERE id > $1 ORDER BY id",
        )
        .bind(seq)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Change {
                seq: r.get(0),
                server: id_u64(r.get(1)),
                article: r.get(2),
            })
            .collect())
    }

    /// The latest change's number (0 when there is none).
    pub async fn last_change(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT MAX(id) FROM article_changes")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<Option<i64>, _>(0)?.unwrap_or(0))
    }
}

/// An article's Markdown as this transaction sees it.
async fn markdown_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    server: u64,
    id: &str,
) -> Result<Option<String>, sqlx::Error> {
    Ok(
        sqlx::query("SELECT markdown FROM articles WHERE server_id = $1 AND article_id = $2")
            .bind(id_i64(server))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.get(0)),
    )
}

fn sum(r: &AnyRow, i: usize) -> i64 {
    // SUM over BIGINT is NUMERIC on PostgreSQL, which the Any driver cannot decode: the query
    // casts it back to BIGINT.
    r.try_get::<i64, _>(i).unwrap_or(0)
}

fn stored_article(r: &AnyRow) -> StoredArticle {
    StoredArticle {
        server: id_u64(r.get(0)),
        id: r.get(1),
        markdown: r.get(2),
        updated_at: r.get(3),
        updated_by: id_u64(r.get(4)),
    }
}

async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    server: u64,
    actor: u64,
    action: &str,
    target: &str,
    before: Option<String>,
    after: Option<String>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit (server_id, actor_id, action, target, at, before_text, after_text) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id_i64(server))
    .bind(id_i64(actor))
    .bind(action)
    .bind(target)
    .bind(now())
    .bind(before)
    .bind(after)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn record_change(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    server: u64,
    article: &str,
) -> Result<Change, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO article_changes (server_id, article_id) VALUES ($1, $2) RETURNING id",
    )
    .bind(id_i64(server))
    .bind(article)
    .fetch_one(&mut **tx)
    .await?;
    Ok(Change {
        seq: row.get(0),
        server,
        article: article.to_string(),
    })
}

/// `postgres://user:secret@host/db` as `postgres://user:***@host/db`.
fn hide_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((creds, host)) if creds.contains(':') => {
            let user = creds.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            hide_password("postgres://u:pw@localhost/db"),
            "postgres://u:***@localhost/db"
        );
        assert_eq!(
            hide_password("postgres://u@localhost/db"),
            "postgres://u@localhost/db"
        );
    }
}
