//! What every command and button handler shares: the library, the curator (store and live
//! library), the short-lived button sessions, the vote and cooldown memory, and pending
//! moderator forms. A session holds the answer it showed (every page, never the question) for
//! 15 minutes in memory, never with a user id; votes and cooldowns remember members only by a
//! keyed hash that expires.

use crate::answer::Answer;
use crate::corpus::Condition;
use crate::curation::Curator;
use crate::library::{AskOptions, Library};
use crate::safety::Screening;
use crate::search::Scope;
use crate::settings::ServerSettings;
use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Error;

/// How many pages of an answer a session keeps (the citations setting is per page).
pub const PAGES: usize = 5;
/// How long buttons keep working (Discord lets an interaction reply be edited for 15 minutes).
pub const SESSION_TTL: Duration = Duration::from_secs(15 * 60);
const MAX_SESSIONS: usize = 10_000;

/// What every command and button handler can reach.
pub struct Data {
    pub curator: Arc<Curator>,
    pub sessions: Sessions,
    pub cooldown: Cooldown,
    /// Moderator forms (modals) waiting for their submission.
    pub forms: super::curate::Pending,
    /// Each server's moderators' channel, where "Let a moderator know" posts.
    pub moderator_channels: HashMap<u64, u64>,
    /// Whether attachments may be fetched from this machine (tests against the double only).
    pub loopback_attachments: bool,
    /// The bounded pool for CPU-heavy work (search, the encoder): one permit per core, so a
    /// burst of questions queues here instead of piling threads onto the blocking pool.
    cpu: tokio::sync::Semaphore,
}

impl Data {
    pub fn new(curator: Arc<Curator>, moderator_channels: HashMap<u64, u64>) -> Data {
        Data {
            curator,
            sessions: Sessions::default(),
            cooldown: Cooldown::new(),
            forms: super::curate::Pending::default(),
            moderator_channels,
            loopback_attachments: false,
            cpu: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
        }
    }

    /// The library as it is now (a re-index swaps in a new one).
    pub fn library(&self) -> Arc<Library> {
        self.curator.library()
    }

