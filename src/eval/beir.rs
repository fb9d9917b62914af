//! Loader for a BEIR-format collection directory:
//!
//! ```text
//! <dir>/corpus.jsonl        {"_id", "title", "text", ...} per line
//! <dir>/queries.jsonl       {"_id", "text", ...} per line (all splits)
//! <dir>/qrels/<split>.tsv   query-id <TAB> corpus-id <TAB> score
//! ```
//!
//! Qrels may have CRLF line endings and a `query-id\tcorpus-id\tscore`
//! header; blank lines are skipped everywhere. Duplicate document ids, query
//! ids or (query, document) judgments are errors rather than silently
//! overwritten (`trec_eval` also refuses duplicate judgments).
//!
//! A manual check against real data, NFCorpus in `/work/shared/eval/nfcorpus`
//! (or `$CAIRN_NFCORPUS`), is the ignored test `nfcorpus_dev_and_train`:
//! `cargo test nfcorpus -- --ignored`.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Judgments: query id -> document id -> grade. Grades <= 0 are non-relevant.
pub type Qrels = BTreeMap<String, BTreeMap<String, i32>>;

/// One corpus document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub id: String,
    pub title: String,
    pub text: String,
}

/// A corpus with the queries and judgments of one split.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Collection {
    /// Every document, in file order.
    pub docs: Vec<Doc>,
    /// Query id -> text, only the queries judged in the split.
    pub queries: BTreeMap<String, String>,
    pub qrels: Qrels,
}

/// Why a collection could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("not found: {}", .0.display())]
    NotFound(PathBuf),
    #[error("{}: {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{}:{line}: {message}", .path.display())]
    Malformed {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}: query {qid} is judged but not in {}", .qrels.display(), .queries.display())]
    UnknownQuery {
        qrels: PathBuf,
        queries: PathBuf,
        qid: String,
    },
}

/// Loads `dir` with the judgments of `split` (e.g. `"dev"`, `"test"`).
pub fn load(dir: &Path, split: &str) -> Result<Collection, EvalError> {
    let qrels_path = dir.join("qrels").join(format!("{split}.tsv"));
    let queries_path = dir.join("queries.jsonl");
    let qrels = load_qrels(&qrels_path)?;
    let mut all_queries = load_queries(&queries_path)?;
    let queries = qrels
        .keys()
        .map(|qid| match all_queries.remove(qid) {
            Some(text) => Ok((qid.clone(), text)),
            None => Err(EvalError::UnknownQuery {
                qrels: qrels_path.clone(),
                queries: queries_path.clone(),
                qid: qid.clone(),
            }),
        })
        .collect::<Result<_, _>>()?;
    let docs = load_corpus(&dir.join("corpus.jsonl"))?;
    Ok(Collection {
        docs,
        queries,
        qrels,
    })
}

/// Reads a BEIR qrels TSV (`query-id\tcorpus-id\tscore`, header optional).
pub fn load_qrels(path: &Path) -> Result<Qrels, EvalError> {
    let text = read(path)?;
    let mut qrels = Qrels::new();
    for (line_no, line) in lines(&text) {
        let malformed = |message: String| EvalError::Malformed {
            path: path.to_owned(),
            line: line_no,
            message,
        };
        let fields: Vec<&str> = line.split('\t').collect();
        if line_no == 1 && fields == ["query-id", "corpus-id", "score"] {
            continue;
        }
        let [qid, docid, score] = fields[..] else {
            return Err(malformed(format!(
                "expected 3 tab-separated fields, found {}",
                fields.len()
            )));
        };
        if qid.is_empty() || docid.is_empty() {
            return Err(malformed("empty query or document id".into()));
        }
        let grade: i32 = score
            .trim()
            .parse()
            .map_err(|_| malformed(format!("score {score:?} is not an integer")))?;
        let judged = qrels.entry(qid.to_owned()).or_default();
        if judged.insert(docid.to_owned(), grade).is_some() {
            return Err(malformed(format!(
                "duplicate judgment for query {qid}, document {docid}"
            )));
        }
    }
    Ok(qrels)
}

/// Reads `queries.jsonl` into query id -> text.
pub fn load_queries(path: &Path) -> Result<BTreeMap<String, String>, EvalError> {
    #[derive(Deserialize)]
    struct Query {
        #[serde(rename = "_id")]
        id: String,
        text: String,
    }
    let mut queries = BTreeMap::new();
    for (line_no, query) in jsonl::<Query>(path, &read(path)?) {
        let query = query?;
        if queries.insert(query.id.clone(), query.text).is_some() {
            return Err(EvalError::Malformed {
                path: path.to_owned(),
                line: line_no,
                message: format!("duplicate query id {}", query.id),
            });
        }
    }
    Ok(queries)
}

