//! The postMessage API between an embed and the page that frames it: the host may set the
//! Dockerfile, target and build args and read the state; the embed reports analyses and
//! step changes. Every message is a versioned JSON object (`{"stagecraft": 1, "type": …}`)
//! checked field by field here, in pure functions tested natively; nothing received is
//! ever evaluated, and a message meant for Stagecraft but malformed gets an `error` reply
//! that says why.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use stagecraft_analysis::Severity;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::state::{AppState, Panel};

/// The protocol version this embed speaks; a message with another one is refused.
pub const PROTOCOL: u64 = 1;
/// The largest message read (its JSON text); larger ones are refused unread.
pub const MAX_MESSAGE_BYTES: usize = 600 * 1024;
/// The largest Dockerfile a host may set: the share link's limit, far above real files.
pub const MAX_DOCKERFILE_BYTES: usize = 512 * 1024;
const MAX_TARGET_BYTES: usize = 128;
const MAX_BUILD_ARGS: usize = 64;
const MAX_ARG_BYTES: usize = 1024;
const MAX_ID_CHARS: usize = 128;
/// Diagnostics listed in an `analysis` event; the counts cover all of them.
const MAX_EVENT_DIAGNOSTICS: usize = 50;

/// What a host asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Replace any of text, target (`Some(None)`: the last stage) and build args.
    Set {
        id: Option<Value>,
        dockerfile: Option<String>,
        target: Option<Option<String>>,
        build_args: Option<BTreeMap<String, String>>,
    },
    /// Reply with the state.
    Get { id: Option<Value> },
}

/// A message for Stagecraft that cannot be served, and why (sent back as `error`).
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub id: Option<Value>,
    /// The `type` the message claimed, when it had a readable one.
    pub request: Option<String>,
    pub reason: String,
}

/// How a received message is handled.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// No `stagecraft` field: another script's message, ignored without a reply.
    NotOurs,
    Request(Request),
    Invalid(Rejection),
}

/// Reads a message's JSON text (a host may post a string or an object; objects arrive
/// here stringified). Never evaluates anything: the text is only parsed as JSON.
pub fn read_text(text: &str) -> Incoming {
    if text.len() > MAX_MESSAGE_BYTES {
        // Too big to parse; say so only if it claims to be ours (a cheap prefix test).
        let ours = text.get(..256).unwrap_or("").contains("\"stagecraft\"");
        return if ours {
            Incoming::Invalid(oversized(text.len(), None, None))
        } else {
            Incoming::NotOurs
        };
    }
    match serde_json::from_str::<Value>(text) {
        Ok(value) => read(&value),
        Err(_) => Incoming::NotOurs,
    }
}

/// The rejection of a message over [`MAX_MESSAGE_BYTES`], with what of its envelope could
/// be read cheaply.
pub fn oversized(bytes: usize, id: Option<Value>, request: Option<String>) -> Rejection {
    Rejection {
        id: id.filter(valid_id),
        request,
        reason: format!("the message is {bytes} bytes; the limit is {MAX_MESSAGE_BYTES}"),
    }
}

/// Validates a parsed message.
pub fn read(value: &Value) -> Incoming {
    let Some(object) = value.as_object() else {
        return Incoming::NotOurs;
    };
    let Some(version) = object.get("stagecraft") else {
        return Incoming::NotOurs;
    };
    let id = object.get("id").cloned();
    let request = object
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let reject = |reason: String| {
        Incoming::Invalid(Rejection {
            id: id.clone().filter(valid_id),
            request: request.clone(),
            reason,
        })
    };
    if version.as_u64() != Some(PROTOCOL) {
        return reject(format!(
            "this embed speaks protocol version {PROTOCOL}, not {version}"
        ));
    }
    if let Some(id) = &id {
        if !valid_id(id) {
            return reject(format!(
                "`id` must be a string of at most {MAX_ID_CHARS} characters or a number"
            ));
        }
    }
    match object.get("type") {
        Some(Value::String(kind)) => match kind.as_str() {
            "set" => read_set(object, id.clone()).unwrap_or_else(reject),
            "get" => match unknown_field(object, &[]) {
                Some(field) => reject(field),
                None => Incoming::Request(Request::Get { id: id.clone() }),
            },
            other => reject(format!(
                "unknown message type `{}`; this embed understands `set` and `get`",
                clip(other, 40)
            )),
        },
        Some(_) => reject("`type` must be a string".to_owned()),
        None => reject("the message has no `type`".to_owned()),
    }
}