    /// Runs CPU-heavy core work on the blocking pool, at most one job per core at a time.
    pub(super) async fn on_pool<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let _permit = self.cpu.acquire().await?;
        Ok(tokio::task::spawn_blocking(work).await?)
    }

    /// Whether a file a moderator attached may be downloaded: only from Discord's CDN (or,
    /// in tests against the double, from this machine).
    pub fn attachment_allowed(&self, url: &str) -> bool {
        let discord = [
            "https://cdn.discordapp.com/",
            "https://media.discordapp.net/",
        ];
        discord.iter().any(|p| url.starts_with(p))
            || (self.loopback_attachments && url.starts_with("http://127.0.0.1:"))
    }

    /// The moderators' channel of a server, if it has one.
    pub fn moderator_channel(&self, guild: Option<u64>) -> Option<u64> {
        self.moderator_channels.get(&guild?).copied()
    }

    /// A server's settings. If the store cannot be read, the defaults: a member is never left
    /// without an answer (or a crisis reply) because the database is down.
    pub async fn settings(&self, guild: Option<u64>) -> ServerSettings {
        let Some(guild) = guild else {
            return self.curator.defaults.clone();
        };
        match self.curator.settings(guild).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(guild, error = %e, "could not read the server's settings; using the defaults");
                self.curator.defaults.clone()
            }
        }
    }

    /// Screens a question (the encoder's net may run) and answers it with every page the
    /// session keeps, on the bounded pool; for a crisis whose results may be shown on request,
    /// also those results. With the encoder, the net and search share one forward pass.
    pub async fn ask(
        &self,
        question: &str,
        condition: Option<Condition>,
        guild: Option<u64>,
        settings: &ServerSettings,
    ) -> Result<(Answer, Option<Answer>), Error> {
        let lib = self.library();
        let question = question.to_string();
        let opts = AskOptions {
            condition,
            limit: settings.citations * PAGES,
            offset: 0,
            country: settings.country.clone(),
            disclaimer: settings.disclaimer.clone(),
            crisis_acknowledged: false,
            today: None,
            scope: Scope {
                shared: settings.shared_library,
                server: guild,
            },
            focus: settings.focus.clone(),
        };
        self.on_pool(move || {
            let (screening, embedding) = lib.screen_embedded(&question);
            let embedding = embedding.as_deref();
            let answer = lib.ask_embedded(&question, &screening, embedding, &opts)?;
            let anyway = if answer.search_withheld && screening.results_on_request() {
                let opts = AskOptions {
                    crisis_acknowledged: true,
                    ..opts
                };
                Some(lib.ask_embedded(&question, &screening, embedding, &opts)?)
            } else {
                None
            };
            Ok::<_, crate::search::SearchError>((answer, anyway))
        })
        .await?
        .map_err(Error::from)
    }

    /// Keeps a session for its buttons: in this process's memory, and in the store (the
    /// answer's pages only), so that the buttons still work after a restart. A store that
    /// cannot be written costs only that.
    pub async fn remember(&self, session: Session) -> u64 {
        let id = self.sessions.insert(session.clone());
        let stored = crate::store::StoredSession {
            server: session.guild.unwrap_or(0),
            page_size: session.page_size as u64,
            answer: serde_json::to_string(&session.answer).unwrap_or_default(),
            anyway: session
                .anyway
                .as_ref()
                .and_then(|a| serde_json::to_string(a).ok()),
        };
        let expires = chrono::Utc::now().timestamp() + SESSION_TTL.as_secs() as i64;
        if let Err(e) = self.curator.store.put_session(id, &stored, expires).await {
            tracing::warn!(error = %e, "could not keep a session in the store");
        }
        id
    }

    /// A session by id: from memory, or from the store (after a restart, or from another
    /// process). A restored session does not know who asked, so every member's "More results"
    /// is private.
    pub async fn session(&self, id: u64) -> Option<Session> {
        if let Some(s) = self.sessions.get(id) {
            return Some(s);
        }
        let stored = match self.curator.store.session(id).await {
            Ok(s) => s?,
            Err(e) => {
                tracing::warn!(error = %e, "could not read a session from the store");
                return None;
            }
        };
        let answer: Answer = serde_json::from_str(&stored.answer).ok()?;
        let anyway = match &stored.anyway {
            Some(a) => Some(serde_json::from_str(a).ok()?),
            None => None,
        };
        let session = Session {
            answer,
            anyway,
            page_size: (stored.page_size as usize).clamp(1, 5),
            guild: Some(stored.server).filter(|&g| g != 0),
            asker: 0,
        };
        self.sessions.restore(id, session.clone());
        Some(session)
    }

    /// Screens a question (the encoder's net may run), on the bounded pool.
    pub async fn screen(&self, question: &str) -> Result<Screening, Error> {
        let lib = self.library();
        let question = question.to_string();
        self.on_pool(move || lib.screen(&question)).await
    }
}

/// An answer shown, kept so its buttons can page and vote. It holds the answer's pages, never
/// the question.
#[derive(Debug, Clone)]
pub struct Session {
    /// Every page of the answer (or the crisis reply, whose search was withheld).
    pub answer: Answer,
    /// For a crisis reply: the results, shown only if the member asks.
    pub anyway: Option<Answer>,
    /// Citations per page (the server's setting when it was asked).
    pub page_size: usize,
    pub guild: Option<u64>,
    /// Who asked, as [`Sessions::member_key`]: only their "More results" edits the public answer.
    pub asker: u64,
}

impl Session {
    /// The page at `offset`: of the results the member asked to see after a crisis reply, or
    /// of the answer.
    pub fn page(&self, offset: usize) -> Answer {
        self.anyway
            .as_ref()
            .unwrap_or(&self.answer)
            .page(offset, self.page_size)
    }
}

struct Entry {
    session: Session,
    created: Instant,
    /// Whether the member already asked for a moderator to reach out.
    alerted: bool,
}

/// The button sessions, and which (session, page, member) already voted. Both expire after
/// [`SESSION_TTL`], oldest first, from time-ordered queues.
#[derive(Default)]
pub struct Sessions {
    inner: Mutex<SessionsInner>,
    key: RandomState,
}

#[derive(Default)]
struct SessionsInner {
    count: u64,
    entries: HashMap<u64, Entry>,
    order: VecDeque<(Instant, u64)>,
    votes: HashSet<u64>,
    vote_order: VecDeque<(Instant, u64)>,
}

impl SessionsInner {
    fn hold(&mut self, id: u64, session: Session, now: Instant) {
        self.entries.insert(
            id,
            Entry {
                session,
                created: now,
                alerted: false,
            },
        );
        self.order.push_back((now, id));
    }

