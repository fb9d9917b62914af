//! Markdown body to plain text: headings apart, and one string per paragraph or list item, with
//! links reduced to their text. Excerpts are cut from these paragraphs.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

#[derive(Debug, Default, PartialEq)]
pub struct PlainBody {
    pub headings: Vec<String>,
    pub paragraphs: Vec<String>,
}

pub fn to_plain(markdown: &str) -> PlainBody {
    let mut out = PlainBody::default();
    let mut current = String::new();
    let mut in_heading = false;
    let flush = |buf: &mut String, into: &mut Vec<String>| {
        let text = buf.split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() {
            into.push(text);
        }
        buf.clear();
    };
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                flush(&mut current, &mut out.paragraphs);
                in_heading = true;
            }
            Event::End(TagEnd::Heading(_)) => {
                flush(&mut current, &mut out.headings);
                in_heading = false;
            }
            Event::Start(Tag::Paragraph | Tag::Item | Tag::BlockQuote(_) | Tag::CodeBlock(_))
            | Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::BlockQuote(_) | TagEnd::CodeBlock,
            ) if !in_heading => flush(&mut current, &mut out.paragraphs),
            Event::Text(t) | Event::Code(t) => current.push_str(&t),
            Event::SoftBreak | Event::HardBreak => current.push(' '),
            Event::Html(_) | Event::InlineHtml(_) => {}
            _ => {}
        }
    }
    flush(&mut current, &mut out.paragraphs);
    out
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
    }
}
