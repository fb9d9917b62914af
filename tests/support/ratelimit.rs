//! Discord's rate limits, as the double enforces them when a test asks (`DiscordDouble::
//! rate_limit_every`, `DiscordDouble::bucket_limit`).
//!
//! Two kinds: a schedule of 429s (every n-th request matching a route gets `429` with
//! `retry_after`, the `Retry-After` header and the `X-RateLimit-*` headers, as Discord sends
//! them), and bucket limits (`limit` requests per `window`, announced on every answer with
//! `X-RateLimit-Limit`, `-Remaining`, `-Reset-After` and `-Bucket`; a request over the limit gets
//! a 429 as on Discord). A request is **early** when the bot sends it before it was allowed to:
//! the same request again before the `retry_after` it was given ended, or any request on the
//! bucket sent after the bot learned of the limit (a grace period after the 429 or the
//! `Remaining: 0` answer, for requests that were already on the wire) and before it ended. Early
//! requests are protocol errors. Buckets mirror serenity's: the route with its first id (the
//! major parameter) kept and later ids and tokens folded, so `/webhooks/APP/TOKEN/messages/
//! @original` of every interaction shares one bucket.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Requests already on the wire when a limit was announced may still arrive this long after.
const IN_FLIGHT_GRACE: Duration = Duration::from_millis(200);

/// A scheduled 429: every `every`-th request whose method matches and whose path (after
/// `/api/v10`) contains `path_part`.
struct Rule {
    method: String,
    path_part: String,
    every: usize,
    retry_after: Duration,
    seen: usize,
}

/// `limit` requests per `window` on every bucket whose path contains `path_part`.
struct BucketLimit {
    path_part: String,
    limit: u32,
    window: Duration,
}

/// What a bucket is doing now.
#[derive(Default)]
struct Bucket {
    /// The current window's start and the requests answered in it.
    window: Option<(Instant, u32)>,
    /// The bot has been told to wait until then, since this moment.
    wait: Option<(Instant, Instant)>,
    /// Requests answered 429, by (method, path, body): they must not come back before this.
    refused: HashMap<String, Instant>,
}

#[derive(Default)]
pub struct Limits {
    rules: Vec<Rule>,
    limits: Vec<BucketLimit>,
    buckets: HashMap<String, Bucket>,
    /// Every request answered 429, as `METHOD path`.
    pub limited: Vec<String>,
}

