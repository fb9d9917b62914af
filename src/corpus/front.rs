//! Edits to an article's front matter as text, so that everything else in the file stays as its
//! writer made it: recording an independent review (`[review]` `date`, `by`,
//! `source_checked`), and reading articles stored before the review scheme (a single
//! `reviewed` date) in the current form.

use chrono::NaiveDate;

/// The review interval given to an article stored before the scheme existed: the old rule.
pub const LEGACY_REVIEW_MONTHS: u32 = 36;

/// The front matter (without its `+++` lines) and the rest, or `None` without front matter.
fn split(markdown: &str) -> Option<(&str, &str, &str)> {
    let rest = markdown.strip_prefix("+++\n")?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Some(("+++\n", &rest[..offset], &rest[offset..]));
        }
        offset += line.len();
    }
    None
}

fn key_of(line: &str) -> &str {
    line.split('=').next().unwrap_or("").trim()
}

/// An article written before the review scheme (`reviewed = DATE`, no `written`), in the
/// current form: `written` is that date, the writer unknown, reviewed every 36 months, and no
/// independent review recorded (nobody can say one took place). Anything else is returned as
/// it is.
pub fn upgrade_legacy(markdown: &str) -> std::borrow::Cow<'_, str> {
    let Some((open, front, rest)) = split(markdown) else {
        return markdown.into();
    };
    let keys: Vec<&str> = front.lines().map(key_of).collect();
    if !keys.contains(&"reviewed") || keys.contains(&"written") {
        return markdown.into();
    }
    let mut out = String::with_capacity(markdown.len() + 64);
    out.push_str(open);
    let mut in_table = false;
    for line in front.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_table = true;
        }
        if !in_table && key_of(line) == "reviewed" {
            let value = line.split_once('=').map_or("", |(_, v)| v.trim());
            out.push_str(&format!("written = {value}\nwriter = \"unknown\"\n"));
        } else {
            out.push_str(line);
        }
    }
    if !front.lines().any(|l| l.trim() == "[review]") {
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("\n[review]\nevery = {LEGACY_REVIEW_MONTHS}\n"));
    }
    out.push_str(rest);
    out.into()
}

/// `markdown` with an independent review recorded: in `[review]`, `date` and `source_checked`
/// become `today` and `by` the reviewer; `every` and everything else stay. (Validation then
/// refuses a review by the writer.)
pub fn set_review(markdown: &str, today: NaiveDate, by: &str) -> String {
    let markdown = upgrade_legacy(markdown);
    let Some((open, front, rest)) = split(&markdown) else {
        return markdown.into_owned();
    };
    let by = toml::Value::String(by.trim().to_string()).to_string();
    let fields = format!("date = {today}\nby = {by}\nsource_checked = {today}\n");
    let mut out = String::with_capacity(markdown.len() + fields.len());
    out.push_str(open);
    let mut in_review = false;
    let mut found = false;
    for line in front.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_review = trimmed == "[review]";
            out.push_str(line);
            if in_review {
                found = true;
                if !line.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(&fields);
            }
            continue;
        }
        if in_review && matches!(key_of(line), "date" | "by" | "source_checked") {
            continue;
        }
        out.push_str(line);
    }
    if !found {
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("\n[review]\nevery = 24\n{fields}"));
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEGACY: &str = "+++\nid = \"a\"\nreviewed = 2020-01-01\n\n[source]\nname = \"X\"\n+++\n\nreviewed = 1999-01-01\n";

    #[test]
    fn a_legacy_article_gets_written_and_a_review_interval() {
        let out = upgrade_legacy(LEGACY);
        assert_eq!(
            out,
            "+++\nid = \"a\"\nwritten = 2020-01-01\nwriter = \"unknown\"\n\n[source]\nname = \"X\"\n\n[review]\nevery = 36\n+++\n\nreviewed = 1999-01-01\n"
        );
        // Already current: untouched.
        assert_eq!(upgrade_legacy(&out), out);
    }

    #[test]
    fn a_review_replaces_the_last_one_and_keeps_the_interval() {
        let day = NaiveDate::from_ymd_opt(2027, 2, 3).unwrap();
        let md = "+++\nid = \"a\"\n\n[review]\nevery = 12\ndate = 2026-01-01\nby = \"old\"\n\n[[sources]]\nkey = \"k\"\n+++\nBody by = x\n";
        let out = set_review(md, day, "sam \"the\" mod");
        assert_eq!(
            out,
            "+++\nid = \"a\"\n\n[review]\ndate = 2027-02-03\nby = 'sam \"the\" mod'\nsource_checked = 2027-02-03\nevery = 12\n\n[[sources]]\nkey = \"k\"\n+++\nBody by = x\n"
        );
        // A legacy article is brought up to date first.
        let out = set_review(LEGACY, day, "sam");
        assert!(out.contains("written = 2020-01-01\n"), "{out}");
        assert!(
            out.contains("[review]\ndate = 2027-02-03\nby = \"sam\"\nsource_checked = 2027-02-03\nevery = 36\n"),
            "{out}"
        );
    }
}
