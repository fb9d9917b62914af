//! The benchmark's library and questions, made from a BEIR collection of real health text: each
//! article takes a real title, and a body of real sentences whose count follows the real
//! documents' lengths (the first documents as they are; the rest mixed from the whole
//! collection's sentences, with a fixed seed). Questions are the collection's queries, rewritten
//! as members write them.

use super::BenchError;
use crate::corpus::{Condition, Evidence};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// The text a benchmark library is made from.
pub struct Source {
    docs: Vec<Doc>,
    /// Every sentence of every document, for mixing.
    sentences: Vec<String>,
    queries: Vec<String>,
}

struct Doc {
    title: String,
    sentences: Vec<String>,
}

/// A written library: its folder, its size, and the documents for FTS5.
pub struct Generated {
    pub dir: PathBuf,
    pub bytes: u64,
    /// (title, summary, body) of each article, as FTS5 indexes them.
    pub docs: Vec<(String, String, String)>,
}

impl Source {
    /// Reads `corpus.jsonl` and `queries.jsonl` of a BEIR folder.
    pub fn beir(dir: &Path) -> Result<Source, BenchError> {
        let corpus = dir.join("corpus.jsonl");
        if !corpus.is_file() {
            return Err(BenchError::MissingText(dir.to_path_buf()));
        }
        let mut docs = Vec::new();
        for v in json_lines(&corpus)? {
            let title = clean(v["title"].as_str().unwrap_or_default());
            let sentences = split_sentences(&clean(v["text"].as_str().unwrap_or_default()));
            if !title.is_empty() && !sentences.is_empty() {
                docs.push(Doc { title, sentences });
            }
        }
        let queries_path = dir.join("queries.jsonl");
        let mut queries = Vec::new();
        for v in json_lines(&queries_path)? {
            let q = clean(v["text"].as_str().unwrap_or_default());
            if q.split_whitespace().count() >= 2 {
                queries.push(q);
            }
        }
        if docs.is_empty() || queries.is_empty() {
            return Err(BenchError::MissingText(dir.to_path_buf()));
        }
        let sentences = docs.iter().flat_map(|d| d.sentences.clone()).collect();
        Ok(Source {
            docs,
            sentences,
            queries,
        })
    }

    /// `n` member-style questions (the queries in turn, each in one of several wordings).
    pub fn questions(&self, n: usize) -> Vec<String> {
        const FORMS: [&str; 6] = [
            "does anyone know if {q}?",
            "i keep reading about {q}. is there any real evidence for it",
            "my doctor mentioned {q} - what does the research actually say",
            "{q}? asking because it might matter for people like us",
            "question about {q}: is it worth trying or not",
            "has anyone looked into {q}, i cant find a straight answer",
        ];
        (0..n)
            .map(|i| {
                let q = self.queries[i % self.queries.len()]
                    .trim_end_matches(['?', '.', '!'])
                    .to_lowercase();
                FORMS[i % FORMS.len()].replace("{q}", &q)
            })
            .collect()
    }
}

/// One JSON value per line of a `.jsonl` file.
fn json_lines(path: &Path) -> Result<Vec<serde_json::Value>, BenchError> {
    let read = |message: String| BenchError::Read {
        path: path.to_path_buf(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| read(e.to_string()))?;
    std::io::BufReader::new(file)
        .lines()
        .map(|l| {
            let l = l.map_err(|e| read(e.to_string()))?;
            serde_json::from_str(&l).map_err(|e| read(e.to_string()))
        })
        .collect()
}

/// Plain printable text: control characters, `@`, `<`, `>` and Markdown markers become spaces,
/// so that the generated articles are always valid.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control()
                || matches!(
                    c,
                    '@' | '<' | '>' | '*' | '_' | '`' | '#' | '[' | ']' | '|' | '\\' | '"'
                )
            {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn split_sentences(text: &str) -> Vec<String> {
    text.split_inclusive(". ")
        .map(str::trim)
        .filter(|s| s.len() > 20)
        .map(str::to_string)
        .collect()
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 3).collect();
    format!("{}...", cut.trim_end())
}

/// Writes `n` articles into `dir` (replacing what is there), with the bundled library's
/// synonyms and safety rules.
pub fn write_library(
    source: &Source,
    n: usize,
    dir: &Path,
    bundled: &Path,
) -> Result<Generated, BenchError> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    for data in ["synonyms.toml", "safety.toml"] {
        let from = bundled.join(data);
        if from.is_file() {
            std::fs::copy(&from, dir.join(data))?;
        }
    }
    let mut rng = StdRng::seed_from_u64(20261201);
    let mut bytes = 0;
    let mut docs = Vec::with_capacity(n);
    for i in 0..n {
        let base = &source.docs[i % source.docs.len()];
        let sentences: Vec<String> = if i < source.docs.len() {
            base.sentences.clone()
        } else {
            (0..base.sentences.len())
                .map(|_| source.sentences[rng.random_range(0..source.sentences.len())].clone())
                .collect()
        };
        let title = truncate(&base.title, 190);
        let summary = truncate(&sentences[0], 290);
        let body: Vec<String> = sentences.chunks(3).map(|c| c.join(" ")).collect();
        let condition = Condition::ALL[i % Condition::ALL.len()];
        let evidence = Evidence::ALL[i % Evidence::ALL.len()];
        let id = format!("bench-{i:06}");
        let text = format!(
            "+++\nid = \"{id}\"\ntitle = \"{title}\"\nsummary = \"{summary}\"\nwritten = 2026-01-01\nwriter = \"bench\"\nevidence = \"{evidence}\"\nconditions = [\"{condition}\"]\n\n[source]\nname = \"Benchmark source {i}\"\nurl = \"https://example.org/bench/{i}\"\npublished = \"2020\"\n\n[review]\nevery = 24\n+++\n\n{}\n",
            body.join("\n\n")
        );
        let mut f = std::fs::File::create(dir.join(format!("{id}.md")))?;
        f.write_all(text.as_bytes())?;
        bytes += text.len() as u64;
        docs.push((title, summary, body.join("\n")));
    }
    Ok(Generated {
        dir: dir.to_path_buf(),
        bytes,
        docs,
    })
}

/// The id and a question for the article a moderator adds during the benchmark.
pub const SERVER_ARTICLE: &str = "bench-moderator-note";
pub const SERVER_QUESTION: &str = "where do we keep the zebrafish quokka handbook";

/// A server article with words no generated article has.
pub fn server_article() -> String {
    format!(
        "+++\nid = \"{SERVER_ARTICLE}\"\ntitle = \"The zebrafish quokka handbook\"\nsummary = \"Where the group keeps its handbook.\"\nwritten = 2026-01-01\nwriter = \"bench\"\nevidence = \"patient-guide\"\nconditions = [\"general\"]\n\n[source]\nname = \"The group\"\nurl = \"https://example.org/handbook\"\npublished = \"2026\"\n\n[review]\nevery = 12\n+++\n\nThe zebrafish quokka handbook is pinned in the welcome channel. Ask a moderator for a copy.\n"
    )
}
