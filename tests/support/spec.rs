//! Discord's official OpenAPI 3.1 description (`openapi.json`) as a request validator.
//!
//! This module owns loading the spec (once per process), matching a request's method and path
//! (without the `/api/v10` prefix) to a spec operation, and validating path parameters, query
//! parameters and the JSON request body against the schemas of that operation with the
//! `jsonschema` crate (draft 2020-12). The whole spec is registered as one schema resource, so
//! each operation's validator is just a `$ref` pointing into it and every
//! `#/components/schemas/...` reference resolves inside the real document. Validators are
//! compiled on first use and cached for the rest of the process.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::{Draft, Registry, Validator};
use serde_json::Value;

/// The URI under which the spec document is registered for `$ref` resolution.
const SPEC_URI: &str = "https://discord.test/openapi.json";

/// Methods an OpenAPI path item can hold.
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

/// Discord's OpenAPI document, ready to validate requests.
pub struct Spec {
    doc: Arc<Value>,
    registry: Registry,
    templates: Vec<PathTemplate>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

/// One entry of the spec's `paths`, split into segments for matching.
struct PathTemplate {
    template: String,
    segments: Vec<Segment>,
}

enum Segment {
    Literal(String),
    Param(String),
}

/// The outcome of checking one request.
#[derive(Default)]
pub struct Report {
    /// Every departure from the spec, one readable line each.
    pub violations: Vec<String>,
    /// The body failed its schema (Discord would answer 400 Invalid Form Body).
    pub body_invalid: bool,
}

/// The operation a request matched: template, lower-case method and the parameter values.
pub struct Operation<'a> {
    pub template: &'a str,
    pub method: String,
    pub path_params: Vec<(String, String)>,
}

/// Where the spec lives: `$DISCORD_API_SPEC`, else `../shared/discord-api-spec/openapi.json`
/// relative to the crate root.
pub fn spec_path() -> PathBuf {
    match std::env::var_os("DISCORD_API_SPEC") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/discord-api-spec/openapi.json"),
    }
}

/// The process-wide spec, loaded on first call. Panics with a plain message if it is missing.
pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = spec_path();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "Discord OpenAPI spec not found at {} ({e}); set DISCORD_API_SPEC to its path",
                path.display()
            )
        });
        let doc: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()));
        Spec::new(doc)
    })
}

