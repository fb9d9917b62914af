//! The peer: SQLite FTS5 (rusqlite, bundled SQLite) on the same documents, ranked by `bm25()`
//! with `snippet()` excerpts, as many Discord bots keep their tags. A question becomes an OR of
//! its quoted words (FTS5's own query syntax never sees member text).

use rusqlite::Connection;
use std::path::Path;

pub struct Fts5 {
    conn: Connection,
}

/// Words too common to search on (FTS5 has no stop list).
const STOP: &[&str] = &[
    "the",
    "and",
    "for",
    "are",
    "but",
    "not",
    "you",
    "your",
    "with",
    "what",
    "does",
    "can",
    "how",
    "why",
    "who",
    "this",
    "that",
    "there",
    "they",
    "from",
    "have",
    "has",
    "was",
    "were",
    "will",
    "about",
    "into",
    "than",
    "any",
    "anyone",
    "know",
    "keep",
    "reading",
    "real",
    "evidence",
    "doctor",
    "mentioned",
    "research",
    "actually",
    "say",
    "asking",
    "because",
    "might",
    "matter",
    "people",
    "like",
    "question",
    "worth",
    "trying",
    "looked",
    "cant",
    "find",
    "straight",
    "answer",
    "it",
    "is",
    "or",
    "of",
    "to",
    "in",
    "on",
    "my",
    "i",
];

impl Fts5 {
    /// Creates the table in `path` and inserts every document in one transaction.
    pub fn build(path: &Path, docs: &[(String, String, String)]) -> rusqlite::Result<Fts5> {
        let mut conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             CREATE VIRTUAL TABLE docs USING fts5(title, summary, body, tokenize = 'porter unicode61');",
        )?;
        let tx = conn.transaction()?;
        {
            let mut insert =
                tx.prepare("INSERT INTO docs (title, summary, body) VALUES (?1, ?2, ?3)")?;
            for (title, summary, body) in docs {
                insert.execute((title, summary, body))?;
            }
        }
        tx.commit()?;
        conn.execute_batch("INSERT INTO docs(docs) VALUES ('optimize');")?;
        Ok(Fts5 { conn })
    }

    /// The top 3 documents for `question` with a `snippet()` excerpt each; returns how many.
    pub fn answer(&self, question: &str) -> rusqlite::Result<usize> {
        let words: Vec<String> = question
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() >= 3 && !STOP.contains(w))
            .map(|w| format!("\"{w}\""))
            .collect();
        if words.is_empty() {
            return Ok(0);
        }
        let query = words.join(" OR ");
        let mut stmt = self.conn.prepare_cached(
            "SELECT rowid, title, summary, snippet(docs, 2, '**', '**', '...', 40)
             FROM docs WHERE docs MATCH ?1 ORDER BY bm25(docs, 2.0, 1.0, 1.0) LIMIT 3",
        )?;
        let mut rows = stmt.query([query])?;
        let mut n = 0;
        while let Some(row) = rows.next()? {
            let _title: String = row.get(1)?;
            let _summary: String = row.get(2)?;
            let _snippet: String = row.get(3)?;
            n += 1;
        }
        Ok(n)
    }
}
