//! The OpenAPI 3.0 document served at `/openapi.json`, generated from the route table so it
//! describes exactly the routes the server has.

use serde_json::{json, Map, Value};

use super::spec::{Access, Resp, Route, Ty, P, ROUTES};

fn ty_schema(ty: &Ty, nullable: bool) -> Value {
    let mut s = match ty {
        Ty::Str => json!({"type": "string"}),
        Ty::Uuid => json!({"type": "string", "format": "uuid"}),
        Ty::Time => json!({"type": "string", "format": "date-time"}),
        Ty::Email => json!({"type": "string", "format": "email"}),
        Ty::Int => json!({"type": "integer", "minimum": 0}),
        Ty::Num => json!({"type": "number"}),
        Ty::Bool => json!({"type": "boolean"}),
        Ty::Enum(options) => json!({"type": "string", "enum": options}),
        Ty::Arr(inner) => json!({"type": "array", "items": ty_schema(inner, false)}),
        Ty::Obj(fields) => object_schema(fields),
    };
    if nullable {
        s["nullable"] = json!(true);
    }
    s
}

/// Longest accepted length of the free-text fields the handlers trim and require non-empty
/// (`handlers::name_field`).
fn text_limit(name: &str) -> Option<usize> {
    match name {
        "name" | "display_name" | "full_name" | "user_identity_key" => Some(200),
        "description" => Some(500),
        "email_address" => Some(320),
        "phone_number" => Some(40),
        _ => None,
    }
}

/// A parameter's schema with the rules the handlers enforce beyond its type, so that what the
/// document calls valid is accepted: page sizes are whole numbers from 1, free-text fields are
/// not blank and bounded, `between` is a pair, time zones are IANA names.
fn param_schema(p: &P) -> Value {
    let mut s = ty_schema(&p.ty, p.nullable);
    match (p.name, &p.ty) {
        ("limit", Ty::Num | Ty::Int) => {
            s["type"] = json!("integer");
            s["minimum"] = json!(1);
        }
        ("relock_pulse_ms", Ty::Int | Ty::Num) => {
            s["type"] = json!("integer");
            s["minimum"] = json!(200);
            s["maximum"] = json!(60_000);
        }
        ("max_unlock_count", Ty::Int | Ty::Num) => {
            s["type"] = json!("integer");
            s["minimum"] = json!(1);
        }
        ("between", Ty::Arr(_)) => {
            s["minItems"] = json!(2);
            s["maxItems"] = json!(2);
        }
        ("time_zone", Ty::Str) => {
            let zones: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
            s["enum"] = json!(zones);
        }
        (name, Ty::Str | Ty::Email) => {
            if let Some(max) = text_limit(name) {
                s["pattern"] = json!("\\S");
                s["maxLength"] = json!(max);
            }
        }
        _ => {}
    }
    s
}

fn object_schema(params: &[P]) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for p in params {
        props.insert(p.name.to_owned(), param_schema(p));
        if p.required {
            required.push(p.name);
        }
    }
    let mut s = json!({"type": "object", "properties": props});
    if !required.is_empty() {
        s["required"] = json!(required);
    }
    s
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn response_schema(resp: &Resp) -> Value {
    let (props, required): (Value, Vec<&str>) = match resp {
        Resp::Ok => (json!({}), vec![]),
        Resp::One(k, s) => (json!({ *k: reference(s) }), vec![k]),
        Resp::Many(k, s) => (
            json!({ *k: {"type": "array", "items": reference(s)} }),
            vec![k],
        ),
        Resp::Paged(k, s) => (
            json!({ *k: {"type": "array", "items": reference(s)}, "pagination": reference("pagination") }),
            vec![k, "pagination"],
        ),
        Resp::Batch(keys) => {
            let mut batch = Map::new();
            for (k, s) in *keys {
                batch.insert(
                    (*k).to_owned(),
                    json!({"type": "array", "items": reference(s)}),
                );
            }
            (
                json!({"batch": {"type": "object", "properties": batch}}),
                vec!["batch"],
            )
        }
    };
    let mut props = props;
    props["ok"] = json!({"type": "boolean"});
    let mut required: Vec<&str> = required;
    required.push("ok");
    json!({"type": "object", "properties": props, "required": required})
}

