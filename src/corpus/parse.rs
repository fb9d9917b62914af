//! One article file to an [`Article`], or to the list of everything wrong with it. Every problem
//! carries the line it is on, so `cairn check` can print `path:line: message`.

use super::hostile::{findings, is_clean};
use super::markdown::{markers, to_plain};
use super::model::{Article, Condition, Evidence, PartialDate, Review, Source, MAX_REVIEW_MONTHS};
use super::readability::{grade, grade_of, MAX_BODY_GRADE, MAX_SUMMARY_GRADE};
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
    /// Problems of style (the reading grade): `cairn check` and moderators' forms fail on them,
    /// but the article is still valid and searchable, so a hard-to-read article never vanishes
    /// from a running library.
    pub style: Vec<Problem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFront {
    id: Option<Spanned<String>>,
    title: Option<Spanned<String>>,
    summary: Option<Spanned<String>>,
    /// The one-source form.
    source: Option<Spanned<RawSource>>,
    /// Several sources, each with its key.
    sources: Option<Spanned<Vec<Spanned<RawSource>>>>,
    written: Option<Spanned<toml::Value>>,
    writer: Option<Spanned<String>>,
    review: Option<Spanned<RawReview>>,
    /// The old single review date: refused with a pointer to `written` and `[review]`.
    reviewed: Option<Spanned<toml::Value>>,
    evidence: Option<Spanned<String>>,
    #[serde(default)]
    preprint: bool,
    conditions: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    tags: Vec<Spanned<String>>,
    #[serde(default)]
    cautions: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    key: Option<Spanned<String>>,
    name: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    published: Option<Spanned<toml::Value>>,
    evidence: Option<Spanned<String>>,
    #[serde(default)]
    preprint: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReview {
    every: Option<Spanned<i64>>,
    date: Option<Spanned<toml::Value>>,
    by: Option<Spanned<String>>,
    source_checked: Option<Spanned<toml::Value>>,
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
    parse_with(path, text, today, true)
}

/// As [`parse_article`], with the reading grade ([`Parsed::style`]) measured only when `style`
/// is set: a library being loaded to answer questions has no use for it.
pub fn parse_with(path: &Path, text: &str, today: NaiveDate, style: bool) -> Parsed {
    let grade_style = style;
    let mut parsed = Parsed::default();
    let problem = |line: usize, message: String| Problem {
        path: path.to_path_buf(),
        line,
        message,
    };

    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Control and bidirectional characters, mentions and invites, on the line they are written.
    let hostile: Vec<(usize, String)> = if is_clean(text) {
        Vec::new()
    } else {
        text.split('\n')
            .enumerate()
            .flat_map(|(n, line)| findings(line).into_iter().map(move |m| (n + 1, m)))
            .collect()
    };
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
    if raw.written.is_none() {
        required("written");
    }
    if raw.writer.is_none() {
        required("writer");
    }
    match &raw.review {
        None => required("review.every"),
        Some(r) if r.get_ref().every.is_none() => required("review.every"),
        Some(_) => {}
    }
    let mut both_forms = None;
    let raw_sources: Vec<(&RawSource, usize, &str)> = match (&raw.source, &raw.sources) {
        (Some(_), Some(s)) => {
            both_forms = Some(lines.at(s.span().start));
            Vec::new()
        }
        (Some(s), None) => vec![(s.get_ref(), lines.at(s.span().start), "source")],
        (None, Some(list)) if list.get_ref().is_empty() => {
            required("sources");
            Vec::new()
        }
        (None, Some(list)) => list
            .get_ref()
            .iter()
            .map(|s| (s.get_ref(), lines.at(s.span().start), "sources"))
            .collect(),
        (None, None) => {
            required("source");
            Vec::new()
        }
    };
    for (s, _, table) in &raw_sources {
        for (missing, field) in [
            (s.name.is_none(), "name"),
            (s.url.is_none(), "url"),
            (s.published.is_none(), "published"),
            (*table == "sources" && s.key.is_none(), "key"),
        ] {
            if missing {
                required(&format!("{table}.{field}"));
            }
        }
    }
    if raw.conditions.is_none() {
        required("conditions");
    }

    let mut text_problems: Vec<(usize, String)> = Vec::new();
    if let Some(line) = both_forms {
        text_problems.push((
            line,
            "write either one `[source]` or several `[[sources]]`, not both".into(),
        ));
    }
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
    if let Some(r) = &raw.reviewed {
        text_problems.push((
            lines.at(r.span().start),
            "`reviewed` is replaced: write `written = YYYY-MM-DD` and `writer`, and a `[review]` table with `every` (months), plus `date`, `by` and `source_checked` once someone other than the writer has checked the article".into(),
        ));
    }
    let day = |v: &Spanned<toml::Value>, field: &str, problems: &mut Vec<(usize, String)>| {
        let line = lines.at(v.span().start);
        match toml_date(v.get_ref()) {
            Ok(PartialDate::Day(d)) if d > today => {
                problems.push((line, format!("{field} date {d} is in the future")));
                None
            }
            Ok(PartialDate::Day(d)) => Some(d),
            Ok(other) => {
                problems.push((
                    line,
                    format!("{field} must be a full date (YYYY-MM-DD), not `{other}`"),
                ));
                None
            }
            Err(msg) => {
                problems.push((line, format!("bad date in `{field}`: {msg}")));
                None
            }
        }
    };
    let written = raw
        .written
        .as_ref()
        .and_then(|w| day(w, "written", &mut text_problems));
    let writer = raw.writer.as_ref().and_then(|w| {
        let v = w.get_ref().split_whitespace().collect::<Vec<_>>().join(" ");
        if v.is_empty() {
            text_problems.push((lines.at(w.span().start), "writer is empty".into()));
            None
        } else {
            Some(v)
        }
    });
    let review = raw.review.as_ref().and_then(|r| {
        let review_line = lines.at(r.span().start);
        let r = r.get_ref();
        let every = r.every.as_ref().and_then(|e| {
            let n = *e.get_ref();
            if (1..=i64::from(MAX_REVIEW_MONTHS)).contains(&n) {
                Some(n as u32)
            } else {
                text_problems.push((
                    lines.at(e.span().start),
                    format!("review.every must be a number of months from 1 to {MAX_REVIEW_MONTHS}, not {n}"),
                ));
                None
            }
        });
        let date = r
            .date
            .as_ref()
            .and_then(|d| day(d, "review.date", &mut text_problems));
        let source_checked = r
            .source_checked
            .as_ref()
            .and_then(|d| day(d, "review.source_checked", &mut text_problems));
        let by = r
            .by
            .as_ref()
            .map(|b| b.get_ref().split_whitespace().collect::<Vec<_>>().join(" "));
        match (&r.date, &by) {
            (Some(_), None) => text_problems.push((
                review_line,
                "review.date needs review.by: who checked the article".into(),
            )),
            (None, Some(_)) | (None, None) if r.source_checked.is_some() || by.is_some() => {
                text_problems.push((
                    review_line,
                    "review.by and review.source_checked go with review.date".into(),
                ))
            }
            _ => {}
        }
        if let (Some(by), Some(writer)) = (&by, &raw.writer) {
            if by.eq_ignore_ascii_case(writer.get_ref().trim()) {
                text_problems.push((
                    review_line,
                    format!("review.by `{by}` is the writer: a review must be by someone else"),
                ));
            }
            if by.is_empty() {
                text_problems.push((review_line, "review.by is empty".into()));
            }
        }
        if let (Some(d), Some(w)) = (date, written) {
            if d < w {
                text_problems.push((
                    review_line,
                    format!("review.date {d} is before the article was written ({w})"),
                ));
            }
        }
        Some(Review {
            every_months: every?,
            date,
            by: date.and(by),
            source_checked,
        })
    });
    let mut sources: Vec<Source> = Vec::new();
    let mut sources_ok = !raw_sources.is_empty();
    for (s, _, table) in &raw_sources {
        let key = match &s.key {
            None => Some("main".to_string()),
            Some(k) => {
                let v = k.get_ref().trim();
                let line = lines.at(k.span().start);
                if !is_slug(v) {
                    text_problems.push((
                        line,
                        format!("source key `{v}` must be lowercase letters, digits and hyphens"),
                    ));
                    None
                } else if sources.iter().any(|o| o.key == v) {
                    text_problems.push((line, format!("source key `{v}` is used twice")));
                    None
                } else {
                    Some(v.to_string())
                }
            }
        };
        let name = s.name.as_ref().and_then(|n| {
            let v = n.get_ref().trim();
            if v.is_empty() {
                text_problems.push((lines.at(n.span().start), format!("{table}.name is empty")));
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
                    text_problems.push((line, format!("{table}.published {d} is in the future")));
                    None
                }
                Ok(d) => Some(d),
                Err(msg) => {
                    text_problems.push((line, format!("bad date in `{table}.published`: {msg}")));
                    None
                }
            }
        });
        // A source's own level; the one-source form takes the article's.
        let own_evidence = match &s.evidence {
            Some(e) => match e.get_ref().parse::<Evidence>() {
                Ok(level) => Some(Some(level)),
                Err(msg) => {
                    text_problems.push((lines.at(e.span().start), msg));
                    None
                }
            },
            None => Some(None),
        };
        match (key, name, url, published, own_evidence) {
            (Some(key), Some(name), Some(url), Some(published), Some(level)) => {
                sources.push(Source {
                    key,
                    name,
                    url,
                    published,
                    evidence: level.or(evidence).unwrap_or(Evidence::ExpertOpinion),
                    preprint: s.preprint || (sources.is_empty() && raw.preprint),
                })
            }
            _ => sources_ok = false,
        }
    }
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
    // The article's level is its main source's.
    if let (Some(level), Some(main)) = (evidence, sources.first()) {
        if main.evidence != level {
            let line = raw_sources.first().map_or(1, |r| r.1);
            text_problems.push((
                line,
                format!(
                    "evidence is `{level}` but the main (first) source is `{}`: the article's level is its main source's",
                    main.evidence
                ),
            ));
        }
    }
    // Each paragraph's source: its first marker, or the main source.
    let mut paragraph_sources = Vec::with_capacity(plain.paragraphs.len());
    let mut used = vec![false; sources.len()];
    for keys in &plain.markers {
        let index = match keys.first() {
            None => Some(0),
            Some(k) => sources.iter().position(|s| &s.key == k),
        };
        for k in keys {
            if let Some(i) = sources.iter().position(|s| &s.key == k) {
                used[i] = true;
            }
        }
        if let (None, Some(u)) = (keys.first(), used.first_mut()) {
            *u = true;
        }
        paragraph_sources.push(index.unwrap_or(0));
    }
    if sources_ok {
        for (n, line) in body.split('\n').enumerate() {
            for (_, key) in markers(line) {
                if !sources.iter().any(|s| s.key == key) {
                    text_problems.push((
                        body_line + n,
                        format!(
                            "marker `[^{key}]` names no source: the keys are {}",
                            keys_of(&sources)
                        ),
                    ));
                }
            }
        }
        for (i, s) in sources.iter().enumerate() {
            if !used[i] && !plain.paragraphs.is_empty() {
                let line = raw_sources.get(i).map_or(1, |r| r.1);
                text_problems.push((
                    line,
                    format!(
                        "source `{}` is never cited: end the paragraphs it supports with `[^{}]`",
                        s.key, s.key
                    ),
                ));
            }
        }
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

    let mut style: Vec<(usize, String)> = Vec::new();
    // Plain words: grade 9 for the summary, 10 for the body.
    if let (true, Some(Ok(text)), Some(s)) = (grade_style, &summary, &raw.summary) {
        let g = grade(text);
        if g > MAX_SUMMARY_GRADE {
            style.push((
                lines.at(s.span().start),
                format!("summary reads at grade {g:.1}; make it grade {MAX_SUMMARY_GRADE:.0} or below: shorter sentences, everyday words"),
            ));
        }
    }
    let body_grade = if grade_style {
        grade_of(plain.paragraphs.iter().map(String::as_str))
    } else {
        0.0
    };
    if body_grade > MAX_BODY_GRADE {
        style.push((
            body_line,
            format!("the body reads at grade {body_grade:.1}; make it grade {MAX_BODY_GRADE:.0} or below: shorter sentences, everyday words"),
        ));
    }
    parsed
        .style
        .extend(style.into_iter().map(|(l, m)| problem(l, m)));
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
        if !sources_ok {
            return None;
        }
        Some(Article {
            id: id?.0,
            title: title?.ok()?,
            summary: summary?.ok()?,
            evidence: sources.first()?.evidence,
            preprint: sources.first()?.preprint,
            sources,
            written: written?,
            writer: writer?,
            review: review?,
            conditions: conditions?,
            tags,
            cautions,
            paragraphs: plain.paragraphs,
            paragraph_sources,
            paragraph_headings: plain.under,
            headings: plain.headings,
        })
    })();
    parsed
}

