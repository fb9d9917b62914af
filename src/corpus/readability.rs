//! Reading grade: the Flesch-Kincaid US school grade of a text, which `cairn check` reports for
//! every article and limits (summary at most grade 9, body at most grade 10). NHS.uk and
//! MedlinePlus aim at grades 6 to 8; people with brain fog need short sentences and everyday
//! words.
//!
//! The rules, deliberately simple and stable: sentences end at `.`, `!` or `?` followed by a
//! space or the end; words are runs of letters, digits, apostrophes and inner hyphens that hold
//! a letter; syllables are groups of vowels (`a e i o u y`), less a final silent `e` (not
//! `-le`), at least one a word, each part of a hyphenated word counted.

/// The grade above which a summary fails `cairn check`.
pub const MAX_SUMMARY_GRADE: f64 = 9.0;
/// The grade above which a body fails `cairn check`.
pub const MAX_BODY_GRADE: f64 = 10.0;

/// The Flesch-Kincaid grade of `text` (0 for text without words).
pub fn grade(text: &str) -> f64 {
    let (sentences, words, syllables) = counts(text);
    if sentences == 0 || words == 0 {
        return 0.0;
    }
    0.39 * words as f64 / sentences as f64 + 11.8 * syllables as f64 / words as f64 - 15.59
}

/// The grade of several paragraphs read as one text.
pub fn grade_of<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> f64 {
    let (mut s, mut w, mut y) = (0, 0, 0);
    for p in paragraphs {
        let (a, b, c) = counts(p);
        s += a;
        w += b;
        y += c;
    }
    if s == 0 || w == 0 {
        return 0.0;
    }
    0.39 * w as f64 / s as f64 + 11.8 * y as f64 / w as f64 - 15.59
}

/// Sentences, words and syllables.
fn counts(text: &str) -> (usize, usize, usize) {
    let (mut sentences, mut words, mut syllables) = (0, 0, 0);
    let mut sentence_has_letter = false;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || ((chars[i] == '\'' || chars[i] == '\u{2019}' || chars[i] == '-')
                        && i + 1 < chars.len()
                        && chars[i + 1].is_alphanumeric()))
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if word.chars().any(char::is_alphabetic) {
                words += 1;
                syllables += syllables_in(&word);
                sentence_has_letter = true;
            }
            continue;
        }
        if matches!(c, '.' | '!' | '?') {
            let mut j = i;
            while j < chars.len() && matches!(chars[j], '.' | '!' | '?') {
                j += 1;
            }
            if j == chars.len() || chars[j].is_whitespace() {
                if sentence_has_letter {
                    sentences += 1;
                }
                sentence_has_letter = false;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    if sentence_has_letter {
        sentences += 1;
    }
    (sentences, words, syllables)
}

fn syllables_in(word: &str) -> usize {
    let mut total = 0;
    for part in word.split('-') {
        let letters: Vec<char> = part
            .chars()
            .filter(|c| c.is_ascii_alphabetic())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if letters.is_empty() {
            continue;
        }
        let vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
        let mut groups = 0;
        let mut prev = false;
        for &c in &letters {
            let v = vowel(c);
            if v && !prev {
                groups += 1;
            }
            prev = v;
        }
        let n = letters.len();
        let ends_e = letters[n - 1] == 'e';
        let ends_le = n >= 2 && letters[n - 2] == 'l' && ends_e;
        if ends_e && !ends_le && groups > 1 {
            groups -= 1;
        }
        total += groups.max(1);
    }
    total.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_documented_rules() {
        assert_eq!(counts("Rest helps. Pacing works!"), (2, 4, 5));
        assert_eq!(syllables_in("table"), 2);
        assert_eq!(syllables_in("make"), 1);
        assert_eq!(syllables_in("post-exertional"), 5);
        assert_eq!(syllables_in("ME"), 1);
        // A decimal point is not the end of a sentence; numbers are not words.
        assert_eq!(counts("About 2.5 million people."), (1, 3, 6));
    }

    #[test]
    fn plain_text_grades_low_and_dense_text_high() {
        let plain = "Most people rest when they feel tired. Short walks may help some. Stop if you feel worse.";
        let dense = "Post-exertional malaise constitutes a pathognomonic characteristic of myalgic encephalomyelitis, necessitating individualised energy-management interventions incorporating physiological monitoring.";
        assert!(grade(plain) < 6.0, "{}", grade(plain));
        assert!(grade(dense) > 16.0, "{}", grade(dense));
        assert_eq!(grade(""), 0.0);
        assert_eq!(grade("1 2 3."), 0.0);
    }
}