fn error_responses() -> Value {
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": reference("error_envelope")}}});
    json!({
        "400": err("Invalid input (`invalid_input`, with `validation_errors`)"),
        "401": err("Missing, invalid or revoked credentials"),
        "403": err("The caller's role may not use this route"),
        "404": err("No such resource in the caller's workspace (`<resource>_not_found`)"),
        "405": err("Method not allowed for this route"),
        "409": err("Conflict with existing data"),
        "413": err("Request body too large"),
        "422": err("Idempotency-Key reused for a different request"),
        "503": err("Shutting down or database unavailable; nothing was changed"),
    })
}

fn operation(route: &Route, method: &str) -> Value {
    let mut responses = error_responses();
    responses["200"] = json!({
        "description": "OK",
        "content": {"application/json": {"schema": response_schema(&route.resp)}}
    });
    let security = match route.access {
        Access::Admin => json!([{"api_key": []}, {"client_session": []}]),
        Access::Any | Access::Staff => json!([{"api_key": []}, {"client_session": []}]),
        Access::Code => json!([]),
    };
    let mut op = json!({
        "operationId": format!("{}_{}", route.path.trim_start_matches('/').replace('/', "_"), method),
        "summary": route.summary,
        "tags": [route.tag],
        "security": security,
        "responses": responses,
    });
    if route.access == Access::Admin {
        op["description"] = json!("Needs an API key or a session of an `admin` user.");
    }
    if route.access == Access::Staff {
        op["description"] =
            json!("Needs an API key or a session of an `admin` or `front_desk` user.");
    }
    if !route.one_of.is_empty() {
        op["x-one-of-required"] = json!(route.one_of);
    }
    if route.path == "/access_methods/unlock_door" {
        op["parameters"] = json!([{
            "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "Retries with the same key return the same action attempt and never unlock twice.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255}
        }]);
    }
    match method {
        "get" | "delete" => {
            let params: Vec<Value> = route
                .params
                .iter()
                .map(|p| {
                    json!({
                        "name": p.name,
                        "in": "query",
                        "required": p.required,
                        "schema": param_schema(p),
                        "style": "form",
                        "explode": true,
                    })
                })
                .collect();
            if !params.is_empty() {
                op["parameters"] = json!(params);
            }
        }
        _ => {
            let mut schema = object_schema(route.params);
            // Lists the handlers refuse when empty.
            for (path, field) in [
                ("/guest_links/create", "acs_entrance_ids"),
                ("/access_grants/create", "requested_access_methods"),
            ] {
                if route.path == path {
                    schema["properties"][field]["minItems"] = json!(1);
                }
            }
            // At least one of the route's identifying parameters (lists only filter by them;
            // a client session may ask `client_sessions/get` about itself with no parameter).
            let optional = route.path.ends_with("/list") || route.path == "/client_sessions/get";
            let one_of: Vec<Value> = if optional {
                Vec::new()
            } else {
                route
                    .one_of
                    .iter()
                    .map(|f| json!({"required": [f]}))
                    .collect()
            };
            if one_of.len() > 1 {
                schema["anyOf"] = json!(one_of);
            } else if let (false, [only]) = (optional, route.one_of) {
                let mut req: Vec<&str> = route
                    .params
                    .iter()
                    .filter(|p| p.required)
                    .map(|p| p.name)
                    .collect();
                req.push(only);
                schema["required"] = json!(req);
            }
            op["requestBody"] = json!({
                "required": route.params.iter().any(|p| p.required) || schema.get("anyOf").is_some(),
                "content": {"application/json": {"schema": schema}}
            });
        }
    }
    op
}