/// Every string of the front matter as TOML decoded it, with its line.
fn decoded_values<'a>(raw: &'a RawFront, lines: &Lines<'_>) -> Vec<(usize, &'a str)> {
    let sources = raw.source.iter().map(|s| s.get_ref()).chain(
        raw.sources
            .iter()
            .flat_map(|l| l.get_ref().iter().map(|s| s.get_ref())),
    );
    let review_by = raw.review.as_ref().and_then(|r| r.get_ref().by.as_ref());
    let conditions = raw.conditions.iter().flat_map(|c| c.get_ref());
    [
        &raw.id,
        &raw.title,
        &raw.summary,
        &raw.evidence,
        &raw.writer,
    ]
    .into_iter()
    .flatten()
    .chain(review_by)
    .chain(
        sources
            .flat_map(|s| [&s.key, &s.name, &s.url, &s.evidence])
            .flatten(),
    )
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

fn keys_of(sources: &[Source]) -> String {
    sources
        .iter()
        .map(|s| format!("`{}`", s.key))
        .collect::<Vec<_>>()
        .join(", ")
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
written = 2026-01-02
evidence = "patient-guide"
conditions = ["mecfs"]
tags = ["Pacing", "energy"]
writer = "Ann"

[source]
name = "Action for M.E."
url = "https://www.actionforme.org.uk/"
published = "2021"

[review]
every = 24
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
        assert_eq!(a.source().published, PartialDate::Year(2021));
        assert_eq!(a.source().key, "main");
        assert_eq!(a.writer, "Ann");
        assert_eq!(a.review.every_months, 24);
        assert!(!a.independently_reviewed());
        assert_eq!(a.review_due().to_string(), "2028-01-02");
        assert_eq!(
            a.paragraphs,
            vec!["Pacing means planning rest. Another sentence."]
        );
        assert_eq!(a.headings, vec!["Heading"]);
    }

    #[test]
    fn each_problem_has_its_line() {
        let bad = GOOD
            .replace("written = 2026-01-02", "written = 2026-13-02")
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
        assert!(m[2].starts_with("13: source.url `http://"), "{m:?}");
        assert!(
            m[3].starts_with("14: bad date in `source.published`"),
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
        assert_eq!(m, vec!["5: written date 2027-01-02 is in the future"]);
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
            m[0].starts_with("14: bad date in `source.published`: expected a date, found integer"),
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
        assert!(m[2].starts_with("22: control character U+001B"), "{m:?}");
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
        assert!(m[1].starts_with("19: Discord mention `@everyone`"), "{m:?}");
        assert!(
            m[2].starts_with("22: Discord invite link `discord.com/invite/x`"),
            "{m:?}"
        );
        // Problems print safely even when they quote a hidden character.
        let p = parse(
            "corpus/pacing.md",
            &GOOD.replace("\"mecfs\"", r#""\u001Bx""#),
        );
        assert!(p.problems.iter().all(|p| !p.to_string().contains('\u{1b}')));
    }

    const SOURCES: &str = r#"+++
id = "fmt"
title = "FMT"
summary = "FMT is experimental."
written = 2026-01-02
writer = "Ann"
evidence = "rct"
conditions = ["fibromyalgia"]

[review]
every = 6

[[sources]]
key = "fang"
name = "J Pain (Fang 2024)"
url = "https://doi.org/10.1016/j.jpain.2024.104535"
published = "2024"
evidence = "rct"

[[sources]]
key = "cai"
name = "Neuron (Cai 2025)"
url = "https://example.org/cai"
published = "2025"
evidence = "animal"
preprint = true
+++

A trial found less pain. [^fang]

## What mice showed

Mice got pain-like behaviour. [^cai]

No marker here.
"#;

    #[test]
    fn each_paragraph_is_under_its_own_source() {
        let p = parse("corpus/fmt.md", SOURCES);
        assert!(p.problems.is_empty(), "{:?}", messages(&p));
        let a = p.article.unwrap();
        assert_eq!(a.sources.len(), 2);
        assert_eq!(a.paragraphs[1], "Mice got pain-like behaviour.");
        assert_eq!(a.source_of(0).key, "fang");
        assert_eq!(a.source_of(1).key, "cai");
        assert_eq!(a.source_of(1).evidence, Evidence::Animal);
        assert!(a.source_of(1).preprint);
        assert_eq!(a.source_of(2).key, "fang", "no marker: the main source");
        assert_eq!(a.paragraph_headings, vec![None, Some(0), Some(0)]);
    }

    #[test]
    fn unknown_and_unused_source_keys_fail() {
        let bad = SOURCES.replace("[^cai]", "[^kai]");
        let m = messages(&parse("corpus/fmt.md", &bad));
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m[0].starts_with("20: source `cai` is never cited"), "{m:?}");
        assert!(
            m[1].starts_with("33: marker `[^kai]` names no source"),
            "{m:?}"
        );
        let both = SOURCES.replace("[review]", "[source]\nname = \"x\"\n\n[review]");
        let m = messages(&parse("corpus/fmt.md", &both));
        assert!(m.iter().any(|m| m.contains("not both")), "{m:?}");
        let twice = SOURCES.replace("key = \"cai\"", "key = \"fang\"");
        let m = messages(&parse("corpus/fmt.md", &twice));
        assert!(
            m.iter().any(|m| m.contains("`fang` is used twice")),
            "{m:?}"
        );
        let mismatch = SOURCES.replace(
            "evidence = \"rct\"\nconditions",
            "evidence = \"guideline\"\nconditions",
        );
        let m = messages(&parse("corpus/fmt.md", &mismatch));
        assert!(
            m.iter().any(|m| m.contains("main (first) source is `rct`")),
            "{m:?}"
        );
    }

    #[test]
    fn reviews_must_be_independent_dated_and_scheduled() {
        let reviewed = |review: &str| GOOD.replace("[review]\nevery = 24", review);
        let ok = parse(
            "corpus/pacing.md",
            &reviewed(
                "[review]\nevery = 24\ndate = 2026-03-01\nby = \"Bo\"\nsource_checked = 2026-03-01",
            ),
        );
        assert!(ok.problems.is_empty(), "{:?}", messages(&ok));
        let a = ok.article.unwrap();
        assert!(a.independently_reviewed());
        assert_eq!(a.review_due().to_string(), "2028-03-01");
        for (review, expected) in [
            (
                "[review]\nevery = 24\ndate = 2026-03-01\nby = \"ann\"",
                "is the writer",
            ),
            (
                "[review]\nevery = 24\ndate = 2025-03-01\nby = \"Bo\"",
                "before the article was written",
            ),
            (
                "[review]\nevery = 24\ndate = 2027-03-01\nby = \"Bo\"",
                "in the future",
            ),
            ("[review]\nevery = 24\ndate = 2026-03-01", "needs review.by"),
            ("[review]\nevery = 24\nby = \"Bo\"", "go with review.date"),
            ("[review]\nevery = 48", "from 1 to 36"),
            (
                "[review]\ndate = 2026-03-01\nby = \"Bo\"",
                "missing required field `review.every`",
            ),
        ] {
            let m = messages(&parse("corpus/pacing.md", &reviewed(review)));
            assert!(m.iter().any(|m| m.contains(expected)), "{review}: {m:?}");
        }
        let m = messages(&parse(
            "corpus/pacing.md",
            &GOOD.replace("written =", "reviewed ="),
        ));
        assert!(
            m.iter().any(|m| m.contains("`reviewed` is replaced")),
            "{m:?}"
        );
        assert!(
            m.iter()
                .any(|m| m.contains("missing required field `written`")),
            "{m:?}"
        );
    }

    #[test]
    fn hard_reading_is_a_style_problem_and_the_article_stays_valid() {
        let dense = "Post-exertional malaise constitutes a pathognomonic characteristic of myalgic encephalomyelitis, necessitating individualised energy-management interventions.";
        let style = |p: &Parsed| -> Vec<String> {
            p.style
                .iter()
                .map(|p| format!("{}: {}", p.line, p.message))
                .collect()
        };
        let p = parse(
            "corpus/pacing.md",
            &GOOD.replace("How pacing works.", dense),
        );
        assert!(
            p.article.is_some() && p.problems.is_empty(),
            "{:?}",
            messages(&p)
        );
        let m = style(&p);
        assert!(
            m.iter().any(|m| m.starts_with("4: summary reads at grade")),
            "{m:?}"
        );
        let p = parse(
            "corpus/pacing.md",
            &GOOD.replace("Pacing means *planning* rest. Another sentence.", dense),
        );
        let m = style(&p);
        assert!(
            m.iter()
                .any(|m| m.starts_with("19: the body reads at grade")),
            "{m:?}"
        );
        assert!(style(&parse("corpus/pacing.md", GOOD)).is_empty());
    }

    #[test]
    fn slugs() {
        assert!(is_slug("pem-101"));
        for bad in ["", "Pem", "pem_1", "-pem", "pem-", "pem--x", "pém"] {
            assert!(!is_slug(bad), "{bad}");
        }
    }
}
