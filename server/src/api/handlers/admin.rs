//! The control center's own routes (Ajar): `people/*` (users with their role, sites, cloud keys,
//! sessions and state; staff may read), the Remote Unlock switch, and `cloud_keys/*` (Cloud Key
//! credentials on a user, built on access grants with a `cloud_key` access method). Every change
//! appends its audit event in the transaction that makes it.

use std::collections::BTreeSet;

use crate::store::db::Connection;
use crate::store::db::Value as Sql;
use ajar_protocol::requests::*;
use ajar_protocol::time::resolve_in_zone;
use ajar_protocol::{AccessMethodMode, CloudKey, CloudKeyState, Person, TimeWindow};
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::{change, like, many, one, paged, parse, required};
use crate::api::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::store::grants::{self, NewGrant};
use crate::store::sql::{page_args, Filter, Page};
use crate::store::{cloud_keys, entrances, events, sessions, sites, users, StoreResult};

/// The summary state of a person.
fn person_state(remote_unlock: bool, keys: &[CloudKey]) -> &'static str {
    if !remote_unlock {
        "remote_unlock_off"
    } else if keys.iter().any(|k| k.state == CloudKeyState::Active) {
        "active"
    } else if keys.iter().any(|k| k.state == CloudKeyState::Scheduled) {
        "scheduled"
    } else {
        "no_access"
    }
}

fn person(
    c: &Connection,
    ws: Uuid,
    u: ajar_protocol::UserIdentity,
    now: DateTime<Utc>,
) -> StoreResult<Person> {
    let mut f = Filter::workspace("m.workspace_id", ws);
    f.eq("g.user_identity_id", u.user_identity_id.to_string());
    let keys = cloud_keys::list(c, &f, now)?;
    let mut systems = Vec::new();
    for k in keys.iter().filter(|k| k.state != CloudKeyState::Revoked) {
        for s in &k.acs_system_ids {
            if !systems.contains(s) {
                systems.push(*s);
            }
        }
    }
    let mut sf = Filter::workspace("workspace_id", ws);
    sf.eq("user_identity_id", u.user_identity_id.to_string());
    let live = sessions::list(c, &sf)?
        .into_iter()
        .filter(|s| s.revoked_at.is_none() && s.expires_at > now)
        .count();
    Ok(Person {
        state: person_state(u.remote_unlock_enabled, &keys).to_owned(),
        user_identity: u,
        acs_system_ids: systems,
        cloud_keys: keys,
        active_client_session_count: live as u32,
    })
}

pub async fn people_list(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: PeopleList = parse(body)?;
    let (limit, after) = page_args(r.limit, 500, r.page_cursor.as_deref())?;
    let ws = ctx.caller.workspace_id;
    let mut f = Filter::workspace("workspace_id", ws);
    if let Some(role) = super::users::role(r.role)? {
        f.eq("role", role.as_str().to_owned());
    }
    if let Some(s) = r.search.filter(|s| !s.trim().is_empty()) {
        let p = like(s.trim());
        f.raw(
            "(full_name LIKE ? ESCAPE '\\' OR email_address LIKE ? ESCAPE '\\' OR phone_number LIKE ? ESCAPE '\\' OR user_identity_key LIKE ? ESCAPE '\\')",
            vec![Sql::Text(p.clone()), Sql::Text(p.clone()), Sql::Text(p.clone()), Sql::Text(p)],
        );
    }
    let now = ctx.now;
    let page = ctx
        .app
        .store
        .read(move |c| {
            let page = users::list(c, &f, limit, after)?;
            let items = page
                .items
                .into_iter()
                .map(|u| person(c, ws, u, now))
                .collect::<StoreResult<Vec<_>>>()?;
            Ok(Page {
                items,
                next_cursor: page.next_cursor,
            })
        })
        .await?;
    Ok(paged(&ctx, "people", page))
}

pub async fn people_get(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: PeopleGet = parse(body)?;
    let id = required(r.user_identity_id, "user_identity_id")?;
    let (ws, now) = (ctx.caller.workspace_id, ctx.now);
    let p = ctx
        .app
        .store
        .read(move |c| {
            let u = users::get(c, ws, id)?
                .ok_or_else(|| ApiError::not_found("user_identity", "user_identity_id", id))?;
            person(c, ws, u, now)
        })
        .await?;
    Ok(one("person", &p))
}