fn read_set(object: &Map<String, Value>, id: Option<Value>) -> Result<Incoming, String> {
    if let Some(field) = unknown_field(object, &["dockerfile", "target", "buildArgs"]) {
        return Err(field);
    }
    let dockerfile = match object.get("dockerfile") {
        None => None,
        Some(Value::String(text)) if text.len() > MAX_DOCKERFILE_BYTES => {
            return Err(format!(
                "`dockerfile` is {} bytes; the limit is {MAX_DOCKERFILE_BYTES}",
                text.len()
            ))
        }
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => return Err("`dockerfile` must be a string".to_owned()),
    };
    let target = match object.get("target") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(t)) if t.len() > MAX_TARGET_BYTES || t.chars().any(char::is_control) => {
            return Err(format!(
                "`target` must be a stage name of at most {MAX_TARGET_BYTES} bytes"
            ))
        }
        Some(Value::String(t)) => Some((!t.trim().is_empty()).then(|| t.trim().to_owned())),
        Some(_) => return Err("`target` must be a string or null".to_owned()),
    };
    let build_args = match object.get("buildArgs") {
        None => None,
        Some(Value::Object(args)) => Some(read_build_args(args)?),
        Some(_) => return Err("`buildArgs` must be an object of names to string values".to_owned()),
    };
    if dockerfile.is_none() && target.is_none() && build_args.is_none() {
        return Err("`set` needs at least one of `dockerfile`, `target`, `buildArgs`".to_owned());
    }
    Ok(Incoming::Request(Request::Set {
        id,
        dockerfile,
        target,
        build_args,
    }))
}

fn read_build_args(args: &Map<String, Value>) -> Result<BTreeMap<String, String>, String> {
    if args.len() > MAX_BUILD_ARGS {
        return Err(format!("at most {MAX_BUILD_ARGS} build args"));
    }
    // A loop, not `collect::<Result<BTreeMap<..>, _>>()`: that compiles a sort of its own.
    let mut read = BTreeMap::new();
    for (name, value) in args {
        let bad_name = name.is_empty()
            || name.len() > MAX_ARG_BYTES
            || name.contains('=')
            || name.chars().any(|c| c.is_whitespace() || c.is_control());
        if bad_name {
            return Err(format!(
                "build arg name `{}` is not a valid name",
                clip(name, 40)
            ));
        }
        let value = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return Err(format!("build arg `{name}` must be a string")),
        };
        if value.len() > MAX_ARG_BYTES || value.contains(['\n', '\r']) {
            return Err(format!(
                "build arg `{name}` must be one line of at most {MAX_ARG_BYTES} bytes"
            ));
        }
        read.insert(name.clone(), value);
    }
    Ok(read)
}

/// The first field besides the envelope and `allowed`, as a rejection reason.
fn unknown_field(object: &Map<String, Value>, allowed: &[&str]) -> Option<String> {
    object
        .keys()
        .find(|k| {
            !matches!(k.as_str(), "stagecraft" | "type" | "id") && !allowed.contains(&k.as_str())
        })
        .map(|k| {
            let known = if allowed.is_empty() {
                "none".to_owned()
            } else {
                allowed.join(", ")
            };
            format!(
                "unknown field `{}` (this message takes: {known})",
                clip(k, 40)
            )
        })
}

fn valid_id(id: &Value) -> bool {
    match id {
        Value::String(s) => s.chars().count() <= MAX_ID_CHARS,
        Value::Number(_) => true,
        _ => false,
    }
}

fn clip(text: &str, chars: usize) -> String {
    let mut out: String = text.chars().take(chars).collect();
    if text.chars().count() > chars {
        out.push('…');
    }
    out
}

/// `KEY=VALUE` lines for the state, from a host's build args.
pub fn build_args_text(args: &BTreeMap<String, String>) -> String {
    args.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
}