impl Spec {
    fn new(doc: Value) -> Spec {
        let templates = doc["paths"]
            .as_object()
            .expect("openapi.json has no `paths` object")
            .keys()
            .map(|t| PathTemplate {
                template: t.clone(),
                segments: split(t)
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) => Segment::Param(name.to_string()),
                            None => Segment::Literal(s.to_string()),
                        },
                    )
                    .collect(),
            })
            .collect();
        let registry = Registry::try_new(SPEC_URI, Draft::Draft202012.create_resource(doc.clone()))
            .expect("openapi.json cannot be registered as a JSON Schema resource");
        Spec {
            doc: Arc::new(doc),
            registry,
            templates,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// Compile (and cache) the validators of the request bodies the double usually sees, so the
    /// first request does not pay for it.
    pub fn warm_up(&self) {
        for (template, method) in [
            ("/applications/{application_id}/commands", "put"),
            (
                "/applications/{application_id}/guilds/{guild_id}/commands",
                "put",
            ),
            (
                "/interactions/{interaction_id}/{interaction_token}/callback",
                "post",
            ),
            ("/webhooks/{webhook_id}/{webhook_token}", "post"),
            (
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
                "patch",
            ),
            (
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                "patch",
            ),
        ] {
            if let Some(pointer) = self.body_schema_pointer(template, method) {
                self.validator(&pointer);
            }
        }
    }

    /// The operation for `method` + `path` (no `/api/v10` prefix, no query). Literal segments win
    /// over parameters (`messages/@original` over `messages/{message_id}`).
    pub fn find_operation(&self, method: &str, path: &str) -> Result<Operation<'_>, String> {
        let parts: Vec<&str> = split(path).collect();
        let mut best: Option<(&PathTemplate, usize)> = None;
        for t in &self.templates {
            if t.segments.len() != parts.len() {
                continue;
            }
            let mut literals = 0;
            let matches = t.segments.iter().zip(&parts).all(|(seg, part)| match seg {
                Segment::Literal(l) => {
                    literals += 1;
                    l == part
                }
                Segment::Param(_) => !part.is_empty(),
            });
            if matches && best.is_none_or(|(_, n)| literals > n) {
                best = Some((t, literals));
            }
        }
        let Some((t, _)) = best else {
            return Err(format!("{method} {path}: no such path in the spec"));
        };
        let method = method.to_ascii_lowercase();
        if self.doc["paths"][&t.template].get(&method).is_none() {
            return Err(format!(
                "{} {path}: the spec has no {} operation on {}",
                method.to_ascii_uppercase(),
                method.to_ascii_uppercase(),
                t.template
            ));
        }
        let path_params = t
            .segments
            .iter()
            .zip(&parts)
            .filter_map(|(seg, part)| match seg {
                Segment::Param(name) => Some((name.clone(), percent_decode(part, false))),
                Segment::Literal(_) => None,
            })
            .collect();
        Ok(Operation {
            template: &t.template,
            method,
            path_params,
        })
    }

    /// Every way the request departs from the spec; no violations when it conforms.
    pub fn check(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        body: Option<&Value>,
    ) -> Report {
        let op = match self.find_operation(method, path) {
            Ok(op) => op,
            Err(e) => {
                return Report {
                    violations: vec![e],
                    body_invalid: false,
                }
            }
        };
        let mut body_invalid = false;
        let label = format!("{} {path}", op.method.to_ascii_uppercase());
        let mut out = Vec::new();

        for (name, value) in &op.path_params {
            match self.parameter_pointer(&op, "path", name) {
                Some(p) => {
                    if !self.param_valid(&p, value) {
                        out.push(format!(
                            "{label}: path parameter {name}={value:?} does not match its schema"
                        ));
                    }
                }
                None => out.push(format!("{label}: path parameter {name} is not declared")),
            }
        }

        for (name, value) in parse_query(query.unwrap_or("")) {
            match self.parameter_pointer(&op, "query", &name) {
                Some(p) => {
                    if !self.param_valid(&p, &value) {
                        out.push(format!(
                            "{label}: query parameter {name}={value:?} does not match its schema"
                        ));
                    }
                }
                None => out.push(format!("{label}: unknown query parameter {name}")),
            }
        }

        let op_json = &self.doc["paths"][op.template][&op.method];
        match (op_json.get("requestBody"), body) {
            (None, Some(_)) => out.push(format!("{label}: this operation takes no request body")),
            (Some(rb), None) if rb["required"] == Value::Bool(true) => {
                out.push(format!("{label}: the request body is required"))
            }
            (Some(_), Some(body)) => match self.body_schema_pointer(op.template, &op.method) {
                Some(pointer) => {
                    let v = self.validator(&pointer);
                    let body = spec_form(body);
                    if !v.is_valid(&body) {
                        body_invalid = true;
                        for e in describe_errors(&v, &body) {
                            out.push(format!("{label}: body {e}"));
                        }
                    }
                }
                None => out.push(format!("{label}: the spec has no JSON body schema")),
            },
            _ => {}
        }
        Report {
            violations: out,
            body_invalid,
        }
    }

    /// JSON pointer (within the spec) of an operation's request body schema; JSON content
    /// preferred, multipart (whose `payload_json` carries the same object) otherwise.
    fn body_schema_pointer(&self, template: &str, method: &str) -> Option<String> {
        let content = self.doc["paths"][template][method]["requestBody"]["content"].as_object()?;
        let media = ["application/json", "multipart/form-data"]
            .into_iter()
            .find(|m| content.contains_key(*m))?;
        Some(pointer(&[
            "paths",
            template,
            method,
            "requestBody",
            "content",
            media,
            "schema",
        ]))
    }

    /// JSON pointer of a declared parameter's schema (operation level first, then path level).
    fn parameter_pointer(&self, op: &Operation<'_>, location: &str, name: &str) -> Option<String> {
        for scope in [Some(op.method.as_str()), None] {
            let params = match scope {
                Some(m) => &self.doc["paths"][op.template][m]["parameters"],
                None => &self.doc["paths"][op.template]["parameters"],
            };
            let Some(list) = params.as_array() else {
                continue;
            };
            if let Some(i) = list
                .iter()
                .position(|p| p["in"] == location && p["name"] == name)
            {
                let idx = i.to_string();
                let mut parts = vec!["paths", op.template];
                parts.extend(scope);
                parts.extend(["parameters", &idx, "schema"]);
                return Some(pointer(&parts));
            }
        }
        None
    }

    /// A URL parameter is text; accept it if the text, or the JSON value it spells
    /// (`true`, `100`), satisfies the schema.
    fn param_valid(&self, pointer: &str, raw: &str) -> bool {
        let v = self.validator(pointer);
        if v.is_valid(&Value::String(raw.to_string())) {
            return true;
        }
        match serde_json::from_str::<Value>(raw) {
            Ok(parsed @ (Value::Bool(_) | Value::Number(_))) => v.is_valid(&parsed),
            _ => false,
        }
    }

    /// The compiled validator for the schema at `pointer`, compiled once per process.
    fn validator(&self, pointer: &str) -> Arc<Validator> {
        if let Some(v) = self.validators.lock().unwrap().get(pointer) {
            return v.clone();
        }
        let schema = serde_json::json!({ "$ref": format!("{SPEC_URI}#{pointer}") });
        let compiled = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .with_registry(self.registry.clone())
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|e| panic!("cannot compile the spec schema at {pointer}: {e}"));
        let compiled = Arc::new(compiled);
        self.validators
            .lock()
            .unwrap()
            .insert(pointer.to_string(), compiled.clone());
        compiled
    }
}

