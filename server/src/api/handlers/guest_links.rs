//! `guest_links/*` (Ajar): share doors by link. A link is derived from one cloud key of its
//! issuer and may never cover more entrances or a longer window than that key; creation refuses
//! (it never clips) anything outside. The answer to `create` carries the secrets exactly once.

use std::collections::BTreeSet;

use crate::store::db::Connection;
use crate::store::db::Value as Sql;
use ajar_protocol::requests::*;
use ajar_protocol::time::{format_ts, resolve_in_zone};
use ajar_protocol::{GuestLink, GuestLinkState, Role, WebhookUrl};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::{event, name_field, ok, one, paged, parse, required};
use crate::api::Ctx;
use crate::authz::{Actor, Caller};
use crate::error::{ApiError, ApiResult};
use crate::store::guest_links::{self, NewLink};
use crate::store::sql::{page_args, Filter};
use crate::store::{entrances, events, grants, users, StoreResult};

/// Whose links a caller sees: a member only their own; front desk and admins all.
fn scope(ctx: &Ctx) -> Filter {
    let mut f = Filter::workspace("l.workspace_id", ctx.caller.workspace_id);
    if let Some(me) = ctx.caller.only_user() {
        f.eq("l.issuer_user_identity_id", me.to_string());
    }
    f
}

/// Who issues the link, from the caller and the request.
fn issuer_of(caller: &Caller, named_user: Option<Uuid>) -> ApiResult<Option<Uuid>> {
    match caller.actor {
        Actor::ClientSession {
            user_identity_id,
            role: Role::Member,
            ..
        } => match named_user {
            Some(u) if u != user_identity_id => Err(ApiError::forbidden(
                "Members share their own cloud key only; leave user_identity_id out",
            )),
            _ => Ok(Some(user_identity_id)),
        },
        Actor::ClientSession {
            user_identity_id, ..
        } => Ok(Some(named_user.unwrap_or(user_identity_id))),
        Actor::ApiKey { .. } => Ok(named_user),
        Actor::Anonymous => Err(ApiError::forbidden("Sign in to share entrances")),
    }
}

fn time_error(field: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::invalid_field(field, e.to_string())
}

