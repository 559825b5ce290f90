//! `access_methods/*`: cloud keys, and `unlock_door`, the unlock path. An unlock is authorized,
//! recorded (action attempt + events) and committed in one transaction of the writer; only then
//! is the door driver told to open, and only then does the caller get the answer.

use std::collections::BTreeSet;

use crate::store::db::Value as Sql;
use ajar_protocol::requests::*;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{event, ok, one, paged, parse, required};
use crate::api::{unlock, Ctx};
use crate::authz::decide_unlock;
use crate::error::{ApiError, ApiResult};
use crate::store::sql::{page_args, Filter};
use crate::store::{entrances, events, grants};

fn scope(ctx: &Ctx) -> Filter {
    let mut f = Filter::workspace("m.workspace_id", ctx.caller.workspace_id);
    if let Some(me) = ctx.caller.only_user() {
        f.eq("g.user_identity_id", me.to_string());
    }
    f
}

pub async fn list(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AccessMethodsList = parse(body)?;
    let (limit, after) = page_args(r.limit, 500, r.page_cursor.as_deref())?;
    let ws = ctx.caller.workspace_id;
    let mut f = scope(&ctx);
    if let Some(g) = r.access_grant_id {
        f.eq("m.access_grant_id", g.to_string());
    }
    if let Some(k) = r.access_grant_key {
        f.eq("g.access_grant_key", k);
    }
    if let Some(u) = r.user_identity_id {
        f.eq("g.user_identity_id", u.to_string());
    }
    if let Some(e) = r.acs_entrance_id {
        f.raw(
            "m.access_grant_id IN (SELECT access_grant_id FROM access_grant_entrances WHERE acs_entrance_id = ? AND workspace_id = ?)",
            vec![Sql::Text(e.to_string()), Sql::Text(ws.to_string())],
        );
    }
    if r.device_id.is_some() || r.space_id.is_some() || r.access_code_id.is_some() {
        // Ajar has no devices, spaces or access codes: nothing can match.
        f.raw("FALSE", vec![]);
    }
    let page = ctx
        .app
        .store
        .read(move |c| grants::method_list(c, &f, limit, after))
        .await?;
    let page = crate::store::sql::Page {
        items: page.items.into_iter().map(|r| r.method).collect(),
        next_cursor: page.next_cursor,
    };
    Ok(paged(&ctx, "access_methods", page))
}

pub async fn get(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AccessMethodsGet = parse(body)?;
    let id = required(r.access_method_id, "access_method_id")?;
    let ws = ctx.caller.workspace_id;
    let rec = ctx
        .app
        .store
        .read(move |c| grants::method_get(c, ws, id))
        .await?
        .filter(|m| {
            ctx.caller
                .only_user()
                .is_none_or(|me| me == m.user_identity_id)
        })
        .ok_or_else(|| ApiError::not_found("access_method", "access_method_id", id))?;
    Ok(one("access_method", &rec.method))
}

pub async fn get_related(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AccessMethodsGetRelated = parse(body)?;
    let ids = required(r.access_method_ids, "access_method_ids")?;
    let ws = ctx.caller.workspace_id;
    let only = ctx.caller.only_user();
    let want = super::grants::wanted(
        &[
            "acs_entrances",
            "access_grants",
            "access_methods",
            "spaces",
            "devices",
            "instant_keys",
            "client_sessions",
            "acs_credentials",
        ],
        r.include,
        r.exclude,
    );
    let (entrances, grants_found, methods) = ctx
        .app
        .store
        .read(move |c| {
            let mut methods = Vec::new();
            let mut grant_ids = BTreeSet::new();
            for id in ids {
                if let Some(m) = grants::method_get(c, ws, id)? {
                    if only.is_none_or(|me| me == m.user_identity_id) {
                        grant_ids.insert(m.access_grant_id);
                        methods.push(m.method);
                    }
                }
            }
            let mut entrance_ids = BTreeSet::new();
            let mut found = Vec::new();
            for g in grant_ids {
                if let Some(g) = grants::get(c, ws, g)? {
                    entrance_ids.extend(g.acs_entrance_ids.iter().copied());
                    found.push(g);
                }
            }
            let entrances =
                entrances::get_many(c, ws, &entrance_ids.into_iter().collect::<Vec<_>>())?;
            Ok((entrances, found, methods))
        })
        .await?;
    let entrances = super::entrances::live_all(&ctx, entrances).await?;
    Ok(super::batch(&want, |k| match k {
        "acs_entrances" => Some(json!(entrances)),
        "access_grants" => Some(json!(grants_found)),
        "access_methods" => Some(json!(methods)),
        _ => None,
    }))
}

