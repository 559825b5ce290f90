//! `acs/entrances/*`: doors, with their live state from the door driver. Members see only the
//! entrances of their own grants.

use crate::store::db::Value as Sql;
use ajar_protocol::requests::*;
use ajar_protocol::AcsEntrance;
use serde_json::Value;

use super::{change, event, like, name_field, ok, one, paged, parse, required};
use crate::api::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::store::entrances::{self, EntranceChanges, NewEntrance};
use crate::store::sql::{ids, page_args, Filter};

pub const VISIBLE_TO_USER: &str =
    "e.id IN (SELECT ge.acs_entrance_id FROM access_grant_entrances ge
    JOIN access_grants g ON g.id = ge.access_grant_id
    WHERE g.user_identity_id = ? AND g.deleted_at IS NULL)";

/// Relock pulses outside this range are refused (milliseconds).
const PULSE_RANGE: std::ops::RangeInclusive<u32> = 200..=60_000;

/// Adds the door driver's (or door agent's) live state to stored entrances.
pub async fn live_all(ctx: &Ctx, mut es: Vec<AcsEntrance>) -> ApiResult<Vec<AcsEntrance>> {
    let states = ctx.app.door_states(&es, ctx.app.clock.now()).await?;
    for (e, state) in es.iter_mut().zip(states) {
        e.is_locked = state.unlocked_until.is_none();
        e.ajar_metadata.unlocked_until = state.unlocked_until;
        e.ajar_metadata.is_online = state.online;
    }
    Ok(es)
}

/// [`live_all`] for one entrance.
pub async fn live(ctx: &Ctx, e: AcsEntrance) -> ApiResult<AcsEntrance> {
    let mut es = live_all(ctx, vec![e]).await?;
    Ok(es.pop().expect("one in, one out"))
}

fn scope(ctx: &Ctx) -> Filter {
    let mut f = Filter::workspace("e.workspace_id", ctx.caller.workspace_id);
    if let Some(u) = ctx.caller.only_user() {
        f.raw(VISIBLE_TO_USER, vec![Sql::Text(u.to_string())]);
    }
    f
}

pub async fn list(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AcsEntrancesList = parse(body)?;
    let (limit, after) = page_args(r.limit, 900, r.page_cursor.as_deref())?;
    let mut f = scope(&ctx);
    if let Some(s) = r.acs_system_id {
        f.eq("e.acs_system_id", s.to_string());
    }
    if let Some(v) = r.acs_entrance_ids {
        f.any_of("e.id", ids(&v));
    }
    if let Some(m) = r.access_method_id {
        f.raw(
            "e.id IN (SELECT ge.acs_entrance_id FROM access_methods m JOIN access_grant_entrances ge ON ge.access_grant_id = m.access_grant_id
              WHERE m.id = ? AND m.workspace_id = ? AND m.revoked_at IS NULL)",
            vec![Sql::Text(m.to_string()), Sql::Text(ctx.caller.workspace_id.to_string())],
        );
    }
    if let Some(s) = r.search.filter(|s| !s.is_empty()) {
        f.raw(
            "e.display_name LIKE ? ESCAPE '\\'",
            vec![Sql::Text(like(&s))],
        );
    }
    let mut page = ctx
        .app
        .store
        .read(move |c| entrances::list(c, &f, limit, after))
        .await?;
    page.items = live_all(&ctx, page.items).await?;
    Ok(paged(&ctx, "acs_entrances", page))
}

pub async fn get(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AcsEntrancesGet = parse(body)?;
    let id = required(r.acs_entrance_id, "acs_entrance_id")?;
    let mut f = scope(&ctx);
    f.eq("e.id", id.to_string());
    let page = ctx
        .app
        .store
        .read(move |c| entrances::list(c, &f, 1, 0))
        .await?;
    let e = page
        .items
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("acs_entrance", "acs_entrance_id", id))?;
    Ok(one("acs_entrance", &live(&ctx, e).await?))
}