/// The envelope every outgoing message shares; `embed` is the embed's `id=` parameter.
fn envelope(kind: &str, embed: Option<&str>) -> Map<String, Value> {
    let mut message = Map::new();
    message.insert("stagecraft".into(), json!(PROTOCOL));
    message.insert("type".into(), json!(kind));
    if let Some(embed) = embed {
        message.insert("embed".into(), json!(embed));
    }
    message
}

/// `ready`: sent once the embed listens.
pub fn ready_message(embed: Option<&str>, readonly: bool) -> Value {
    let mut message = envelope("ready", embed);
    message.insert("protocol".into(), json!(PROTOCOL));
    message.insert("readonly".into(), json!(readonly));
    Value::Object(message)
}

/// `error`: the reply to a message that could not be served.
pub fn error_message(embed: Option<&str>, rejection: &Rejection) -> Value {
    let mut message = envelope("error", embed);
    if let Some(id) = &rejection.id {
        message.insert("id".into(), id.clone());
    }
    if let Some(request) = &rejection.request {
        message.insert("request".into(), json!(clip(request, 40)));
    }
    message.insert("reason".into(), json!(rejection.reason));
    Value::Object(message)
}

/// `state`: the reply to `get`.
pub fn state_message(embed: Option<&str>, id: Option<&Value>, state: &AppState) -> Value {
    let mut message = envelope("state", embed);
    if let Some(id) = id {
        message.insert("id".into(), id.clone());
    }
    message.insert("dockerfile".into(), json!(&*state.text));
    message.insert("target".into(), json!(state.target));
    message.insert(
        "buildArgs".into(),
        json!(crate::state::parse_build_args(&state.build_args)),
    );
    message.insert("panel".into(), json!(state.panel.id()));
    message.insert("step".into(), json!(state.step));
    message.insert("stale".into(), json!(state.stale));
    Value::Object(message)
}

/// `analysis`: sent whenever a new analysis is on screen. Counts and diagnostics, not the
/// text (a host that wants it asks with `get`).
pub fn analysis_message(embed: Option<&str>, state: &AppState) -> Value {
    let view = &state.view;
    let mut message = envelope("analysis", embed);
    message.insert("errors".into(), json!(view.count(Severity::Error)));
    message.insert("warnings".into(), json!(view.count(Severity::Warning)));
    message.insert("stages".into(), json!(view.analysis.stages.len()));
    let names: Vec<Option<&str>> = view
        .analysis
        .stages
        .iter()
        .map(|s| s.name.as_deref())
        .collect();
    message.insert("stageNames".into(), json!(names));
    message.insert("target".into(), json!(state.target));
    message.insert(
        "imageSizeMb".into(),
        json!(view
            .image
            .as_ref()
            .map(|i| (i.size_mb * 100.0).round() / 100.0)),
    );
    message.insert("steps".into(), json!(view.steps.len()));
    let diagnostics: Vec<Value> = view
        .diagnostics
        .iter()
        .take(MAX_EVENT_DIAGNOSTICS)
        .map(|d| {
            json!({
                "line": d.line,
                "column": d.column,
                "severity": d.severity.as_str(),
                "code": d.code,
                "message": clip(&d.message, 240),
            })
        })
        .collect();
    message.insert("diagnostics".into(), Value::Array(diagnostics));
    Value::Object(message)
}

/// `step`: sent when the step-through moves.
pub fn step_message(embed: Option<&str>, state: &AppState) -> Option<Value> {
    if state.panel != Panel::Steps {
        return None;
    }
    let step = state.view.steps.get(state.step)?;
    let mut message = envelope("step", embed);
    message.insert("step".into(), json!(state.step));
    message.insert("total".into(), json!(state.view.steps.len()));
    message.insert("stage".into(), json!(step.stage));
    message.insert(
        "stageName".into(),
        json!(state.view.stage_label(step.stage)),
    );
    let at = state
        .view
        .lines
        .line_col(&state.view.text, step.range.start);
    message.insert("line".into(), json!(at.line));
    message.insert("playing".into(), json!(state.playing));
    Some(Value::Object(message))
}

