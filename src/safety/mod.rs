//! Safety screening that runs on a question before any search: crisis language (suicidal
//! thoughts, self-harm, asking for the means, past acts) and medical emergencies happening now,
//! and the helplines to offer. The rules are data, in `corpus/safety.toml`, reviewed like the
//! articles; a copy is compiled into the binary, so screening can never be switched off by a
//! missing or broken file. One value, [`Screening`], tells every renderer what to do.
//! Pure functions over text, plus an optional sentence encoder as a second net; no I/O but
//! reading the rules file.

mod normalise;
mod rules;

pub use normalise::{match_forms, normalise};
pub use rules::{Helpline, RulesError};

use crate::corpus::Problem;
use crate::search::semantic::{cosine, Encoder};
use regex::{Regex, RegexSet};
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;

/// The rules shipped with cairn (`corpus/safety.toml` at build time).
pub const BUNDLED_RULES: &str = include_str!("../../corpus/safety.toml");

/// The encoder's net judges only questions of at least this many words once exception phrases
/// are taken out: "I want to die my hair" leaves "i want to", too little meaning to judge (the
/// lexical rules still run on everything).
const MIN_NET_WORDS: usize = 4;

/// What the safety check found in a question. Holds no question text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Screening {
    /// Crisis language: the reply leads with helplines, privately, and the search is withheld
    /// unless the member asks for it.
    pub crisis: bool,
    /// The question asks for the means of self-harm: it never gets search results, not even
    /// when the member asks.
    pub means: bool,
    /// Which rule group caught the crisis (`semantic` for the encoder's net).
    pub crisis_group: Option<String>,
    /// A medical emergency happening now.
    pub emergency: Option<Emergency>,
}

impl Screening {
    /// Whether the member may see search results after pressing "show results anyway".
    pub fn results_on_request(&self) -> bool {
        !self.means
    }
}

/// An emergency rule that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Emergency {
    pub group: String,
    /// Completes "If you or someone near you has ... now".
    pub what: String,
}

/// Compiled safety rules, with the encoder's second net when one is loaded.
pub struct Safety {
    crisis: Matcher,
    emergency: Matcher,
    /// Per crisis group: is it a `means` group, its name.
    crisis_groups: Vec<(String, bool)>,
    /// Per emergency group: its name and `what`.
    emergency_groups: Vec<(String, String)>,
    exceptions: Option<Regex>,
    helplines: Vec<Helpline>,
    semantic_examples: Vec<String>,
    threshold: f32,
    net: Option<Net>,
}

/// Patterns of several groups in one set; `group[i]` is the group of pattern `i`.
struct Matcher {
    set: RegexSet,
    group: Vec<usize>,
}

