//! Text an article may not contain, wherever it is (front matter or body, as written or once
//! TOML escapes and Markdown entities are decoded): control characters, which could drive a
//! terminal (`ESC [` codes) or hide text; bidirectional overrides and isolates, which make text
//! display in another order than it is stored; and Discord mentions and invite links, which an
//! answer must never carry into a server. The renderers escape all of these too; this check makes
//! `cairn check` name the line.

use regex::Regex;
use std::sync::LazyLock;

/// `@everyone`, `@here`, and user, role and channel mentions (`<@1>`, `<@!1>`, `<@&1>`, `<#1>`).
static MENTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)@(?:everyone|here)\b|<@[!&]?\d+>|<#\d+>").expect("a valid pattern")
});

/// Discord invite links: `discord.gg/...`, `discord.com/invite/...`, `discordapp.com/invite/...`.
static INVITE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:discord\.gg|discord(?:app)?\.com/invite)/[\w-]*")
        .expect("a valid pattern")
});

/// Whether `c` is a control character other than a line break or tab (C0, DEL, C1).
pub fn is_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

/// The name of a bidirectional formatting character, `None` for any other character.
pub fn bidi_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{202A}' => "left-to-right embedding",
        '\u{202B}' => "right-to-left embedding",
        '\u{202C}' => "pop directional formatting",
        '\u{202D}' => "left-to-right override",
        '\u{202E}' => "right-to-left override",
        '\u{2066}' => "left-to-right isolate",
        '\u{2067}' => "right-to-left isolate",
        '\u{2068}' => "first strong isolate",
        '\u{2069}' => "pop directional isolate",
        '\u{200E}' => "left-to-right mark",
        '\u{200F}' => "right-to-left mark",
        '\u{061C}' => "Arabic letter mark",
        _ => return None,
    })
}

/// Whether `c` may never be shown as it is (a control or bidirectional character).
pub fn is_hidden(c: char) -> bool {
    is_control(c) || bidi_name(c).is_some()
}

/// What is wrong with a piece of article text: the first control character, the first
/// bidirectional character, the first mention and the first invite link, each as a message. The
/// messages name characters by code point and never contain one.
pub fn findings(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(c) = text.chars().find(|&c| is_control(c)) {
        let what = if c == '\u{1b}' {
            " (escape, which starts terminal escape codes)"
        } else {
            ""
        };
        out.push(format!(
            "control character U+{:04X}{what}: remove it",
            u32::from(c)
        ));
    }
    if let Some((c, name)) = text.chars().find_map(|c| Some((c, bidi_name(c)?))) {
        out.push(format!(
            "bidirectional formatting character U+{:04X} ({name}), which can make text display in another order than it is written: remove it",
            u32::from(c)
        ));
    }
    if let Some(m) = MENTION.find(text) {
        out.push(format!(
            "Discord mention `{}`: articles must not ping anyone, so leave out the @ or the <...>",
            m.as_str()
        ));
    }
    if let Some(m) = INVITE.find(text) {
        out.push(format!(
            "Discord invite link `{}`: articles must not link to Discord servers",
            m.as_str()
        ));
    }
    out
}

/// Whether `text` holds nothing [`findings`] would report: one pass over the whole text, so
/// that a clean file (nearly every file) is not searched line by line. Line breaks are neither
/// control characters here nor part of any pattern, so a text is clean exactly when each of
/// its lines is.
pub fn is_clean(text: &str) -> bool {
    !text.chars().any(is_hidden) && !MENTION.is_match(text) && !INVITE.is_match(text)
}

/// `text` with every control and bidirectional character written as `\u{..}`, safe to print.
pub fn escape_hidden(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return text.into();
    }
    text.chars()
        .map(|c| {
            if is_hidden(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The one-pass check agrees with the line-by-line findings, whatever the pieces and
        /// wherever the line breaks fall.
        #[test]
        fn clean_means_no_line_has_a_finding(
            text in "(@everyone|@here|@heres|<@!?[0-9]{1,3}>|<#[0-9]>|discord\\.gg/x|discordapp\\.com/invite/|\n|\r|\t|\u{202E}|\u{200F}|\u{1b}|\u{85}|e|a| |@|<|#|/|x)*"
        ) {
            let by_line = text.split('\n').all(|l| findings(l).is_empty());
            prop_assert_eq!(is_clean(&text), by_line);
        }
    }

    #[test]
    fn each_kind_is_found_once_and_named() {
        assert!(findings("Plain text, e-mail help@example.org, tabs\tand\r\n").is_empty());
        let f = findings("\u{1b}[31mred\u{7} \u{202E}txt @everyone <@&123> discord.gg/abc");
        assert_eq!(f.len(), 4, "{f:?}");
        assert!(
            f[0].starts_with("control character U+001B (escape"),
            "{f:?}"
        );
        assert!(f[1].contains("U+202E (right-to-left override)"), "{f:?}");
        assert!(f[2].contains("`@everyone`"), "{f:?}");
        assert!(f[3].contains("`discord.gg/abc`"), "{f:?}");
        for s in [
            "@here",
            "<@123>",
            "<@!123>",
            "<@&123>",
            "<#123>",
            "@Everyone!",
        ] {
            assert_eq!(findings(s).len(), 1, "{s}");
        }
        for s in [
            "https://discord.com/invite/x-y",
            "DISCORDAPP.COM/invite/z",
            "see discord.gg/",
        ] {
            assert!(findings(s)[0].starts_with("Discord invite link"), "{s}");
        }
        for s in ["\u{85}", "\u{7f}", "\u{0}", "\u{9b}"] {
            assert!(findings(s)[0].starts_with("control character"), "{s:?}");
        }
        for s in [
            "\u{200E}", "\u{200F}", "\u{061C}", "\u{2066}", "\u{2069}", "\u{202A}",
        ] {
            assert!(findings(s)[0].starts_with("bidirectional"), "{s:?}");
        }
        // Not mentions or invites.
        assert!(findings("@herbs <@x> <#> discord.com/app").is_empty());
    }

    #[test]
    fn escaping_leaves_nothing_hidden() {
        assert_eq!(
            escape_hidden("a\u{1b}[2Jb\u{202E}c\td"),
            "a\\u{1b}[2Jb\\u{202e}c\td"
        );
        assert_eq!(escape_hidden("plain"), "plain");
    }
}