/// Reads `corpus.jsonl`; a missing or null title becomes "".
pub fn load_corpus(path: &Path) -> Result<Vec<Doc>, EvalError> {
    #[derive(Deserialize)]
    struct RawDoc {
        #[serde(rename = "_id")]
        id: String,
        #[serde(default)]
        title: Option<String>,
        text: String,
    }
    let mut seen = std::collections::HashSet::new();
    let mut docs = Vec::new();
    for (line_no, doc) in jsonl::<RawDoc>(path, &read(path)?) {
        let doc = doc?;
        if !seen.insert(doc.id.clone()) {
            return Err(EvalError::Malformed {
                path: path.to_owned(),
                line: line_no,
                message: format!("duplicate document id {}", doc.id),
            });
        }
        docs.push(Doc {
            id: doc.id,
            title: doc.title.unwrap_or_default(),
            text: doc.text,
        });
    }
    Ok(docs)
}

fn read(path: &Path) -> Result<String, EvalError> {
    fs::read_to_string(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => EvalError::NotFound(path.to_owned()),
        _ => EvalError::Io {
            path: path.to_owned(),
            source,
        },
    })
}

/// Non-blank lines with 1-based numbers; strips a BOM and `\r` endings.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .split('\n')
        .map(|line| line.trim_end_matches('\r'))
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim().is_empty())
}

