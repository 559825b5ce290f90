//! `access_grants/*`: which entrances a user may open and when, with the cloud keys created for
//! them. Members see only their own grants.

use std::collections::BTreeSet;

use crate::store::db::Value as Sql;
use ajar_protocol::requests::*;
use ajar_protocol::time::parse_ts;
use ajar_protocol::{AccessGrant, AccessMethodMode, TimeWindow};
use serde_json::{json, Value};
use uuid::Uuid;

use super::{event, ok, one, paged, parse, required};
use crate::api::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::store::grants::{self, GrantChanges, NewGrant};
use crate::store::sql::{ids, page_args, Filter};
use crate::store::{events, users};

fn time_field(s: &str, field: &str) -> ApiResult<chrono::DateTime<chrono::Utc>> {
    parse_ts(s).map_err(|_| ApiError::invalid_field(field, "Invalid datetime: expected RFC 3339"))
}

pub async fn create(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AccessGrantsCreate = parse(body)?;
    let methods = required(r.requested_access_methods, "requested_access_methods")?;
    if methods.is_empty() {
        return Err(ApiError::invalid_field(
            "requested_access_methods",
            "Request at least one access method",
        ));
    }
    let mut modes = Vec::new();
    for m in &methods {
        if m.mode != "cloud_key" {
            return Err(ApiError::invalid_field(
                "requested_access_methods",
                format!(
                    "Ajar issues cloud keys only; mode {:?} is not supported",
                    m.mode
                ),
            ));
        }
        modes.push(AccessMethodMode::CloudKey);
    }
    if r.device_ids.as_ref().is_some_and(|d| !d.is_empty()) {
        return Err(ApiError::invalid_field(
            "device_ids",
            "Ajar has no devices; name doors in acs_entrance_ids",
        ));
    }
    if r.space_ids.as_ref().is_some_and(|d| !d.is_empty()) {
        return Err(ApiError::invalid_field(
            "space_ids",
            "Ajar has no spaces; name doors in acs_entrance_ids",
        ));
    }
    let mut entrances: Vec<Uuid> = r.acs_entrance_ids.unwrap_or_default();
    if let Some(loc) = r.location.and_then(|l| l.acs_entrance_ids) {
        entrances.extend(loc);
    }
    let mut seen = BTreeSet::new();
    entrances.retain(|e| seen.insert(*e));
    if entrances.is_empty() {
        return Err(ApiError::invalid_field(
            "acs_entrance_ids",
            "Name at least one entrance",
        ));
    }
    let starts_at = match r.starts_at {
        Some(s) => time_field(&s, "starts_at")?,
        None => ctx.now,
    };
    let ends_at = r.ends_at.map(|s| time_field(&s, "ends_at")).transpose()?;
    TimeWindow::new(starts_at, ends_at)
        .map_err(|e| ApiError::invalid_field("ends_at", e.to_string()))?;
    let name = super::name_field(r.name, "name", 200)?;
    let inline_user = match (r.user_identity_id, r.user_identity) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_input(
                "Send user_identity_id or user_identity, not both",
            ));
        }
        (None, None) => {
            return Err(ApiError::invalid_field(
                "user_identity_id",
                "Required (or send user_identity)",
            ))
        }
        (Some(id), None) => Err(id),
        (None, Some(u)) => Ok(super::users::new_user(
            u.email_address,
            u.full_name,
            u.phone_number,
            u.user_identity_key,
            ajar_protocol::Role::Member,
        )?),
    };
    let (ws, now) = (ctx.caller.workspace_id, ctx.now);
    let base = event(&ctx, "access_grant.created");
    let grant = ctx
        .app
        .store
        .write(move |c| {
            let user_identity_id = match inline_user {
                Err(id) => id,
                Ok(new) => users::create(c, ws, &new, now)?.user_identity_id,
            };
            let g = grants::create(
                c,
                ws,
                &NewGrant {
                    user_identity_id,
                    acs_entrance_ids: entrances,
                    modes,
                    starts_at,
                    ends_at,
                    name,
                    access_grant_key: r.access_grant_key,
                    reservation_key: r.reservation_key,
                },
                now,
            )?;
            let mut e = base.clone();
            e.access_grant_id = Some(g.access_grant_id);
            e.user_identity_id = Some(g.user_identity_id);
            events::append(c, &e)?;
            for m in &g.access_method_ids {
                for t in ["access_method.created", "access_method.issued"] {
                    let mut e = base.clone();
                    e.event_id = Uuid::now_v7();
                    e.event_type = t.to_owned();
                    e.access_method_id = Some(*m);
                    e.access_grant_id = Some(g.access_grant_id);
                    e.access_grant_ids = Some(vec![g.access_grant_id]);
                    e.user_identity_id = Some(g.user_identity_id);
                    events::append(c, &e)?;
                }
            }
            Ok(g)
        })
        .await?;
    Ok(one("access_grant", &grant))
}