/// Where a message may go, given the `origin=` list: with none, anywhere (`*`); with a
/// list, only there. A reply goes to its requester's origin (`"null"` origins, from
/// sandboxed or file pages, can only be addressed as `*`).
pub fn reply_target(requester: &str) -> String {
    if requester == "null" {
        "*".to_owned()
    } else {
        requester.to_owned()
    }
}

/// Whether a message from `origin` may be read.
pub fn accepts(allowed: &[String], origin: &str) -> bool {
    allowed.is_empty() || allowed.iter().any(|a| a == origin)
}

/// The `message` listener on the embed's window, removed when dropped. Only the parent
/// window's messages are read (another frame on the host page cannot drive the embed),
/// and with `origin=` only those from the listed origins.
pub struct Listener {
    window: web_sys::Window,
    closure: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl Listener {
    /// Listens if the page is framed; `serve` answers a request, or returns `None` when
    /// its answer comes as an event.
    pub fn start(
        allowed: Vec<String>,
        embed: Option<String>,
        serve: impl Fn(Request) -> Option<Value> + 'static,
    ) -> Option<Listener> {
        let window = web_sys::window()?;
        let parent = parent_window()?;
        let closure = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let from_parent = event
                    .source()
                    .is_some_and(|source| js_sys::Object::is(&source, &parent));
                let origin = event.origin();
                if !from_parent || !accepts(&allowed, &origin) {
                    return;
                }
                let reply = match read_data(&event.data()) {
                    Incoming::NotOurs => None,
                    Incoming::Invalid(rejection) => {
                        Some(error_message(embed.as_deref(), &rejection))
                    }
                    Incoming::Request(request) => serve(request),
                };
                if let Some(reply) = reply {
                    post(&parent, &reply, &reply_target(&origin));
                }
            },
        );
        window
            .add_event_listener_with_callback("message", closure.as_ref().unchecked_ref())
            .ok()?;
        Some(Listener { window, closure })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .window
            .remove_event_listener_with_callback("message", self.closure.as_ref().unchecked_ref());
    }
}

/// A message's data as JSON text, read without evaluating anything. Objects without a
/// `stagecraft` field are other scripts' and are not even serialised.
fn read_data(data: &JsValue) -> Incoming {
    if let Some(text) = data.as_string() {
        return read_text(&text);
    }
    let field = |name: &str| js_sys::Reflect::get(data, &JsValue::from_str(name)).ok();
    if !data.is_object() || field("stagecraft").is_none_or(|v| v.is_undefined()) {
        return Incoming::NotOurs;
    }
    // The envelope, for a reply to a message too big or too odd to read whole.
    let id = field("id").and_then(|v| {
        v.as_string().map(Value::String).or_else(|| {
            v.as_f64()
                .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
        })
    });
    let request = field("type").and_then(|v| v.as_string());
    match js_sys::JSON::stringify(data)
        .ok()
        .and_then(|s| s.as_string())
    {
        Some(text) if text.len() > MAX_MESSAGE_BYTES => {
            Incoming::Invalid(oversized(text.len(), id, request))
        }
        Some(text) => read_text(&text),
        None => Incoming::Invalid(Rejection {
            id: id.filter(valid_id),
            request,
            reason: "the message is not plain JSON data".to_owned(),
        }),
    }
}

/// The window that frames this page, if it is framed.
fn parent_window() -> Option<web_sys::Window> {
    let window = web_sys::window()?;
    let parent = window.parent().ok().flatten()?;
    (!js_sys::Object::is(&parent, &window)).then_some(parent)
}

fn post(to: &web_sys::Window, message: &Value, target_origin: &str) {
    if let Ok(value) = js_sys::JSON::parse(&message.to_string()) {
        // A parent at another origin than `target_origin` simply does not get it.
        let _ = to.post_message(&value, target_origin);
    }
}

/// Sends an event to the framing page: anywhere without `origin=`, else to each listed
/// origin (the browser delivers only to the one the parent has).
pub fn post_event(allowed: &[String], message: &Value) {
    let Some(parent) = parent_window() else {
        return;
    };
    if allowed.is_empty() {
        post(&parent, message, "*");
        return;
    }
    match parent_origin() {
        // Known (Chromium, Safari): send only if it is allowed, with no failed posts logged.
        Some(origin) => {
            if accepts(allowed, &origin) {
                post(&parent, message, &origin);
            }
        }
        None => {
            for origin in allowed {
                post(&parent, message, origin);
            }
        }
    }
}