/// Parses each non-blank line of `text` as one JSON value of type `T`.
fn jsonl<'a, T: serde::de::DeserializeOwned>(
    path: &'a Path,
    text: &'a str,
) -> impl Iterator<Item = (usize, Result<T, EvalError>)> + 'a {
    lines(text).map(move |(line_no, line)| {
        let parsed = serde_json::from_str(line).map_err(|e| {
            // serde_json counts lines within the one line it saw; keep the column only.
            let full = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let message = full.strip_suffix(&suffix).unwrap_or(&full);
            EvalError::Malformed {
                path: path.to_owned(),
                line: line_no,
                message: format!("{message} (column {})", e.column()),
            }
        });
        (line_no, parsed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A temporary directory removed on drop (no extra dependencies).
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("cairn-beir-{}-{name}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(dir.join("qrels")).expect("create temp dir");
            TempDir(dir)
        }

        fn write(&self, rel: &str, contents: &str) -> PathBuf {
            let path = self.0.join(rel);
            fs::write(&path, contents).expect("write temp file");
            path
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn tiny(name: &str) -> TempDir {
        let dir = TempDir::new(name);
        dir.write(
            "corpus.jsonl",
            concat!(
                r#"{"_id": "d1", "title": "One", "text": "first doc", "metadata": {"url": "u"}}"#,
                "\n",
                r#"{"_id": "d2", "text": "no title"}"#,
                "\n\n",
                r#"{"_id": "d3", "title": null, "text": "null title"}"#,
                "\n",
            ),
        );
        dir.write(
            "queries.jsonl",
            concat!(
                r#"{"_id": "q1", "text": "query one", "metadata": {}}"#,
                "\n",
                r#"{"_id": "q2", "text": "query two"}"#,
                "\n",
                r#"{"_id": "q3", "text": "train only"}"#,
                "\n",
            ),
        );
        dir.write(
            "qrels/dev.tsv",
            "query-id\tcorpus-id\tscore\r\nq1\td1\t2\r\nq1\td2\t0\r\n\r\nq2\td3\t1\r\n",
        );
        dir.write("qrels/train.tsv", "query-id\tcorpus-id\tscore\nq3\td1\t1\n");
        dir
    }

    #[test]
    fn loads_a_split() {
        let dir = tiny("split");
        let c = load(&dir.0, "dev").expect("load dev");
        assert_eq!(
            c.docs,
            [
                Doc {
                    id: "d1".into(),
                    title: "One".into(),
                    text: "first doc".into()
                },
                Doc {
                    id: "d2".into(),
                    title: String::new(),
                    text: "no title".into()
                },
                Doc {
                    id: "d3".into(),
                    title: String::new(),
                    text: "null title".into()
                },
            ]
        );
        let qids: Vec<&str> = c.queries.keys().map(String::as_str).collect();
        assert_eq!(qids, ["q1", "q2"]); // q3 is train-only
        assert_eq!(c.queries["q1"], "query one");
        assert_eq!(
            c.qrels["q1"],
            BTreeMap::from([("d1".into(), 2), ("d2".into(), 0)])
        );
        assert_eq!(c.qrels["q2"], BTreeMap::from([("d3".into(), 1)]));

        let train = load(&dir.0, "train").expect("load train");
        assert_eq!(train.queries.keys().collect::<Vec<_>>(), ["q3"]);
    }

    #[test]
    fn qrels_without_header_load() {
        let dir = TempDir::new("noheader");
        let path = dir.write("qrels/x.tsv", "q\td\t1\nq\te\t-1");
        let qrels = load_qrels(&path).expect("load");
        assert_eq!(
            qrels["q"],
            BTreeMap::from([("d".into(), 1), ("e".into(), -1)])
        );
    }

    #[test]
    fn missing_file_is_named() {
        let dir = tiny("missing");
        let err = load(&dir.0, "test").expect_err("no test split");
        let expected = format!(
            "not found: {}",
            dir.0.join("qrels").join("test.tsv").display()
        );
        assert_eq!(err.to_string(), expected);
    }

    #[test]
    fn malformed_lines_give_path_and_line() {
        let dir = TempDir::new("malformed");
        let cases = [
            (
                "a.tsv",
                "query-id\tcorpus-id\tscore\nq\td\n",
                2,
                "expected 3 tab-separated fields, found 2",
            ),
            (
                "b.tsv",
                "q\td\t1\n\nq\td2\thigh\n",
                3,
                "score \"high\" is not an integer",
            ),
            (
                "c.tsv",
                "q\td\t1\nq\td\t2\n",
                2,
                "duplicate judgment for query q, document d",
            ),
            ("d.tsv", "\tx\t1\n", 1, "empty query or document id"),
        ];
        for (name, contents, line, message) in cases {
            let path = dir.write(name, contents);
            let err = load_qrels(&path).expect_err(name);
            assert_eq!(
                err.to_string(),
                format!("{}:{line}: {message}", path.display())
            );
        }

        let path = dir.write(
            "q.jsonl",
            "{\"_id\": \"q1\", \"text\": \"ok\"}\n{\"_id\": \"q2\"}\n",
        );
        let err = load_queries(&path).expect_err("missing text");
        assert_eq!(
            err.to_string(),
            format!("{}:2: missing field `text` (column 13)", path.display())
        );

        let path = dir.write("c.jsonl", "{\"_id\": \"d\", \"text\": \"x\"}\nnot json\n");
        let err = load_corpus(&path).expect_err("bad json");
        assert!(
            err.to_string()
                .starts_with(&format!("{}:2: expected", path.display())),
            "{err}"
        );

        let path = dir.write(
            "dup.jsonl",
            "{\"_id\": \"d\", \"text\": \"x\"}\n{\"_id\": \"d\", \"text\": \"y\"}\n",
        );
        let err = load_corpus(&path).expect_err("duplicate id");
        assert_eq!(
            err.to_string(),
            format!("{}:2: duplicate document id d", path.display())
        );
    }

    #[test]
    fn judged_query_missing_from_queries_is_an_error() {
        let dir = tiny("unknown");
        dir.write("qrels/dev.tsv", "q1\td1\t1\nq9\td1\t1\n");
        let err = load(&dir.0, "dev").expect_err("q9 unknown");
        assert!(
            matches!(err, EvalError::UnknownQuery { ref qid, .. } if qid == "q9"),
            "{err}"
        );
    }

    /// Manual check on the real NFCorpus files (never copied into the repo):
    /// `cargo test nfcorpus -- --ignored`. Facts from its SOURCE.md.
    #[test]
    #[ignore = "needs /work/shared/eval/nfcorpus or $CAIRN_NFCORPUS"]
    fn nfcorpus_dev_and_train() {
        let dir = std::env::var_os("CAIRN_NFCORPUS").map_or_else(
            || PathBuf::from("/work/shared/eval/nfcorpus"),
            PathBuf::from,
        );
        let dev = load(&dir, "dev").expect("load nfcorpus dev");
        assert_eq!(dev.docs.len(), 3_633);
        assert_eq!(dev.queries.len(), 324);
        assert_eq!(dev.qrels.len(), 324);
        let grades: Vec<i32> = dev
            .qrels
            .values()
            .flat_map(|j| j.values().copied())
            .collect();
        assert_eq!(grades.len(), 11_385);
        assert_eq!(grades.iter().filter(|&&g| g == 2).count(), 521);
        assert_eq!(grades.iter().filter(|&&g| g == 1).count(), 10_864);
        assert!(dev
            .docs
            .iter()
            .all(|d| !d.id.is_empty() && !d.text.is_empty()));

        // A run that returns each query's judgments by grade is perfect on
        // nDCG@10 and MRR@10.
        let run = dev
            .qrels
            .iter()
            .map(|(qid, judged)| {
                let results = judged.iter().map(|(d, &g)| (d.clone(), g as f32)).collect();
                (qid.clone(), results)
            })
            .collect();
        let (summary, _) = super::super::metrics::evaluate(&run, &dev.qrels);
        assert_eq!(summary.queries, 324);
        assert!((summary.ndcg10 - 1.0).abs() < 1e-9);
        assert!((summary.mrr10 - 1.0).abs() < 1e-9);

        let train = load(&dir, "train").expect("load nfcorpus train");
        assert_eq!(train.queries.len(), 2_590);
        assert_eq!(
            train.qrels.values().map(BTreeMap::len).sum::<usize>(),
            110_575
        );
    }
}
