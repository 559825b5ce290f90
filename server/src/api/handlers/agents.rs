//! `agents/*` (Ajar): door agents. Admins create single-use enrollment codes for a site; an
//! agent enrolls with a code and its own public key (no bearer token: the code is the
//! credential) and learns the server key to pin; admins list, get and revoke agents. Revoking
//! cuts the agent's connection at once.

use ajar_protocol::agents::Enrollment;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::{event, many, name_field, one, parse, required};
use crate::api::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::store::{agents, events};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateCode {
    acs_system_id: Option<Uuid>,
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ById {
    agent_id: Option<Uuid>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct List {
    acs_system_id: Option<Uuid>,
}

pub async fn create_code(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: CreateCode = parse(body)?;
    let site = required(r.acs_system_id, "acs_system_id")?;
    let name = name_field(r.name, "name", 200)?.unwrap_or_else(|| "Door agent".to_owned());
    let (ws, now, mut ev) = (
        ctx.caller.workspace_id,
        ctx.now,
        event(&ctx, "agent.enrollment_code_created"),
    );
    let code = ctx
        .app
        .store
        .write(move |c| {
            let code = agents::create_code(c, ws, site, &name, now)?;
            ev.acs_system_id = Some(site);
            events::append(c, &ev)?;
            Ok(code)
        })
        .await?;
    Ok(one("agent_enrollment_code", &code))
}

pub async fn enroll(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: ajar_protocol::agents::AgentsEnroll = parse(body)?;
    let code = required(r.enrollment_code, "enrollment_code")?;
    let key = required(r.public_key, "public_key")?;
    let key = ajar_protocol::agent::parse_public_key(&key)
        .map(|k| ajar_protocol::agent::public_key_text(&k))
        .ok_or_else(|| {
            ApiError::invalid_field("public_key", "Must be a base64 Ed25519 public key")
        })?;
    if code.len() > 100 {
        return Err(ApiError::invalid_field("enrollment_code", "Too long"));
    }
    let now = ctx.now;
    let agent = ctx
        .app
        .store
        .write(move |c| {
            let a = agents::enroll(c, &code, &key, now)?;
            let mut ev = ajar_protocol::Event {
                event_id: Uuid::now_v7(),
                event_type: "agent.enrolled".to_owned(),
                workspace_id: a.workspace_id,
                created_at: now,
                occurred_at: now,
                connected_account_id: Some(crate::store::workspaces::connected_account_id(
                    a.workspace_id,
                )),
                ..Default::default()
            };
            ev.acs_system_id = Some(a.acs_system_id);
            ev.agent_id = Some(a.agent_id);
            ev.actor_type = Some("agent".to_owned());
            ev.actor_id = Some(a.agent_id);
            events::append(c, &ev)?;
            Ok(a)
        })
        .await?;
    tracing::info!(agent_id = %agent.agent_id, site = %agent.acs_system_id, "door agent enrolled");
    Ok(one(
        "enrollment",
        &Enrollment {
            agent_id: agent.agent_id,
            acs_system_id: agent.acs_system_id,
            server_public_key: ctx.app.agents.public_key_text(),
        },
    ))
}

pub async fn list(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: List = parse(body)?;
    let ws = ctx.caller.workspace_id;
    let mut found = ctx
        .app
        .store
        .read(move |c| agents::list(c, ws, r.acs_system_id))
        .await?;
    let ids: Vec<_> = found.iter().map(|a| a.agent_id).collect();
    let online = ctx.app.agents_online(&ids).await?;
    for a in &mut found {
        a.is_online = online.contains(&a.agent_id);
    }
    Ok(many("agents", &found))
}

pub async fn get(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: ById = parse(body)?;
    let id = required(r.agent_id, "agent_id")?;
    let ws = ctx.caller.workspace_id;
    let mut a = ctx
        .app
        .store
        .read(move |c| agents::get(c, ws, id))
        .await?
        .ok_or_else(|| ApiError::not_found("agent", "agent_id", id))?;
    a.is_online = ctx.app.agents_online(&[id]).await?.contains(&id);
    Ok(one("agent", &a))
}

pub async fn revoke(ctx: Ctx, body: Value) -> ApiResult<Value> {
    let r: ById = parse(body)?;
    let id = required(r.agent_id, "agent_id")?;
    let (ws, now, mut ev) = (
        ctx.caller.workspace_id,
        ctx.now,
        event(&ctx, "agent.revoked"),
    );
    let a = ctx
        .app
        .store
        .write(move |c| {
            let a = agents::revoke(c, ws, id, now)?;
            ev.agent_id = Some(id);
            ev.acs_system_id = Some(a.acs_system_id);
            events::append(c, &ev)?;
            Ok(a)
        })
        .await?;
    // Committed: the connection goes now.
    ctx.app.agents.disconnect(id);
    tracing::info!(agent_id = %id, "door agent revoked");
    Ok(one("agent", &a))
}
