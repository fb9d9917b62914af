//! The custom ids of cairn's buttons: `cairn:<action>:<session>[:<offset>]`, parsed strictly.
//! Kept apart from the Discord code (protocol apart from logic), so the parser can be fuzzed and
//! tested without a Discord client.

/// A parsed button id.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    More {
        session: u64,
        offset: usize,
    },
    Vote {
        session: u64,
        offset: usize,
        helpful: bool,
    },
    Anyway {
        session: u64,
    },
    Support {
        session: u64,
    },
    /// A moderator's answer to "Remove this article?".
    Confirm {
        nonce: u64,
        yes: bool,
    },
}

pub fn parse_custom_id(id: &str) -> Option<Action> {
    let mut parts = id.split(':');
    if parts.next()? != "cairn" {
        return None;
    }
    let action = parts.next()?;
    let session = parts.next()?.parse().ok()?;
    let offset: usize = parts.next().map(str::parse).transpose().ok()?.unwrap_or(0);
    if parts.next().is_some() {
        return None;
    }
    match action {
        "more" => Some(Action::More { session, offset }),
        "helpful" => Some(Action::Vote {
            session,
            offset,
            helpful: true,
        }),
        "unhelpful" => Some(Action::Vote {
            session,
            offset,
            helpful: false,
        }),
        "anyway" => Some(Action::Anyway { session }),
        "support" => Some(Action::Support { session }),
        "remove-yes" | "remove-no" if offset == 0 => Some(Action::Confirm {
            nonce: session,
            yes: action == "remove-yes",
        }),
        _ => None,
    }
}

/// Whether a button's custom id is one of cairn's (parsed strictly, as on every press).
pub fn is_cairn_button(custom_id: &str) -> bool {
    parse_custom_id(custom_id).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_parse_strictly() {
        assert_eq!(
            parse_custom_id("cairn:more:7:3"),
            Some(Action::More {
                session: 7,
                offset: 3
            })
        );
        assert_eq!(
            parse_custom_id("cairn:unhelpful:7:3"),
            Some(Action::Vote {
                session: 7,
                offset: 3,
                helpful: false
            })
        );
        assert_eq!(
            parse_custom_id("cairn:anyway:9"),
            Some(Action::Anyway { session: 9 })
        );
        assert_eq!(
            parse_custom_id("cairn:support:9"),
            Some(Action::Support { session: 9 })
        );
        for bad in [
            "",
            "cairn",
            "other:more:1:2",
            "cairn:more:x:1",
            "cairn:more:1:2:3",
            "cairn:boom:1",
        ] {
            assert_eq!(parse_custom_id(bad), None, "{bad}");
        }
    }
}
