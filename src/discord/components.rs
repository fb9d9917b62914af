//! Buttons under an answer ("More results", "Helpful", "Not helpful", and "Show library
//! results" after a crisis reply), and the short-lived sessions they refer to. A session holds
//! the question for 15 minutes (as long as Discord lets a reply be edited), in memory only and
//! never with a user id; votes are de-duplicated by a salted hash.

use super::commands::{ask_options, SORRY};
use super::render;
use super::{Data, Error};
use crate::answer::Answer;
use crate::corpus::Condition;
use poise::serenity_prelude as serenity;
use serenity::{
    ComponentInteraction, CreateInteractionResponse, CreateInteractionResponseMessage,
    EditInteractionResponse, FullEvent, Interaction,
};
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const SESSION_TTL: Duration = Duration::from_secs(15 * 60);
const MAX_SESSIONS: usize = 10_000;

/// A question asked, kept so its buttons can page and vote.
#[derive(Debug, Clone)]
pub struct Session {
    pub question: String,
    pub condition: Option<Condition>,
}

struct Entry {
    session: Session,
    created: Instant,
    /// Article ids shown on each page, by offset (what a vote counts for).
    pages: HashMap<usize, Vec<String>>,
}

#[derive(Default)]
pub struct Sessions {
    inner: Mutex<SessionsInner>,
    salt: std::collections::hash_map::RandomState,
}

#[derive(Default)]
struct SessionsInner {
    next: u64,
    entries: HashMap<u64, Entry>,
    votes: HashSet<u64>,
}

impl Sessions {
    pub fn insert(&self, session: Session) -> u64 {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .entries
            .retain(|_, e| e.created.elapsed() < SESSION_TTL);
        if inner.entries.is_empty() {
            inner.votes.clear();
        }
        if inner.entries.len() >= MAX_SESSIONS {
            if let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, e)| e.created)
                .map(|(k, _)| *k)
            {
                inner.entries.remove(&oldest);
            }
        }
        inner.next += 1;
        let id = inner.next;
        inner.entries.insert(
            id,
            Entry {
                session,
                created: Instant::now(),
                pages: HashMap::new(),
            },
        );
        id
    }

    pub fn get(&self, id: u64) -> Option<Session> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .entries
            .get(&id)
            .filter(|e| e.created.elapsed() < SESSION_TTL)
            .map(|e| e.session.clone())
    }

    pub fn remember_page(&self, id: u64, offset: usize, answer: &Answer) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = inner.entries.get_mut(&id) {
            e.pages.insert(
                offset,
                answer
                    .citations
                    .iter()
                    .map(|c| c.article_id.clone())
                    .collect(),
            );
        }
    }

    pub fn page(&self, id: u64, offset: usize) -> Option<Vec<String>> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.entries.get(&id)?.pages.get(&offset).cloned()
    }

    /// Records that `user` voted on this page; false if they already had.
    pub fn first_vote(&self, id: u64, offset: usize, user: u64) -> bool {
        let key = self.salt.hash_one((id, offset, user));
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.votes.insert(key)
    }
}

impl Data {
    /// Runs the core's `ask` on the blocking pool.
    pub async fn ask(
        &self,
        s: &Session,
        offset: usize,
        acknowledged: bool,
    ) -> Result<Answer, Error> {
        let lib = self.library.clone();
        let question = s.question.clone();
        let opts = ask_options(self.country.clone(), s.condition, offset, acknowledged);
        let answer = tokio::task::spawn_blocking(move || lib.ask(&question, &opts)).await??;
        Ok(answer)
    }
}

/// A parsed button id.
#[derive(Debug, PartialEq, Eq)]
enum Action {
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
}

fn parse_custom_id(id: &str) -> Option<Action> {
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
        _ => None,
    }
}

