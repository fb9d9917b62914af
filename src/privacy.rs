//! What cairn keeps about members and their questions, in plain words: one statement that
//! `/privacy`, `cairn privacy` and the README all show. Keep it true: the privacy test in
//! `tests/privacy.rs` checks the bytes the bot writes against it.

/// The privacy statement as (heading, text) pairs. `cooldown_secs` is the pause between one
/// member's questions.
pub fn statement(cooldown_secs: u64) -> Vec<(&'static str, String)> {
    vec![
        (
            "Your questions",
            "Never written down: not to a database, a file or a log, and not kept in memory either once it is answered. The buttons under an answer keep the answer you were shown (the articles and excerpts) in memory for 15 minutes, never your question; a restart forgets them at once.".into(),
        ),
        (
            "Who asked",
            format!("cairn never stores your user id with anything you asked or rated. To allow one vote per member per answer, a pause of {cooldown_secs} second(s) between questions, and only you to page your own public answer, it keeps a scrambled (keyed hash) form of your id in memory, for 15 minutes at most."),
        ),
        (
            "Feedback",
            "\"Helpful\" and \"Not helpful\" are counted per article in each server, so its moderators can see which articles need work. The counts never say who voted or what was asked.".into(),
        ),
        (
            "Logs",
            "The log records the command, the server id, how long the answer took and how many results it had. Never the question, never who asked.".into(),
        ),
        (
            "If you are struggling",
            "Replies to messages about crisis or self-harm are private to you. cairn tells the moderators only if you press \"Let a moderator know I could use support\", and even then it shares only that you asked for someone to reach out, never your message.".into(),
        ),
        (
            "Discord",
            "Your messages to cairn also pass through Discord, under Discord's own privacy policy. Private (ephemeral) replies are shown only to you.".into(),
        ),
    ]
}
