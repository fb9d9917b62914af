//! One article file to an [`Article`], or to the list of everything wrong with it. Every problem
//! carries the line it is on, so `cairn check` can print `path:line: message`.

use super::hostile::findings;
use super::markdown::to_plain;
use super::model::{Article, Condition, Evidence, PartialDate, Source};
use super::Problem;
use chrono::NaiveDate;
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

const MAX_TITLE: usize = 200;
const MAX_SUMMARY: usize = 300;

/// The outcome of parsing one file: the article when there were no problems, and the id the file
/// declares (with its line) so that duplicates across files can be reported.
#[derive(Debug, Default)]
pub struct Parsed {
    pub article: Option<Article>,
    pub declared_id: Option<(String, usize)>,
    pub problems: Vec<Problem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFront {
    id: Option<Spanned<String>>,
    title: Option<Spanned<String>>,
    summary: Option<Spanned<String>>,
    source: Option<Spanned<RawSource>>,
    reviewed: Option<Spanned<toml::Value>>,
    evidence: Option<Spanned<String>>,
    conditions: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    tags: Vec<Spanned<String>>,
    #[serde(default)]
    cautions: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    published: Option<Spanned<toml::Value>>,
}

/// Maps byte offsets in the front matter to 1-based lines of the whole file.
struct Lines<'a> {
    front: &'a str,
    first_line: usize,
}

impl Lines<'_> {
    fn at(&self, offset: usize) -> usize {
        let offset = offset.min(self.front.len());
        self.first_line + self.front[..offset].matches('\n').count()
    }
}

