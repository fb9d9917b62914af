//! Text normalisation before safety matching. Members type on phones: curly apostrophes, en
//! dashes, fullwidth letters, zero-width spaces, "pleeeease". Every one of those must reach the
//! patterns as the plain word, so matching runs on [`match_forms`] of the question, never on the
//! raw text.

use unicode_normalization::UnicodeNormalization;

/// The question as one line of plain lower-case text: NFKC, curly quotes and dashes made plain,
/// zero-width and bidi controls dropped, white space squeezed, letters repeated three or more
/// times cut to two.
pub fn normalise(text: &str) -> String {
    squeeze(&clean(text), 2)
}

/// The forms the patterns are matched against, each made of words separated by single spaces,
/// with apostrophes removed ("don't" -> "dont") and every other character that is not a letter
/// or digit made a space:
/// 1. the [`normalise`]d text;
/// 2. the same with letters repeated three or more times cut to one ("dieeee" -> "die");
/// 3. look-alike digits inside words read as letters and symbols inside words dropped ("k1ll",
///    "s*icide").
pub fn match_forms(text: &str) -> Vec<String> {
    let clean = clean(text);
    let two = squeeze(&clean, 2);
    let mut forms = vec![words(&two)];
    for form in [words(&cut_long_runs(&clean)), words(&unleet(&two))] {
        if !forms.contains(&form) {
            forms.push(form);
        }
    }
    forms
}

/// NFKC, plain quotes and dashes, no invisible characters, lower case, one kind of space.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkc() {
        let c = match c {
            // Zero-width characters, bidi controls, soft hyphen, variation selectors, BOM, tags.
            '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{E0000}'..='\u{E007F}' => continue,
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{2035}'
            | '\u{02B9}' | '\u{02BB}' | '\u{02BC}' | '\u{02BD}' | '`' | '\u{00B4}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{2036}'
            | '\u{00AB}' | '\u{00BB}' => '"',
            '\u{2010}'..='\u{2015}'
            | '\u{2212}'
            | '\u{FE58}'
            | '\u{FE63}'
            | '\u{2E3A}'
            | '\u{2E3B}' => '-',
            c if c.is_whitespace() || c.is_control() => ' ',
            c => c,
        };
        out.extend(c.to_lowercase());
    }
    out
}

/// Cuts every run of one letter longer than `max` to `max`; squeezes spaces; trims.
fn squeeze(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = None;
    let mut run = 0;
    for c in text.chars() {
        run = if Some(c) == last { run + 1 } else { 1 };
        last = Some(c);
        let limit = match c {
            ' ' => 1,
            c if c.is_alphabetic() => max,
            _ => usize::MAX,
        };
        if run <= limit {
            out.push(c);
        }
    }
    out.trim().to_string()
}

/// Runs of three or more of one letter become one letter; runs of two ("kill") stay.
fn cut_long_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let run = chars[i..].iter().take_while(|&&d| d == c).count();
        let keep = if c.is_alphabetic() && run >= 3 {
            1
        } else {
            run
        };
        out.extend(std::iter::repeat_n(c, keep));
        i += run;
    }
    squeeze(&out, usize::MAX)
}

/// Apostrophes removed; every other character that is not a letter or digit becomes one space.
fn words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\'' {
            continue;
        }
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim_end().to_string()
}

/// Inside a word that has letters, look-alike digits and symbols read as letters (1 -> i,
/// 3 -> e, 0 -> o, 4/@ -> a, 5/$ -> s, 7 -> t) and other symbols are dropped.
fn unleet(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if !word.chars().any(char::is_alphabetic) {
                return word.to_string();
            }
            word.chars()
                .filter_map(|c| match c {
                    '1' | '!' | '|' => Some('i'),
                    '3' => Some('e'),
                    '0' => Some('o'),
                    '4' | '@' => Some('a'),
                    '5' | '$' => Some('s'),
                    '7' => Some('t'),
                    '\'' => Some('\''),
                    c if c.is_alphanumeric() => Some(c),
                    _ => None,
                })
                .collect()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_typing_reaches_the_plain_words() {
        assert_eq!(
            match_forms("I don\u{2019}t want to live")[0],
            "i dont want to live"
        );
        assert_eq!(match_forms("self\u{2013}harm")[0], "self harm");
        assert_eq!(
            match_forms("\u{FF49} \u{FF57}\u{FF41}\u{FF4E}\u{FF54} \u{FF54}\u{FF4F} \u{FF44}\u{FF49}\u{FF45}")[0],
            "i want to die"
        );
        assert_eq!(match_forms("ki\u{200B}ll my\u{00AD}self")[0], "kill myself");
        assert_eq!(match_forms("I  WANT   to\tdie!!!")[0], "i want to die");
        assert!(match_forms("i want to dieeeee").contains(&"i want to die".to_string()));
        assert!(match_forms("i want to k1ll myself").contains(&"i want to kill myself".to_string()));
        assert!(match_forms("s*icide").contains(&"sicide".to_string()));
        // Double letters stay double in every form.
        assert!(match_forms("kill").iter().all(|f| f == "kill"));
    }

    #[test]
    fn normalise_keeps_meaningful_punctuation() {
        assert_eq!(
            normalise("Can\u{2019}t \u{201C}breathe\u{201D}"),
            "can't \"breathe\""
        );
        assert_eq!(normalise("pleeeease"), "pleease");
        assert_eq!(normalise(""), "");
        assert_eq!(match_forms("?!?")[0], "");
    }
}
