//! Per-server settings: their names, what each accepts, their safe defaults, and the resolved
//! [`ServerSettings`] every question is answered with. Values are validated here, once, for
//! `/config set` and `cairn config set` alike; the store keeps only validated text.

use crate::answer::DEFAULT_DISCLAIMER;
use crate::corpus::Condition;
use std::collections::BTreeMap;
use std::time::Duration;

/// The longest disclaimer a server may write (it must fit an embed footer with room to spare).
pub const MAX_DISCLAIMER: usize = 500;

/// One setting: its name, what it accepts, and its default, as `/config` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    pub name: &'static str,
    pub accepts: &'static str,
    pub default: &'static str,
}

/// Every setting, in the order `/config show` lists them.
pub const SETTINGS: &[Setting] = &[
    Setting {
        name: "disclaimer",
        accepts: "text, 1 to 500 characters (it may be reworded, never emptied)",
        default: "the standard disclaimer",
    },
    Setting {
        name: "moderator-roles",
        accepts: "role mentions or ids, separated by spaces or commas, or `none`",
        default: "none (members with Manage Messages moderate)",
    },
    Setting {
        name: "channels",
        accepts: "channel mentions or ids, separated by spaces or commas, or `all`",
        default: "all",
    },
    Setting {
        name: "focus",
        accepts: "conditions (mecfs, fibromyalgia, long-covid, ibs, sibo, pots, gut-health, general), or `none`",
        default: "none",
    },
    Setting {
        name: "citations",
        accepts: "a number from 1 to 5",
        default: "3",
    },
    Setting {
        name: "answers",
        accepts: "`public` or `private`",
        default: "public",
    },
    Setting {
        name: "helpline-country",
        accepts: "a two-letter country code such as GB, IE, US, CA, AU, NZ",
        default: "none (international directory)",
    },
    Setting {
        name: "cooldown",
        accepts: "seconds between a member's questions, 0 to 600",
        default: "10",
    },
    Setting {
        name: "shared-library",
        accepts: "`on` or `off` (whether the shared library is searched beside this server's articles)",
        default: "on",
    },
];

/// Why a setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("there is no setting `{name}`. Settings: {}", names())]
    Unknown { name: String },
    #[error("`{value}` is not a valid value for `{name}`: it accepts {accepts}")]
    Invalid {
        name: &'static str,
        value: String,
        accepts: &'static str,
    },
}

fn names() -> String {
    SETTINGS
        .iter()
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Looks a setting up by name (case-insensitive, `_` accepted for `-`).
pub fn setting(name: &str) -> Result<&'static Setting, SettingError> {
    let wanted = name.trim().to_ascii_lowercase().replace('_', "-");
    SETTINGS
        .iter()
        .find(|s| s.name == wanted)
        .ok_or_else(|| SettingError::Unknown { name: shown(name) })
}

/// User text inside an error message: at most 60 characters, no line breaks.
fn shown(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    crate::answer::truncate_words(one_line.trim(), 60)
}