pub async fn set_remote_unlock(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: UserIdentitiesSetRemoteUnlock = parse(body)?;
    let id = required(r.user_identity_id, "user_identity_id")?;
    let enabled = required(r.enabled, "enabled")?;
    let (ws, now) = (ctx.caller.workspace_id, ctx.now);
    let mut ev = change(
        &ctx,
        if enabled {
            "user_identity.remote_unlock_enabled"
        } else {
            "user_identity.remote_unlock_disabled"
        },
        "user_identity",
        id,
        &["remote_unlock_enabled"],
    );
    ev.user_identity_id = Some(id);
    let p = ctx
        .app
        .store
        .write(move |c| {
            if users::set_remote_unlock(c, ws, id, enabled)? {
                events::append(c, &ev)?;
            }
            let u = users::get(c, ws, id)?
                .ok_or_else(|| ApiError::not_found("user_identity", "user_identity_id", id))?;
            person(c, ws, u, now)
        })
        .await?;
    Ok(one("person", &p))
}

// ---- cloud keys ----

fn scope(ctx: &Ctx) -> Filter {
    let mut f = Filter::workspace("m.workspace_id", ctx.caller.workspace_id);
    if let Some(me) = ctx.caller.only_user() {
        f.eq("g.user_identity_id", me.to_string());
    }
    f
}

/// A start or end typed in the doors' zone (civil `2026-03-29T09:30`) or as an RFC 3339 instant.
fn when(input: &str, zone: Option<&str>, field: &str) -> ApiResult<DateTime<Utc>> {
    if let Ok(t) = ajar_protocol::time::parse_ts(input) {
        return Ok(t);
    }
    let zone = zone.ok_or_else(|| {
        ApiError::invalid_field(
            field,
            "The doors are in sites with different time zones: give an RFC 3339 time with an offset",
        )
    })?;
    resolve_in_zone(input, zone).map_err(|e| ApiError::invalid_field(field, e.to_string()))
}

pub async fn cloud_keys_create(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: CloudKeysCreate = parse(body)?;
    let user = required(r.user_identity_id, "user_identity_id")?;
    let name = required(super::name_field(r.name, "name", 200)?, "name")?;
    let doors = r.acs_entrance_ids.unwrap_or_default();
    let site_ids = r.acs_system_ids.unwrap_or_default();
    if doors.is_empty() && site_ids.is_empty() {
        return Err(ApiError::invalid_field(
            "acs_entrance_ids",
            "Name at least one entrance or site",
        ));
    }
    let (starts, ends) = (r.starts_at, r.ends_at);
    let (ws, now) = (ctx.caller.workspace_id, ctx.now);
    let base = change(&ctx, "access_grant.created", "cloud_key", Uuid::nil(), &[]);
    let key = ctx
        .app
        .store
        .write(move |c| {
            users::get(c, ws, user)?
                .ok_or_else(|| ApiError::not_found("user_identity", "user_identity_id", user))?;
            let mut all: Vec<Uuid> = Vec::new();
            let mut seen = BTreeSet::new();
            let mut zones = BTreeSet::new();
            for d in &doors {
                let e = entrances::get(c, ws, *d)?
                    .ok_or_else(|| ApiError::not_found("acs_entrance", "acs_entrance_id", d))?;
                zones.insert(e.ajar_metadata.time_zone.clone());
                if seen.insert(*d) {
                    all.push(*d);
                }
            }
            for s in &site_ids {
                let site = sites::get(c, ws, *s)?
                    .ok_or_else(|| ApiError::not_found("acs_system", "acs_system_id", s))?;
                zones.extend(site.location.time_zone.clone());
                let mut f = Filter::workspace("e.workspace_id", ws);
                f.eq("e.acs_system_id", s.to_string());
                for e in entrances::list(c, &f, 900, 0)?.items {
                    if seen.insert(e.acs_entrance_id) {
                        all.push(e.acs_entrance_id);
                    }
                }
            }
            if all.is_empty() {
                return Err(ApiError::invalid_field(
                    "acs_system_ids",
                    "These sites have no doors yet",
                )
                .into());
            }
            let zone = (zones.len() == 1)
                .then(|| zones.iter().next().cloned())
                .flatten();
            let starts_at = match &starts {
                Some(s) => when(s, zone.as_deref(), "starts_at")?,
                None => now,
            };
            let ends_at = ends
                .as_deref()
                .map(|s| when(s, zone.as_deref(), "ends_at"))
                .transpose()?;
            TimeWindow::new(starts_at, ends_at)
                .map_err(|e| ApiError::invalid_field("ends_at", e.to_string()))?;
            let g = grants::create(
                c,
                ws,
                &NewGrant {
                    user_identity_id: user,
                    acs_entrance_ids: all,
                    modes: vec![AccessMethodMode::CloudKey],
                    starts_at,
                    ends_at,
                    name: Some(name),
                    access_grant_key: None,
                    reservation_key: None,
                },
                now,
            )?;
            for site in &site_ids {
                grants::add_whole_site(c, ws, g.access_grant_id, *site)?;
            }
            let method = *g.access_method_ids.first().ok_or_else(ApiError::internal)?;
            for t in [
                "access_grant.created",
                "access_method.created",
                "access_method.issued",
            ] {
                let mut e = base.clone();
                e.event_id = Uuid::now_v7();
                e.event_type = t.to_owned();
                e.object_id = Some(method);
                e.access_grant_id = Some(g.access_grant_id);
                e.user_identity_id = Some(user);
                if t != "access_grant.created" {
                    e.access_method_id = Some(method);
                    e.access_grant_ids = Some(vec![g.access_grant_id]);
                }
                events::append(c, &e)?;
            }
            cloud_keys::get(c, ws, method, now)?.ok_or_else(|| ApiError::internal().into())
        })
        .await?;
    Ok(one("cloud_key", &key))
}