/// Loads a grant the caller may see, by id or key.
async fn find(ctx: &Ctx, id: Option<Uuid>, key: Option<String>) -> ApiResult<AccessGrant> {
    let ws = ctx.caller.workspace_id;
    let (g, missing) = match (id, key) {
        (Some(id), _) => (
            ctx.app.store.read(move |c| grants::get(c, ws, id)).await?,
            ApiError::not_found("access_grant", "access_grant_id", id),
        ),
        (None, Some(key)) => {
            let k = key.clone();
            (
                ctx.app
                    .store
                    .read(move |c| grants::get_by_key(c, ws, &k))
                    .await?,
                ApiError::not_found("access_grant", "access_grant_key", key),
            )
        }
        (None, None) => {
            return Err(ApiError::invalid_input(
                "Send access_grant_id or access_grant_key",
            ))
        }
    };
    g.filter(|g| {
        ctx.caller
            .only_user()
            .is_none_or(|me| me == g.user_identity_id)
    })
    .ok_or(missing)
}

pub async fn get(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AccessGrantsGet = parse(body)?;
    let g = find(&ctx, r.access_grant_id, r.access_grant_key).await?;
    Ok(one("access_grant", &g))
}

pub async fn list(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AccessGrantsList = parse(body)?;
    let (limit, after) = page_args(r.limit, 500, r.page_cursor.as_deref())?;
    let ws = ctx.caller.workspace_id;
    let mut f = Filter::workspace("workspace_id", ws);
    if let Some(me) = ctx.caller.only_user() {
        f.eq("user_identity_id", me.to_string());
    }
    if let Some(u) = r.user_identity_id {
        f.eq("user_identity_id", u.to_string());
    }
    if let Some(e) = r.acs_entrance_id {
        f.raw(
            "id IN (SELECT access_grant_id FROM access_grant_entrances WHERE acs_entrance_id = ? AND workspace_id = ?)",
            vec![Sql::Text(e.to_string()), Sql::Text(ws.to_string())],
        );
    }
    if let Some(s) = r.acs_system_id {
        f.raw(
            "id IN (SELECT ge.access_grant_id FROM access_grant_entrances ge JOIN acs_entrances e ON e.id = ge.acs_entrance_id
              WHERE e.acs_system_id = ? AND e.workspace_id = ?)",
            vec![Sql::Text(s.to_string()), Sql::Text(ws.to_string())],
        );
    }
    if let Some(v) = r.access_grant_ids {
        f.any_of("id", ids(&v));
    }
    if let Some(k) = r.access_grant_key {
        f.eq("access_grant_key", k);
    }
    if let Some(k) = r.reservation_key {
        f.eq("reservation_key", k);
    }
    let page = ctx
        .app
        .store
        .read(move |c| grants::list(c, &f, limit, after))
        .await?;
    Ok(paged(&ctx, "access_grants", page))
}

pub async fn update(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AccessGrantsUpdate = parse(body)?;
    let cur = find(&ctx, r.access_grant_id, r.access_grant_key).await?;
    let changes = GrantChanges {
        starts_at: r
            .starts_at
            .map(|s| time_field(&s, "starts_at"))
            .transpose()?,
        ends_at: r
            .ends_at
            .map(|o| o.map(|s| time_field(&s, "ends_at")).transpose())
            .transpose()?,
        name: r
            .name
            .map(|n| super::name_field(n, "name", 200))
            .transpose()?,
    };
    let times_changed = changes.starts_at.is_some() || changes.ends_at.is_some();
    let mut fields = Vec::new();
    for (f, set) in [
        ("starts_at", changes.starts_at.is_some()),
        ("ends_at", changes.ends_at.is_some()),
        ("name", changes.name.is_some()),
    ] {
        if set {
            fields.push(f.to_owned());
        }
    }
    let ws = ctx.caller.workspace_id;
    let mut ev = event(
        &ctx,
        if times_changed {
            "access_grant.access_times_changed"
        } else {
            "access_grant.updated"
        },
    );
    ev.object_type = Some("access_grant".to_owned());
    ev.object_id = Some(cur.access_grant_id);
    ev.changed_fields = Some(fields.clone());
    ctx.app
        .store
        .write(move |c| {
            // Re-read inside the transaction: the grant may have been deleted meanwhile.
            let cur = grants::get(c, ws, cur.access_grant_id)?.ok_or_else(|| {
                ApiError::not_found("access_grant", "access_grant_id", cur.access_grant_id)
            })?;
            let g = grants::update(c, ws, &cur, &changes)?;
            if !fields.is_empty() {
                ev.access_grant_id = Some(g.access_grant_id);
                ev.user_identity_id = Some(g.user_identity_id);
                events::append(c, &ev)?;
            }
            Ok(())
        })
        .await?;
    Ok(ok())
}