/// Picks the issuer's cloud key that covers every entrance and the whole window, or explains
/// precisely why none does.
fn choose_key(
    c: &Connection,
    ws: Uuid,
    issuer: Uuid,
    named_method: Option<Uuid>,
    doors: &[Uuid],
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> StoreResult<Uuid> {
    let candidates: Vec<Uuid> = match named_method {
        Some(m) => vec![m],
        None => {
            let mut f = Filter::workspace("m.workspace_id", ws);
            f.eq("g.user_identity_id", issuer.to_string());
            f.eq("m.mode", "cloud_key".to_owned());
            grants::method_list(c, &f, 1000, 0)?
                .items
                .into_iter()
                .map(|r| r.method.access_method_id)
                .collect()
        }
    };
    let mut best: Option<(usize, Value)> = None;
    for m in candidates {
        let Some(facts) = grants::method_facts(c, ws, m)? else {
            continue;
        };
        if facts.user_identity_id != issuer {
            if named_method.is_some() {
                return Err(ApiError::not_found("access_method", "access_method_id", m).into());
            }
            continue;
        }
        if facts.revoked || facts.grant_deleted || facts.user_deleted || facts.mode != "cloud_key" {
            continue;
        }
        let covered = grants::entrance_ids(c, facts.access_grant_id)?;
        let missing: Vec<Uuid> = doors
            .iter()
            .filter(|d| !covered.contains(d))
            .copied()
            .collect();
        let window_ok = starts_at >= facts.starts_at && facts.ends_at.is_none_or(|e| ends_at <= e);
        if missing.is_empty() && window_ok {
            return Ok(m);
        }
        let problems = missing.len() + usize::from(!window_ok);
        let detail = json!({
            "access_method_id": m,
            "acs_entrance_ids_not_covered": missing,
            "issuer_access_starts_at": format_ts(&facts.starts_at),
            "issuer_access_ends_at": facts.ends_at.map(|e| format_ts(&e)),
            "window_outside_issuer_access": !window_ok,
        });
        if best.as_ref().is_none_or(|(p, _)| problems < *p) {
            best = Some((problems, detail));
        }
    }
    let mut e = ApiError::new(
        StatusCode::FORBIDDEN,
        "guest_link_exceeds_issuer_access",
        match &best {
            None => "The issuer has no live cloud key, so cannot share doors".to_owned(),
            Some((_, d)) => {
                let mut parts = Vec::new();
                if d["acs_entrance_ids_not_covered"]
                    .as_array()
                    .is_some_and(|a| !a.is_empty())
                {
                    parts.push(format!(
                        "the issuer's cloud key does not open {}",
                        d["acs_entrance_ids_not_covered"]
                    ));
                }
                if d["window_outside_issuer_access"] == true {
                    parts.push(format!(
                        "the link's window must lie within the issuer's access ({} to {})",
                        d["issuer_access_starts_at"].as_str().unwrap_or("?"),
                        d["issuer_access_ends_at"].as_str().unwrap_or("no end")
                    ));
                }
                format!(
                    "A guest link cannot grant more than its issuer has: {}",
                    parts.join("; ")
                )
            }
        },
    );
    e.data = best.map(|(_, d)| d);
    Err(e.into())
}

pub async fn create(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: GuestLinksCreate = parse(body)?;
    let mut doors = required(r.acs_entrance_ids, "acs_entrance_ids")?;
    let mut seen = BTreeSet::new();
    doors.retain(|d| seen.insert(*d));
    if doors.is_empty() {
        return Err(ApiError::invalid_field(
            "acs_entrance_ids",
            "Share at least one entrance",
        ));
    }
    let description = required(
        name_field(r.description, "description", 500)?,
        "description",
    )?;
    let ends_raw = required(r.ends_at, "ends_at")?;
    if r.max_unlock_count == Some(0) {
        return Err(ApiError::invalid_field(
            "max_unlock_count",
            "Must be at least 1 (leave it out for no limit)",
        ));
    }
    let issuer = issuer_of(&ctx.caller, r.user_identity_id)?;
    let named_method = r.access_method_id;
    if issuer.is_none() && named_method.is_none() {
        return Err(ApiError::invalid_field(
            "user_identity_id",
            "Name the issuer: user_identity_id or access_method_id (an API key has no cloud key of its own)",
        ));
    }
    let caller = ctx.caller;
    let (ws, now, max_days) = (
        ctx.caller.workspace_id,
        ctx.now,
        ctx.app.config.guest_link_max_days,
    );
    let base = event(&ctx, "guest_link.created");
    let (starts_raw, max_unlock_count) = (r.starts_at, r.max_unlock_count);
    let (link, secrets, names) = ctx
        .app
        .store
        .write(move |c| {
            // The issuer: named directly, or the owner of the named cloud key.
            let issuer = match (issuer, named_method) {
                (Some(u), _) => u,
                (None, Some(m)) => {
                    grants::method_facts(c, ws, m)?
                        .ok_or_else(|| ApiError::not_found("access_method", "access_method_id", m))?
                        .user_identity_id
                }
                (None, None) => return Err(ApiError::internal().into()),
            };
            if let (Some(me), Some(m)) = (caller.user_identity_id(), named_method) {
                let owner = grants::method_facts(c, ws, m)?.map(|f| f.user_identity_id);
                if !caller.is_admin() && caller.only_user().is_some() && owner != Some(me) {
                    return Err(ApiError::not_found("access_method", "access_method_id", m).into());
                }
            }
            let issuer_user = users::get(c, ws, issuer)?
                .ok_or_else(|| ApiError::not_found("user_identity", "user_identity_id", issuer))?;
            if !issuer_user.remote_unlock_enabled {
                // The Remote Unlock switch: no cloud key of this user shares anything while off.
                return Err(ApiError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    ajar_protocol::error::codes::REMOTE_UNLOCK_DISABLED,
                    "Remote Unlock is turned off for this user, so they cannot share guest links",
                )
                .into());
            }
            let mut zone: Option<String> = None;
            let mut names = Vec::new();
            for d in &doors {
                let e = entrances::get(c, ws, *d)?
                    .ok_or_else(|| ApiError::not_found("acs_entrance", "acs_entrance_id", d))?;
                if !e.can_unlock_with_cloud_key {
                    return Err(ApiError::invalid_field(
                        "acs_entrance_ids",
                        format!(
                            "{} cannot be unlocked remotely, so it cannot be shared",
                            e.display_name
                        ),
                    )
                    .into());
                }
                match &zone {
                    Some(z) if *z != e.ajar_metadata.time_zone => {
                        return Err(ApiError::invalid_field(
                            "acs_entrance_ids",
                            "Share entrances of one site per link (they have different time zones)",
                        )
                        .into())
                    }
                    _ => zone = Some(e.ajar_metadata.time_zone.clone()),
                }
                names.push((*d, e.display_name));
            }
            let zone = zone.unwrap_or_else(|| "UTC".into());
            let starts_at = match &starts_raw {
                Some(s) => resolve_in_zone(s, &zone).map_err(|e| time_error("starts_at", e))?,
                None => now,
            };
            let ends_at =
                resolve_in_zone(&ends_raw, &zone).map_err(|e| time_error("ends_at", e))?;
            if ends_at <= starts_at {
                return Err(ApiError::invalid_field("ends_at", "Must be after starts_at").into());
            }
            if ends_at <= now {
                return Err(ApiError::invalid_field("ends_at", "Must be in the future").into());
            }
            if ends_at - starts_at > Duration::days(i64::from(max_days)) {
                return Err(ApiError::invalid_field(
                    "ends_at",
                    format!("A guest link may last at most {max_days} days on this server"),
                )
                .into());
            }
            let method = choose_key(c, ws, issuer, named_method, &doors, starts_at, ends_at)?;
            let (link, secrets) = guest_links::create(
                c,
                ws,
                &NewLink {
                    issuer,
                    access_method_id: method,
                    acs_entrance_ids: doors,
                    description,
                    starts_at,
                    ends_at,
                    time_zone: zone,
                    max_unlock_count,
                },
                now,
            )?;
            let mut e = base;
            e.guest_link_id = Some(link.guest_link_id);
            e.user_identity_id = Some(issuer);
            e.access_method_id = Some(method);
            events::append(c, &e)?;
            Ok((link, secrets, names))
        })
        .await?;
    let base_url = &ctx.app.config.public_url;
    let mut link: GuestLink = link;
    link.url = Some(format!("{base_url}/g#{}", secrets.token));
    link.webhook_urls = Some(
        secrets
            .webhook_tokens
            .iter()
            .map(|(door, token)| WebhookUrl {
                acs_entrance_id: *door,
                display_name: names
                    .iter()
                    .find(|(d, _)| d == door)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default(),
                url: format!("{base_url}/w/{token}"),
            })
            .collect(),
    );
    Ok(one("guest_link", &link))
}

