//! An [`Answer`] (and the other replies) as Discord embeds and buttons, inside Discord's limits:
//! user text and excerpts are Markdown-escaped and defused of mentions, every text is cut on a
//! word boundary with "...", and an embed never exceeds 6000 characters.

use crate::answer::{highlight_runs, truncate_words, Answer, Citation, Notice};
use crate::corpus::Article;
use serenity::all::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed,
    CreateEmbedFooter,
};
use std::ops::Range;

pub const EMBED_TOTAL: usize = 6000;
pub const EMBED_TITLE: usize = 256;
pub const EMBED_DESCRIPTION: usize = 4096;
pub const EMBED_FIELDS: usize = 25;
pub const FIELD_NAME: usize = 256;
pub const FIELD_VALUE: usize = 1024;
pub const FOOTER: usize = 2048;
pub const CHOICE_NAME: usize = 100;
pub const CHOICES: usize = 25;

/// cairn's embed colour (a calm teal).
const COLOUR: u32 = 0x2a9d8f;
const WARNING_COLOUR: u32 = 0xe76f51;

/// No message cairn sends may ping anyone.
pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
        .empty_users()
        .empty_roles()
        .replied_user(false)
}

/// Escapes Discord Markdown and defuses mentions (`@everyone`, `<@id>`) in text shown verbatim.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '-' | '[' | ']' | '(' | ')' | '<' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200B}"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes `text` and wraps the highlighted byte ranges in `**`.
pub fn escape_marked(text: &str, highlights: &[Range<usize>]) -> String {
    highlight_runs(text, highlights)
        .into_iter()
        .map(|(run, marked)| {
            if marked {
                format!("**{}**", escape(run))
            } else {
                escape(run)
            }
        })
        .collect()
}

/// A URL safe inside a Markdown link: parentheses and spaces percent-encoded.
fn link_url(url: &str) -> String {
    url.replace('(', "%28")
        .replace(')', "%29")
        .replace(' ', "%20")
}

fn clip(text: &str, max: usize) -> String {
    truncate_words(text, max)
}

/// An embed's text, counted the way Discord counts the 6000 limit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EmbedText {
    pub title: String,
    pub description: String,
    pub fields: Vec<(String, String)>,
    pub footer: String,
    pub warning: bool,
}

impl EmbedText {
    pub fn total(&self) -> usize {
        let n = |s: &String| s.chars().count();
        n(&self.title)
            + n(&self.description)
            + n(&self.footer)
            + self.fields.iter().map(|(a, b)| n(a) + n(b)).sum::<usize>()
    }

    /// Enforces every per-part limit, then the total: the longest field values shrink first.
    pub fn fit(mut self) -> EmbedText {
        self.title = clip(&self.title, EMBED_TITLE);
        self.description = clip(&self.description, EMBED_DESCRIPTION);
        self.footer = clip(&self.footer, FOOTER);
        self.fields.truncate(EMBED_FIELDS);
        for (name, value) in &mut self.fields {
            *name = clip(name, FIELD_NAME);
            *value = clip(value, FIELD_VALUE);
        }
        while self.total() > EMBED_TOTAL {
            let excess = self.total() - EMBED_TOTAL;
            let longest = self
                .fields
                .iter_mut()
                .max_by_key(|(_, v)| v.chars().count());
            match longest {
                Some((_, v)) if v.chars().count() > 40 => {
                    let keep = v.chars().count().saturating_sub(excess).max(40);
                    *v = clip(v, keep);
                }
                _ => {
                    let keep = self.description.chars().count().saturating_sub(excess);
                    self.description = clip(&self.description, keep);
                    if self.total() > EMBED_TOTAL {
                        self.fields.pop();
                    }
                }
            }
        }
        self
    }

    pub fn build(self) -> CreateEmbed {
        let fitted = self.fit();
        let mut e = CreateEmbed::new().colour(if fitted.warning {
            WARNING_COLOUR
        } else {
            COLOUR
        });
        if !fitted.title.is_empty() {
            e = e.title(fitted.title);
        }
        if !fitted.description.is_empty() {
            e = e.description(fitted.description);
        }
        for (name, value) in fitted.fields {
            e = e.field(name, value, false);
        }
        if !fitted.footer.is_empty() {
            e = e.footer(CreateEmbedFooter::new(fitted.footer));
        }
        e
    }
}

