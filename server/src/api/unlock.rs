//! The unlock transaction shared by every way in (a cloud key over the API, a guest link, a
//! guest-link webhook): idempotency, authorization by the caller-supplied rule, the action
//! attempt and its events, all inside one writer job. The door opens only after commit
//! ([`deliver`]): through the in-process driver, or for a site with a door agent by a signed
//! command whose ack is recorded in a second transaction (`requested`, then `succeeded` only on
//! a valid ack, else `failed` with `agent_offline`, `device_not_confirmed` or `device_refused`).

use crate::store::db::Connection;
use ajar_protocol::{
    AcsEntrance, ActionAttempt, ActionAttemptError, ActionAttemptStatus, Event, TimeWindow,
    UnlockResult,
};
use uuid::Uuid;

use crate::agents::Delivery;
use crate::authz::{Refusal, UnlockFacts};
use crate::error::ApiError;
use crate::store::grants::MethodFacts;
use crate::store::{agents, attempts, entrances, events, grants, guest_links, StoreResult};
use crate::AppState;
use ajar_protocol::error::codes;

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

/// An authorized unlock that goes through the site's door agent once committed.
#[derive(Debug, Clone)]
pub struct AgentRoute {
    pub ws: Uuid,
    pub agent_id: Uuid,
    pub entrance: Uuid,
    pub pulse_ms: u32,
    /// The event template of the request (actor, entrance, attempt).
    pub event: Event,
}

/// The decision and whether the door must now open.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub attempt: ActionAttempt,
    /// Open through the in-process driver: `(entrance, pulse_ms)`.
    pub open: Option<(Uuid, u32)>,
    /// Open through the site's door agent (the attempt is `pending` until the ack).
    pub agent: Option<AgentRoute>,
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
                agent: None,
                replayed: true,
            });
        }
    }
    let facts = grants::method_facts(c, ws, plan.method_id)?
        .ok_or_else(|| ApiError::not_found("access_method", "access_method_id", plan.method_id))?;
    let entrance = entrances::get(c, ws, plan.entrance_id)?
        .ok_or_else(|| ApiError::not_found("acs_entrance", "acs_entrance_id", plan.entrance_id))?;
    let mut decision = authorize(c, &facts, &entrance)?;
    // A door at a site with a door agent opens only through its live agent.
    let mut agent = None;
    if decision.is_ok() && entrance.ajar_metadata.driver == "agent" {
        match agents::live_for_site(c, entrance.acs_system_id)? {
            Some(a) => agent = Some(a.agent_id),
            None => decision = Err(offline_refusal()),
        }
    }
    let attempt_id = Uuid::now_v7();
    let attempt = match &decision {
        Ok(()) if agent.is_some() => ActionAttempt {
            action_attempt_id: attempt_id,
            action_type: "UNLOCK_DOOR".to_owned(),
            status: ActionAttemptStatus::Pending,
            result: None,
            error: None,
        },
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
        Ok(()) if agent.is_some() => {
            let template = e.clone();
            e.event_id = Uuid::now_v7();
            e.event_type = "action_attempt.unlock_door.requested".to_owned();
            e.status = Some("pending".to_owned());
            e.agent_id = agent;
            events::append(c, &e)?;
            if let Some(link) = plan.guest_link_id {
                guest_links::record_unlock(c, link, now)?;
            }
            Ok(Outcome {
                attempt,
                open: None,
                agent: agent.map(|agent_id| AgentRoute {
                    ws,
                    agent_id,
                    entrance: plan.entrance_id,
                    pulse_ms: entrance.ajar_metadata.relock_pulse_ms,
                    event: template,
                }),
                replayed: false,
            })
        }
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
                agent: None,
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
                agent: None,
                replayed: false,
            })
        }
    }
}

fn offline_refusal() -> Refusal {
    Refusal {
        code: codes::AGENT_OFFLINE,
        message: "The door agent for this site is offline; nothing was sent to the door".to_owned(),
    }
}

/// After commit: opens the door the outcome says to open, and for an agent door records how the
/// command ended. Returns the outcome with its final attempt.
pub async fn deliver(app: &AppState, mut outcome: Outcome) -> StoreResult<Outcome> {
    if let Some((entrance, pulse_ms)) = outcome.open {
        app.driver.unlock(entrance, pulse_ms, app.clock.now());
    }
    let Some(route) = outcome.agent.clone() else {
        return Ok(outcome);
    };
    let delivery = app
        .agents
        .unlock(
            route.agent_id,
            route.entrance,
            route.pulse_ms,
            app.clock.now(),
        )
        .await;
    let timeout_s = app.agents.ack_timeout.as_secs_f64();
    let mut attempt = outcome.attempt.clone();
    let failure = match &delivery {
        Delivery::Confirmed => None,
        Delivery::Offline => Some(offline_refusal()),
        Delivery::NotConfirmed => Some(Refusal {
            code: codes::DEVICE_NOT_CONFIRMED,
            message: format!(
                "The door agent did not confirm the unlock within {timeout_s} s; the door may not have opened"
            ),
        }),
        Delivery::DriverFailed(d) => Some(Refusal {
            code: codes::DEVICE_REFUSED,
            message: format!(
                "The door agent could not drive the relay: {}",
                d.chars().take(200).collect::<String>()
            ),
        }),
    };
    match &failure {
        None => {
            attempt.status = ActionAttemptStatus::Success;
            attempt.result = Some(UnlockResult {
                was_confirmed_by_device: true,
            });
        }
        Some(r) => {
            attempt.status = ActionAttemptStatus::Error;
            attempt.error = Some(ActionAttemptError {
                kind: r.code.to_owned(),
                message: r.message.clone(),
            });
        }
    }
    let now = app.clock.now();
    let saved = attempt.clone();
    // Several instances: the others learn that the door stands open from the database.
    let shared_open = (failure.is_none() && app.agents.instance().is_some()).then(|| {
        (
            route.entrance,
            now + chrono::Duration::milliseconds(i64::from(route.pulse_ms)),
        )
    });
    app.store
        .write(move |c| {
            attempts::finish(c, route.ws, &saved, now)?;
            if let Some((door, until)) = shared_open {
                crate::store::presence::opened(c, door, until)?;
            }
            let mut e = route.event;
            e.agent_id = Some(route.agent_id);
            e.occurred_at = now;
            e.created_at = now;
            match failure {
                None => {
                    let mut unlocked = e.clone();
                    unlocked.event_id = Uuid::now_v7();
                    unlocked.event_type = "lock.unlocked".to_owned();
                    unlocked.method = Some("remote".to_owned());
                    unlocked.action_type = None;
                    events::append(c, &unlocked)?;
                    e.event_id = Uuid::now_v7();
                    e.event_type = "action_attempt.unlock_door.succeeded".to_owned();
                    e.status = Some("success".to_owned());
                }
                Some(r) => {
                    e.event_id = Uuid::now_v7();
                    e.event_type = "action_attempt.unlock_door.failed".to_owned();
                    e.status = Some("error".to_owned());
                    e.error_code = Some(r.code.to_owned());
                    e.error_message = Some(r.message);
                }
            }
            events::append(c, &e)
        })
        .await?;
    outcome.attempt = attempt;
    Ok(outcome)
}
