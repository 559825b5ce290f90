//! `client_sessions/*`: tokens that act for one user identity. The token is shown once, by
//! `create`. A user may list and revoke their own sessions (sign out).

use ajar_protocol::requests::*;
use ajar_protocol::time::parse_ts;
use chrono::Duration;
use serde_json::Value;
use uuid::Uuid;

use super::{change, event, many, ok, one, parse};
use crate::api::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::store::sql::Filter;
use crate::store::{events, sessions, users};

/// Default and longest lifetime of a client session.
const DEFAULT_TTL_DAYS: i64 = 30;
const MAX_TTL_DAYS: i64 = 366;

fn scope(ctx: &Ctx) -> Filter {
    let mut f = Filter::workspace("workspace_id", ctx.caller.workspace_id);
    // Admins see every session; everyone else only their own user's.
    if !ctx.caller.is_admin() {
        if let Some(me) = ctx.caller.user_identity_id() {
            f.eq("user_identity_id", me.to_string());
        }
    }
    f
}

pub async fn create(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: ClientSessionsCreate = parse(body)?;
    let user = match (r.user_identity_id, r.user_identity_ids.as_deref()) {
        (Some(u), _) => u,
        (None, Some([u])) => *u,
        (None, Some(_)) => {
            return Err(ApiError::invalid_field(
                "user_identity_ids",
                "Name exactly one user identity",
            ));
        }
        (None, None) => return Err(ApiError::invalid_field("user_identity_id", "Required")),
    };
    let expires_at = match r.expires_at {
        None => ctx.now + Duration::days(DEFAULT_TTL_DAYS),
        Some(s) => {
            let t = parse_ts(&s)
                .map_err(|_| ApiError::invalid_field("expires_at", "Invalid datetime"))?;
            if t <= ctx.now {
                return Err(ApiError::invalid_field(
                    "expires_at",
                    "Must be in the future",
                ));
            }
            if t > ctx.now + Duration::days(MAX_TTL_DAYS) {
                return Err(ApiError::invalid_field(
                    "expires_at",
                    format!("Must be at most {MAX_TTL_DAYS} days ahead"),
                ));
            }
            t
        }
    };
    let (ws, now) = (ctx.caller.workspace_id, ctx.now);
    let key = r.user_identifier_key;
    let mut ev = change(
        &ctx,
        "client_session.created",
        "client_session",
        Uuid::nil(),
        &[],
    );
    ev.user_identity_id = Some(user);
    let s = ctx
        .app
        .store
        .write(move |c| {
            users::get(c, ws, user)?
                .ok_or_else(|| ApiError::not_found("user_identity", "user_identity_id", user))?;
            let s = sessions::create(c, ws, user, key, expires_at, now)?;
            // The token itself never enters the audit trail.
            ev.object_id = Some(s.client_session_id);
            events::append(c, &ev)?;
            Ok(s)
        })
        .await?;
    Ok(one("client_session", &s))
}

pub async fn get(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: ClientSessionsGet = parse(body)?;
    let mut f = scope(&ctx);
    let missing = match (r.client_session_id, r.user_identifier_key) {
        (Some(id), _) => {
            f.eq("id", id.to_string());
            ApiError::not_found("client_session", "client_session_id", id)
        }
        (None, Some(k)) => {
            f.eq("user_identifier_key", k.clone());
            ApiError::not_found("client_session", "user_identifier_key", k)
        }
        (None, None) => match ctx.caller.actor {
            // Ajar: a client session asking about itself (how apps learn who they are).
            crate::authz::Actor::ClientSession {
                client_session_id, ..
            } => {
                f.eq("id", client_session_id.to_string());
                ApiError::not_found("client_session", "client_session_id", client_session_id)
            }
            _ => {
                return Err(ApiError::invalid_input(
                    "Send client_session_id or user_identifier_key",
                ))
            }
        },
    };
    let found = ctx.app.store.read(move |c| sessions::list(c, &f)).await?;
    let s = found.into_iter().next_back().ok_or(missing)?;
    Ok(one("client_session", &s))
}

pub async fn list(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: ClientSessionsList = parse(body)?;
    let mut f = scope(&ctx);
    if let Some(id) = r.client_session_id {
        f.eq("id", id.to_string());
    }
    if let Some(u) = r.user_identity_id {
        f.eq("user_identity_id", u.to_string());
    }
    if let Some(k) = r.user_identifier_key {
        f.eq("user_identifier_key", k);
    }
    if r.without_user_identifier_key == Some(true) {
        f.raw("user_identifier_key IS NULL", vec![]);
    }
    if r.connect_webview_id.is_some() {
        f.raw("FALSE", vec![]);
    }
    let found = ctx.app.store.read(move |c| sessions::list(c, &f)).await?;
    Ok(many("client_sessions", &found))
}

pub async fn revoke(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: ClientSessionsRevoke = parse(body)?;
    let id = super::required(r.client_session_id, "client_session_id")?;
    let mut f = scope(&ctx);
    f.eq("id", id.to_string());
    let (ws, now) = (ctx.caller.workspace_id, ctx.now);
    let mut ev = event(&ctx, "client_session.deleted");
    ctx.app
        .store
        .write(move |c| {
            let s = sessions::list(c, &f)?
                .into_iter()
                .next()
                .ok_or_else(|| ApiError::not_found("client_session", "client_session_id", id))?;
            if s.revoked_at.is_none() {
                sessions::revoke(c, ws, id, now)?;
                ev.user_identity_id = s.user_identity_id;
                ev.client_session_id = Some(id);
                ev.object_type = Some("client_session".to_owned());
                ev.object_id = Some(id);
                ev.event_id = Uuid::now_v7();
                events::append(c, &ev)?;
            }
            Ok(())
        })
        .await?;
    Ok(ok())
}
