//! The plain data of an article: its metadata, evidence level, conditions and body text.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// PIF TICK asks for review at least every three years: the longest `[review] every` allowed.
pub const MAX_REVIEW_MONTHS: u32 = 36;

/// A validated article of the library.
#[derive(Debug, Clone, Serialize)]
pub struct Article {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// Where its facts come from: one or more sources, the first the main one. Each paragraph
    /// names its own (`paragraph_sources`).
    pub sources: Vec<Source>,
    /// When it was written (or last rewritten), and by whom.
    pub written: NaiveDate,
    pub writer: String,
    /// The review scheme: how often, and the last independent review if there was one.
    pub review: Review,
    /// The level of the main source.
    pub evidence: Evidence,
    /// The main source is a preprint, not yet peer reviewed.
    pub preprint: bool,
    pub conditions: Vec<Condition>,
    pub tags: Vec<String>,
    pub cautions: Vec<String>,
    /// The body as plain text, one entry per paragraph or list item (headings left out):
    /// excerpts are cut from these.
    pub paragraphs: Vec<String>,
    /// For each paragraph, the index in `sources` of the source it reports.
    #[serde(skip)]
    pub paragraph_sources: Vec<usize>,
    /// For each paragraph, the heading it stands under (an index in `headings`), if any.
    #[serde(skip)]
    pub paragraph_headings: Vec<Option<usize>>,
    /// The body's headings, indexed with the body but never used as excerpts.
    #[serde(skip)]
    pub headings: Vec<String>,
}

/// An article's body: what a library kept in memory leaves out (it is stored in the index and
/// read back for the articles an answer shows).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArticleText {
    pub paragraphs: Vec<String>,
    pub paragraph_sources: Vec<usize>,
    pub paragraph_headings: Vec<Option<usize>>,
    pub headings: Vec<String>,
}

impl Article {
    /// Moves the body out, leaving the metadata and sources.
    pub fn take_text(&mut self) -> ArticleText {
        ArticleText {
            paragraphs: std::mem::take(&mut self.paragraphs),
            paragraph_sources: std::mem::take(&mut self.paragraph_sources),
            paragraph_headings: std::mem::take(&mut self.paragraph_headings),
            headings: std::mem::take(&mut self.headings),
        }
    }

    /// A copy of the body.
    pub fn text(&self) -> ArticleText {
        ArticleText {
            paragraphs: self.paragraphs.clone(),
            paragraph_sources: self.paragraph_sources.clone(),
            paragraph_headings: self.paragraph_headings.clone(),
            headings: self.headings.clone(),
        }
    }

    /// This article with `text` as its body.
    pub fn with_text(&self, text: ArticleText) -> Article {
        Article {
            paragraphs: text.paragraphs,
            paragraph_sources: text.paragraph_sources,
            paragraph_headings: text.paragraph_headings,
            headings: text.headings,
            ..self.clone()
        }
    }

    /// Whether the body is here (a library keeps shared articles' bodies in the index only).
    pub fn has_text(&self) -> bool {
        !self.paragraphs.is_empty() || !self.headings.is_empty()
    }

    /// The whole body as plain text, for indexing.
    pub fn body_text(&self) -> String {
        let mut s = self.headings.join("\n");
        for p in &self.paragraphs {
            s.push('\n');
            s.push_str(p);
        }
        s
    }

    /// The main source.
    pub fn source(&self) -> &Source {
        &self.sources[0]
    }

    /// The source a paragraph reports (the main one when out of range).
    pub fn source_of(&self, paragraph: usize) -> &Source {
        let i = self.paragraph_sources.get(paragraph).copied().unwrap_or(0);
        self.sources.get(i).unwrap_or(&self.sources[0])
    }

    /// Whether someone other than the writer has checked it against its sources.
    pub fn independently_reviewed(&self) -> bool {
        self.review.date.is_some()
    }

    /// The day its next review is due: the last independent review (or the writing) plus
    /// `every` months.
    pub fn review_due(&self) -> NaiveDate {
        let from = self.review.date.unwrap_or(self.written);
        from.checked_add_months(chrono::Months::new(self.review.every_months))
            .unwrap_or(from)
    }

    /// "reviewed 2027-03-01", or "not yet independently reviewed".
    pub fn review_state(&self) -> String {
        match self.review.date {
            Some(d) => format!("reviewed {d}"),
            None => "not yet independently reviewed".to_string(),
        }
    }

    /// Whether it is past its review on `today`.
    pub fn review_overdue(&self, today: NaiveDate) -> bool {
        today > self.review_due()
    }
}

/// When an article is reviewed, and the last independent review.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Review {
    /// Months between reviews, set by risk (6-12 for preprints, running trials, long COVID,
    /// approvals and statistics; up to 36 for stable material).
    pub every_months: u32,
    /// The last review by someone other than the writer.
    pub date: Option<NaiveDate>,
    pub by: Option<String>,
    /// When the reviewer last opened the live source page or DOI.
    pub source_checked: Option<NaiveDate>,
}

/// Where an article's facts come from.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    /// How the body's markers name it (`[^key]`); `main` for the one-source form.
    pub key: String,
    pub name: String,
    pub url: String,
    pub published: PartialDate,
    pub evidence: Evidence,
    /// Not yet peer reviewed.
    pub preprint: bool,
}

