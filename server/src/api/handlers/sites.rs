//! `acs/systems/*`: sites. Members see the sites of the entrances they hold grants for.

use crate::store::db::Value as Sql;
use ajar_protocol::requests::*;
use serde_json::Value;

use super::{change, event, like, many, name_field, ok, one, parse, required};
use crate::api::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::store::{sites, sql::Filter};

const VISIBLE_TO_USER: &str = "id IN (SELECT e.acs_system_id FROM acs_entrances e
    JOIN access_grant_entrances ge ON ge.acs_entrance_id = e.id
    JOIN access_grants g ON g.id = ge.access_grant_id
    WHERE g.user_identity_id = ? AND g.deleted_at IS NULL)";

fn scope(ctx: &Ctx) -> Filter {
    let mut f = Filter::workspace("workspace_id", ctx.caller.workspace_id);
    if let Some(u) = ctx.caller.only_user() {
        f.raw(VISIBLE_TO_USER, vec![Sql::Text(u.to_string())]);
    }
    f
}

pub fn validate_time_zone(tz: &str) -> ApiResult<String> {
    tz.parse::<chrono_tz::Tz>()
        .map(|z| z.name().to_owned())
        .map_err(|_| {
            ApiError::invalid_field(
                "time_zone",
                format!("{tz:?} is not an IANA time zone (e.g. Europe/Berlin)"),
            )
        })
}

pub async fn list(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AcsSystemsList = parse(body)?;
    let mut f = scope(&ctx);
    if let Some(s) = r.search.filter(|s| !s.is_empty()) {
        f.raw("name LIKE ? ESCAPE '\\'", vec![Sql::Text(like(&s))]);
    }
    if let Some(ca) = r.connected_account_id {
        if ca != crate::store::workspaces::connected_account_id(ctx.caller.workspace_id) {
            f.raw("FALSE", vec![]);
        }
    }
    let items = ctx.app.store.read(move |c| sites::list(c, &f)).await?;
    Ok(many("acs_systems", &items))
}

pub async fn get(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AcsSystemsGet = parse(body)?;
    let id = required(r.acs_system_id, "acs_system_id")?;
    let mut f = scope(&ctx);
    f.eq("id", id.to_string());
    let found = ctx.app.store.read(move |c| sites::list(c, &f)).await?;
    let site = found
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("acs_system", "acs_system_id", id))?;
    Ok(one("acs_system", &site))
}

pub async fn create(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AcsSystemsCreate = parse(body)?;
    let name = required(name_field(r.name, "name", 200)?, "name")?;
    let tz = validate_time_zone(&required(r.time_zone, "time_zone")?)?;
    let ws = ctx.caller.workspace_id;
    let (now, mut ev) = (ctx.now, event(&ctx, "acs_system.added"));
    let site = ctx
        .app
        .store
        .write(move |c| {
            let site = sites::create(c, ws, &name, &tz, now)?;
            ev.acs_system_id = Some(site.acs_system_id);
            ev.object_type = Some("acs_system".to_owned());
            ev.object_id = Some(site.acs_system_id);
            crate::store::events::append(c, &ev)?;
            Ok(site)
        })
        .await?;
    Ok(one("acs_system", &site))
}

pub async fn update(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AcsSystemsUpdate = parse(body)?;
    let id = required(r.acs_system_id, "acs_system_id")?;
    let name = name_field(r.name, "name", 200)?;
    let tz = r.time_zone.map(|t| validate_time_zone(&t)).transpose()?;
    let ws = ctx.caller.workspace_id;
    let mut fields = Vec::new();
    if name.is_some() {
        fields.push("name");
    }
    if tz.is_some() {
        fields.push("time_zone");
    }
    let mut ev = change(&ctx, "acs_system.updated", "acs_system", id, &fields);
    ev.acs_system_id = Some(id);
    let site = ctx
        .app
        .store
        .write(move |c| {
            let site = sites::update(c, ws, id, name.as_deref(), tz.as_deref())?;
            if ev.changed_fields.is_some() {
                crate::store::events::append(c, &ev)?;
            }
            Ok(site)
        })
        .await?;
    Ok(one("acs_system", &site))
}

pub async fn delete(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AcsSystemsDelete = parse(body)?;
    let id = required(r.acs_system_id, "acs_system_id")?;
    let (ws, now) = (ctx.caller.workspace_id, ctx.now);
    let mut ev = change(&ctx, "acs_system.removed", "acs_system", id, &[]);
    ev.acs_system_id = Some(id);
    ctx.app
        .store
        .write(move |c| {
            sites::delete(c, ws, id, now)?;
            crate::store::events::append(c, &ev)
        })
        .await?;
    Ok(ok())
}
