//! Markdown body to plain text: headings apart, and one string per paragraph or list item, with
//! links reduced to their text. Excerpts are cut from these paragraphs. A paragraph names the
//! source it reports with a marker such as `[^fang]`; markers are taken out of the text and kept
//! beside it.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

#[derive(Debug, Default, PartialEq)]
pub struct PlainBody {
    pub headings: Vec<String>,
    pub paragraphs: Vec<String>,
    /// For each paragraph, the source keys its markers name, in order.
    pub markers: Vec<Vec<String>>,
    /// For each paragraph, the heading it stands under.
    pub under: Vec<Option<usize>>,
}

pub fn to_plain(markdown: &str) -> PlainBody {
    let mut out = PlainBody::default();
    let mut current = String::new();
    let mut in_heading = false;
    let flush_paragraph = |buf: &mut String, out: &mut PlainBody| {
        let (text, keys) = take_markers(buf);
        if !text.is_empty() {
            out.paragraphs.push(text);
            out.markers.push(keys);
            out.under.push(out.headings.len().checked_sub(1));
        }
        buf.clear();
    };
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                flush_paragraph(&mut current, &mut out);
                in_heading = true;
            }
            Event::End(TagEnd::Heading(_)) => {
                let text = squeeze(&current);
                if !text.is_empty() {
                    out.headings.push(text);
                }
                current.clear();
                in_heading = false;
            }
            Event::Start(Tag::Paragraph | Tag::Item | Tag::BlockQuote(_) | Tag::CodeBlock(_))
            | Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::BlockQuote(_) | TagEnd::CodeBlock,
            ) if !in_heading => flush_paragraph(&mut current, &mut out),
            Event::Text(t) | Event::Code(t) => current.push_str(&t),
            Event::SoftBreak | Event::HardBreak => current.push(' '),
            Event::Html(_) | Event::InlineHtml(_) => {}
            _ => {}
        }
    }
    flush_paragraph(&mut current, &mut out);
    out
}

/// The words of `text` with one space between them.
fn squeeze(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Every `[^key]` marker in `text`: its byte range and its key (lowercase letters, digits and
/// hyphens). Anything else in brackets is left alone.
pub fn markers(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("[^").map(|i| from + i) {
        let key_start = at + 2;
        let len = text[key_start..]
            .bytes()
            .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
            .count();
        let end = key_start + len;
        if len > 0 && text.as_bytes().get(end) == Some(&b']') {
            out.push((at..end + 1, &text[key_start..end]));
            from = end + 1;
        } else {
            from = key_start;
        }
    }
    out
}

/// Takes the `[^key]` markers out of a paragraph: the text without them, and their keys.
fn take_markers(text: &str) -> (String, Vec<String>) {
    let found = markers(text);
    let mut kept = String::with_capacity(text.len());
    let mut at = 0;
    for (range, _) in &found {
        kept.push_str(&text[at..range.start]);
        at = range.end;
    }
    kept.push_str(&text[at..]);
    let text = squeeze(&kept);
    // "found this. [^a]" leaves "found this." once squeezed; a marker before a full stop leaves
    // a space before it.
    let text = if text.contains(" .") || text.contains(" ,") {
        text.replace(" .", ".").replace(" ,", ",")
    } else {
        text
    };
    (
        text,
        found.into_iter().map(|(_, k)| k.to_string()).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_paragraphs_and_list_items_are_separated() {
        let body = to_plain(
            "## What it found\n\nFirst *line*\ncontinues [here](https://example.org).\n\n- one\n- two\n\n<b>x</b>\n",
        );
        assert_eq!(body.headings, vec!["What it found"]);
        assert_eq!(
            body.paragraphs,
            vec!["First line continues here.", "one", "two", "x"]
        );
        assert_eq!(body.under, vec![Some(0); 4]);
    }

    #[test]
    fn markers_name_each_paragraphs_source_and_leave_the_text() {
        let body = to_plain(
            "Intro without a marker.\n\n## Found\n\nA trial found less pain. [^fang]\n\n- An item [^cai] here.\n\nA [^bad key] stays, as does [^].\n",
        );
        assert_eq!(
            body.paragraphs,
            vec![
                "Intro without a marker.",
                "A trial found less pain.",
                "An item here.",
                "A [^bad key] stays, as does [^]."
            ]
        );
        assert_eq!(
            body.markers,
            vec![
                vec![],
                vec!["fang".to_string()],
                vec!["cai".to_string()],
                vec![]
            ]
        );
        assert_eq!(body.under, vec![None, Some(0), Some(0), Some(0)]);
    }
}