fn pulse(v: Option<u32>) -> ApiResult<Option<u32>> {
    match v {
        Some(p) if !PULSE_RANGE.contains(&p) => Err(ApiError::invalid_field(
            "relock_pulse_ms",
            format!(
                "Must be between {} and {} milliseconds",
                PULSE_RANGE.start(),
                PULSE_RANGE.end()
            ),
        )),
        other => Ok(other),
    }
}

pub async fn create(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AcsEntrancesCreate = parse(body)?;
    let n = NewEntrance {
        acs_system_id: required(r.acs_system_id, "acs_system_id")?,
        display_name: required(
            name_field(r.display_name, "display_name", 200)?,
            "display_name",
        )?,
        can_unlock_with_cloud_key: r.can_unlock_with_cloud_key.unwrap_or(true),
        relock_pulse_ms: pulse(r.relock_pulse_ms)?.unwrap_or(ctx.app.config.default_pulse_ms),
        is_in_lockdown: r.is_in_lockdown.unwrap_or(false),
    };
    let (ws, now, mut ev) = (
        ctx.caller.workspace_id,
        ctx.now,
        event(&ctx, "acs_entrance.added"),
    );
    let e = ctx
        .app
        .store
        .write(move |c| {
            let e = entrances::create(c, ws, &n, now)?;
            // Cloud keys that cover the whole site now cover this door too.
            crate::store::grants::join_whole_site_grants(
                c,
                ws,
                e.acs_system_id,
                e.acs_entrance_id,
            )?;
            ev.acs_entrance_id = Some(e.acs_entrance_id);
            ev.acs_system_id = Some(e.acs_system_id);
            ev.object_type = Some("acs_entrance".to_owned());
            ev.object_id = Some(e.acs_entrance_id);
            crate::store::events::append(c, &ev)?;
            Ok(e)
        })
        .await?;
    Ok(one("acs_entrance", &live(&ctx, e).await?))
}

pub async fn update(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AcsEntrancesUpdate = parse(body)?;
    let id = required(r.acs_entrance_id, "acs_entrance_id")?;
    let changes = EntranceChanges {
        display_name: name_field(r.display_name, "display_name", 200)?,
        can_unlock_with_cloud_key: r.can_unlock_with_cloud_key,
        relock_pulse_ms: pulse(r.relock_pulse_ms)?,
        is_in_lockdown: r.is_in_lockdown,
    };
    let ws = ctx.caller.workspace_id;
    let mut fields = Vec::new();
    for (name, set) in [
        ("display_name", changes.display_name.is_some()),
        (
            "can_unlock_with_cloud_key",
            changes.can_unlock_with_cloud_key.is_some(),
        ),
        ("relock_pulse_ms", changes.relock_pulse_ms.is_some()),
        ("is_in_lockdown", changes.is_in_lockdown.is_some()),
    ] {
        if set {
            fields.push(name);
        }
    }
    let mut ev = change(&ctx, "acs_entrance.updated", "acs_entrance", id, &fields);
    ev.acs_entrance_id = Some(id);
    let e = ctx
        .app
        .store
        .write(move |c| {
            let e = entrances::update(c, ws, id, &changes)?;
            if ev.changed_fields.is_some() {
                ev.acs_system_id = Some(e.acs_system_id);
                crate::store::events::append(c, &ev)?;
            }
            Ok(e)
        })
        .await?;
    Ok(one("acs_entrance", &live(&ctx, e).await?))
}

pub async fn delete(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AcsEntrancesDelete = parse(body)?;
    let id = required(r.acs_entrance_id, "acs_entrance_id")?;
    let (ws, now, mut ev) = (
        ctx.caller.workspace_id,
        ctx.now,
        event(&ctx, "acs_entrance.removed"),
    );
    ctx.app
        .store
        .write(move |c| {
            let e = entrances::get(c, ws, id)?
                .ok_or_else(|| ApiError::not_found("acs_entrance", "acs_entrance_id", id))?;
            entrances::delete(c, ws, id, now)?;
            ev.acs_entrance_id = Some(id);
            ev.object_type = Some("acs_entrance".to_owned());
            ev.object_id = Some(id);
            ev.acs_system_id = Some(e.acs_system_id);
            crate::store::events::append(c, &ev)?;
            Ok(())
        })
        .await?;
    Ok(ok())
}