/// Parses and validates one article. `today` bounds the review date.
pub fn parse_article(path: &Path, text: &str, today: NaiveDate) -> Parsed {
    let mut parsed = Parsed::default();
    let problem = |line: usize, message: String| Problem {
        path: path.to_path_buf(),
        line,
        message,
    };

    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Control and bidirectional characters, mentions and invites, on the line they are written.
    let hostile: Vec<(usize, String)> = text
        .split('\n')
        .enumerate()
        .flat_map(|(n, line)| findings(line).into_iter().map(move |m| (n + 1, m)))
        .collect();
    parsed
        .problems
        .extend(hostile.iter().map(|(l, m)| problem(*l, m.clone())));
    let Some((front, body)) = split_front_matter(text) else {
        parsed.problems.push(problem(
            1,
            "missing front matter: the file must start with a line `+++`, then TOML fields, then `+++`".into(),
        ));
        parsed.problems.sort_by_key(|p| p.line);
        return parsed;
    };
    let lines = Lines {
        front,
        first_line: 2,
    };

    let raw: RawFront = match toml::from_str(front) {
        Ok(raw) => raw,
        Err(e) => {
            let line = e.span().map(|s| lines.at(s.start)).unwrap_or(1);
            let msg = e.message().trim().replace('\n', " ");
            parsed
                .problems
                .push(problem(line, format!("invalid front matter: {msg}")));
            parsed.problems.sort_by_key(|p| p.line);
            return parsed;
        }
    };

    let mut problems = Vec::new();
    let mut required = |field: &str| {
        problems.push(problem(1, format!("missing required field `{field}`")));
    };

    // id: a slug equal to the file name.
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let id = match &raw.id {
        Some(id) => {
            let line = lines.at(id.span().start);
            let value = id.get_ref().trim().to_string();
            parsed.declared_id = Some((value.clone(), line));
            Some((value, line))
        }
        None => {
            required("id");
            None
        }
    };
    let title = text_field(
        raw.title.as_ref(),
        "title",
        MAX_TITLE,
        &lines,
        &mut required,
    );
    let summary = text_field(
        raw.summary.as_ref(),
        "summary",
        MAX_SUMMARY,
        &lines,
        &mut required,
    );
    let evidence = raw
        .evidence
        .as_ref()
        .map(|e| (e.get_ref().parse::<Evidence>(), lines.at(e.span().start)));
    if raw.evidence.is_none() {
        required("evidence");
    }
    if raw.reviewed.is_none() {
        required("reviewed");
    }
    let source = raw.source.as_ref();
    match source {
        None => required("source"),
        Some(s) => {
            let s = s.get_ref();
            if s.name.is_none() {
                required("source.name");
            }
            if s.url.is_none() {
                required("source.url");
            }
            if s.published.is_none() {
                required("source.published");
            }
        }
    }
    if raw.conditions.is_none() {
        required("conditions");
    }

    let mut text_problems: Vec<(usize, String)> = Vec::new();
    if let Some((id, line)) = &id {
        if !is_slug(id) {
            text_problems.push((
                *line,
                format!("id `{id}` must be a slug: lowercase letters, digits and single hyphens"),
            ));
        } else if id != stem {
            text_problems.push((
                *line,
                format!("id `{id}` must equal the file name (`{stem}.md`)"),
            ));
        }
    }
    for value in [&title, &summary] {
        if let Some(Err(p)) = value {
            text_problems.push(p.clone());
        }
    }
    let evidence = match evidence {
        Some((Ok(e), _)) => Some(e),
        Some((Err(msg), line)) => {
            text_problems.push((line, msg));
            None
        }
        None => None,
    };
    let reviewed = raw.reviewed.as_ref().and_then(|r| {
        let line = lines.at(r.span().start);
        match toml_date(r.get_ref()) {
            Ok(PartialDate::Day(d)) if d > today => {
                text_problems.push((line, format!("reviewed date {d} is in the future")));
                None
            }
            Ok(PartialDate::Day(d)) => Some(d),
            Ok(other) => {
                text_problems.push((
                    line,
                    format!("reviewed must be a full date (YYYY-MM-DD), not `{other}`"),
                ));
                None
            }
            Err(msg) => {
                text_problems.push((line, format!("bad date in `reviewed`: {msg}")));
                None
            }
        }
    });
    let source = source.and_then(|s| {
        let s = s.get_ref();
        let name = s.name.as_ref().and_then(|n| {
            let v = n.get_ref().trim();
            if v.is_empty() {
                text_problems.push((lines.at(n.span().start), "source.name is empty".into()));
                None
            } else {
                Some(v.to_string())
            }
        });
        let url = s.url.as_ref().and_then(|u| {
            let v = u.get_ref().trim();
            let line = lines.at(u.span().start);
            match check_url(v) {
                Ok(()) => Some(v.to_string()),
                Err(msg) => {
                    text_problems.push((line, msg));
                    None
                }
            }
        });
        let published = s.published.as_ref().and_then(|p| {
            let line = lines.at(p.span().start);
            match toml_date(p.get_ref()) {
                Ok(d) if d.earliest() > today => {
                    text_problems.push((line, format!("source.published {d} is in the future")));
                    None
                }
                Ok(d) => Some(d),
                Err(msg) => {
                    text_problems.push((line, format!("bad date in `source.published`: {msg}")));
                    None
                }
            }
        });
        Some(Source {
            name: name?,
            url: url?,
            published: published?,
        })
    });
    let conditions = raw.conditions.as_ref().and_then(|c| {
        let mut out = Vec::new();
        if c.get_ref().is_empty() {
            text_problems.push((
                lines.at(c.span().start),
                format!(
                    "conditions is empty: name at least one of {}",
                    Condition::keys()
                ),
            ));
            return None;
        }
        for item in c.get_ref() {
            match item.get_ref().parse::<Condition>() {
                Ok(cond) if !out.contains(&cond) => out.push(cond),
                Ok(_) => {}
                Err(msg) => text_problems.push((lines.at(item.span().start), msg)),
            }
        }
        Some(out)
    });
    let mut tags = Vec::new();
    for t in &raw.tags {
        let v = t.get_ref().trim().to_lowercase();
        if v.is_empty() {
            text_problems.push((lines.at(t.span().start), "empty tag".into()));
        } else if !tags.contains(&v) {
            tags.push(v);
        }
    }
    let mut cautions = Vec::new();
    for c in &raw.cautions {
        let v = c.get_ref().trim();
        if v.is_empty() {
            text_problems.push((lines.at(c.span().start), "empty caution".into()));
        } else {
            cautions.push(v.to_string());
        }
    }

    let plain = to_plain(body);
    let body_line = 3 + front.matches('\n').count();
    if plain.paragraphs.is_empty() {
        text_problems.push((body_line, "the article has no body text".into()));
    }
    // The same checks on the text as decoded (TOML escapes such as `\u001B`, Markdown entities
    // such as `&#64;`): what was not already found as written is reported on the field's line,
    // or on the body's first line.
    let mut seen: std::collections::HashSet<String> = hostile.into_iter().map(|(_, m)| m).collect();
    for (line, value) in decoded_values(&raw, &lines).into_iter().chain(
        plain
            .headings
            .iter()
            .chain(&plain.paragraphs)
            .map(|p| (body_line, p.as_str())),
    ) {
        for m in findings(value) {
            if seen.insert(m.clone()) {
                text_problems.push((line, format!("{m} (written as an escape or entity)")));
            }
        }
    }

    parsed.problems.extend(problems);
    parsed
        .problems
        .extend(text_problems.into_iter().map(|(l, m)| problem(l, m)));
    parsed.problems.sort_by_key(|p| p.line);
    if !parsed.problems.is_empty() {
        return parsed;
    }
    // Every field is present and valid here; the `?`s only satisfy the types.
    parsed.article = (|| {
        Some(Article {
            id: id?.0,
            title: title?.ok()?,
            summary: summary?.ok()?,
            source: source?,
            reviewed: reviewed?,
            evidence: evidence?,
            conditions: conditions?,
            tags,
            cautions,
            paragraphs: plain.paragraphs,
            headings: plain.headings,
            path: path.to_path_buf(),
        })
    })();
    parsed
}