/// Where real Discord is more lenient than its own spec and serenity relies on it, rewrite the
/// body to the form the spec describes before validating (the recorded body is untouched):
///
/// * `attachments[].id` of a *new* upload is the integer index of its `files[n]` part
///   (serenity 0.12.5 sends `{"id": 0, "filename": ...}`, as Discord's docs show), while the
///   spec types every attachment id as a snowflake string.
/// * `default_member_permissions` of a command is a permission bitset *string* (Discord's docs;
///   serenity 0.12.5 sends `"8"`), while the spec types it as an integer.
pub fn spec_form(body: &Value) -> Value {
    let mut body = body.clone();
    let commands = match &mut body {
        Value::Array(list) => list.iter_mut().collect(),
        obj => vec![obj],
    };
    for c in commands {
        let perms = c.get("default_member_permissions").and_then(Value::as_str);
        if let Some(n) = perms.and_then(|p| p.parse::<u64>().ok()) {
            c["default_member_permissions"] = Value::from(n);
        }
    }
    let fix = |list: Option<&mut Value>| {
        for a in list.and_then(Value::as_array_mut).into_iter().flatten() {
            if let Some(n) = a.get("id").and_then(Value::as_u64) {
                a["id"] = Value::String(n.to_string());
            }
        }
    };
    fix(body.get_mut("attachments"));
    fix(body.get_mut("data").and_then(|d| d.get_mut("attachments")));
    body
}

/// Readable errors. A failed `anyOf`/`oneOf` yields errors from every alternative. Two filters
/// keep the ones about the alternative the body was meant to be: alternatives whose
/// discriminator (`enum`/`const`, e.g. the callback or option `type`) did not match are dropped
/// when any other alternative remains, then only the errors reaching deepest into the body are
/// kept (a wrong `/data/content` beats a mismatch at `/type`). Each line reads
/// `at <instance path>: <message>`, type mismatches first.
fn describe_errors(v: &Validator, body: &Value) -> Vec<String> {
    struct Unit {
        keyword: String,
        at: String,
        msg: String,
    }
    let mut units: Vec<Unit> = Vec::new();
    if let jsonschema::BasicOutput::Invalid(errors) = v.apply(body).basic() {
        for unit in errors {
            let msg = unit.error_description().to_string();
            if msg.contains("is not valid under any of the schemas") {
                continue;
            }
            units.push(Unit {
                keyword: unit.keyword_location().to_string(),
                at: unit.instance_location().to_string(),
                msg,
            });
        }
    }
    // The alternative an error belongs to: its keyword path up to the last anyOf/oneOf index.
    let branch = |keyword: &str| -> String {
        let segs: Vec<&str> = keyword.split('/').collect();
        match segs.iter().rposition(|s| *s == "anyOf" || *s == "oneOf") {
            Some(i) => segs[..(i + 2).min(segs.len())].join("/") + "/",
            None => String::new(),
        }
    };
    let rejected: Vec<String> = units
        .iter()
        .filter(|u| u.keyword.ends_with("/enum") || u.keyword.ends_with("/const"))
        .map(|u| branch(&u.keyword))
        .filter(|b| !b.is_empty())
        .collect();
    let meant = |u: &Unit| !rejected.iter().any(|r| u.keyword.starts_with(r.as_str()));
    if units.iter().any(meant) {
        units.retain(meant);
    }
    let depth = |at: &str| at.matches('/').count();
    let deepest = units.iter().map(|u| depth(&u.at)).max().unwrap_or(0);
    units.retain(|u| depth(&u.at) == deepest);
    units.sort_by_key(|u| !u.keyword.ends_with("/type"));

    let mut lines: Vec<String> = Vec::new();
    for u in &units {
        let at = if u.at.is_empty() { "/" } else { &u.at };
        let line = format!("at {at:?}: {}", shorten(&u.msg));
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    if lines.is_empty() {
        lines = v
            .iter_errors(body)
            .map(|e| {
                format!(
                    "at {:?}: {}",
                    e.instance_path.to_string(),
                    shorten(&e.to_string())
                )
            })
            .collect();
    }
    if lines.len() > 6 {
        let more = lines.len() - 5;
        lines.truncate(5);
        lines.push(format!("(and {more} more errors at the same depth)"));
    }
    lines
}

fn shorten(s: &str) -> String {
    const MAX: usize = 300;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.trim_start_matches('/').split('/')
}

/// An RFC 6901 pointer, percent-encoded for use as a URI fragment.
fn pointer(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts {
        out.push('/');
        for c in p.chars() {
            match c {
                '~' => out.push_str("~0"),
                '/' => out.push_str("~1"),
                c if c.is_ascii_alphanumeric() || "-._@".contains(c) => out.push(c),
                c => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("%{b:02X}"));
                    }
                }
            }
        }
    }
    out
}

/// `a=1&b=2` (serenity writes `?&limit=100`: empty pairs are skipped) into decoded pairs.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Decode `%XX` escapes (and `+` as a space in query strings).
pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let escaped = (b == b'%' && i + 2 < bytes.len())
            .then(|| Some(hex(bytes[i + 1])? * 16 + hex(bytes[i + 2])?))
            .flatten();
        match escaped {
            Some(v) => {
                out.push(v as u8);
                i += 3;
            }
            None => {
                out.push(if b == b'+' && plus_is_space { b' ' } else { b });
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