/// The framing page's origin where the browser tells it (`location.ancestorOrigins`).
fn parent_origin() -> Option<String> {
    let location = web_sys::window()?.location();
    let list = js_sys::Reflect::get(&location, &JsValue::from_str("ancestorOrigins")).ok()?;
    if list.is_undefined() || list.is_null() {
        return None;
    }
    js_sys::Reflect::get(&list, &JsValue::from(0))
        .ok()?
        .as_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(value: Value) -> String {
        match read(&value) {
            Incoming::Invalid(r) => r.reason,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn set_and_get_are_read() {
        let set = read(&json!({
            "stagecraft": 1, "type": "set", "id": "a",
            "dockerfile": "FROM alpine\n", "target": "build", "buildArgs": {"V": "1", "N": 2}
        }));
        assert_eq!(
            set,
            Incoming::Request(Request::Set {
                id: Some(json!("a")),
                dockerfile: Some("FROM alpine\n".into()),
                target: Some(Some("build".into())),
                build_args: Some(BTreeMap::from([
                    ("N".into(), "2".into()),
                    ("V".into(), "1".into())
                ])),
            })
        );
        let last = read(&json!({"stagecraft": 1, "type": "set", "target": null}));
        assert!(matches!(
            last,
            Incoming::Request(Request::Set {
                target: Some(None),
                dockerfile: None,
                ..
            })
        ));
        assert_eq!(
            read(&json!({"stagecraft": 1, "type": "get", "id": 7})),
            Incoming::Request(Request::Get { id: Some(json!(7)) })
        );
    }

    #[test]
    fn other_scripts_messages_are_ignored() {
        assert_eq!(read(&json!("hello")), Incoming::NotOurs);
        assert_eq!(read(&json!({"type": "set"})), Incoming::NotOurs);
        assert_eq!(read(&json!([1, 2])), Incoming::NotOurs);
        assert_eq!(read_text("not json"), Incoming::NotOurs);
        assert_eq!(
            read_text(&"x".repeat(MAX_MESSAGE_BYTES + 1)),
            Incoming::NotOurs
        );
    }

    #[test]
    fn malformed_messages_are_rejected_with_a_reason() {
        assert!(rejected(json!({"stagecraft": 2, "type": "get"})).contains("version 1, not 2"));
        assert!(rejected(json!({"stagecraft": "1", "type": "get"})).contains("version"));
        assert!(rejected(json!({"stagecraft": 1})).contains("no `type`"));
        assert!(rejected(json!({"stagecraft": 1, "type": 3})).contains("must be a string"));
        assert!(rejected(json!({"stagecraft": 1, "type": "eval"}))
            .contains("unknown message type `eval`"));
        assert!(rejected(json!({"stagecraft": 1, "type": "set"})).contains("at least one"));
        assert!(
            rejected(json!({"stagecraft": 1, "type": "set", "dockerfile": 5}))
                .contains("`dockerfile` must be a string")
        );
        assert!(
            rejected(json!({"stagecraft": 1, "type": "set", "target": ["a"]})).contains("`target`")
        );
        assert!(
            rejected(json!({"stagecraft": 1, "type": "set", "target": "a\nb"}))
                .contains("`target`")
        );
        assert!(
            rejected(json!({"stagecraft": 1, "type": "set", "buildArgs": "A=1"}))
                .contains("`buildArgs`")
        );
        assert!(
            rejected(json!({"stagecraft": 1, "type": "set", "buildArgs": {"A B": "1"}}))
                .contains("not a valid name")
        );
        assert!(
            rejected(json!({"stagecraft": 1, "type": "set", "buildArgs": {"A": "1\n2"}}))
                .contains("one line")
        );
        assert!(
            rejected(json!({"stagecraft": 1, "type": "set", "buildArgs": {"A": {}}}))
                .contains("must be a string")
        );
        assert!(
            rejected(json!({"stagecraft": 1, "type": "set", "Dockerfile": "FROM a"}))
                .contains("unknown field `Dockerfile`")
        );
        assert!(
            rejected(json!({"stagecraft": 1, "type": "get", "extra": 1})).contains("unknown field")
        );
        assert!(rejected(json!({"stagecraft": 1, "type": "get", "id": {"x": 1}})).contains("`id`"));
        let many: Map<String, Value> = (0..=MAX_BUILD_ARGS)
            .map(|i| (format!("A{i}"), json!("1")))
            .collect();
        assert!(
            rejected(json!({"stagecraft": 1, "type": "set", "buildArgs": many}))
                .contains("at most")
        );
    }

    #[test]
    fn sizes_are_bounded() {
        let big = "RUN true\n".repeat(MAX_DOCKERFILE_BYTES / 9 + 1);
        assert!(
            rejected(json!({"stagecraft": 1, "type": "set", "dockerfile": big})).contains("limit")
        );
        let huge = format!(
            r#"{{"stagecraft": 1, "type": "set", "dockerfile": "{}"}}"#,
            "a".repeat(MAX_MESSAGE_BYTES)
        );
        match read_text(&huge) {
            Incoming::Invalid(r) => assert!(r.reason.contains("limit"), "{}", r.reason),
            other => panic!("{other:?}"),
        }
        let refused = oversized(700_000, Some(json!("q")), Some("set".into()));
        assert_eq!(refused.id, Some(json!("q")));
        assert!(refused.reason.contains("700000 bytes"));
        assert_eq!(
            oversized(700_000, Some(json!({"a": 1})), None).id,
            None,
            "only usable ids echo"
        );
        let long_id = "i".repeat(MAX_ID_CHARS + 1);
        assert!(rejected(json!({"stagecraft": 1, "type": "get", "id": long_id})).contains("`id`"));
    }

    #[test]
    fn a_rejection_echoes_a_usable_id_and_type() {
        let Incoming::Invalid(r) = read(&json!({"stagecraft": 1, "type": "set", "id": "q1"}))
        else {
            panic!("rejected expected");
        };
        let reply = error_message(Some("docs-1"), &r);
        assert_eq!(reply["type"], "error");
        assert_eq!(reply["id"], "q1");
        assert_eq!(reply["request"], "set");
        assert_eq!(reply["embed"], "docs-1");
        assert_eq!(reply["stagecraft"], 1);
    }

    #[test]
    fn events_describe_the_analysis_and_state() {
        let mut state = AppState::new(
            "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM alpine\nCOPY --from=build /app /app\n".into(),
            None,
            "V=1\n".into(),
        );
        let analysis = analysis_message(None, &state);
        assert_eq!(analysis["stages"], 2);
        assert_eq!(analysis["stageNames"], json!(["build", null]));
        assert!(analysis["imageSizeMb"].as_f64().is_some_and(|mb| mb > 0.0));
        assert!(analysis.get("dockerfile").is_none(), "events carry no text");
        let reply = state_message(None, Some(&json!(3)), &state);
        assert_eq!(reply["id"], 3);
        assert_eq!(reply["buildArgs"], json!({"V": "1"}));
        assert!(reply["dockerfile"]
            .as_str()
            .is_some_and(|t| t.starts_with("FROM golang")));
        assert_eq!(
            step_message(None, &state),
            None,
            "no step events off the Steps panel"
        );
        state.panel = Panel::Steps;
        state.step = 1;
        let Some(step) = step_message(Some("e"), &state) else {
            panic!("a step event on the Steps panel");
        };
        assert_eq!(step["step"], 1);
        assert_eq!(step["stageName"], "build");
    }

    #[test]
    fn origins_restrict_when_listed() {
        assert!(accepts(&[], "https://any.example"));
        let allowed = vec!["https://docs.example".to_owned()];
        assert!(accepts(&allowed, "https://docs.example"));
        assert!(!accepts(&allowed, "https://evil.example"));
        assert!(!accepts(&allowed, "null"));
        assert_eq!(reply_target("null"), "*");
        assert_eq!(reply_target("https://docs.example"), "https://docs.example");
    }

    #[test]
    fn build_args_become_lines() {
        let args = BTreeMap::from([
            ("A".to_owned(), "1".to_owned()),
            ("B".to_owned(), String::new()),
        ]);
        assert_eq!(build_args_text(&args), "A=1\nB=\n");
    }
}