/// Builds the whole document.
pub fn document(public_url: &str) -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let mut item = Map::new();
        for m in route.kind.methods() {
            let m = m.to_ascii_lowercase();
            item.insert(m.clone(), operation(route, &m));
        }
        paths.insert(route.path.to_owned(), Value::Object(item));
    }
    paths.insert(
        "/health".to_owned(),
        json!({"get": {"operationId": "health_get", "summary": "Liveness check", "security": [], "tags": ["server"],
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"status": {"type": "string"}, "ok": {"type": "boolean"}}, "required": ["ok"]}}}}}}}),
    );
    paths.insert(
        "/openapi.json".to_owned(),
        json!({"get": {"operationId": "openapi_get", "summary": "This document", "security": [], "tags": ["server"],
            "responses": {"200": {"description": "OpenAPI document", "content": {"application/json": {"schema": {"type": "object"}}}}}}}),
    );
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Ajar API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Self-hosted door access with the Seam cloud-key API shape. Reads accept GET (query string) or POST (JSON); deletes accept DELETE (query string) or POST; updates accept PATCH or POST."
        },
        "servers": [{"url": public_url}],
        "paths": paths,
        "components": {"securitySchemes": {
            "api_key": {"type": "http", "scheme": "bearer", "description": "Admin API key (seam_ak1_…)"},
            "client_session": {"type": "http", "scheme": "bearer", "description": "Client session token (seam_cst1_…), acting for one user identity"}
        }, "schemas": schemas()},
    })
}

fn arr(s: Value) -> Value {
    json!({"type": "array", "items": s})
}

fn obj(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}