pub async fn unlock_door(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AccessMethodsUnlockDoor = parse(body)?;
    let method_id = required(r.access_method_id, "access_method_id")?;
    let entrance_id = required(r.acs_entrance_id, "acs_entrance_id")?;
    let caller = ctx.caller;
    let now = ctx.now;
    let plan = unlock::Plan {
        ws: ctx.caller.workspace_id,
        method_id,
        entrance_id,
        idempotency_key: ctx.idempotency_key.clone(),
        fingerprint: format!("unlock_door:{method_id}:{entrance_id}"),
        event: event(&ctx, "lock.unlocked"),
        guest_link_id: None,
    };
    let outcome = ctx
        .app
        .store
        .write(move |c| {
            unlock::execute(c, plan, now, |c, facts, entrance| {
                if !caller.may_use_key_of(facts.user_identity_id) {
                    return Err(ApiError::not_found(
                        "access_method",
                        "access_method_id",
                        method_id,
                    )
                    .into());
                }
                Ok(decide_unlock(
                    &unlock::unlock_facts(c, facts, entrance)?,
                    now,
                ))
            })
        })
        .await?;
    // Committed: now, and only now, the door opens (directly, or through the site's agent).
    let outcome = unlock::deliver(&ctx.app, outcome).await?;
    Ok(one("action_attempt", &outcome.attempt))
}

pub async fn delete(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AccessMethodsDelete = parse(body)?;
    let (ws, now) = (ctx.caller.workspace_id, ctx.now);
    let base = event(&ctx, "access_method.revoked");
    let target = match (r.access_method_id, r.access_grant_id, r.reservation_key) {
        (Some(m), _, _) => Target::Method(m),
        (None, Some(g), _) => Target::Grant(g),
        (None, None, Some(k)) => Target::Reservation(k),
        (None, None, None) => {
            return Err(ApiError::invalid_input(
                "Send access_method_id, access_grant_id or reservation_key",
            ))
        }
    };
    ctx.app
        .store
        .write(move |c| {
            let methods: Vec<Uuid> = match target {
                Target::Method(m) => vec![m],
                Target::Grant(g) => {
                    grants::get(c, ws, g)?
                        .ok_or_else(|| ApiError::not_found("access_grant", "access_grant_id", g))?;
                    grants::method_ids(c, g)?
                }
                Target::Reservation(k) => {
                    let mut f = Filter::workspace("workspace_id", ws);
                    f.eq("reservation_key", k.clone());
                    let page = grants::list(c, &f, 1000, 0)?;
                    if page.items.is_empty() {
                        return Err(
                            ApiError::not_found("access_grant", "reservation_key", k).into()
                        );
                    }
                    page.items
                        .into_iter()
                        .flat_map(|g| g.access_method_ids)
                        .collect()
                }
            };
            for m in methods {
                let rec = grants::method_revoke(c, ws, m, now)?;
                let mut e = base.clone();
                e.event_id = Uuid::now_v7();
                e.access_method_id = Some(m);
                e.access_grant_id = Some(rec.access_grant_id);
                e.access_grant_ids = Some(vec![rec.access_grant_id]);
                e.user_identity_id = Some(rec.user_identity_id);
                events::append(c, &e)?;
            }
            Ok(())
        })
        .await?;
    Ok(ok())
}

enum Target {
    Method(Uuid),
    Grant(Uuid),
    Reservation(String),
}