/// One citation as an embed field: evidence and source in the name; the title linked to the
/// source, the dates, cautions and the excerpt (matched words in bold) in the value.
pub fn citation_field(number: usize, c: &Citation) -> (String, String) {
    let name = format!(
        "{number}. {} · {}",
        c.evidence_words(),
        c.source_name.replace(['*', '_', '`', '~', '|'], "")
    );
    // The answer first (the article's summary), then the excerpt that supports it.
    let head = format!(
        "[{}]({})\n**{}**",
        escape(&clip(&c.title, 200)),
        link_url(&c.source_url),
        escape(&clip(&c.summary, 300)),
    );
    let mut cautions = String::new();
    for caution in &c.cautions {
        cautions.push_str("\n⚠️ ");
        cautions.push_str(&escape(caution));
    }
    let dates = format!(
        "\nPublished {} · Written {} · {}",
        c.published,
        c.written,
        c.review_status()
    );
    let cautions = format!("{cautions}{dates}");
    let budget = FIELD_VALUE.saturating_sub(head.chars().count() + cautions.chars().count() + 4);
    // Shorten the excerpt itself (not the escaped text) so highlights stay well formed. Each
    // round strictly shortens it; below a few words it is dropped rather than shown as "...".
    let mut keep = c.excerpt.chars().count();
    let mut marked = escape_marked(&c.excerpt, &c.highlights);
    while marked.chars().count() > budget {
        keep = (keep * budget / marked.chars().count().max(1)).min(keep.saturating_sub(1));
        if keep < 20 {
            marked.clear();
            break;
        }
        let excerpt = truncate_words(&c.excerpt, keep);
        let kept = excerpt.len().saturating_sub(3);
        let highlights: Vec<Range<usize>> = c
            .highlights
            .iter()
            .filter(|r| r.end <= kept)
            .cloned()
            .collect();
        marked = escape_marked(&excerpt, &highlights);
    }
    if marked.is_empty() {
        return (name, format!("{head}{cautions}"));
    }
    (name, format!("{head}{cautions}\n> {marked}"))
}

/// The embed for an answer page.
pub fn answer_embed(answer: &Answer) -> EmbedText {
    let mut description = String::new();
    for n in &answer.notices {
        match n {
            Notice::Emergency { message } => {
                description.push_str(&format!("🚨 **{}**\n\n", escape(message)));
            }
            Notice::Crisis {
                message, helplines, ..
            } => {
                description.push_str(&escape(message));
                description.push('\n');
                for h in helplines {
                    description.push_str(&format!(
                        "• **{}**: {}\n",
                        escape(&h.name),
                        escape(&h.contact)
                    ));
                }
                description.push('\n');
            }
            Notice::NothingFound {
                message,
                suggestions,
            } => {
                description.push_str(&format!("{}\n**Things to try:**\n", escape(message)));
                for s in suggestions {
                    description.push_str(&format!("• {}\n", escape(s)));
                }
            }
        }
    }
    let fields = answer
        .citations
        .iter()
        .enumerate()
        .map(|(i, c)| citation_field(answer.offset + i + 1, c))
        .collect::<Vec<_>>();
    let first = answer.offset + 1;
    let title = if answer.citations.is_empty() {
        "Nothing found in the library".to_string()
    } else {
        format!(
            "From the cairn library: results {first}-{}",
            answer.offset + answer.citations.len()
        )
    };
    EmbedText {
        title,
        description: description.trim_end().to_string(),
        fields,
        footer: answer.disclaimer.clone(),
        warning: answer
            .notices
            .iter()
            .any(|n| matches!(n, Notice::Emergency { .. } | Notice::Crisis { .. })),
    }
}

/// The crisis reply: warm, short, private, with helplines; the buttons below it offer the
/// library results (unless the question asked for means) and to let a moderator know.
pub fn crisis_embed(answer: &Answer, can_alert: bool) -> EmbedText {
    let mut e = answer_embed(answer);
    e.title = "You're not alone".into();
    if can_alert {
        e.description.push_str(
            "\n\nIf you would like someone from this server's moderator team to reach out to you, press the button below. Nothing is sent unless you press it, and your message is never shared.",
        );
    } else {
        e.description
            .push_str("\n\nYou can also message one of this server's moderators directly.");
    }
    if answer.screening.results_on_request() {
        e.description.push_str(
            "\n\nIf you were only looking for articles, you can still see them with the button below.",
        );
    }
    e
}