fn schemas() -> Value {
    let uuid = json!({"type": "string", "format": "uuid"});
    let time = json!({"type": "string", "format": "date-time"});
    let ntime = json!({"type": "string", "format": "date-time", "nullable": true});
    let nstr = json!({"type": "string", "nullable": true});
    let s = json!({"type": "string"});
    let b = json!({"type": "boolean"});
    let notice = obj(
        json!({"created_at": time, "error_code": s, "warning_code": s, "message": s}),
        &["created_at", "message"],
    );
    let mut all = json!({
        "error_envelope": obj(json!({
            "error": obj(json!({"type": s, "message": s, "data": {"type": "object"}, "validation_errors": {"type": "object"}}), &["type", "message"]),
            "ok": b
        }), &["error", "ok"]),
        "pagination": obj(json!({
            "has_next_page": b, "next_page_cursor": nstr, "next_page_url": {"type": "string", "nullable": true}
        }), &["has_next_page", "next_page_cursor", "next_page_url"]),
        "acs_system": obj(json!({
            "acs_system_id": uuid, "workspace_id": uuid, "connected_account_id": uuid, "connected_account_ids": arr(uuid.clone()),
            "created_at": time, "name": s, "image_url": s, "image_alt_text": s, "is_credential_manager": b,
            "location": obj(json!({"time_zone": nstr}), &["time_zone"]), "errors": arr(notice.clone()), "warnings": arr(notice.clone()),
            "external_type_display_name": nstr
        }), &["acs_system_id", "workspace_id", "connected_account_id", "connected_account_ids", "created_at", "name",
              "image_url", "image_alt_text", "is_credential_manager", "location", "errors", "warnings"]),
        "acs_entrance": obj(json!({
            "acs_entrance_id": uuid, "acs_system_id": uuid, "connected_account_id": uuid, "created_at": time, "display_name": s,
            "space_ids": arr(uuid.clone()), "errors": arr(notice.clone()), "warnings": arr(notice.clone()),
            "can_unlock_with_cloud_key": b, "can_unlock_with_code": b, "can_unlock_with_card": b, "can_unlock_with_mobile_key": b,
            "can_belong_to_reservation": b, "is_locked": b,
            "ajar_metadata": obj(json!({"is_in_lockdown": b, "relock_pulse_ms": {"type": "integer"}, "driver": s, "is_online": b,
                "time_zone": s, "unlocked_until": time}), &["is_in_lockdown", "relock_pulse_ms", "driver", "is_online", "time_zone"])
        }), &["acs_entrance_id", "acs_system_id", "connected_account_id", "created_at", "display_name", "space_ids", "errors", "warnings"]),
        "user_identity": obj(json!({
            "user_identity_id": uuid, "workspace_id": uuid, "created_at": time, "display_name": s, "user_identity_key": nstr,
            "email_address": nstr, "phone_number": nstr, "full_name": nstr, "acs_user_ids": arr(uuid.clone()),
            "errors": arr(notice.clone()), "warnings": arr(notice.clone()),
            "role": {"type": "string", "enum": ["member", "front_desk", "admin"]},
            "remote_unlock_enabled": b
        }), &["user_identity_id", "workspace_id", "created_at", "display_name", "user_identity_key", "email_address",
              "phone_number", "full_name", "acs_user_ids", "errors", "warnings"]),
        "access_grant": obj(json!({
            "access_grant_id": uuid, "workspace_id": uuid, "user_identity_id": uuid, "created_at": time, "starts_at": time,
            "ends_at": ntime, "name": nstr, "display_name": s, "access_method_ids": arr(uuid.clone()),
            "requested_access_methods": arr(obj(json!({"mode": s, "display_name": s, "created_at": time,
                "created_access_method_ids": arr(uuid.clone())}), &["mode", "display_name", "created_at", "created_access_method_ids"])),
            "space_ids": arr(uuid.clone()), "location_ids": arr(uuid.clone()), "errors": arr(notice.clone()), "warnings": arr(notice.clone()),
            "pending_mutations": arr(json!({"type": "object"})), "access_grant_key": s, "reservation_key": s,
            "acs_entrance_ids": arr(uuid.clone())
        }), &["access_grant_id", "workspace_id", "user_identity_id", "created_at", "starts_at", "ends_at", "name", "display_name",
              "access_method_ids", "requested_access_methods", "space_ids", "location_ids", "errors", "warnings", "pending_mutations"]),
        "access_method": obj(json!({
            "access_method_id": uuid, "workspace_id": uuid, "mode": {"type": "string", "enum": ["code", "card", "mobile_key", "cloud_key"]},
            "display_name": s, "created_at": time, "is_issued": b, "issued_at": ntime, "errors": arr(notice.clone()),
            "warnings": arr(notice.clone()), "pending_mutations": arr(json!({"type": "object"}))
        }), &["access_method_id", "workspace_id", "mode", "display_name", "created_at", "is_issued", "issued_at", "errors",
              "warnings", "pending_mutations"]),
        "action_attempt": obj(json!({
            "action_attempt_id": uuid, "action_type": s, "status": {"type": "string", "enum": ["pending", "success", "error"]},
            "result": {"type": "object", "nullable": true, "properties": {"was_confirmed_by_device": b}},
            "error": {"type": "object", "nullable": true, "properties": {"type": s, "message": s}, "required": ["type", "message"]}
        }), &["action_attempt_id", "action_type", "status", "result", "error"]),
        "event": obj(json!({
            "event_id": uuid, "event_type": s, "workspace_id": uuid, "created_at": time, "occurred_at": time,
            "connected_account_id": uuid, "acs_system_id": uuid, "acs_entrance_id": uuid, "user_identity_id": uuid,
            "access_grant_id": uuid, "access_grant_ids": arr(uuid.clone()), "access_method_id": uuid, "action_attempt_id": uuid,
            "action_type": s, "status": s, "method": s, "client_session_id": uuid, "api_key_id": uuid, "guest_link_id": uuid, "error_code": s,
            "error_message": s, "actor_type": s, "actor_id": uuid, "object_type": s, "object_id": uuid,
            "changed_fields": arr(s.clone()), "agent_id": uuid
        }), &["event_id", "event_type", "workspace_id", "created_at", "occurred_at"]),
        "client_session": obj(json!({
            "client_session_id": uuid, "workspace_id": uuid, "created_at": time, "expires_at": time, "token": s,
            "user_identifier_key": nstr, "device_count": {"type": "integer"}, "connected_account_ids": arr(uuid.clone()),
            "connect_webview_ids": arr(uuid.clone()), "user_identity_ids": arr(uuid.clone()),
            "user_identity_id": {"type": "string", "format": "uuid", "nullable": true}, "revoked_at": ntime
        }), &["client_session_id", "workspace_id", "created_at", "expires_at", "token", "user_identifier_key", "device_count",
              "connected_account_ids", "connect_webview_ids", "user_identity_ids"]),
        "guest_link": obj(json!({
            "guest_link_id": uuid, "workspace_id": uuid, "issuer_user_identity_id": uuid, "issuer_display_name": s,
            "access_method_id": uuid, "acs_entrance_ids": arr(uuid.clone()), "description": s, "starts_at": time,
            "ends_at": time, "time_zone": s, "max_unlock_count": {"type": "integer", "nullable": true},
            "unlock_count": {"type": "integer"}, "last_unlocked_at": ntime, "view_count": {"type": "integer"},
            "last_viewed_at": ntime, "created_at": time, "revoked_at": ntime,
            "state": {"type": "string", "enum": ["active", "scheduled", "expired", "revoked", "used_up"]},
            "url": {"type": "string", "description": "The guest URL; only in the answer to guest_links/create."},
            "webhook_urls": arr(obj(json!({"acs_entrance_id": uuid, "display_name": s, "url": s}), &["acs_entrance_id", "display_name", "url"]))
        }), &["guest_link_id", "workspace_id", "issuer_user_identity_id", "issuer_display_name", "access_method_id",
              "acs_entrance_ids", "description", "starts_at", "ends_at", "time_zone", "max_unlock_count", "unlock_count",
              "last_unlocked_at", "view_count", "last_viewed_at", "created_at", "revoked_at", "state"]),
        "cloud_key": obj(json!({
            "access_method_id": uuid, "access_grant_id": uuid, "user_identity_id": uuid, "workspace_id": uuid, "name": s,
            "acs_entrance_ids": arr(uuid.clone()), "acs_system_ids": arr(uuid.clone()),
            "whole_acs_system_ids": arr(uuid.clone()), "starts_at": time, "ends_at": ntime,
            "time_zone": nstr, "starts_at_local": nstr, "ends_at_local": nstr,
            "state": {"type": "string", "enum": ["scheduled", "active", "expired", "revoked"]},
            "created_at": time, "revoked_at": ntime
        }), &["access_method_id", "access_grant_id", "user_identity_id", "workspace_id", "name", "acs_entrance_ids",
              "acs_system_ids", "starts_at", "ends_at", "time_zone", "state", "created_at", "revoked_at"]),
        "person": obj(json!({
            "user_identity": {"$ref": "#/components/schemas/user_identity"}, "acs_system_ids": arr(uuid.clone()),
            "cloud_keys": arr(json!({"$ref": "#/components/schemas/cloud_key"})),
            "active_client_session_count": {"type": "integer"},
            "state": {"type": "string", "enum": ["active", "scheduled", "no_access", "remote_unlock_off"]}
        }), &["user_identity", "acs_system_ids", "cloud_keys", "active_client_session_count", "state"]),
        "api_key": obj(json!({
            "api_key_id": uuid, "workspace_id": uuid, "name": s, "created_at": time, "revoked_at": ntime, "token_prefix": s,
            "token": {"type": "string", "description": "The key itself; only in the answer to api_keys/create."}
        }), &["api_key_id", "workspace_id", "name", "created_at", "revoked_at", "token_prefix"]),
    });
    all["agent"] = obj(
        json!({
            "agent_id": uuid, "workspace_id": uuid, "acs_system_id": uuid, "name": s,
            "public_key": {"type": "string", "description": "Ed25519 public key, base64"},
            "is_online": b, "created_at": time, "last_connected_at": time, "revoked_at": time
        }),
        &[
            "agent_id",
            "workspace_id",
            "acs_system_id",
            "name",
            "public_key",
            "is_online",
            "created_at",
        ],
    );
    all["agent_enrollment_code"] = obj(
        json!({
            "agent_enrollment_code_id": uuid, "acs_system_id": uuid, "name": s,
            "code": {"type": "string", "description": "The code; only in the answer to agents/enrollment_codes/create."},
            "created_at": time, "expires_at": time
        }),
        &[
            "agent_enrollment_code_id",
            "acs_system_id",
            "name",
            "created_at",
            "expires_at",
        ],
    );
    all["agent_enrollment"] = obj(
        json!({"agent_id": uuid, "acs_system_id": uuid,
            "server_public_key": {"type": "string", "description": "The server's Ed25519 public key (base64) for the agent to pin"}}),
        &["agent_id", "acs_system_id", "server_public_key"],
    );
    all
}
