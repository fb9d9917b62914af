//! `corpus/golden.toml`: member-style questions, each naming the articles that must appear in
//! the top results (one article: the top 3; two or more: each in the top 5), optionally an
//! ordering rule (`above`: the first must rank above the second) and an `answer` pattern that
//! the first expected article's shown summary and excerpt must match. Read by the golden test
//! and by `cairn eval --golden`.

use super::{Condition, Problem};
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

/// One golden question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldenQuestion {
    pub ask: String,
    pub expect: Vec<String>,
    pub condition: Option<Condition>,
    /// `[a, b]`: `a` must rank above `b`.
    pub above: Option<(String, String)>,
    /// A case-insensitive regular expression the answer must match.
    pub answer: Option<String>,
    pub line: usize,
}

impl GoldenQuestion {
    /// How deep the expected articles may be: the top 3 for one, the top 5 for several.
    pub fn depth(&self) -> usize {
        if self.expect.len() > 1 {
            5
        } else {
            3
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    question: Vec<Spanned<RawQuestion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    ask: String,
    expect: Vec<String>,
    condition: Option<String>,
    above: Option<Vec<String>>,
    answer: Option<String>,
}

/// Reads the golden file; entries with problems are reported and left out.
pub fn load(path: &Path) -> Result<(Vec<GoldenQuestion>, Vec<Problem>), std::io::Error> {
    let text = match super::read_data_file(path) {
        Ok(Some(text)) => text,
        Ok(None) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} does not exist", path.display()),
            ))
        }
        Err(problem) => return Ok((Vec::new(), vec![problem])),
    };
    let line_of = |offset: usize| super::line_at(&text, offset);
    let problem = |line, message| Problem {
        path: path.to_path_buf(),
        line,
        message,
    };
    let raw: RawFile = match toml::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            return Ok((
                Vec::new(),
                vec![super::toml_problem(path, &text, "golden file", &e)],
            ));
        }
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for q in raw.question {
        let line = line_of(q.span().start);
        let q = q.into_inner();
        let condition = match q.condition.as_deref().map(str::parse::<Condition>) {
            None => None,
            Some(Ok(c)) => Some(c),
            Some(Err(msg)) => {
                problems.push(problem(line, msg));
                continue;
            }
        };
        if q.ask.trim().is_empty() || q.expect.is_empty() {
            problems.push(problem(
                line,
                "a question needs `ask` and at least one `expect`".into(),
            ));
            continue;
        }
        let above = match q.above.as_deref() {
            None => None,
            Some([a, b]) => Some((a.clone(), b.clone())),
            Some(_) => {
                problems.push(problem(
                    line,
                    "`above` names two article ids: [higher, lower]".into(),
                ));
                continue;
            }
        };
        if let Some(pattern) = &q.answer {
            if let Err(e) = regex::RegexBuilder::new(pattern)
                .case_insensitive(true)
                .build()
            {
                problems.push(problem(
                    line,
                    format!("`answer` is not a valid pattern: {e}"),
                ));
                continue;
            }
        }
        out.push(GoldenQuestion {
            ask: q.ask,
            expect: q.expect,
            condition,
            above,
            answer: q.answer,
            line,
        });
    }
    Ok((out, problems))
}
