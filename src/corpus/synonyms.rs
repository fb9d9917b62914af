//! `corpus/synonyms.toml`: abbreviations and lay words members type ("pem", "poop transplant"),
//! each mapped to the words articles use. Read here; applied at query time by `search`.

use super::Problem;
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

/// One entry: when `term` appears in a question, each of `means` is searched for too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synonym {
    pub term: String,
    pub means: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    synonym: Vec<Spanned<RawSynonym>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSynonym {
    term: String,
    means: Vec<String>,
}

/// Parses the synonyms file text. Entries with problems are left out and reported.
pub fn parse(path: &Path, text: &str) -> (Vec<Synonym>, Vec<Problem>) {
    let line_of = |offset: usize| super::line_at(text, offset);
    let problem = |line, message| Problem {
        path: path.to_path_buf(),
        line,
        message,
    };
    let raw: RawFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            return (
                Vec::new(),
                vec![super::toml_problem(path, text, "synonyms file", &e)],
            );
        }
    };
    let mut out: Vec<Synonym> = Vec::new();
    let mut problems = Vec::new();
    for entry in raw.synonym {
        let line = line_of(entry.span().start);
        let raw = entry.into_inner();
        let term = raw.term.trim().to_lowercase();
        let means: Vec<String> = raw
            .means
            .iter()
            .map(|m| m.trim().to_lowercase())
            .filter(|m| !m.is_empty())
            .collect();
        if term.is_empty() {
            problems.push(problem(line, "synonym with an empty `term`".into()));
        } else if means.is_empty() {
            problems.push(problem(line, format!("synonym `{term}` has no `means`")));
        } else if out.iter().any(|s| s.term == term) {
            problems.push(problem(line, format!("synonym `{term}` is listed twice")));
        } else {
            out.push(Synonym { term, means });
        }
    }
    (out, problems)
}

/// Reads `path` (safely: see [`super::read_data_file`]); a missing file is simply no synonyms.
pub fn load(path: &Path) -> (Vec<Synonym>, Vec<Problem>) {
    match super::read_data_file(path) {
        Ok(Some(text)) => parse(path, &text),
        Ok(None) => (Vec::new(), Vec::new()),
        Err(problem) => (Vec::new(), vec![problem]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reports_bad_entries() {
        let text = "[[synonym]]\nterm = \"PEM\"\nmeans = [\"post-exertional malaise\"]\n\n[[synonym]]\nterm = \"pem\"\nmeans = [\"crash\"]\n\n[[synonym]]\nterm = \"x\"\nmeans = []\n";
        let (syns, problems) = parse(Path::new("s.toml"), text);
        assert_eq!(syns.len(), 1);
        assert_eq!(syns[0].term, "pem");
        let msgs: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            msgs,
            vec![
                "s.toml:5: synonym `pem` is listed twice",
                "s.toml:9: synonym `x` has no `means`"
            ]
        );
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let (_, problems) = parse(
            Path::new("s.toml"),
            "[[synonym]]\nterm = \"a\"\nmeans = [\n",
        );
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.starts_with("invalid synonyms file"));
    }
}
