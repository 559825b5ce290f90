//! `events/*`: the audit trail, newest first. Members see only events about themselves.

use crate::store::db::Value as Sql;
use ajar_protocol::requests::*;
use ajar_protocol::time::parse_ts;
use serde_json::Value;
use uuid::Uuid;

use super::{many, one, parse};
use crate::api::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::store::events;
use crate::store::sql::{ids, Filter};

const MAX_LIMIT: f64 = 1000.0;

fn time(s: &str, field: &str) -> ApiResult<i64> {
    parse_ts(s)
        .map(|t| t.timestamp_millis())
        .map_err(|_| ApiError::invalid_field(field, "Invalid datetime: expected RFC 3339"))
}

fn scope(ctx: &Ctx) -> Filter {
    let mut f = Filter::workspace("workspace_id", ctx.caller.workspace_id);
    if let Some(me) = ctx.caller.only_user() {
        f.eq("user_identity_id", me.to_string());
    }
    f
}

fn one_or_many(f: &mut Filter, col: &str, one: Option<Uuid>, many: Option<Vec<Uuid>>) {
    if let Some(v) = one {
        f.eq(col, v.to_string());
    }
    if let Some(v) = many {
        f.any_of(col, ids(&v));
    }
}

pub async fn list(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: EventsList = parse(body)?;
    let mut f = scope(&ctx);
    if let Some(s) = &r.since {
        f.raw("occurred_at >= ?", vec![Sql::Integer(time(s, "since")?)]);
    }
    if let Some(b) = &r.between {
        if b.len() != 2 {
            return Err(ApiError::invalid_field(
                "between",
                "Expected two datetimes [from, to]",
            ));
        }
        f.raw(
            "occurred_at >= ? AND occurred_at < ?",
            vec![
                Sql::Integer(time(&b[0], "between")?),
                Sql::Integer(time(&b[1], "between")?),
            ],
        );
    }
    if let Some(t) = r.event_type {
        f.eq("event_type", t);
    }
    if let Some(ts) = r.event_types {
        f.any_of("event_type", ts.into_iter().map(Sql::Text).collect());
    }
    if let Some(v) = r.event_ids {
        f.any_of("id", ids(&v));
    }
    one_or_many(&mut f, "user_identity_id", r.user_identity_id, None);
    one_or_many(&mut f, "acs_entrance_id", r.acs_entrance_id, None);
    one_or_many(&mut f, "acs_system_id", r.acs_system_id, r.acs_system_ids);
    one_or_many(
        &mut f,
        "access_grant_id",
        r.access_grant_id,
        r.access_grant_ids,
    );
    one_or_many(
        &mut f,
        "access_method_id",
        r.access_method_id,
        r.access_method_ids,
    );
    one_or_many(&mut f, "action_attempt_id", r.action_attempt_id, None);
    one_or_many(&mut f, "guest_link_id", r.guest_link_id, None);
    for (path, v) in [
        ("$.object_type", r.object_type),
        ("$.object_id", r.object_id.map(|u| u.to_string())),
        ("$.actor_id", r.actor_id.map(|u| u.to_string())),
    ] {
        if let Some(v) = v {
            f.raw(
                &format!("json_extract(body, '{path}') = ?"),
                vec![Sql::Text(v)],
            );
        }
    }
    if r.device_id.is_some() || r.device_ids.is_some_and(|d| !d.is_empty()) {
        // Ajar has no devices: nothing can match.
        f.raw("FALSE", vec![]);
    }
    let limit = match r.limit {
        None => 500,
        Some(l) if l.is_finite() && l >= 1.0 => l.min(MAX_LIMIT) as u32,
        Some(_) => {
            return Err(ApiError::invalid_field(
                "limit",
                "Expected a positive number",
            ))
        }
    };
    let items = ctx
        .app
        .store
        .read(move |c| events::list(c, &f, limit))
        .await?;
    Ok(many("events", &items))
}

pub async fn get(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: EventsGet = parse(body)?;
    let mut f = scope(&ctx);
    let missing = match (r.event_id, r.event_type, r.device_id) {
        (Some(id), _, _) => {
            f.eq("id", id.to_string());
            ApiError::not_found("event", "event_id", id)
        }
        (None, Some(t), _) => {
            f.eq("event_type", t.clone());
            ApiError::not_found("event", "event_type", t)
        }
        (None, None, Some(d)) => return Err(ApiError::not_found("event", "device_id", d)),
        (None, None, None) => {
            return Err(ApiError::invalid_input(
                "Send event_id, event_type or device_id",
            ))
        }
    };
    let found = ctx.app.store.read(move |c| events::list(c, &f, 1)).await?;
    let e = found.into_iter().next().ok_or(missing)?;
    Ok(one("event", &e))
}
