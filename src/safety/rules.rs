//! Reading `safety.toml`: crisis and emergency rule groups, exceptions, the encoder's examples and
//! threshold, and the helplines. Every problem is reported with its line, as for articles.

use super::{Matcher, Safety};
use crate::corpus::{line_at, toml_problem, Problem};
use chrono::NaiveDate;
use regex::{Regex, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};
use std::path::Path;
use toml::Spanned;

/// Compiled-size limit for each pattern set.
const REGEX_SIZE: usize = 64 * 1024 * 1024;

/// A helpline shown in a crisis reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Helpline {
    /// ISO 3166 codes this line serves; `*` is the international directory.
    pub countries: Vec<String>,
    pub name: String,
    /// How to reach it, in words ("call or text 988").
    pub contact: String,
    /// The official page a reviewer opens to check the number.
    pub page: String,
    /// The country's emergency number.
    pub emergency: Option<String>,
    /// When the entry was last checked.
    pub checked: NaiveDate,
}

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("{0}")]
    Invalid(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    crisis: Vec<Spanned<RawGroup>>,
    #[serde(default)]
    emergency: Vec<Spanned<RawGroup>>,
    #[serde(default)]
    exception: Vec<Spanned<RawException>>,
    semantic: Option<RawSemantic>,
    #[serde(default)]
    helpline: Vec<Spanned<RawHelpline>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    group: String,
    #[serde(default)]
    means: bool,
    what: Option<String>,
    patterns: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    #[allow(dead_code)]
    note: String,
    patterns: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSemantic {
    threshold: f32,
    examples: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHelpline {
    countries: Vec<String>,
    name: String,
    contact: String,
    page: String,
    emergency: Option<String>,
    checked: toml::value::Datetime,
}

/// Compiles a rules file; any problem rejects the whole file (screening must not run on half a
/// rule set).
pub(super) fn compile(path: &Path, text: &str) -> Result<Safety, Vec<Problem>> {
    let problem = |line, message| Problem {
        path: path.to_path_buf(),
        line,
        message,
    };
    let raw: RawFile =
        toml::from_str(text).map_err(|e| vec![toml_problem(path, text, "safety rules", &e)])?;
    let mut problems = Vec::new();

    let groups = |list: &[Spanned<RawGroup>], kind: &str, problems: &mut Vec<Problem>| {
        let mut patterns = Vec::new();
        let mut owner = Vec::new();
        let mut names = Vec::new();
        for (i, g) in list.iter().enumerate() {
            let line = line_at(text, g.span().start);
            let raw = g.get_ref();
            if raw.group.trim().is_empty() {
                problems.push(problem(
                    line,
                    format!("a {kind} group needs a `group` name"),
                ));
            }
            if names.iter().any(|(n, _, _)| n == &raw.group) {
                problems.push(problem(
                    line,
                    format!("{kind} group `{}` is listed twice", raw.group),
                ));
            }
            if raw.patterns.is_empty() {
                problems.push(problem(
                    line,
                    format!("{kind} group `{}` has no patterns", raw.group),
                ));
            }
            for p in &raw.patterns {
                let pline = line_at(text, p.span().start);
                match check_pattern(p.get_ref()) {
                    Ok(()) => {
                        patterns.push(p.get_ref().clone());
                        owner.push(i);
                    }
                    Err(msg) => problems.push(problem(pline, msg)),
                }
            }
            names.push((raw.group.clone(), raw.means, raw.what.clone()));
        }
        (patterns, owner, names)
    };
    if raw.crisis.is_empty() {
        problems.push(problem(
            1,
            "no [[crisis]] groups: screening needs at least one".into(),
        ));
    }
    if raw.emergency.is_empty() {
        problems.push(problem(
            1,
            "no [[emergency]] groups: screening needs at least one".into(),
        ));
    }
    for g in &raw.crisis {
        if g.get_ref().what.is_some() {
            let line = line_at(text, g.span().start);
            problems.push(problem(
                line,
                "`what` belongs to [[emergency]] groups".into(),
            ));
        }
    }
    let (c_patterns, c_owner, c_names) = groups(&raw.crisis, "crisis", &mut problems);
    let (e_patterns, e_owner, e_names) = groups(&raw.emergency, "emergency", &mut problems);
    let mut emergency_groups = Vec::new();
    for (g, (name, means, what)) in raw.emergency.iter().zip(&e_names) {
        let line = line_at(text, g.span().start);
        if *means {
            problems.push(problem(line, "`means` belongs to [[crisis]] groups".into()));
        }
        match what.as_deref().map(str::trim) {
            Some(w) if !w.is_empty() => emergency_groups.push((name.clone(), w.to_string())),
            _ => problems.push(problem(
                line,
                format!("emergency group `{name}` needs `what` (\"chest pain\")"),
            )),
        }
    }

    let mut exception_patterns = Vec::new();
    for ex in &raw.exception {
        for p in &ex.get_ref().patterns {
            match check_pattern(p.get_ref()) {
                Ok(()) => exception_patterns.push(format!("(?:{})", p.get_ref())),
                Err(msg) => problems.push(problem(line_at(text, p.span().start), msg)),
            }
        }
    }

    let (threshold, semantic_examples) = match raw.semantic {
        None => (f32::INFINITY, Vec::new()),
        Some(s) => {
            if !(0.0..=1.0).contains(&s.threshold) {
                problems.push(problem(
                    1,
                    format!(
                        "[semantic] threshold must be between 0 and 1, not {}",
                        s.threshold
                    ),
                ));
            }
            if s.examples.iter().any(|e| e.trim().is_empty()) || s.examples.is_empty() {
                problems.push(problem(1, "[semantic] needs non-empty examples".into()));
            }
            (s.threshold, s.examples)
        }
    };

    let mut helplines = Vec::new();
    for h in raw.helpline {
        let line = line_at(text, h.span().start);
        let h = h.into_inner();
        let checked = match h.checked.date {
            Some(d) if h.checked.time.is_none() => {
                NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
            }
            _ => None,
        };
        let Some(checked) = checked else {
            problems.push(problem(
                line,
                "helpline `checked` must be a date (2026-11-22)".into(),
            ));
            continue;
        };
        let countries: Vec<String> = h
            .countries
            .iter()
            .map(|c| c.trim().to_ascii_uppercase())
            .collect();
        if countries.is_empty()
            || countries
                .iter()
                .any(|c| c != "*" && (c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic())))
        {
            problems.push(problem(
                line,
                "helpline `countries` must be two-letter codes (GB, US) or \"*\" for the directory"
                    .into(),
            ));
        }
        if h.name.trim().is_empty() || h.contact.trim().is_empty() {
            problems.push(problem(
                line,
                "helpline needs a `name` and a `contact`".into(),
            ));
        }
        if !h.page.starts_with("https://") {
            problems.push(problem(
                line,
                "helpline `page` must be an https:// link to the official page".into(),
            ));
        }
        helplines.push(Helpline {
            countries,
            name: h.name,
            contact: h.contact,
            page: h.page,
            emergency: h.emergency,
            checked,
        });
    }
    if !helplines
        .iter()
        .any(|h| h.countries.iter().any(|c| c == "*"))
    {
        problems.push(problem(
            1,
            "no international directory: add a [[helpline]] with countries = [\"*\"]".into(),
        ));
    }

    let set = |patterns: &[String]| -> Result<RegexSet, String> {
        RegexSetBuilder::new(patterns)
            .size_limit(REGEX_SIZE)
            .dfa_size_limit(REGEX_SIZE)
            .build()
            .map_err(|e| format!("the patterns could not be compiled together: {e}"))
    };
    let crisis = set(&c_patterns);
    let emergency = set(&e_patterns);
    let exceptions = if exception_patterns.is_empty() {
        Ok(None)
    } else {
        Regex::new(&exception_patterns.join("|"))
            .map(Some)
            .map_err(|e| format!("the exceptions could not be compiled together: {e}"))
    };
    for msg in [
        crisis.as_ref().err(),
        emergency.as_ref().err(),
        exceptions.as_ref().err(),
    ]
    .into_iter()
    .flatten()
    {
        problems.push(problem(1, msg.to_string()));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let (Ok(crisis), Ok(emergency), Ok(exceptions)) = (crisis, emergency, exceptions) else {
        return Err(vec![problem(
            1,
            "the safety rules could not be compiled".into(),
        )]);
    };
    Ok(Safety {
        crisis: Matcher {
            set: crisis,
            group: c_owner,
        },
        emergency: Matcher {
            set: emergency,
            group: e_owner,
        },
        crisis_groups: c_names.into_iter().map(|(n, m, _)| (n, m)).collect(),
        emergency_groups,
        exceptions,
        helplines,
        semantic_examples,
        threshold,
        net: None,
    })
}

/// A pattern must compile on its own and must not match empty text (it would match everything).
fn check_pattern(p: &str) -> Result<(), String> {
    let re = Regex::new(p).map_err(|e| {
        let first = e
            .to_string()
            .lines()
            .last()
            .unwrap_or("")
            .trim()
            .to_string();
        format!("invalid pattern `{p}`: {first}")
    })?;
    if re.is_match("") || re.is_match(" ") {
        return Err(format!(
            "pattern `{p}` matches empty text, so it would match every question"
        ));
    }
    if ["(|", "||", "|)"].iter().any(|empty| p.contains(empty)) {
        return Err(format!(
            "pattern `{p}` has an empty alternative (`(|`, `||` or `|)`), which matches anything there"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match compile(Path::new("safety.toml"), text) {
            Ok(_) => Vec::new(),
            Err(p) => p.iter().map(ToString::to_string).collect(),
        }
    }

    const MINIMAL: &str = r#"
[[crisis]]
group = "direct"
patterns = ['\bwant to die\b']

[[emergency]]
group = "chest"
what = "chest pain"
patterns = ['\bchest pain\b']

[[helpline]]
countries = ["*"]
name = "Directory"
contact = "https://findahelpline.com"
page = "https://findahelpline.com"
checked = 2026-11-22
"#;

    #[test]
    fn a_minimal_file_compiles() {
        assert!(problems(MINIMAL).is_empty(), "{:?}", problems(MINIMAL));
    }

    #[test]
    fn each_problem_is_located() {
        let bad = MINIMAL.replace(r"'\bwant to die\b'", r"'\bwant to (die'");
        let p = problems(&bad);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].starts_with("safety.toml:4: invalid pattern"), "{p:?}");

        let everything = MINIMAL.replace(r"'\bwant to die\b'", r"'(x)?'");
        assert!(problems(&everything)[0].contains("matches empty text"));
        let empty_alt = MINIMAL.replace(r"'\bwant to die\b'", r"'\b(want|) to die\b'");
        assert!(problems(&empty_alt)[0].contains("empty alternative"));

        let no_what = MINIMAL.replace("what = \"chest pain\"\n", "");
        assert!(
            problems(&no_what)[0].contains("needs `what`"),
            "{:?}",
            problems(&no_what)
        );

        let unknown = format!("{MINIMAL}\n[[crisis]]\ngroup = \"x\"\npaterns = []\n");
        assert!(
            problems(&unknown)[0].contains("unknown field"),
            "{:?}",
            problems(&unknown)
        );

        let no_dir = MINIMAL.replace("countries = [\"*\"]", "countries = [\"GB\"]");
        assert!(problems(&no_dir)[0].contains("international directory"));

        let bad_date = MINIMAL.replace("checked = 2026-11-22", "checked = \"soon\"");
        assert!(!problems(&bad_date).is_empty());
    }

    #[test]
    fn a_broken_file_falls_back_to_the_bundled_rules() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("safety.toml"), "[[crisis]\n").unwrap();
        let (s, problems) = Safety::load(dir.path());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(s.screen("i want to kms").crisis);

        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::create_dir(dir.path().join("sub").join("safety.toml")).unwrap();
        let (s, problems) = Safety::load(&dir.path().join("sub"));
        assert!(problems[0].message.contains("is a folder"), "{problems:?}");
        assert!(problems[0]
            .message
            .contains("bundled safety rules are used"));
        assert!(s.screen("i want to kms").crisis);
    }
}