/// The buttons under an answer page starting at `offset`. Custom ids are
/// `cairn:<action>:<session>:<offset>`: "more" carries the next page's offset, the votes the
/// shown page's.
pub fn answer_buttons(
    session: u64,
    offset: usize,
    next_offset: Option<usize>,
) -> Vec<CreateActionRow> {
    let mut row = Vec::new();
    if let Some(off) = next_offset {
        row.push(
            CreateButton::new(format!("cairn:more:{session}:{off}"))
                .label("More results")
                .style(ButtonStyle::Primary),
        );
    }
    row.push(
        CreateButton::new(format!("cairn:helpful:{session}:{offset}"))
            .label("Helpful")
            .emoji('👍')
            .style(ButtonStyle::Success),
    );
    row.push(
        CreateButton::new(format!("cairn:unhelpful:{session}:{offset}"))
            .label("Not helpful")
            .emoji('👎')
            .style(ButtonStyle::Secondary),
    );
    vec![CreateActionRow::Buttons(row)]
}

/// The crisis reply's buttons: "Let a moderator know" when the server has a moderators'
/// channel, and "Show library results" unless the question asked for the means of self-harm.
pub fn crisis_buttons(session: u64, results: bool, can_alert: bool) -> Vec<CreateActionRow> {
    let mut row = Vec::new();
    if can_alert {
        row.push(
            CreateButton::new(format!("cairn:support:{session}"))
                .label("Let a moderator know I could use support")
                .style(ButtonStyle::Primary),
        );
    }
    if results {
        row.push(
            CreateButton::new(format!("cairn:anyway:{session}"))
                .label("Show library results")
                .style(ButtonStyle::Secondary),
        );
    }
    if row.is_empty() {
        return Vec::new();
    }
    vec![CreateActionRow::Buttons(row)]
}

/// Told to a member who presses "Let a moderator know" where no channel is set up.
pub const NO_MODERATOR_CHANNEL: &str = "This server has not set up a moderators' channel for cairn, so I could not pass this on. Please message one of the server's moderators directly, or reach out to one of the helplines above.";

/// Told to a member who presses "Let a moderator know" twice.
pub const ALREADY_ALERTED: &str = "The moderators have already been told that you could use support. If you need help now, please use one of the helplines above.";

/// The post in the moderators' channel: who asked for support, never what they wrote.
pub fn moderator_alert(user: u64) -> String {
    format!("<@{user}> pressed \"Let a moderator know I could use support\" after a cairn reply. Please reach out to them kindly. Their message is not shared with you, and cairn has not stored it.")
}

/// What the member is told once the moderators have been told.
pub fn alert_sent(emergency_number: Option<String>) -> String {
    let call = match emergency_number {
        Some(n) => format!("call {n}"),
        None => "call your local emergency number".to_string(),
    };
    format!("Thank you for telling us. The moderators know that you could use support, and someone should reach out to you. Your message was not shared. If you are in danger right now, please {call} or use one of the helplines above.")
}

/// `/privacy`: what cairn keeps, for how long, and why.
pub fn privacy_embed(cooldown_secs: u64) -> EmbedText {
    EmbedText {
        title: "What cairn keeps about you".into(),
        description: "In short: your questions are never stored, and nothing you ask or rate is stored with your user id.".into(),
        fields: crate::privacy::statement(cooldown_secs)
            .into_iter()
            .map(|(h, t)| (h.to_string(), escape(&t)))
            .collect(),
        footer: crate::answer::DEFAULT_DISCLAIMER.into(),
        warning: false,
    }
}