/// Validates `value` for `name` and returns the setting's name and the value to store (in a
/// normal form: trimmed, ids only, lower case where case does not matter).
pub fn validate(name: &str, value: &str) -> Result<(&'static str, String), SettingError> {
    let s = setting(name)?;
    let value = value.trim();
    let invalid = || SettingError::Invalid {
        name: s.name,
        value: shown(value),
        accepts: s.accepts,
    };
    let normal = match s.name {
        "disclaimer" => {
            let chars = value.chars().count();
            if chars == 0
                || chars > MAX_DISCLAIMER
                || !crate::corpus::hostile::findings(value).is_empty()
            {
                return Err(invalid());
            }
            value.to_string()
        }
        "moderator-roles" | "channels" => {
            let none = if s.name == "channels" { "all" } else { "none" };
            if value.eq_ignore_ascii_case(none) {
                none.to_string()
            } else {
                let ids = parse_ids(value).ok_or_else(invalid)?;
                ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
            }
        }
        "focus" => {
            if value.eq_ignore_ascii_case("none") {
                "none".to_string()
            } else {
                let mut keys = Vec::new();
                for word in split_list(value) {
                    let c = condition(word).ok_or_else(invalid)?;
                    if !keys.contains(&c.key()) {
                        keys.push(c.key());
                    }
                }
                if keys.is_empty() {
                    return Err(invalid());
                }
                keys.join(",")
            }
        }
        "citations" => match value.parse::<u8>() {
            Ok(n @ 1..=5) => n.to_string(),
            _ => return Err(invalid()),
        },
        "answers" => match value.to_ascii_lowercase().as_str() {
            v @ ("public" | "private") => v.to_string(),
            _ => return Err(invalid()),
        },
        "helpline-country" => {
            let v = value.to_ascii_uppercase();
            if v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase()) {
                v
            } else {
                return Err(invalid());
            }
        }
        "cooldown" => match value.trim_end_matches('s').trim().parse::<u16>() {
            Ok(n @ 0..=600) => n.to_string(),
            _ => return Err(invalid()),
        },
        "shared-library" => match value.to_ascii_lowercase().as_str() {
            "on" | "yes" | "true" => "on".to_string(),
            "off" | "no" | "false" => "off".to_string(),
            _ => return Err(invalid()),
        },
        _ => unreachable!("every setting in SETTINGS is validated"),
    };
    Ok((s.name, normal))
}

/// A condition by its key or its label ("long-covid", "ME/CFS").
pub(crate) fn condition(word: &str) -> Option<Condition> {
    Condition::ALL
        .iter()
        .copied()
        .find(|c| c.key().eq_ignore_ascii_case(word) || c.label().eq_ignore_ascii_case(word))
}

fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
}

/// Ids from `<@&123>`, `<#123>` or `123`, separated by commas or spaces; `None` if any is not
/// one of those, or there are none, or more than 25.
fn parse_ids(value: &str) -> Option<Vec<u64>> {
    let mut ids = Vec::new();
    for word in split_list(value) {
        let digits = word
            .strip_prefix("<@&")
            .or_else(|| word.strip_prefix("<#"))
            .and_then(|w| w.strip_suffix('>'))
            .unwrap_or(word);
        let id: u64 = digits.parse().ok().filter(|&n| n > 0)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    (!ids.is_empty() && ids.len() <= 25).then_some(ids)
}

/// A server's settings, resolved: stored values over the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerSettings {
    /// `None`: the standard disclaimer.
    pub disclaimer: Option<String>,
    pub moderator_roles: Vec<u64>,
    /// Empty: every channel.
    pub channels: Vec<u64>,
    pub focus: Vec<Condition>,
    pub citations: usize,
    pub private_answers: bool,
    pub country: Option<String>,
    pub cooldown: Duration,
    pub shared_library: bool,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            disclaimer: None,
            moderator_roles: Vec::new(),
            channels: Vec::new(),
            focus: Vec::new(),
            citations: 3,
            private_answers: false,
            country: None,
            cooldown: Duration::from_secs(10),
            shared_library: true,
        }
    }
}

impl ServerSettings {
    /// Resolves stored values over `base` (the process-wide defaults). A stored value that no
    /// longer validates (an older version's) is ignored, and the default holds.
    pub fn resolve(stored: &BTreeMap<String, String>, base: &ServerSettings) -> ServerSettings {
        let mut out = base.clone();
        for (name, value) in stored {
            let Ok((name, v)) = validate(name, value) else {
                continue;
            };
            let ids =
                |v: &str| -> Vec<u64> { v.split(',').filter_map(|x| x.parse().ok()).collect() };
            match name {
                "disclaimer" => out.disclaimer = Some(v),
                "moderator-roles" => out.moderator_roles = ids(&v),
                "channels" => out.channels = ids(&v),
                "focus" => {
                    out.focus = v.split(',').filter_map(condition).collect();
                }
                "citations" => out.citations = v.parse().unwrap_or(3),
                "answers" => out.private_answers = v == "private",
                "helpline-country" => out.country = Some(v),
                "cooldown" => out.cooldown = Duration::from_secs(v.parse().unwrap_or(10)),
                "shared-library" => out.shared_library = v == "on",
                _ => {}
            }
        }
        out
    }