/// A publication date known to the year, the month or the day, or not shown by the source at
/// all (`"undated"`, as a web page without a date). Articles never guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PartialDate {
    Undated,
    Year(i32),
    Month(i32, u32),
    Day(NaiveDate),
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or `undated`.
    pub fn parse(s: &str) -> Result<PartialDate, String> {
        let bad = || {
            format!("`{s}` is not a date: write YYYY-MM-DD, or \"YYYY-MM\" or \"YYYY\" when only that much is known, or \"undated\" when the source shows no date")
        };
        if s.trim() == "undated" {
            return Ok(PartialDate::Undated);
        }
        let parts: Vec<&str> = s.trim().split('-').collect();
        let num = |p: &str, len: usize| -> Result<u32, String> {
            if p.len() == len && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        match parts.as_slice() {
            [y] => Ok(PartialDate::Year(num(y, 4)? as i32)),
            [y, m] => {
                let (y, m) = (num(y, 4)? as i32, num(m, 2)?);
                if (1..=12).contains(&m) {
                    Ok(PartialDate::Month(y, m))
                } else {
                    Err(bad())
                }
            }
            [y, m, d] => {
                let (y, m, d) = (num(y, 4)? as i32, num(m, 2)?, num(d, 2)?);
                NaiveDate::from_ymd_opt(y, m, d)
                    .map(PartialDate::Day)
                    .ok_or_else(bad)
            }
            _ => Err(bad()),
        }
    }

    /// The earliest day the date could mean, for comparisons.
    pub fn earliest(&self) -> NaiveDate {
        match *self {
            PartialDate::Undated => NaiveDate::MIN,
            PartialDate::Year(y) => NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default(),
            PartialDate::Month(y, m) => NaiveDate::from_ymd_opt(y, m, 1).unwrap_or_default(),
            PartialDate::Day(d) => d,
        }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartialDate::Undated => f.write_str("undated"),
            PartialDate::Year(y) => write!(f, "{y:04}"),
            PartialDate::Month(y, m) => write!(f, "{y:04}-{m:02}"),
            PartialDate::Day(d) => write!(f, "{}", d.format("%Y-%m-%d")),
        }
    }
}

impl Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

macro_rules! keyword_enum {
    ($(#[$m:meta])* $name:ident, $what:literal, { $($variant:ident = $key:literal => $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The key used in front matter, filters and the index.
            pub fn key(self) -> &'static str { match self { $($name::$variant => $key),+ } }
            /// How a person reads it.
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
            /// All keys, comma-separated, for error messages.
            pub fn keys() -> String { [$($key),+].join(", ") }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                let k = s.trim().to_ascii_lowercase();
                match k.as_str() {
                    $($key => Ok($name::$variant),)+
                    _ => Err(format!("unknown {} `{}`: expected one of {}", $what, s, $name::keys())),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.key()) }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.key())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let key = String::deserialize(d)?;
                key.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

keyword_enum!(
    /// What kind of study or document a source is, strongest first. The label says it in plain
    /// words beside every citation.
    Evidence, "evidence level", {
    Guideline = "guideline" => "Clinical guideline",
    SystematicReview = "systematic-review" => "Review of many studies",
    Rct = "rct" => "Randomised controlled trial",
    UncontrolledTrial = "uncontrolled-trial" => "Small trial without a comparison group",
    Observational = "observational" => "Observational study",
    Animal = "animal" => "Study in animals or in the lab",
    Regulatory = "regulatory" => "Safety notice or approval",
    News = "news" => "News report",
    PatientGuide = "patient-guide" => "Patient information",
    ExpertOpinion = "expert-opinion" => "Expert opinion",
    PersonalStory = "personal-story" => "Personal story",
});

keyword_enum!(
    /// The conditions a support group is about; articles are tagged with one or more.
    Condition, "condition", {
    Mecfs = "mecfs" => "ME/CFS",
    Fibromyalgia = "fibromyalgia" => "Fibromyalgia",
    LongCovid = "long-covid" => "Long COVID",
    Ibs = "ibs" => "IBS",
    Sibo = "sibo" => "SIBO",
    Pots = "pots" => "POTS",
    GutHealth = "gut-health" => "Gut health",
    General = "general" => "General",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates_parse_and_print() {
        assert_eq!(PartialDate::parse("2019").unwrap(), PartialDate::Year(2019));
        assert_eq!(
            PartialDate::parse("2019-06").unwrap(),
            PartialDate::Month(2019, 6)
        );
        assert_eq!(
            PartialDate::parse("2021-10-29").unwrap().to_string(),
            "2021-10-29"
        );
        for bad in [
            "",
            "19",
            "2019-13",
            "2019-02-30",
            "2019/06/01",
            "June 2019",
            "2019-6",
        ] {
            assert!(PartialDate::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn keywords_round_trip_and_reject_unknown() {
        for e in Evidence::ALL {
            assert_eq!(e.key().parse::<Evidence>().unwrap(), *e);
        }
        assert_eq!(
            "Long-COVID".parse::<Condition>().unwrap(),
            Condition::LongCovid
        );
        let err = "anecdote".parse::<Evidence>().unwrap_err();
        assert!(err.contains("unknown evidence level `anecdote`"), "{err}");
        assert!(err.contains("systematic-review"), "{err}");
    }
}
