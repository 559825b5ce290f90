//! `api_keys/*` (Ajar): admin API keys. The secret is in the answer to `create` only.

use ajar_protocol::requests::*;
use serde_json::Value;

use super::{event, many, name_field, one, parse, required};
use crate::api::Ctx;
use crate::error::ApiResult;
use crate::store::{events, keys};

pub async fn create(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: ApiKeysCreate = parse(body)?;
    let name = name_field(r.name, "name", 200)?.unwrap_or_else(|| "API key".to_owned());
    let (ws, now, mut ev) = (
        ctx.caller.workspace_id,
        ctx.now,
        event(&ctx, "api_key.created"),
    );
    let key = ctx
        .app
        .store
        .write(move |c| {
            let k = keys::create(c, ws, &name, None, now)?;
            ev.api_key_id = Some(k.api_key_id);
            ev.object_type = Some("api_key".to_owned());
            ev.object_id = Some(k.api_key_id);
            events::append(c, &ev)?;
            Ok(k)
        })
        .await?;
    Ok(one("api_key", &key))
}

pub async fn list(ctx: Ctx, _body: Value) -> ApiResult<Value> {
    let ws = ctx.caller.workspace_id;
    let found = ctx.app.store.read(move |c| keys::list(c, ws)).await?;
    Ok(many("api_keys", &found))
}

pub async fn revoke(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: ApiKeysRevoke = parse(body)?;
    let id = required(r.api_key_id, "api_key_id")?;
    let (ws, now, mut ev) = (
        ctx.caller.workspace_id,
        ctx.now,
        event(&ctx, "api_key.revoked"),
    );
    let key = ctx
        .app
        .store
        .write(move |c| {
            let k = keys::revoke(c, ws, id, now)?;
            ev.api_key_id = Some(id);
            ev.object_type = Some("api_key".to_owned());
            ev.object_id = Some(id);
            events::append(c, &ev)?;
            Ok(k)
        })
        .await?;
    Ok(one("api_key", &key))
}