    fn expire(&mut self, now: Instant) {
        while let Some(&(t, id)) = self.order.front() {
            if now.duration_since(t) < SESSION_TTL && self.entries.len() < MAX_SESSIONS {
                break;
            }
            self.order.pop_front();
            self.entries.remove(&id);
        }
        while let Some(&(t, key)) = self.vote_order.front() {
            if now.duration_since(t) < SESSION_TTL {
                break;
            }
            self.vote_order.pop_front();
            self.votes.remove(&key);
        }
    }
}

impl Sessions {
    /// A member as the sessions remember them: a keyed hash of their id, never the id.
    pub fn member_key(&self, user: u64) -> u64 {
        self.key.hash_one(("member", user))
    }

    /// Stores a session under a new unguessable id: ids never repeat across restarts, so an old
    /// button can only ever find "expired", never another member's question.
    pub fn insert(&self, session: Session) -> u64 {
        self.insert_at(session, Instant::now())
    }

    fn insert_at(&self, session: Session, now: Instant) -> u64 {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.expire(now);
        let id = loop {
            inner.count += 1;
            let id = self.key.hash_one(("session", inner.count, now));
            if id != 0 && !inner.entries.contains_key(&id) {
                break id;
            }
        };
        inner.hold(id, session, now);
        id
    }

    /// Puts back a session read from the store, under its own id.
    pub fn restore(&self, id: u64, session: Session) {
        let now = Instant::now();
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.expire(now);
        inner.hold(id, session, now);
    }

    /// How many sessions and votes are held (for tests).
    #[cfg(test)]
    fn held(&self) -> (usize, usize) {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        (inner.entries.len(), inner.votes.len())
    }

    pub fn get(&self, id: u64) -> Option<Session> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .entries
            .get(&id)
            .filter(|e| e.created.elapsed() < SESSION_TTL)
            .map(|e| e.session.clone())
    }

    /// Records that `user` voted on this page; false if they already had. Only a keyed hash of
    /// the three is kept, and only for [`SESSION_TTL`].
    pub fn first_vote(&self, id: u64, offset: usize, user: u64) -> bool {
        self.first_vote_at(id, offset, user, Instant::now())
    }

    fn first_vote_at(&self, id: u64, offset: usize, user: u64, now: Instant) -> bool {
        let key = self.key.hash_one((id, offset, user));
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.expire(now);
        let first = inner.votes.insert(key);
        if first {
            inner.vote_order.push_back((now, key));
        }
        first
    }

    /// Marks that the member asked for a moderator; false if the session already had (one alert
    /// per crisis reply) or has expired.
    pub fn first_alert(&self, id: u64) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match inner.entries.get_mut(&id) {
            Some(e) if !e.alerted => {
                e.alerted = true;
                true
            }
            _ => false,
        }
    }
}

/// The longest cooldown a server can set (`settings::validate` allows 0 to 600 s).
const MAX_COOLDOWN: Duration = Duration::from_secs(600);

/// A per-member pause between questions. Members are remembered by a keyed hash of their id,
/// for one period only; no question text is held.
pub struct Cooldown {
    key: RandomState,
    inner: Mutex<CooldownInner>,
}

#[derive(Default)]
struct CooldownInner {
    last: HashMap<u64, Instant>,
    order: VecDeque<(Instant, u64)>,
}

impl Cooldown {
    pub fn new() -> Cooldown {
        Cooldown {
            key: RandomState::new(),
            inner: Mutex::new(CooldownInner::default()),
        }
    }

    /// `None` if the member may ask now (and starts their pause of `period`); otherwise how
    /// long to wait. Each server sets its own period.
    pub fn check(&self, user: u64, period: Duration) -> Option<Duration> {
        self.check_at(user, period, Instant::now())
    }

    fn check_at(&self, user: u64, period: Duration, now: Instant) -> Option<Duration> {
        if period.is_zero() {
            return None;
        }
        let key = self.key.hash_one(user);
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        // Entries are kept for the longest period any server allows.
        while let Some(&(t, k)) = inner.order.front() {
            if now.duration_since(t) < MAX_COOLDOWN {
                break;
            }
            inner.order.pop_front();
            if inner.last.get(&k) == Some(&t) {
                inner.last.remove(&k);
            }
        }
        if let Some(&t) = inner.last.get(&key) {
            let since = now.duration_since(t);
            if since < period {
                return Some(period - since);
            }
        }
        inner.last.insert(key, now);
        inner.order.push_back((now, key));
        None
    }