/// The double's decision on one request.
pub enum Verdict {
    /// Answer it normally, with these headers.
    Pass(Vec<(&'static str, String)>),
    /// Answer 429 with this `retry_after`, and these headers; `early` explains a departure.
    Limited {
        retry_after: Duration,
        headers: Vec<(&'static str, String)>,
        early: Option<String>,
    },
}

impl Limits {
    pub fn every(&mut self, method: &str, path_part: &str, every: usize, retry_after: Duration) {
        self.rules.push(Rule {
            method: method.into(),
            path_part: path_part.into(),
            every: every.max(1),
            retry_after,
            seen: 0,
        });
    }

    pub fn bucket(&mut self, path_part: &str, limit: u32, window: Duration) {
        self.limits.push(BucketLimit {
            path_part: path_part.into(),
            limit: limit.max(1),
            window,
        });
    }

    /// Forgets every rule, limit and record.
    pub fn clear(&mut self) {
        *self = Limits::default();
    }

    fn applies(&self, rest: &str) -> bool {
        self.rules.iter().any(|r| rest.contains(&r.path_part))
            || self.limits.iter().any(|l| rest.contains(&l.path_part))
    }

    /// Decides on `method rest` (with its body, to recognise a retry) arriving `now`.
    pub fn check(&mut self, method: &str, rest: &str, body: &str, now: Instant) -> Verdict {
        if !self.applies(rest) {
            return Verdict::Pass(Vec::new());
        }
        let key = bucket_key(rest);
        let label = format!("{method} /api/v10{rest}");
        let request = format!("{method} {rest} {body}");
        let bucket = self.buckets.entry(key.clone()).or_default();

        // Sent before it was allowed to?
        let mut early = None;
        if let Some(until) = bucket.refused.get(&request) {
            if now < *until {
                early = Some(format!(
                    "{label}: sent again {} ms before its retry_after ended",
                    (*until - now).as_millis()
                ));
            }
        }
        if let Some((since, until)) = bucket.wait {
            if now < until && now > since + IN_FLIGHT_GRACE && early.is_none() {
                early = Some(format!(
                    "{label}: sent {} ms before the bucket's limit reset, after the bot was told",
                    (until - now).as_millis()
                ));
            }
        }
        if let Some(e) = early {
            let retry_after = bucket
                .wait
                .map_or(Duration::from_millis(100), |(_, until)| {
                    until.saturating_duration_since(now)
                });
            self.limited.push(label);
            return Verdict::Limited {
                headers: limited_headers(&key, retry_after),
                retry_after,
                early: Some(e),
            };
        }

        // The bucket's window, if the route has a limit.
        let limit = self
            .limits
            .iter()
            .find(|l| rest.contains(&l.path_part))
            .map(|l| (l.limit, l.window));
        let mut headers = Vec::new();
        if let Some((limit, window)) = limit {
            let (start, used) = match bucket.window {
                Some((start, used)) if now < start + window => (start, used),
                _ => (now, 0),
            };
            let reset = start + window;
            if used >= limit {
                let retry_after = reset - now;
                bucket.wait = Some((now, reset));
                bucket.refused.insert(request, reset);
                self.limited.push(label);
                return Verdict::Limited {
                    headers: limited_headers(&key, retry_after),
                    retry_after,
                    early: None,
                };
            }
            let used = used + 1;
            bucket.window = Some((start, used));
            if used == limit {
                bucket.wait = Some((now, reset));
            }
            headers = vec![
                ("x-ratelimit-limit", limit.to_string()),
                ("x-ratelimit-remaining", (limit - used).to_string()),
                ("x-ratelimit-reset-after", secs(reset - now)),
                ("x-ratelimit-bucket", bucket_hash(&key)),
            ];
        }

        // A scheduled 429?
        for rule in &mut self.rules {
            if rule.method == method && rest.contains(&rule.path_part) {
                rule.seen += 1;
                if rule.seen % rule.every == 0 {
                    let until = now + rule.retry_after;
                    bucket.wait = Some((now, until));
                    bucket.refused.insert(request, until);
                    self.limited.push(label);
                    return Verdict::Limited {
                        headers: limited_headers(&key, rule.retry_after),
                        retry_after: rule.retry_after,
                        early: None,
                    };
                }
            }
        }
        Verdict::Pass(headers)
    }
}

/// Seconds with three decimals, as Discord writes them.
fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

fn limited_headers(key: &str, retry_after: Duration) -> Vec<(&'static str, String)> {
    vec![
        // Discord's Retry-After header is whole seconds, rounded up; the body has the fraction.
        (
            "retry-after",
            retry_after.as_secs_f64().ceil().max(1.0).to_string(),
        ),
        ("x-ratelimit-limit", "1".into()),
        ("x-ratelimit-remaining", "0".into()),
        ("x-ratelimit-reset-after", secs(retry_after)),
        ("x-ratelimit-bucket", bucket_hash(key)),
        ("x-ratelimit-scope", "user".into()),
    ]
}

/// The route with its first id kept and later ids and tokens folded (serenity's buckets).
pub fn bucket_key(rest: &str) -> String {
    let mut seen_id = false;
    rest.trim_start_matches('/')
        .split('/')
        .map(|seg| {
            let variable = seg.bytes().all(|b| b.is_ascii_digit()) || seg.starts_with("itok-");
            if !variable {
                seg
            } else if seen_id {
                "*"
            } else {
                seen_id = true;
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn bucket_hash(key: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    format!("{:016x}", h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_keep_the_major_id_only() {
        assert_eq!(
            bucket_key("/webhooks/11/itok-5-x/messages/@original"),
            "webhooks/11/*/messages/@original"
        );
        assert_eq!(
            bucket_key("/interactions/99/itok-99-x/callback"),
            "interactions/99/*/callback"
        );
    }
}