/// poise's event hook: handles cairn's buttons; every other event is ignored.
pub async fn on_event(
    framework: poise::FrameworkContext<'_, Data, Error>,
    event: &FullEvent,
) -> Result<(), Error> {
    let FullEvent::InteractionCreate {
        interaction: Interaction::Component(press),
    } = event
    else {
        return Ok(());
    };
    let Some(action) = parse_custom_id(&press.data.custom_id) else {
        return Ok(());
    };
    let ctx = framework.serenity_context;
    let data = framework.user_data;
    if let Err(e) = on_button(ctx, data, press, action).await {
        tracing::error!("button failed: {e}");
        let reply = EditInteractionResponse::new()
            .content(SORRY)
            .allowed_mentions(render::no_mentions());
        if press.edit_response(&ctx.http, reply).await.is_err() {
            let msg = CreateInteractionResponseMessage::new()
                .content(SORRY)
                .ephemeral(true)
                .allowed_mentions(render::no_mentions());
            let _ = press
                .create_response(&ctx.http, CreateInteractionResponse::Message(msg))
                .await;
        }
    }
    Ok(())
}

async fn on_button(
    ctx: &serenity::Context,
    data: &Data,
    press: &ComponentInteraction,
    action: Action,
) -> Result<(), Error> {
    let session_id = match action {
        Action::More { session, .. }
        | Action::Vote { session, .. }
        | Action::Anyway { session } => session,
    };
    let Some(session) = data.sessions.get(session_id) else {
        let msg = CreateInteractionResponseMessage::new()
            .content("These results have expired. Please ask again with /ask.")
            .ephemeral(true)
            .allowed_mentions(render::no_mentions());
        press
            .create_response(&ctx.http, CreateInteractionResponse::Message(msg))
            .await?;
        return Ok(());
    };
    match action {
        Action::More { offset, .. } => {
            // Acknowledge now (type 6), then edit the message in place with the next page.
            press
                .create_response(&ctx.http, CreateInteractionResponse::Acknowledge)
                .await?;
            show_page(ctx, data, press, session_id, &session, offset, false).await?;
        }
        Action::Vote {
            offset, helpful, ..
        } => {
            press
                .create_response(
                    &ctx.http,
                    CreateInteractionResponse::Defer(
                        CreateInteractionResponseMessage::new().ephemeral(true),
                    ),
                )
                .await?;
            let text = match data.sessions.page(session_id, offset) {
                None => "These results have expired. Please ask again with /ask.".to_string(),
                Some(_)
                    if !data
                        .sessions
                        .first_vote(session_id, offset, press.user.id.get()) =>
                {
                    "You have already given feedback on these results. Thank you!".to_string()
                }
                Some(articles) => {
                    let store = data.feedback.clone();
                    let n = articles.len();
                    tokio::task::spawn_blocking(move || store.record(&articles, helpful)).await??;
                    format!(
                        "Thank you! Your feedback was counted for the {n} article(s) shown. It is stored per article, never with your name."
                    )
                }
            };
            press
                .edit_response(
                    &ctx.http,
                    EditInteractionResponse::new()
                        .content(text)
                        .allowed_mentions(render::no_mentions()),
                )
                .await?;
        }
        Action::Anyway { .. } => {
            press
                .create_response(
                    &ctx.http,
                    CreateInteractionResponse::Defer(
                        CreateInteractionResponseMessage::new().ephemeral(true),
                    ),
                )
                .await?;
            show_page(ctx, data, press, session_id, &session, 0, true).await?;
        }
    }
    Ok(())
}

/// Searches one page of a session's question and edits it into the acknowledged response.
async fn show_page(
    ctx: &serenity::Context,
    data: &Data,
    press: &ComponentInteraction,
    session_id: u64,
    session: &Session,
    offset: usize,
    acknowledged: bool,
) -> Result<(), Error> {
    let answer = data.ask(session, offset, acknowledged).await?;
    data.sessions.remember_page(session_id, offset, &answer);
    let next = answer
        .has_more
        .then_some(answer.offset + answer.citations.len());
    press
        .edit_response(
            &ctx.http,
            EditInteractionResponse::new()
                .embed(render::answer_embed(&answer).build())
                .components(render::answer_buttons(session_id, answer.offset, next))
                .allowed_mentions(render::no_mentions()),
        )
        .await?;
    Ok(())
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

    #[test]
    fn one_vote_per_person_per_page() {
        let s = Sessions::default();
        let id = s.insert(Session {
            question: "q".into(),
            condition: None,
        });
        assert!(s.first_vote(id, 0, 42));
        assert!(!s.first_vote(id, 0, 42));
        assert!(s.first_vote(id, 3, 42));
        assert!(s.first_vote(id, 0, 43));
        assert!(s.get(id).is_some());
        assert!(s.get(id + 1).is_none());
    }
}
