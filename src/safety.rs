//! Safety checks that run on a question before any search: crisis language (suicide, self-harm)
//! and emergency symptoms (chest pain, stroke, severe allergic reaction), and the helplines to
//! offer for a country. Pure functions over text; no I/O.

use regex::{Regex, RegexSet};
use serde::Serialize;
use std::sync::LazyLock;

static CRISIS: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\bsuicid",
        r"(?i)\bkill(ing)?\s+my\s?self\b",
        r"(?i)\b(end|ending|take|taking)\s+my\s+(own\s+)?life\b",
        r"(?i)\bwant(ed)?\s+to\s+die\b|\bwanna\s+die\b|\bwish\s+i\s+(was|were)\s+dead\b",
        r"(?i)\bbetter\s+off\s+dead\b|\bno\s+reason\s+to\s+(live|go\s+on)\b",
        r"(?i)\bself[\s-]?harm|\bhurt(ing)?\s+my\s?self\b|\bcut(ting)?\s+my\s?self\b",
        r"(?i)\b(want|going|wanna|gonna|ready|just)\s+to\s+end\s+it\b|\bend\s+it\s+all\b",
        r"(?i)\b(don'?t|do\s+not)\s+want\s+to\s+(be\s+alive|live|wake\s+up)\b",
    ])
    .expect("crisis patterns are valid")
});

static EMERGENCY: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (
            r"(?i)\bchest\s+(pain|tightness|pressure)\b|\bpain\s+in\s+my\s+chest\b|\bheart\s+attack\b",
            "chest pain",
        ),
        (
            r"(?i)\bstroke\b|\bface\s+(is\s+)?droop|\bslurred\s+speech\b|\bone\s+side\s+of\s+my\s+(face|body)\b",
            "signs of a stroke",
        ),
        (
            r"(?i)\banaphyla|\bthroat\s+(is\s+)?(swelling|closing)\b|\bsevere\s+allergic\b|\bcan'?t\s+breathe\b|\bcannot\s+breathe\b",
            "a severe allergic reaction or trouble breathing",
        ),
    ]
    .into_iter()
    .map(|(p, what)| (Regex::new(p).expect("emergency patterns are valid"), what))
    .collect()
});

/// Whether the text contains crisis language. False positives are expected: callers offer the
/// normal results too, behind a button, instead of refusing.
pub fn is_crisis(text: &str) -> bool {
    CRISIS.is_match(text)
}

/// What emergency the text mentions, if any ("chest pain", ...).
pub fn emergency(text: &str) -> Option<&'static str> {
    EMERGENCY
        .iter()
        .find(|(re, _)| re.is_match(text))
        .map(|(_, what)| *what)
}

/// A helpline to show in a crisis reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Helpline {
    pub name: &'static str,
    pub contact: &'static str,
}

/// The helplines for an ISO 3166 country code (`GB`, `IE`, `US`, `CA`, `AU`, `NZ`); any other or
/// no country gets the international directory.
pub fn helplines(country: Option<&str>) -> Vec<Helpline> {
    let directory = Helpline {
        name: "Find A Helpline (international directory)",
        contact: "https://findahelpline.com",
    };
    let local = match country.map(|c| c.trim().to_ascii_uppercase()).as_deref() {
        Some("GB" | "UK" | "IE") => Some(Helpline {
            name: "Samaritans",
            contact: "call 116 123",
        }),
        Some("US") => Some(Helpline {
            name: "988 Suicide & Crisis Lifeline",
            contact: "call or text 988",
        }),
        Some("CA") => Some(Helpline {
            name: "9-8-8 Suicide Crisis Helpline",
            contact: "call or text 988",
        }),
        Some("AU") => Some(Helpline {
            name: "Lifeline",
            contact: "call 13 11 14",
        }),
        Some("NZ") => Some(Helpline {
            name: "Need to talk?",
            contact: "call or text 1737",
        }),
        _ => None,
    };
    local
        .into_iter()
        .chain(std::iter::once(directory))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crisis_language_is_caught() {
        for q in [
            "I want to die, nothing helps",
            "thinking about suicide",
            "I just want to end it",
            "been self-harming again",
            "I don't want to wake up anymore",
        ] {
            assert!(is_crisis(q), "{q}");
        }
        for q in [
            "why do I crash after exercise",
            "does the fatigue ever end",
            "my cat died last year",
        ] {
            assert!(!is_crisis(q), "{q}");
        }
    }

    #[test]
    fn emergencies_are_named() {
        assert_eq!(
            emergency("sudden chest pain when standing"),
            Some("chest pain")
        );
        assert_eq!(
            emergency("my face is drooping and slurred speech"),
            Some("signs of a stroke")
        );
        assert_eq!(emergency("is brain fog normal"), None);
    }

    #[test]
    fn helplines_by_country() {
        assert_eq!(helplines(Some("gb"))[0].contact, "call 116 123");
        assert_eq!(helplines(Some("US"))[0].contact, "call or text 988");
        let other = helplines(Some("FR"));
        assert_eq!(other.len(), 1);
        assert_eq!(other[0].contact, "https://findahelpline.com");
        assert_eq!(helplines(None).len(), 1);
    }
}
