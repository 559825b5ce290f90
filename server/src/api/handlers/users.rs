//! `user_identities/*`: people and their Ajar role. A member session sees only itself.

use crate::store::db::Value as Sql;
use ajar_protocol::requests::*;
use ajar_protocol::Role;
use serde_json::Value;

use super::{change, event, like, name_field, ok, one, paged, parse};
use crate::api::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::store::sql::{ids, page_args, Filter};
use crate::store::users::{self, NewUser, UserChanges};

pub fn role(v: Option<String>) -> ApiResult<Option<Role>> {
    v.map(|r| {
        Role::parse(&r).ok_or_else(|| {
            ApiError::invalid_field("role", "Expected 'member' | 'front_desk' | 'admin'")
        })
    })
    .transpose()
}

fn text(v: Option<String>, field: &str, max: usize) -> ApiResult<Option<String>> {
    name_field(v, field, max)
}

fn patch_text(
    v: Option<Option<String>>,
    field: &str,
    max: usize,
) -> ApiResult<Option<Option<String>>> {
    v.map(|inner| text(inner, field, max)).transpose()
}

/// Validated fields of a new user.
pub fn new_user(
    email: Option<String>,
    full_name: Option<String>,
    phone: Option<String>,
    key: Option<String>,
    role: Role,
) -> ApiResult<NewUser> {
    Ok(NewUser {
        email_address: text(email, "email_address", 320)?,
        full_name: text(full_name, "full_name", 200)?,
        phone_number: text(phone, "phone_number", 40)?,
        user_identity_key: text(key, "user_identity_key", 200)?,
        role,
    })
}

pub async fn create(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: UserIdentitiesCreate = parse(body)?;
    let n = new_user(
        r.email_address,
        r.full_name,
        r.phone_number,
        r.user_identity_key,
        role(r.role)?.unwrap_or_default(),
    )?;
    let (ws, now) = (ctx.caller.workspace_id, ctx.now);
    let systems = r.acs_system_ids.unwrap_or_default();
    let mut ev = change(
        &ctx,
        "user_identity.created",
        "user_identity",
        uuid::Uuid::nil(),
        &[],
    );
    let u = ctx
        .app
        .store
        .write(move |c| {
            for s in systems {
                crate::store::sites::get(c, ws, s)?
                    .ok_or_else(|| ApiError::not_found("acs_system", "acs_system_id", s))?;
            }
            let u = users::create(c, ws, &n, now)?;
            ev.object_id = Some(u.user_identity_id);
            ev.user_identity_id = Some(u.user_identity_id);
            crate::store::events::append(c, &ev)?;
            Ok(u)
        })
        .await?;
    Ok(one("user_identity", &u))
}

pub async fn get(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: UserIdentitiesGet = parse(body)?;
    let ws = ctx.caller.workspace_id;
    let (u, missing) = match (r.user_identity_id, r.user_identity_key) {
        (Some(id), _) => (
            ctx.app.store.read(move |c| users::get(c, ws, id)).await?,
            ApiError::not_found("user_identity", "user_identity_id", id),
        ),
        (None, Some(key)) => {
            let k = key.clone();
            (
                ctx.app
                    .store
                    .read(move |c| users::get_by_key(c, ws, &k))
                    .await?,
                ApiError::not_found("user_identity", "user_identity_key", key),
            )
        }
        (None, None) => {
            return Err(ApiError::invalid_input(
                "Send user_identity_id or user_identity_key",
            ))
        }
    };
    let u = u
        .filter(|u| {
            ctx.caller
                .only_user()
                .is_none_or(|me| me == u.user_identity_id)
        })
        .ok_or(missing)?;
    Ok(one("user_identity", &u))
}

pub async fn list(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: UserIdentitiesList = parse(body)?;
    let (limit, after) = page_args(r.limit, 500, r.page_cursor.as_deref())?;
    let mut f = Filter::workspace("workspace_id", ctx.caller.workspace_id);
    if let Some(me) = ctx.caller.only_user() {
        f.eq("id", me.to_string());
    }
    if let Some(v) = r.user_identity_ids {
        f.any_of("id", ids(&v));
    }
    if let Some(s) = r.search.filter(|s| !s.is_empty()) {
        let p = like(&s);
        f.raw(
            "(full_name LIKE ? ESCAPE '\\' OR email_address LIKE ? ESCAPE '\\' OR phone_number LIKE ? ESCAPE '\\' OR user_identity_key LIKE ? ESCAPE '\\')",
            vec![Sql::Text(p.clone()), Sql::Text(p.clone()), Sql::Text(p.clone()), Sql::Text(p)],
        );
    }
    if let Some(before) = r.created_before {
        let t = ajar_protocol::time::parse_ts(&before)
            .map_err(|_| ApiError::invalid_field("created_before", "Invalid datetime"))?;
        f.raw("created_at < ?", vec![Sql::Integer(t.timestamp_millis())]);
    }
    let page = ctx
        .app
        .store
        .read(move |c| users::list(c, &f, limit, after))
        .await?;
    Ok(paged(&ctx, "user_identities", page))
}

pub async fn update(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: UserIdentitiesUpdate = parse(body)?;
    let id = super::required(r.user_identity_id, "user_identity_id")?;
    let changes = UserChanges {
        email_address: patch_text(r.email_address, "email_address", 320)?,
        full_name: patch_text(r.full_name, "full_name", 200)?,
        phone_number: patch_text(r.phone_number, "phone_number", 40)?,
        user_identity_key: patch_text(r.user_identity_key, "user_identity_key", 200)?,
        role: role(r.role)?,
    };
    let ws = ctx.caller.workspace_id;
    let mut fields = Vec::new();
    for (name, set) in [
        ("email_address", changes.email_address.is_some()),
        ("full_name", changes.full_name.is_some()),
        ("phone_number", changes.phone_number.is_some()),
        ("user_identity_key", changes.user_identity_key.is_some()),
        ("role", changes.role.is_some()),
    ] {
        if set {
            fields.push(name);
        }
    }
    let mut ev = change(&ctx, "user_identity.updated", "user_identity", id, &fields);
    ev.user_identity_id = Some(id);
    ctx.app
        .store
        .write(move |c| {
            users::update(c, ws, id, &changes)?;
            if ev.changed_fields.is_some() {
                crate::store::events::append(c, &ev)?;
            }
            Ok(())
        })
        .await?;
    Ok(ok())
}

pub async fn delete(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: UserIdentitiesDelete = parse(body)?;
    let id = super::required(r.user_identity_id, "user_identity_id")?;
    let (ws, now) = (ctx.caller.workspace_id, ctx.now);
    let ev = event(&ctx, "access_grant.deleted");
    let mut gone = change(&ctx, "user_identity.deleted", "user_identity", id, &[]);
    gone.user_identity_id = Some(id);
    ctx.app
        .store
        .write(move |c| {
            let grants = users::delete(c, ws, id, now)?;
            crate::store::events::append(c, &gone)?;
            for g in grants {
                let mut e = ev.clone();
                e.event_id = uuid::Uuid::now_v7();
                e.access_grant_id = Some(g);
                e.user_identity_id = Some(id);
                crate::store::events::append(c, &e)?;
            }
            Ok(())
        })
        .await?;
    Ok(ok())
}