/// Every string of the front matter as TOML decoded it, with its line.
fn decoded_values<'a>(raw: &'a RawFront, lines: &Lines<'_>) -> Vec<(usize, &'a str)> {
    let source = raw.source.as_ref().map(|s| s.get_ref());
    let conditions = raw.conditions.iter().flat_map(|c| c.get_ref());
    [&raw.id, &raw.title, &raw.summary, &raw.evidence]
        .into_iter()
        .flatten()
        .chain(source.iter().flat_map(|s| [&s.name, &s.url]).flatten())
        .chain(conditions)
        .chain(&raw.tags)
        .chain(&raw.cautions)
        .map(|v| (lines.at(v.span().start), v.get_ref().as_str()))
        .collect()
}

/// Splits `+++\n<toml>\n+++\n<body>`; `None` when the file does not start with front matter or it
/// is never closed.
fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let rest = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Some((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

type TextResult = Result<String, (usize, String)>;

fn text_field(
    value: Option<&Spanned<String>>,
    name: &str,
    max: usize,
    lines: &Lines<'_>,
    required: &mut impl FnMut(&str),
) -> Option<TextResult> {
    let Some(v) = value else {
        required(name);
        return None;
    };
    let line = lines.at(v.span().start);
    let text = v.get_ref().split_whitespace().collect::<Vec<_>>().join(" ");
    Some(if text.is_empty() {
        Err((line, format!("{name} is empty")))
    } else if text.chars().count() > max {
        Err((line, format!("{name} is longer than {max} characters")))
    } else {
        Ok(text)
    })
}

fn toml_date(v: &toml::Value) -> Result<PartialDate, String> {
    match v {
        toml::Value::String(s) => PartialDate::parse(s),
        toml::Value::Datetime(dt) => match (dt.date, dt.time) {
            (Some(d), None) => NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
                .map(PartialDate::Day)
                .ok_or_else(|| format!("`{dt}` is not a real date")),
            _ => Err(format!(
                "`{dt}` has a time: write just the date, YYYY-MM-DD"
            )),
        },
        other => Err(format!("expected a date, found {}", other.type_str())),
    }
}

fn check_url(url: &str) -> Result<(), String> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Err(format!("source.url `{url}` must be an https:// link"));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || !host.contains('.') || url.chars().any(char::is_whitespace) {
        return Err(format!("source.url `{url}` is not a valid link"));
    }
    Ok(())
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    const GOOD: &str = r#"+++
id = "pacing"
title = "Pacing"
summary = "How pacing works."
reviewed = 2026-01-02
evidence = "patient-guide"
conditions = ["mecfs"]
tags = ["Pacing", "energy"]

[source]
name = "Action for M.E."
url = "https://www.actionforme.org.uk/"
published = "2021"
+++

## Heading

Pacing means *planning* rest. Another sentence.
"#;

    fn parse(name: &str, text: &str) -> Parsed {
        parse_article(Path::new(name), text, today())
    }

    fn messages(p: &Parsed) -> Vec<String> {
        p.problems
            .iter()
            .map(|p| format!("{}: {}", p.line, p.message))
            .collect()
    }

    #[test]
    fn a_good_article_parses() {
        let p = parse("corpus/pacing.md", GOOD);
        assert!(p.problems.is_empty(), "{:?}", messages(&p));
        let a = p.article.unwrap();
        assert_eq!(a.id, "pacing");
        assert_eq!(a.tags, vec!["pacing", "energy"]);
        assert_eq!(a.source.published, PartialDate::Year(2021));
        assert_eq!(
            a.paragraphs,
            vec!["Pacing means planning rest. Another sentence."]
        );
        assert_eq!(a.headings, vec!["Heading"]);
    }

    #[test]
    fn each_problem_has_its_line() {
        let bad = GOOD
            .replace("reviewed = 2026-01-02", "reviewed = 2026-13-02")
            .replace("\"patient-guide\"", "\"anecdote\"")
            .replace("https://www.actionforme", "http://www.actionforme")
            .replace("[\"mecfs\"]", "[\"mecfs\", \"gout\"]");
        let p = parse("corpus/pacing.md", &bad);
        let m = messages(&p);
        // A bad TOML date is a TOML syntax error, reported on its line before anything else.
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].starts_with("5: invalid front matter"), "{m:?}");

        let bad = GOOD
            .replace("\"patient-guide\"", "\"anecdote\"")
            .replace("https://www.actionforme", "http://www.actionforme")
            .replace("[\"mecfs\"]", "[\"mecfs\", \"gout\"]")
            .replace("published = \"2021\"", "published = \"2021-02-30\"");
        let m = messages(&parse("corpus/pacing.md", &bad));
        assert_eq!(m.len(), 4, "{m:?}");
        assert!(
            m[0].starts_with("6: unknown evidence level `anecdote`"),
            "{m:?}"
        );
        assert!(m[1].starts_with("7: unknown condition `gout`"), "{m:?}");
        assert!(m[2].starts_with("12: source.url `http://"), "{m:?}");
        assert!(
            m[3].starts_with("13: bad date in `source.published`"),
            "{m:?}"
        );
    }

    #[test]
    fn missing_fields_and_id_mismatch() {
        let bad = GOOD
            .replace("title = \"Pacing\"\n", "")
            .replace("\nevidence = \"patient-guide\"", "");
        let m = messages(&parse("corpus/other.md", &bad));
        assert!(
            m.contains(&"1: missing required field `title`".to_string()),
            "{m:?}"
        );
        assert!(
            m.contains(&"1: missing required field `evidence`".to_string()),
            "{m:?}"
        );
        assert!(
            m.iter()
                .any(|s| s.starts_with("2: id `pacing` must equal the file name")),
            "{m:?}"
        );
    }

    #[test]
    fn future_review_unknown_field_and_no_front_matter() {
        let m = messages(&parse(
            "corpus/pacing.md",
            &GOOD.replace("2026-01-02", "2027-01-02"),
        ));
        assert_eq!(m, vec!["5: reviewed date 2027-01-02 is in the future"]);
        let m = messages(&parse(
            "corpus/pacing.md",
            &GOOD.replace("tags =", "tagz ="),
        ));
        assert!(
            m[0].starts_with("8: invalid front matter: unknown field `tagz`"),
            "{m:?}"
        );
        let m = messages(&parse("corpus/pacing.md", "# Just markdown\n"));
        assert!(m[0].starts_with("1: missing front matter"), "{m:?}");
        let m = messages(&parse("corpus/pacing.md", "+++\nid = \"x\"\n"));
        assert!(m[0].starts_with("1: missing front matter"), "{m:?}");
    }

    #[test]
    fn wrong_types_are_reported_not_panicked() {
        let m = messages(&parse(
            "corpus/pacing.md",
            &GOOD.replace("title = \"Pacing\"", "title = 3"),
        ));
        assert!(m[0].starts_with("3: invalid front matter"), "{m:?}");
        let m = messages(&parse(
            "corpus/pacing.md",
            &GOOD.replace("\"2021\"", "2021"),
        ));
        assert!(
            m[0].starts_with("13: bad date in `source.published`: expected a date, found integer"),
            "{m:?}"
        );
    }

    #[test]
    fn hidden_characters_mentions_and_invites_are_reported_on_their_line() {
        // As written: a raw ESC in the body, a mention in the summary, an RTL mark in a tag.
        let bad = GOOD
            .replace("*planning* rest.", "*planning* \u{1b}[31mrest.")
            .replace("How pacing works.", "How pacing works, <@&123>.")
            .replace("\"energy\"", "\"en\u{200F}ergy\"");
        let m = messages(&parse("corpus/pacing.md", &bad));
        assert_eq!(m.len(), 3, "{m:?}");
        assert!(m[0].starts_with("4: Discord mention `<@&123>`"), "{m:?}");
        assert!(
            m[1].starts_with("8: bidirectional formatting character U+200F"),
            "{m:?}"
        );
        assert!(m[2].starts_with("18: control character U+001B"), "{m:?}");
        // Decoded: a TOML escape in the title, a Markdown entity and an invite in the body.
        let bad = GOOD
            .replace("title = \"Pacing\"", r#"title = "Pacing \u0040here""#)
            .replace(
                "Another sentence.",
                "Ask &#64;everyone. See discord.com/invite/x.",
            );
        let m = messages(&parse("corpus/pacing.md", &bad));
        assert_eq!(m.len(), 3, "{m:?}");
        assert!(m[0].starts_with("3: Discord mention `@here`"), "{m:?}");
        assert!(m[0].ends_with("(written as an escape or entity)"), "{m:?}");
        assert!(m[1].starts_with("15: Discord mention `@everyone`"), "{m:?}");
        assert!(
            m[2].starts_with("18: Discord invite link `discord.com/invite/x`"),
            "{m:?}"
        );
        // Problems print safely even when they quote a hidden character.
        let p = parse(
            "corpus/pacing.md",
            &GOOD.replace("\"mecfs\"", r#""\u001Bx""#),
        );
        assert!(p.problems.iter().all(|p| !p.to_string().contains('\u{1b}')));
    }

    #[test]
    fn slugs() {
        assert!(is_slug("pem-101"));
        for bad in ["", "Pem", "pem_1", "-pem", "pem-", "pem--x", "pém"] {
            assert!(!is_slug(bad), "{bad}");
        }
    }
}
