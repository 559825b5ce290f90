//! The unlock transaction shared by every way in (a cloud key over the API, a guest link, a
//! guest-link webhook): idempotency, authorization by the caller-supplied rule, the action
//! attempt and its events, all inside one writer job. The door opens only after commit.

use ajar_protocol::{
    AcsEntrance, ActionAttempt, ActionAttemptError, ActionAttemptStatus, Event, TimeWindow,
    UnlockResult,
};
use rusqlite::Connection;
use uuid::Uuid;

use crate::authz::{Refusal, UnlockFacts};
use crate::error::ApiError;
use crate::store::grants::MethodFacts;
use crate::store::{attempts, entrances, events, grants, guest_links, StoreResult};

/// What to unlock, and how to record it.
#[derive(Debug, Clone)]
pub struct Plan {
    pub ws: Uuid,
    pub method_id: Uuid,
    pub entrance_id: Uuid,
    /// Already scoped by the caller (e.g. per guest link).
    pub idempotency_key: Option<String>,
    /// Identifies the request; reusing a key for another request is refused.
    pub fingerprint: String,
    /// Event template carrying the actor.
    pub event: Event,
    pub guest_link_id: Option<Uuid>,
}

/// The decision and whether the door must now open.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub attempt: ActionAttempt,
    pub open: Option<(Uuid, u32)>,
    /// True when the answer was replayed from an earlier request with the same key.
    pub replayed: bool,
}

/// The issuer-side facts for the unlock rule.
pub fn unlock_facts(
    c: &Connection,
    facts: &MethodFacts,
    entrance: &AcsEntrance,
) -> StoreResult<UnlockFacts> {
    Ok(UnlockFacts {
        user_deleted: facts.user_deleted,
        remote_unlock_disabled: !facts.remote_unlock_enabled,
        method_revoked: facts.revoked,
        grant_deleted: facts.grant_deleted,
        method_mode: facts.mode.clone(),
        window: TimeWindow {
            starts_at: facts.starts_at,
            ends_at: facts.ends_at,
        },
        entrance_in_grant: grants::grant_has_entrance(
            c,
            facts.access_grant_id,
            entrance.acs_entrance_id,
        )?,
        entrance_allows_cloud_key: entrance.can_unlock_with_cloud_key,
        entrance_in_lockdown: entrance.ajar_metadata.is_in_lockdown,
    })
}

/// Runs one unlock inside the writer's transaction. `authorize` sees the method's facts and the
/// entrance; it returns `Err` for a request that must not be recorded (404), `Ok(Err(refusal))`
/// for a refusal that is recorded, and `Ok(Ok(()))` to unlock.
pub fn execute(
    c: &Connection,
    plan: Plan,
    now: chrono::DateTime<chrono::Utc>,
    authorize: impl FnOnce(&Connection, &MethodFacts, &AcsEntrance) -> StoreResult<Result<(), Refusal>>,
) -> StoreResult<Outcome> {
    let ws = plan.ws;
    if let Some(key) = plan.idempotency_key.as_deref() {
        if let Some(prev) = attempts::by_idempotency_key(c, ws, key)? {
            if prev.request_fingerprint.as_deref() != Some(plan.fingerprint.as_str()) {
                return Err(ApiError::new(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    ajar_protocol::error::codes::IDEMPOTENCY_KEY_REUSED,
                    "This Idempotency-Key was already used for a different request",
                )
                .into());
            }
            return Ok(Outcome {
                attempt: prev.attempt,
                open: None,
                replayed: true,
            });
        }
    }
    let facts = grants::method_facts(c, ws, plan.method_id)?
        .ok_or_else(|| ApiError::not_found("access_method", "access_method_id", plan.method_id))?;
    let entrance = entrances::get(c, ws, plan.entrance_id)?
        .ok_or_else(|| ApiError::not_found("acs_entrance", "acs_entrance_id", plan.entrance_id))?;
    let decision = authorize(c, &facts, &entrance)?;
    let attempt_id = Uuid::now_v7();
    let attempt = match &decision {
        Ok(()) => ActionAttempt {
            action_attempt_id: attempt_id,
            action_type: "UNLOCK_DOOR".to_owned(),
            status: ActionAttemptStatus::Success,
            // The simulated driver confirms synchronously once told to open.
            result: Some(UnlockResult {
                was_confirmed_by_device: true,
            }),
            error: None,
        },
        Err(refusal) => ActionAttempt {
            action_attempt_id: attempt_id,
            action_type: "UNLOCK_DOOR".to_owned(),
            status: ActionAttemptStatus::Error,
            result: None,
            error: Some(ActionAttemptError {
                kind: refusal.code.to_owned(),
                message: refusal.message.clone(),
            }),
        },
    };
    attempts::insert(
        c,
        ws,
        &attempts::NewAttempt {
            attempt: &attempt,
            access_method_id: plan.method_id,
            acs_entrance_id: plan.entrance_id,
            user_identity_id: Some(facts.user_identity_id),
            idempotency_key: plan.idempotency_key.as_deref(),
            request_fingerprint: &plan.fingerprint,
        },
        now,
    )?;
    let mut e = plan.event;
    e.user_identity_id = Some(facts.user_identity_id);
    e.acs_entrance_id = Some(plan.entrance_id);
    e.acs_system_id = Some(entrance.acs_system_id);
    e.access_method_id = Some(plan.method_id);
    e.access_grant_id = Some(facts.access_grant_id);
    e.action_attempt_id = Some(attempt_id);
    e.guest_link_id = plan.guest_link_id;
    e.action_type = Some("UNLOCK_DOOR".to_owned());
    match decision {
        Ok(()) => {
            let mut unlocked = e.clone();
            unlocked.event_type = "lock.unlocked".to_owned();
            unlocked.method = Some("remote".to_owned());
            unlocked.action_type = None;
            events::append(c, &unlocked)?;
            e.event_id = Uuid::now_v7();
            e.event_type = "action_attempt.unlock_door.succeeded".to_owned();
            e.status = Some("success".to_owned());
            events::append(c, &e)?;
            if let Some(link) = plan.guest_link_id {
                guest_links::record_unlock(c, link, now)?;
            }
            Ok(Outcome {
                attempt,
                open: Some((plan.entrance_id, entrance.ajar_metadata.relock_pulse_ms)),
                replayed: false,
            })
        }
        Err(refusal) => {
            e.event_id = Uuid::now_v7();
            e.event_type = "action_attempt.unlock_door.failed".to_owned();
            e.status = Some("error".to_owned());
            e.error_code = Some(refusal.code.to_owned());
            e.error_message = Some(refusal.message);
            events::append(c, &e)?;
            Ok(Outcome {
                attempt,
                open: None,
                replayed: false,
            })
        }
    }
}