pub async fn delete(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AccessGrantsDelete = parse(body)?;
    let id = required(r.access_grant_id, "access_grant_id")?;
    let (ws, now) = (ctx.caller.workspace_id, ctx.now);
    let base = event(&ctx, "access_grant.deleted");
    ctx.app
        .store
        .write(move |c| {
            let g = grants::get(c, ws, id)?
                .ok_or_else(|| ApiError::not_found("access_grant", "access_grant_id", id))?;
            let revoked = grants::delete(c, ws, id, now)?;
            let mut e = base.clone();
            e.access_grant_id = Some(id);
            e.user_identity_id = Some(g.user_identity_id);
            events::append(c, &e)?;
            for m in revoked {
                let mut e = base.clone();
                e.event_id = Uuid::now_v7();
                e.event_type = "access_method.revoked".to_owned();
                e.access_method_id = Some(m);
                e.access_grant_id = Some(id);
                e.access_grant_ids = Some(vec![id]);
                e.user_identity_id = Some(g.user_identity_id);
                events::append(c, &e)?;
            }
            Ok(())
        })
        .await?;
    Ok(ok())
}

/// Which batch keys to fill, given `include` / `exclude`.
pub fn wanted(
    all: &[&'static str],
    include: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
) -> Vec<&'static str> {
    all.iter()
        .copied()
        .filter(|k| include.as_ref().is_none_or(|i| i.iter().any(|x| x == k)))
        .filter(|k| !exclude.as_ref().is_some_and(|x| x.iter().any(|x| x == k)))
        .collect()
}

pub async fn get_related(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: AccessGrantsGetRelated = parse(body)?;
    let ws = ctx.caller.workspace_id;
    let only = ctx.caller.only_user();
    let ids = r.access_grant_ids.unwrap_or_default();
    let keys = r.access_grant_keys.unwrap_or_default();
    let want = wanted(
        &[
            "acs_entrances",
            "acs_systems",
            "user_identities",
            "access_methods",
            "spaces",
            "devices",
            "connected_accounts",
            "acs_access_groups",
        ],
        r.include,
        r.exclude,
    );
    let batch = ctx
        .app
        .store
        .read(move |c| {
            let mut found = Vec::new();
            for id in ids {
                found.extend(grants::get(c, ws, id)?);
            }
            for k in keys {
                found.extend(grants::get_by_key(c, ws, &k)?);
            }
            found.retain(|g| only.is_none_or(|me| me == g.user_identity_id));
            let mut entrance_ids = BTreeSet::new();
            let mut user_ids = BTreeSet::new();
            let mut method_ids = Vec::new();
            for g in &found {
                entrance_ids.extend(g.acs_entrance_ids.iter().copied());
                user_ids.insert(g.user_identity_id);
                method_ids.extend(g.access_method_ids.iter().copied());
            }
            let entrances = crate::store::entrances::get_many(
                c,
                ws,
                &entrance_ids.into_iter().collect::<Vec<_>>(),
            )?;
            let mut systems = Vec::new();
            let mut seen = BTreeSet::new();
            for e in &entrances {
                if seen.insert(e.acs_system_id) {
                    systems.extend(crate::store::sites::get(c, ws, e.acs_system_id)?);
                }
            }
            let mut people = Vec::new();
            for u in user_ids {
                people.extend(users::get(c, ws, u)?);
            }
            let mut methods = Vec::new();
            for m in method_ids {
                methods.extend(grants::method_get(c, ws, m)?.map(|r| r.method));
            }
            Ok((entrances, systems, people, methods))
        })
        .await?;
    let (entrances, systems, people, methods) = batch;
    let entrances = super::entrances::live_all(&ctx, entrances).await?;
    Ok(super::batch(&want, |k| match k {
        "acs_entrances" => Some(json!(entrances)),
        "acs_systems" => Some(json!(systems)),
        "user_identities" => Some(json!(people)),
        "access_methods" => Some(json!(methods)),
        _ => None,
    }))
}
