//! Route handlers, one module per resource. Handlers turn validated input into store calls in
//! one transaction and shape the answer; they narrow what a `member` session can see.

pub mod admin;
pub mod agents;
pub mod attempts;
pub mod entrances;
pub mod events;
pub mod grants;
pub mod guest_links;
pub mod keys;
pub mod methods;
pub mod sessions;
pub mod sites;
pub mod users;

use ajar_protocol::{ok_envelope, Event, Pagination};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::store::sql::Page;

/// Turns the validated input into a typed request.
pub fn parse<T: DeserializeOwned>(body: Value) -> ApiResult<T> {
    serde_json::from_value(body)
        .map_err(|e| ApiError::invalid_input(format!("Invalid request: {e}")))
}

pub fn required<T>(v: Option<T>, field: &str) -> ApiResult<T> {
    v.ok_or_else(|| ApiError::invalid_field(field, "Required"))
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

pub fn one<T: Serialize>(key: &str, v: &T) -> Value {
    ok_envelope(key, to_value(v))
}

pub fn many<T: Serialize>(key: &str, v: &[T]) -> Value {
    ok_envelope(key, to_value(&v))
}

pub fn ok() -> Value {
    json!({ "ok": true })
}

/// `{key: items, pagination: {…}, ok: true}`; `next_page_url` repeats the request's filters.
pub fn paged<T: Serialize>(ctx: &Ctx, key: &str, page: Page<T>) -> Value {
    let next_page_url = page.next_cursor.as_ref().map(|cursor| {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if let Some(obj) = ctx.input.as_object() {
            for (k, v) in obj {
                if k == "page_cursor" {
                    continue;
                }
                match v {
                    Value::String(s) => {
                        q.append_pair(k, s);
                    }
                    Value::Number(n) => {
                        q.append_pair(k, &n.to_string());
                    }
                    Value::Bool(b) => {
                        q.append_pair(k, if *b { "true" } else { "false" });
                    }
                    Value::Array(items) => {
                        for i in items {
                            if let Some(s) = i.as_str() {
                                q.append_pair(k, s);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        q.append_pair("page_cursor", cursor);
        format!(
            "{}{}?{}",
            ctx.app.config.public_url,
            ctx.route.path,
            q.finish()
        )
    });
    let pagination = Pagination {
        has_next_page: page.next_cursor.is_some(),
        next_page_cursor: page.next_cursor,
        next_page_url,
    };
    let mut v = ok_envelope(key, to_value(&page.items));
    v["pagination"] = to_value(&pagination);
    v
}

/// A new event attributed to the caller.
pub fn event(ctx: &Ctx, event_type: &str) -> Event {
    let (actor_type, actor_id) = ctx.caller.audit_actor();
    Event {
        event_id: Uuid::now_v7(),
        event_type: event_type.to_owned(),
        workspace_id: ctx.caller.workspace_id,
        created_at: ctx.now,
        occurred_at: ctx.now,
        connected_account_id: Some(crate::store::workspaces::connected_account_id(
            ctx.caller.workspace_id,
        )),
        client_session_id: match ctx.caller.actor {
            crate::authz::Actor::ClientSession {
                client_session_id, ..
            } => Some(client_session_id),
            _ => None,
        },
        actor_type: Some(actor_type.to_owned()),
        actor_id: Some(actor_id),
        ..Event::default()
    }
}

/// An audit event for an administrative change: the object it touched and the names of the
/// fields it changed (never their values when they are secret).
pub fn change(
    ctx: &Ctx,
    event_type: &str,
    object_type: &str,
    object_id: Uuid,
    fields: &[&str],
) -> Event {
    let mut e = event(ctx, event_type);
    e.object_type = Some(object_type.to_owned());
    e.object_id = (!object_id.is_nil()).then_some(object_id);
    if !fields.is_empty() {
        e.changed_fields = Some(fields.iter().map(|f| (*f).to_owned()).collect());
    }
    e
}

/// SQL `LIKE` pattern for a free-text search, with wildcards escaped.
pub fn like(search: &str) -> String {
    let escaped = search
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// A non-empty, trimmed name of at most `max` characters.
pub fn name_field(v: Option<String>, field: &str, max: usize) -> ApiResult<Option<String>> {
    match v {
        None => Ok(None),
        Some(s) => {
            let t = s.trim();
            if t.is_empty() {
                Err(ApiError::invalid_field(field, "Must not be empty"))
            } else if t.chars().count() > max {
                Err(ApiError::invalid_field(
                    field,
                    format!("Must be at most {max} characters"),
                ))
            } else {
                Ok(Some(t.to_owned()))
            }
        }
    }
}

/// `{"batch": {key: [...] for each wanted key}, "ok": true}`; keys without data are empty arrays.
pub fn batch(want: &[&'static str], mut fill: impl FnMut(&str) -> Option<Value>) -> Value {
    let mut out = serde_json::Map::new();
    for k in want {
        out.insert((*k).to_owned(), fill(k).unwrap_or_else(|| json!([])));
    }
    json!({ "batch": out, "ok": true })
}
