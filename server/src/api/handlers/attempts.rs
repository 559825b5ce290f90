//! `action_attempts/*`. Members see only attempts made with their own cloud keys.

use ajar_protocol::requests::*;
use serde_json::Value;

use super::{one, paged, parse, required};
use crate::api::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::store::attempts;
use crate::store::sql::{ids, page_args, Filter, Page};

pub async fn get(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: ActionAttemptsGet = parse(body)?;
    let id = required(r.action_attempt_id, "action_attempt_id")?;
    let ws = ctx.caller.workspace_id;
    let rec = ctx
        .app
        .store
        .read(move |c| attempts::get(c, ws, id))
        .await?
        .filter(|a| {
            ctx.caller
                .only_user()
                .is_none_or(|me| a.user_identity_id == Some(me))
        })
        .ok_or_else(|| ApiError::not_found("action_attempt", "action_attempt_id", id))?;
    Ok(one("action_attempt", &rec.attempt))
}

pub async fn list(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: ActionAttemptsList = parse(body)?;
    let (limit, after) = page_args(r.limit, 500, r.page_cursor.as_deref())?;
    let mut f = Filter::workspace("workspace_id", ctx.caller.workspace_id);
    if let Some(me) = ctx.caller.only_user() {
        f.eq("user_identity_id", me.to_string());
    }
    if let Some(v) = r.action_attempt_ids {
        f.any_of("id", ids(&v));
    }
    if r.device_id.is_some() {
        f.raw("FALSE", vec![]);
    }
    let page = ctx
        .app
        .store
        .read(move |c| attempts::list(c, &f, limit, after))
        .await?;
    let page = Page {
        items: page.items.into_iter().map(|a| a.attempt).collect(),
        next_cursor: page.next_cursor,
    };
    Ok(paged(&ctx, "action_attempts", page))
}