    /// Whether cairn answers in this channel.
    pub fn answers_in(&self, channel: u64) -> bool {
        self.channels.is_empty() || self.channels.contains(&channel)
    }

    /// Each setting's current value as `/config show` lists it (mentions for roles and
    /// channels, which Discord renders without pinging).
    pub fn shown(&self) -> Vec<(&'static str, String)> {
        let list = |ids: &[u64], fmt: fn(u64) -> String, empty: &str| {
            if ids.is_empty() {
                empty.to_string()
            } else {
                ids.iter().map(|&i| fmt(i)).collect::<Vec<_>>().join(" ")
            }
        };
        vec![
            (
                "disclaimer",
                self.disclaimer
                    .clone()
                    .unwrap_or_else(|| DEFAULT_DISCLAIMER.to_string()),
            ),
            (
                "moderator-roles",
                list(&self.moderator_roles, |i| format!("<@&{i}>"), "none"),
            ),
            (
                "channels",
                list(&self.channels, |i| format!("<#{i}>"), "all"),
            ),
            (
                "focus",
                if self.focus.is_empty() {
                    "none".to_string()
                } else {
                    self.focus
                        .iter()
                        .map(|c| c.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            ),
            ("citations", self.citations.to_string()),
            (
                "answers",
                if self.private_answers {
                    "private"
                } else {
                    "public"
                }
                .to_string(),
            ),
            (
                "helpline-country",
                self.country
                    .clone()
                    .unwrap_or_else(|| "none (international directory)".to_string()),
            ),
            ("cooldown", format!("{} s", self.cooldown.as_secs())),
            (
                "shared-library",
                if self.shared_library { "on" } else { "off" }.to_string(),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_validated_and_normalised() {
        assert_eq!(
            validate("citations", " 4 ").unwrap(),
            ("citations", "4".into())
        );
        assert!(validate("citations", "0").is_err());
        assert!(validate("citations", "6").is_err());
        assert_eq!(
            validate("moderator_roles", "<@&12>, 34 <@&12>").unwrap().1,
            "12,34"
        );
        assert!(validate("moderator-roles", "@everyone").is_err());
        assert_eq!(validate("channels", "ALL").unwrap().1, "all");
        assert_eq!(validate("focus", "ME/CFS, pots").unwrap().1, "mecfs,pots");
        assert!(validate("focus", "cancer").is_err());
        assert_eq!(validate("helpline-country", "gb").unwrap().1, "GB");
        assert!(validate("helpline-country", "GBR").is_err());
        assert!(validate("disclaimer", "   ").is_err());
        assert!(validate("disclaimer", &"x".repeat(501)).is_err());
        assert_eq!(validate("shared-library", "OFF").unwrap().1, "off");
        assert_eq!(validate("cooldown", "30s").unwrap().1, "30");
    }

    #[test]
    fn unknown_settings_list_what_exists() {
        let e = validate("colour", "red").unwrap_err().to_string();
        assert!(e.contains("colour") && e.contains("citations") && e.contains("shared-library"));
        let e = validate("answers", "loud").unwrap_err().to_string();
        assert!(e.contains("`public` or `private`"), "{e}");
    }

    #[test]
    fn stored_values_resolve_over_defaults() {
        let mut stored = BTreeMap::new();
        stored.insert("citations".to_string(), "5".to_string());
        stored.insert("answers".to_string(), "private".to_string());
        stored.insert("focus".to_string(), "pots,mecfs".to_string());
        stored.insert("citations-old".to_string(), "x".to_string());
        let s = ServerSettings::resolve(&stored, &ServerSettings::default());
        assert_eq!(s.citations, 5);
        assert!(s.private_answers);
        assert_eq!(s.focus, vec![Condition::Pots, Condition::Mecfs]);
        assert!(s.shared_library);
        assert!(s.answers_in(99));
    }
}