impl Matcher {
    /// The groups matched in any of the forms, in group order.
    fn groups(&self, forms: &[String]) -> Vec<usize> {
        let mut out: Vec<usize> = forms
            .iter()
            .flat_map(|f| self.set.matches(f).into_iter().map(|i| self.group[i]))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

struct Net {
    encoder: Arc<Encoder>,
    examples: Vec<Vec<f32>>,
}

impl Net {
    /// The highest similarity of an embedded question to a crisis example.
    fn closest(&self, q: &[f32]) -> f32 {
        self.examples
            .iter()
            .map(|e| cosine(q, e))
            .fold(f32::MIN, f32::max)
    }
}

/// What the net embeds of a masked question: its words without the blanked-out exception
/// phrases, or `None` when too few are left to judge.
fn net_input(masked: &str) -> Option<String> {
    let words: Vec<&str> = masked.split(' ').filter(|w| *w != "_").collect();
    (words.len() >= MIN_NET_WORDS).then(|| words.join(" "))
}

impl Safety {
    /// The rules compiled into the binary.
    pub fn bundled() -> Safety {
        match rules::compile(Path::new("corpus/safety.toml"), BUNDLED_RULES) {
            Ok(s) => s,
            // A unit test compiles the bundled rules; this cannot be reached in a tested build.
            Err(problems) => panic!("the bundled safety rules are invalid: {problems:?}"),
        }
    }

    /// Parses a rules file's text; every problem is reported with its line.
    pub fn parse(path: &Path, text: &str) -> Result<Safety, Vec<Problem>> {
        rules::compile(path, text)
    }

    /// The rules of a library folder (`safety.toml`). A missing file means the bundled rules; a
    /// broken one also falls back to them, and its problems are returned so that `cairn check`
    /// and the log show them. Screening is never off.
    pub fn load(corpus_dir: &Path) -> (Safety, Vec<Problem>) {
        let path = corpus_dir.join("safety.toml");
        match crate::corpus::read_data_file(&path) {
            Ok(None) => (Safety::bundled(), Vec::new()),
            Ok(Some(text)) => match rules::compile(&path, &text) {
                Ok(s) => (s, Vec::new()),
                Err(problems) => (Safety::bundled(), problems),
            },
            Err(mut problem) => {
                problem
                    .message
                    .push_str("; the bundled safety rules are used");
                (Safety::bundled(), vec![problem])
            }
        }
    }

    /// Adds the second net: similarity to the crisis examples, with the sentence encoder.
    pub fn with_encoder(mut self, encoder: Arc<Encoder>) -> Safety {
        let examples = self
            .semantic_examples
            .iter()
            .map(|e| encoder.embed(e))
            .collect();
        self.net = Some(Net { encoder, examples });
        self
    }

    /// Whether the encoder's second net is on.
    pub fn has_semantic_net(&self) -> bool {
        self.net.is_some()
    }

    /// The similarity above which the second net calls a question a crisis.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// The highest similarity of the question to a crisis example (`None` without an encoder).
    /// The question is compared with its exception phrases taken out, so that "die my hair"
    /// is no closer to a crisis for the encoder than for the rules.
    pub fn similarity(&self, question: &str) -> Option<f32> {
        self.net_similarity(&self.masked_forms(question)[0])
    }

    /// The encoder net's similarity for the first (plain) masked form of a question.
    fn net_similarity(&self, masked: &str) -> Option<f32> {
        let net = self.net.as_ref()?;
        Some(match net_input(masked) {
            Some(text) => net.closest(&net.encoder.embed(&text)),
            None => 0.0,
        })
    }

    /// Screens a question. Lexical rules always run; the encoder's net can only add a crisis.
    pub fn screen(&self, question: &str) -> Screening {
        self.screen_along(question, None).0
    }

    /// [`Safety::screen`], and with the encoder's net on, the embedding of `also` from the
    /// same forward pass as the net's (the question itself, for search: one pass instead of
    /// two). `None` without the net, or without `also`.
    pub fn screen_along(
        &self,
        question: &str,
        also: Option<&str>,
    ) -> (Screening, Option<Vec<f32>>) {
        let forms = self.masked_forms(question);
        let mut out = self.screen_forms(&forms);
        let Some(net) = self.net.as_ref() else {
            return (out, None);
        };
        // A crisis the rules caught needs no second look, and an empty question has no meaning.
        let judge = !out.crisis && !question.trim().is_empty();
        let input = if judge { net_input(&forms[0]) } else { None };
        let texts: Vec<&str> = input.as_deref().into_iter().chain(also).collect();
        let mut embedded = net.encoder.embed_many(&texts).into_iter();
        let sim = match input {
            Some(_) => embedded.next().map_or(0.0, |q| net.closest(&q)),
            None => 0.0,
        };
        if judge && sim >= self.threshold {
            out.crisis = true;
            out.crisis_group = Some("semantic".into());
        }
        (out, embedded.next())
    }

    /// The rules alone, without the encoder's net: microseconds, cheap enough to run before a
    /// reply is deferred.
    pub fn screen_lexical(&self, question: &str) -> Screening {
        self.screen_forms(&self.masked_forms(question))
    }

    /// The question's match forms with every exception phrase blanked out (never empty: the
    /// first is the plain form).
    fn masked_forms(&self, question: &str) -> Vec<String> {
        match_forms(question)
            .into_iter()
            .map(|f| self.mask(&f))
            .collect()
    }

    /// The rules over already masked forms.
    fn screen_forms(&self, forms: &[String]) -> Screening {
        let mut out = Screening::default();
        let crisis = self.crisis.groups(forms);
        if let Some(&first) = crisis.first() {
            out.crisis = true;
            out.means = crisis.iter().any(|&g| self.crisis_groups[g].1);
            let shown = crisis
                .iter()
                .find(|&&g| self.crisis_groups[g].1)
                .unwrap_or(&first);
            out.crisis_group = Some(self.crisis_groups[*shown].0.clone());
        }
        if let Some(&g) = self.emergency.groups(forms).first() {
            let (group, what) = &self.emergency_groups[g];
            out.emergency = Some(Emergency {
                group: group.clone(),
                what: what.clone(),
            });
        }
        out
    }

    /// The text with every exception phrase blanked out.
    fn mask(&self, form: &str) -> String {
        match &self.exceptions {
            Some(re) => {
                let masked = re.replace_all(form, " _ ");
                masked.split_whitespace().collect::<Vec<_>>().join(" ")
            }
            None => form.to_string(),
        }
    }

    /// The helplines for an ISO 3166 country code (`GB`, `IE`, `US`, `CA`, `AU`, `NZ`): that
    /// country's first, then the international directory. Any other or no country gets the
    /// directory alone.
    pub fn helplines(&self, country: Option<&str>) -> Vec<Helpline> {
        let country = country.map(|c| c.trim().to_ascii_uppercase());
        let local = self.helplines.iter().filter(|h| {
            country
                .as_deref()
                .is_some_and(|c| h.countries.iter().any(|k| k == c))
        });
        let directory = self
            .helplines
            .iter()
            .filter(|h| h.countries.iter().any(|k| k == "*"));
        local.chain(directory).cloned().collect()
    }

    /// The emergency number for a country, when the rules know it.
    pub fn emergency_number(&self, country: Option<&str>) -> Option<String> {
        let country = country?.trim().to_ascii_uppercase();
        self.helplines
            .iter()
            .find(|h| h.countries.contains(&country))
            .and_then(|h| h.emergency.clone())
    }

    /// Helplines whose `checked` date is more than `max_days` before `today`.
    pub fn stale_helplines(&self, today: chrono::NaiveDate, max_days: i64) -> Vec<&Helpline> {
        self.helplines
            .iter()
            .filter(|h| (today - h.checked).num_days() > max_days)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Safety {
        Safety::bundled()
    }

    #[test]
    fn bundled_rules_compile() {
        let (s, problems) = Safety::load(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("corpus")
                .as_path(),
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert!(s.crisis_groups.iter().any(|(_, means)| *means));
        assert!(!s.emergency_groups.is_empty());
    }

    #[test]
    fn crisis_and_means_are_told_apart() {
        let s = bundled();
        let a = s.screen("I want to die, nothing helps");
        assert!(a.crisis && !a.means, "{a:?}");
        let b = s.screen("what's the lethal dose of amitriptyline");
        assert!(b.crisis && b.means, "{b:?}");
        assert!(!b.results_on_request());
        let c = s.screen("why do I crash after exercise");
        assert_eq!(c, Screening::default());
    }

    #[test]
    fn exceptions_do_not_hide_what_follows() {
        let s = bundled();
        assert!(!s.screen("I want to die my hair purple").crisis);
        assert!(!s.screen("cutting myself some slack this week").crisis);
        assert!(
            s.screen("cutting myself some slack is hard when i want to die")
                .crisis
        );
    }

    #[test]
    fn emergencies_are_named() {
        let s = bundled();
        let e = s.screen("sudden crushing pain in my chest going down my arm");
        assert_eq!(e.emergency.map(|e| e.group).as_deref(), Some("chest-pain"));
        let e = s.screen("my face is drooping and slurred speech");
        assert_eq!(e.emergency.map(|e| e.group).as_deref(), Some("stroke"));
        assert_eq!(s.screen("is brain fog normal").emergency, None);
    }

    #[test]
    fn helplines_by_country() {
        let s = bundled();
        let gb = s.helplines(Some("gb"));
        assert_eq!(gb[0].contact, "call 116 123 (free, any time)");
        assert_eq!(
            gb.last().map(|h| h.page.as_str()),
            Some("https://findahelpline.com")
        );
        assert_eq!(s.helplines(Some("US"))[0].contact, "call or text 988");
        let other = s.helplines(Some("FR"));
        assert_eq!(other.len(), 1);
        assert_eq!(other[0].contact, "https://findahelpline.com");
        assert_eq!(s.helplines(None).len(), 1);
        assert_eq!(s.emergency_number(Some("nz")).as_deref(), Some("111"));
        assert_eq!(s.emergency_number(Some("FR")), None);
    }
}