/// One article's card for `/article show`.
pub fn article_embed(a: &Article, overdue: bool, disclaimer: &str) -> EmbedText {
    let conditions: Vec<&str> = a.conditions.iter().map(|c| c.label()).collect();
    let mut fields = vec![
        (
            if a.sources.len() > 1 {
                "Sources"
            } else {
                "Source"
            }
            .to_string(),
            a.sources
                .iter()
                .map(|s| {
                    format!(
                        "[{}]({}) · {} · {}",
                        escape(&s.name),
                        link_url(&s.url),
                        s.evidence.label(),
                        s.published
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        (
            "Review".to_string(),
            format!(
                "Written {} · {} · next due {}{}",
                a.written,
                a.review_state(),
                a.review_due(),
                if overdue { " (overdue for review)" } else { "" }
            ),
        ),
        ("Evidence".to_string(), a.evidence.label().to_string()),
        ("Conditions".to_string(), conditions.join(", ")),
    ];
    if !a.cautions.is_empty() {
        let text = a
            .cautions
            .iter()
            .map(|c| format!("⚠️ {}", escape(c)))
            .collect::<Vec<_>>()
            .join("\n");
        fields.push(("Cautions".to_string(), text));
    }
    EmbedText {
        title: a.title.clone(),
        description: escape(&a.summary),
        fields,
        footer: disclaimer.to_string(),
        warning: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_defuses_markdown_and_mentions() {
        assert_eq!(
            escape("**bold** @everyone <@123>"),
            "\\*\\*bold\\*\\* @\u{200B}everyone \\<@\u{200B}123\\>"
        );
        assert_eq!(
            escape_marked("a *b* c", &[0..1, 6..7]),
            "**a** \\*b\\* **c**"
        );
    }

    #[test]
    fn a_citation_field_always_fits() {
        let c = Citation {
            article_id: "a".into(),
            title: "T @everyone ".repeat(40),
            summary: "The answer *first*. ".repeat(20),
            source_name: "S".into(),
            source_url: "https://example.org/x(1)".into(),
            published: "2020".into(),
            written: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            reviewed: Some(chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()),
            review_overdue: true,
            evidence: crate::corpus::Evidence::Rct,
            evidence_label: "Randomised controlled trial".into(),
            preprint: true,
            conditions: Vec::new(),
            cautions: vec!["Careful * _ @here ".repeat(30); 3],
            excerpt: "word *x* ".repeat(60),
            highlights: vec![0..4, 9..13],
            score: 1.0,
        };
        let (name, value) = citation_field(1, &c);
        assert!(name.chars().count() <= FIELD_NAME);
        // Cautions alone overflow here: the value is cut at the limit by `fit`, never looped on.
        let fitted = EmbedText {
            fields: vec![(name, value)],
            ..EmbedText::default()
        }
        .fit();
        assert!(fitted.fields[0].1.chars().count() <= FIELD_VALUE);
        let mut small = c.clone();
        small.cautions.clear();
        small.excerpt = "pacing helps ".repeat(150);
        small.highlights = std::iter::once(0..6).collect();
        let (_, value) = citation_field(1, &small);
        assert!(
            value.chars().count() <= FIELD_VALUE,
            "{}",
            value.chars().count()
        );
        assert!(value.contains("> **pacing**"), "{value}");
        assert!(value.ends_with("..."), "{value}");
    }

    #[test]
    fn links_survive_parentheses() {
        assert_eq!(
            link_url("https://x.org/S0025-6196(21)00513-9/full"),
            "https://x.org/S0025-6196%2821%2900513-9/full"
        );
    }

    #[test]
    fn fit_respects_every_limit() {
        let long = "word ".repeat(3000);
        let e = EmbedText {
            title: long.clone(),
            description: long.clone(),
            fields: (0..30).map(|_| (long.clone(), long.clone())).collect(),
            footer: long.clone(),
            warning: false,
        }
        .fit();
        assert!(e.title.chars().count() <= EMBED_TITLE);
        assert!(e.description.chars().count() <= EMBED_DESCRIPTION);
        assert!(e.footer.chars().count() <= FOOTER);
        assert!(e.fields.len() <= EMBED_FIELDS);
        for (n, v) in &e.fields {
            assert!(n.chars().count() <= FIELD_NAME && v.chars().count() <= FIELD_VALUE);
        }
        assert!(e.total() <= EMBED_TOTAL, "{}", e.total());
        assert!(e.title.ends_with("..."));
    }
}