pub async fn cloud_keys_list(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: CloudKeysList = parse(body)?;
    let want = match r.state.as_deref() {
        None => None,
        Some("scheduled") => Some(CloudKeyState::Scheduled),
        Some("active") => Some(CloudKeyState::Active),
        Some("expired") => Some(CloudKeyState::Expired),
        Some("revoked") => Some(CloudKeyState::Revoked),
        Some(_) => {
            return Err(ApiError::invalid_field(
                "state",
                "Expected 'scheduled' | 'active' | 'expired' | 'revoked'",
            ))
        }
    };
    let mut f = scope(&ctx);
    if let Some(u) = r.user_identity_id {
        f.eq("g.user_identity_id", u.to_string());
    }
    let now = ctx.now;
    let mut keys = ctx
        .app
        .store
        .read(move |c| cloud_keys::list(c, &f, now))
        .await?;
    if let Some(s) = want {
        keys.retain(|k| k.state == s);
    }
    Ok(many("cloud_keys", &keys))
}

pub async fn cloud_keys_get(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: CloudKeysGet = parse(body)?;
    let id = required(r.access_method_id, "access_method_id")?;
    let mut f = scope(&ctx);
    f.eq("m.id", id.to_string());
    let now = ctx.now;
    let key = ctx
        .app
        .store
        .read(move |c| cloud_keys::list(c, &f, now))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("cloud_key", "access_method_id", id))?;
    Ok(one("cloud_key", &key))
}

pub async fn cloud_keys_revoke(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: CloudKeysRevoke = parse(body)?;
    let id = required(r.access_method_id, "access_method_id")?;
    let (ws, now) = (ctx.caller.workspace_id, ctx.now);
    let base = change(&ctx, "access_method.revoked", "cloud_key", id, &[]);
    let key = ctx
        .app
        .store
        .write(move |c| {
            let k = cloud_keys::get(c, ws, id, now)?
                .ok_or_else(|| ApiError::not_found("cloud_key", "access_method_id", id))?;
            if k.state != CloudKeyState::Revoked {
                // The credential is its grant: end both, so no door stays listed for the user.
                grants::delete(c, ws, k.access_grant_id, now)?;
                for t in ["access_method.revoked", "access_grant.deleted"] {
                    let mut e = base.clone();
                    e.event_id = Uuid::now_v7();
                    e.event_type = t.to_owned();
                    e.access_grant_id = Some(k.access_grant_id);
                    e.user_identity_id = Some(k.user_identity_id);
                    if t == "access_method.revoked" {
                        e.access_method_id = Some(id);
                    }
                    events::append(c, &e)?;
                }
            }
            cloud_keys::get(c, ws, id, now)?.ok_or_else(|| ApiError::internal().into())
        })
        .await?;
    Ok(one("cloud_key", &key))
}