async fn find(ctx: &Ctx, id: Uuid) -> ApiResult<GuestLink> {
    let mut f = scope(ctx);
    f.eq("l.id", id.to_string());
    let now = ctx.now;
    let page = ctx
        .app
        .store
        .read(move |c| guest_links::list(c, &f, 1, 0, now))
        .await?;
    page.items
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("guest_link", "guest_link_id", id))
}

pub async fn get(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: GuestLinksGet = parse(body)?;
    let link = find(&ctx, required(r.guest_link_id, "guest_link_id")?).await?;
    Ok(one("guest_link", &link))
}

pub async fn list(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: GuestLinksList = parse(body)?;
    let (limit, after) = page_args(r.limit, 500, r.page_cursor.as_deref())?;
    let mut f = scope(&ctx);
    if let Some(u) = r.issuer_user_identity_id {
        f.eq("l.issuer_user_identity_id", u.to_string());
    }
    if let Some(e) = r.acs_entrance_id {
        f.raw(
            "l.id IN (SELECT guest_link_id FROM guest_link_entrances WHERE acs_entrance_id = ? AND workspace_id = ?)",
            vec![Sql::Text(e.to_string()), Sql::Text(ctx.caller.workspace_id.to_string())],
        );
    }
    if let Some(s) = r.state {
        let state = GuestLinkState::parse(&s).ok_or_else(|| {
            ApiError::invalid_field(
                "state",
                "Expected 'active' | 'scheduled' | 'expired' | 'revoked' | 'used_up'",
            )
        })?;
        let (cond, params) = guest_links::state_condition(state, ctx.now);
        f.raw(&cond, params);
    }
    let now = ctx.now;
    let page = ctx
        .app
        .store
        .read(move |c| guest_links::list(c, &f, limit, after, now))
        .await?;
    Ok(paged(&ctx, "guest_links", page))
}

pub async fn revoke(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: GuestLinksRevoke = parse(body)?;
    let id = required(r.guest_link_id, "guest_link_id")?;
    let link = find(&ctx, id).await?;
    let (ws, now) = (ctx.caller.workspace_id, ctx.now);
    let mut ev = event(&ctx, "guest_link.revoked");
    ctx.app
        .store
        .write(move |c| {
            if guest_links::revoke(c, ws, id, now)? {
                ev.guest_link_id = Some(id);
                ev.user_identity_id = Some(link.issuer_user_identity_id);
                events::append(c, &ev)?;
            }
            Ok(())
        })
        .await?;
    Ok(ok())
}
