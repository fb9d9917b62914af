//! An [`Answer`] as text for a person at a terminal: matched words in bold (ANSI on a terminal,
//! `**word**` otherwise), then each citation's source, dates and evidence level, then the
//! disclaimer.

use crate::answer::{highlight_runs, Answer, Notice};
use crate::corpus::hostile::escape_hidden;
use std::fmt::Write;
use std::ops::Range;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    bold: (&'static str, &'static str),
}

impl Style {
    pub fn for_terminal(tty: bool) -> Style {
        Style {
            bold: if tty {
                ("\x1b[1m", "\x1b[0m")
            } else {
                ("**", "**")
            },
        }
    }
}

/// Wraps each highlighted byte range of `text` in `open`/`close`. Control and bidirectional
/// characters in `text` are written as `\u{..}` (the library rejects them; this is a second
/// guard), so only `open` and `close` reach the terminal as codes.
pub fn mark(text: &str, highlights: &[Range<usize>], open: &str, close: &str) -> String {
    highlight_runs(text, highlights)
        .into_iter()
        .map(|(run, marked)| {
            let run = escape_hidden(run);
            if marked {
                format!("{open}{run}{close}")
            } else {
                run.into_owned()
            }
        })
        .collect()
}

pub fn answer(a: &Answer, style: Style) -> String {
    let mut s = String::new();
    for n in &a.notices {
        match n {
            Notice::Crisis {
                message,
                helplines,
                results_on_request,
            } => {
                let _ = writeln!(s, "{message}");
                for h in helplines {
                    let _ = writeln!(s, "  - {}: {}", h.name, h.contact);
                }
                if a.search_withheld && *results_on_request {
                    let _ = writeln!(s, "(The library search was not run. If you were only looking for articles, ask again with --show-anyway.)");
                }
                s.push('\n');
            }
            Notice::Emergency { message } => {
                let _ = writeln!(s, "IMPORTANT: {message}\n");
            }
            Notice::NothingFound {
                message,
                suggestions,
            } => {
                let _ = writeln!(s, "{message} Things to try:");
                for t in suggestions {
                    let _ = writeln!(s, "  - {t}");
                }
                s.push('\n');
            }
        }
    }
    for (i, c) in a.citations.iter().enumerate() {
        let title = escape_hidden(&c.title);
        let _ = writeln!(s, "{}. {title}", a.offset + i + 1);
        // The answer first: the article's summary, then the cautions, then the excerpt that
        // supports it, under the source of its own passage.
        let _ = writeln!(s, "   {}", escape_hidden(&c.summary));
        for caution in &c.cautions {
            let _ = writeln!(s, "   Caution:   {}", escape_hidden(caution));
        }
        let (open, close) = style.bold;
        let _ = writeln!(
            s,
            "   From the source: \"{}\"",
            mark(&c.excerpt, &c.highlights, open, close)
        );
        let _ = writeln!(s, "   Source:    {}", escape_hidden(&c.source_name));
        let _ = writeln!(s, "   Link:      {}", escape_hidden(&c.source_url));
        let _ = writeln!(s, "   Evidence:  {}", c.evidence_words());
        let _ = writeln!(
            s,
            "   Published: {}   Written: {}   {}\n",
            c.published,
            c.written,
            c.review_status()
        );
    }
    if a.has_more {
        let _ = writeln!(
            s,
            "More results: add --page {}\n",
            a.offset / a.citations.len().max(1) + 2
        );
    }
    let _ = writeln!(s, "{}", a.disclaimer);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_ranges_and_skips_bad_ones() {
        assert_eq!(
            mark("pacing helps rest", &[0..6, 13..17], "**", "**"),
            "**pacing** helps **rest**"
        );
        // Overlapping, out-of-range and mid-character ranges are ignored rather than panicking.
        assert_eq!(mark("héllo", &[0..2, 9..12], "[", "]"), "héllo");
        assert_eq!(mark("abcdef", &[0..3, 2..4], "[", "]"), "[abc]def");
    }
}