    /// How many members are remembered now (for tests).
    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.inner.lock().map(|i| i.last.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session {
            answer: Answer {
                citations: Vec::new(),
                offset: 0,
                has_more: false,
                notices: Vec::new(),
                disclaimer: String::new(),
                search_withheld: false,
                screening: Screening::default(),
            },
            anyway: None,
            page_size: 3,
            guild: None,
            asker: 0,
        }
    }

    #[test]
    fn ids_are_unguessable_and_never_reused_after_a_restart() {
        let before = Sessions::default();
        let old = before.insert(session());
        // A restart: new sessions, many questions. The old button's id finds nothing.
        let after = Sessions::default();
        let new: Vec<u64> = (0..2000).map(|_| after.insert(session())).collect();
        assert!(after.get(old).is_none());
        assert!(!new.contains(&old));
        assert!(
            new.iter().all(|&id| id > 1_000_000),
            "ids are not small counters"
        );
        let distinct: std::collections::HashSet<_> = new.iter().collect();
        assert_eq!(distinct.len(), new.len());
    }

    #[test]
    fn sessions_and_votes_expire_oldest_first() {
        let s = Sessions::default();
        let t0 = Instant::now();
        let a = s.insert_at(session(), t0);
        assert!(s.first_vote_at(a, 0, 1, t0));
        let b = s.insert_at(session(), t0 + Duration::from_secs(60));
        assert!(s.first_vote_at(b, 0, 1, t0 + Duration::from_secs(60)));
        assert_eq!(s.held(), (2, 2));
        // Past the first session's lifetime only the second is left, with its vote.
        let later = t0 + SESSION_TTL + Duration::from_secs(1);
        let c = s.insert_at(session(), later);
        assert_eq!(s.held(), (2, 1));
        assert!(s.get(a).is_none());
        // Long after, everything from before is gone: memory does not only grow.
        s.insert_at(session(), later + SESSION_TTL + Duration::from_secs(1));
        assert_eq!(s.held(), (1, 0));
        assert!(s.get(c).is_none());
    }

    #[test]
    fn members_are_remembered_by_a_keyed_hash() {
        let s = Sessions::default();
        assert_eq!(s.member_key(42), s.member_key(42));
        assert_ne!(s.member_key(42), s.member_key(43));
        assert_ne!(s.member_key(42), 42);
        assert_ne!(Sessions::default().member_key(42), s.member_key(42));
    }

    #[test]
    fn one_vote_per_person_per_page() {
        let s = Sessions::default();
        let id = s.insert(session());
        assert!(s.first_vote(id, 0, 42));
        assert!(!s.first_vote(id, 0, 42));
        assert!(s.first_vote(id, 3, 42));
        assert!(s.first_vote(id, 0, 43));
        assert!(s.get(id).is_some());
        assert!(s.get(id + 1).is_none());
    }

    #[test]
    fn one_alert_per_session() {
        let s = Sessions::default();
        let id = s.insert(session());
        assert!(s.first_alert(id));
        assert!(!s.first_alert(id));
        assert!(!s.first_alert(id + 1));
    }

    #[test]
    fn cooldown_holds_then_forgets() {
        let c = Cooldown::new();
        let ten = Duration::from_secs(10);
        let t0 = Instant::now();
        assert_eq!(c.check_at(7, ten, t0), None);
        let wait = c
            .check_at(7, ten, t0 + Duration::from_secs(3))
            .expect("too soon");
        assert_eq!(wait, Duration::from_secs(7));
        // Another server's shorter pause lets the same member ask there.
        assert_eq!(
            c.check_at(7, Duration::from_secs(2), t0 + Duration::from_secs(3)),
            None
        );
        assert_eq!(c.check_at(8, ten, t0 + Duration::from_secs(3)), None);
        assert_eq!(c.check_at(8, ten, t0 + Duration::from_secs(14)), None);
        // Entries are forgotten after the longest allowed period.
        assert_eq!(
            c.check_at(9, ten, t0 + MAX_COOLDOWN + Duration::from_secs(20)),
            None
        );
        assert_eq!(c.remembered(), 1);
        assert_eq!(c.check(7, Duration::ZERO), None);
    }
}
