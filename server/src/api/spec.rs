//! The route table: every API route once, with its methods, who may call it, its parameters and
//! its answer. The same table drives dispatch, schema-aware query-string parsing, input
//! validation and the OpenAPI document, so they cannot drift apart.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use super::handlers as h;
use super::Ctx;
use crate::error::ApiResult;

/// Type of a parameter.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    Str,
    Uuid,
    Time,
    Int,
    Num,
    Bool,
    Email,
    /// One of a fixed set of strings.
    Enum(&'static [&'static str]),
    Arr(&'static Ty),
    Obj(&'static [P]),
}

/// One request parameter.
#[derive(Debug, Clone, Copy)]
pub struct P {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    pub nullable: bool,
}

const fn p(name: &'static str, ty: Ty) -> P {
    P {
        name,
        ty,
        required: false,
        nullable: false,
    }
}
const fn req(name: &'static str, ty: Ty) -> P {
    P {
        name,
        ty,
        required: true,
        nullable: false,
    }
}
const fn null(name: &'static str, ty: Ty) -> P {
    P {
        name,
        ty,
        required: false,
        nullable: true,
    }
}

const UUIDS: Ty = Ty::Arr(&Ty::Uuid);
const STRS: Ty = Ty::Arr(&Ty::Str);
const ROLE: Ty = Ty::Enum(&["member", "front_desk", "admin"]);
const MODE: Ty = Ty::Enum(&["code", "card", "mobile_key", "cloud_key"]);

/// What kind of operation a route is; fixes its HTTP methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// GET (query) or POST (JSON); never changes state.
    Read,
    /// POST only.
    Create,
    /// POST or PUT (Seam's SDKs create client sessions with PUT).
    CreateOrPut,
    /// POST only; an action such as unlocking a door.
    Action,
    /// PATCH or POST.
    Update,
    /// DELETE (query) or POST.
    Delete,
}

impl Kind {
    pub fn methods(self) -> &'static [&'static str] {
        match self {
            Kind::Read => &["GET", "POST"],
            Kind::Create | Kind::Action => &["POST"],
            Kind::CreateOrPut => &["POST", "PUT"],
            Kind::Update => &["PATCH", "POST"],
            Kind::Delete => &["DELETE", "POST"],
        }
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Any authenticated caller; handlers narrow what a member session sees.
    Any,
    /// API keys and sessions of `admin` users.
    Admin,
    /// API keys and sessions of `admin` or `front_desk` users (control-center reads).
    Staff,
    /// No bearer token: the body carries a single-use credential (an agent's enrollment code).
    Code,
}

/// Shape of a successful answer.
#[derive(Debug, Clone, Copy)]
pub enum Resp {
    /// `{"ok": true}`
    Ok,
    /// `{key: <schema>}`
    One(&'static str, &'static str),
    /// `{key: [<schema>]}`
    Many(&'static str, &'static str),
    /// `{key: [<schema>], pagination}`
    Paged(&'static str, &'static str),
    /// `{batch: {key: [<schema>] …}}`
    Batch(&'static [(&'static str, &'static str)]),
}

pub type BoxFut = Pin<Box<dyn Future<Output = ApiResult<Value>> + Send>>;
pub type Handler = fn(Ctx, Value) -> BoxFut;

/// One API route.
#[derive(Debug)]
pub struct Route {
    pub path: &'static str,
    pub kind: Kind,
    pub access: Access,
    pub tag: &'static str,
    pub summary: &'static str,
    pub params: &'static [P],
    /// Groups of which at least one parameter is required (documented; enforced by handlers).
    pub one_of: &'static [&'static str],
    pub resp: Resp,
    pub handler: Handler,
}

macro_rules! handler {
    ($f:path) => {{
        fn wrap(c: Ctx, b: Value) -> BoxFut {
            Box::pin($f(c, b))
        }
        wrap as Handler
    }};
}

macro_rules! route {
    ($path:literal, $kind:ident, $access:ident, $tag:literal, $summary:literal, [$($param:expr),* $(,)?], $one_of:expr, $resp:expr, $f:path) => {
        Route {
            path: $path,
            kind: Kind::$kind,
            access: Access::$access,
            tag: $tag,
            summary: $summary,
            params: &[$($param),*],
            one_of: $one_of,
            resp: $resp,
            handler: handler!($f),
        }
    };
}

const NONE: &[&str] = &[];
const PAGE: [P; 2] = [p("limit", Ty::Num), null("page_cursor", Ty::Str)];

pub static ROUTES: &[Route] = &[
    // ---- sites (Seam acs_system) ----
    route!(
        "/acs/systems/list",
        Read,
        Any,
        "sites",
        "List sites (ACS systems)",
        [
            p("connected_account_id", Ty::Uuid),
            p("customer_key", Ty::Str),
            p("search", Ty::Str)
        ],
        NONE,
        Resp::Many("acs_systems", "acs_system"),
        h::sites::list
    ),
    route!(
        "/acs/systems/get",
        Read,
        Any,
        "sites",
        "Get a site",
        [req("acs_system_id", Ty::Uuid)],
        NONE,
        Resp::One("acs_system", "acs_system"),
        h::sites::get
    ),
    route!(
        "/acs/systems/create",
        Create,
        Admin,
        "sites",
        "Create a site with an IANA time zone (Ajar)",
        [req("name", Ty::Str), req("time_zone", Ty::Str)],
        NONE,
        Resp::One("acs_system", "acs_system"),
        h::sites::create
    ),
    route!(
        "/acs/systems/update",
        Update,
        Admin,
        "sites",
        "Rename a site or change its time zone (Ajar)",
        [
            req("acs_system_id", Ty::Uuid),
            p("name", Ty::Str),
            p("time_zone", Ty::Str)
        ],
        NONE,
        Resp::One("acs_system", "acs_system"),
        h::sites::update
    ),
    route!(
        "/acs/systems/delete",
        Delete,
        Admin,
        "sites",
        "Delete a site that has no entrances (Ajar)",
        [req("acs_system_id", Ty::Uuid)],
        NONE,
        Resp::Ok,
        h::sites::delete
    ),
    // ---- entrances ----
    route!(
        "/acs/entrances/list",
        Read,
        Any,
        "entrances",
        "List entrances (doors)",
        [
            p("acs_system_id", Ty::Uuid),
            p("acs_entrance_ids", UUIDS),
            p("access_method_id", Ty::Uuid),
            p("acs_credential_id", Ty::Uuid),
            p("connected_account_id", Ty::Uuid),
            p("space_id", Ty::Uuid),
            p("customer_key", Ty::Str),
            p("search", Ty::Str),
            PAGE[0],
            PAGE[1]
        ],
        NONE,
        Resp::Paged("acs_entrances", "acs_entrance"),
        h::entrances::list
    ),
    route!(
        "/acs/entrances/get",
        Read,
        Any,
        "entrances",
        "Get an entrance",
        [req("acs_entrance_id", Ty::Uuid)],
        NONE,
        Resp::One("acs_entrance", "acs_entrance"),
        h::entrances::get
    ),
    route!(
        "/acs/entrances/create",
        Create,
        Admin,
        "entrances",
        "Create an entrance on a site (Ajar)",
        [
            req("acs_system_id", Ty::Uuid),
            req("display_name", Ty::Str),
            p("can_unlock_with_cloud_key", Ty::Bool),
            p("relock_pulse_ms", Ty::Int),
            p("is_in_lockdown", Ty::Bool)
        ],
        NONE,
        Resp::One("acs_entrance", "acs_entrance"),
        h::entrances::create
    ),
    route!(
        "/acs/entrances/update",
        Update,
        Admin,
        "entrances",
        "Change an entrance: name, cloud-key unlock, relock pulse, lockdown (Ajar)",
        [
            req("acs_entrance_id", Ty::Uuid),
            p("display_name", Ty::Str),
            p("can_unlock_with_cloud_key", Ty::Bool),
            p("relock_pulse_ms", Ty::Int),
            p("is_in_lockdown", Ty::Bool)
        ],
        NONE,
        Resp::One("acs_entrance", "acs_entrance"),
        h::entrances::update
    ),
    route!(
        "/acs/entrances/delete",
        Delete,
        Admin,
        "entrances",
        "Delete an entrance (Ajar)",
        [req("acs_entrance_id", Ty::Uuid)],
        NONE,
        Resp::Ok,
        h::entrances::delete
    ),
    // ---- user identities ----
    route!(
        "/user_identities/create",
        Create,
        Admin,
        "user_identities",
        "Create a user identity",
        [
            null("email_address", Ty::Email),
            null("full_name", Ty::Str),
            null("phone_number", Ty::Str),
            null("user_identity_key", Ty::Str),
            p("acs_system_ids", UUIDS),
            p("role", ROLE)
        ],
        NONE,
        Resp::One("user_identity", "user_identity"),
        h::users::create
    ),
    route!(
        "/user_identities/get",
        Read,
        Any,
        "user_identities",
        "Get a user identity",
        [
            p("user_identity_id", Ty::Uuid),
            p("user_identity_key", Ty::Str)
        ],
        &["user_identity_id", "user_identity_key"],
        Resp::One("user_identity", "user_identity"),
        h::users::get
    ),
    route!(
        "/user_identities/list",
        Read,
        Any,
        "user_identities",
        "List user identities",
        [
            p("user_identity_ids", UUIDS),
            p("search", Ty::Str),
            p("created_before", Ty::Time),
            p("credential_manager_acs_system_id", Ty::Uuid),
            PAGE[0],
            PAGE[1]
        ],
        NONE,
        Resp::Paged("user_identities", "user_identity"),
        h::users::list
    ),
    route!(
        "/user_identities/update",
        Update,
        Admin,
        "user_identities",
        "Update a user identity, including its Ajar role",
        [
            req("user_identity_id", Ty::Uuid),
            null("email_address", Ty::Email),
            null("full_name", Ty::Str),
            null("phone_number", Ty::Str),
            null("user_identity_key", Ty::Str),
            p("role", ROLE)
        ],
        NONE,
        Resp::Ok,
        h::users::update
    ),
    route!(
        "/user_identities/delete",
        Delete,
        Admin,
        "user_identities",
        "Delete a user identity; ends its sessions, grants and cloud keys",
        [req("user_identity_id", Ty::Uuid)],
        NONE,
        Resp::Ok,
        h::users::delete
    ),
    // ---- access grants ----
    route!(
        "/access_grants/create",
        Create,
        Admin,
        "access_grants",
        "Grant a user access to entrances, with cloud keys",
        [
            p("user_identity_id", Ty::Uuid),
            p(
                "user_identity",
                Ty::Obj(&[
                    null("email_address", Ty::Email),
                    null("full_name", Ty::Str),
                    null("phone_number", Ty::Str),
                    null("user_identity_key", Ty::Str)
                ])
            ),
            req(
                "requested_access_methods",
                Ty::Arr(&Ty::Obj(&[req("mode", MODE), p("code", Ty::Str)]))
            ),
            p("acs_entrance_ids", UUIDS),
            p("device_ids", UUIDS),
            p("space_ids", UUIDS),
            p("space_keys", STRS),
            p("location_ids", UUIDS),
            p(
                "location",
                Ty::Obj(&[p("acs_entrance_ids", UUIDS), p("name", Ty::Str)])
            ),
            p("starts_at", Ty::Time),
            null("ends_at", Ty::Time),
            null("name", Ty::Str),
            p("access_grant_key", Ty::Str),
            p("reservation_key", Ty::Str)
        ],
        &["user_identity_id", "user_identity"],
        Resp::One("access_grant", "access_grant"),
        h::grants::create
    ),
    route!(
        "/access_grants/get",
        Read,
        Any,
        "access_grants",
        "Get an access grant",
        [
            p("access_grant_id", Ty::Uuid),
            p("access_grant_key", Ty::Str)
        ],
        &["access_grant_id", "access_grant_key"],
        Resp::One("access_grant", "access_grant"),
        h::grants::get
    ),
    route!(
        "/access_grants/list",
        Read,
        Any,
        "access_grants",
        "List access grants",
        [
            p("user_identity_id", Ty::Uuid),
            p("acs_entrance_id", Ty::Uuid),
            p("acs_system_id", Ty::Uuid),
            p("access_grant_ids", UUIDS),
            null("access_grant_key", Ty::Str),
            p("reservation_key", Ty::Str),
            p("device_id", Ty::Uuid),
            p("space_id", Ty::Uuid),
            p("access_code_id", Ty::Uuid),
            p("customer_key", Ty::Str),
            PAGE[0],
            PAGE[1]
        ],
        NONE,
        Resp::Paged("access_grants", "access_grant"),
        h::grants::list
    ),
    route!(
        "/access_grants/update",
        Update,
        Admin,
        "access_grants",
        "Change an access grant's window or name",
        [
            p("access_grant_id", Ty::Uuid),
            p("access_grant_key", Ty::Str),
            p("starts_at", Ty::Time),
            null("ends_at", Ty::Time),
            null("name", Ty::Str)
        ],
        &["access_grant_id", "access_grant_key"],
        Resp::Ok,
        h::grants::update
    ),
    route!(
        "/access_grants/delete",
        Delete,
        Admin,
        "access_grants",
        "Delete an access grant and revoke its cloud keys",
        [req("access_grant_id", Ty::Uuid)],
        NONE,
        Resp::Ok,
        h::grants::delete
    ),
    route!(
        "/access_grants/get_related",
        Read,
        Any,
        "access_grants",
        "Get the resources related to access grants",
        [
            p("access_grant_ids", UUIDS),
            p("access_grant_keys", STRS),
            p("include", STRS),
            p("exclude", STRS)
        ],
        NONE,
        Resp::Batch(&[
            ("acs_entrances", "acs_entrance"),
            ("acs_systems", "acs_system"),
            ("user_identities", "user_identity"),
            ("access_methods", "access_method")
        ]),
        h::grants::get_related
    ),
    // ---- access methods (cloud keys) ----
    route!(
        "/access_methods/list",
        Read,
        Any,
        "access_methods",
        "List access methods (cloud keys)",
        [
            p("access_grant_id", Ty::Uuid),
            p("access_grant_key", Ty::Str),
            p("acs_entrance_id", Ty::Uuid),
            p("device_id", Ty::Uuid),
            p("space_id", Ty::Uuid),
            p("access_code_id", Ty::Uuid),
            p("user_identity_id", Ty::Uuid),
            PAGE[0],
            PAGE[1]
        ],
        &[
            "access_grant_id",
            "access_grant_key",
            "acs_entrance_id",
            "device_id",
            "space_id",
            "access_code_id",
            "user_identity_id"
        ],
        Resp::Paged("access_methods", "access_method"),
        h::methods::list
    ),
    route!(
        "/access_methods/get",
        Read,
        Any,
        "access_methods",
        "Get an access method",
        [req("access_method_id", Ty::Uuid)],
        NONE,
        Resp::One("access_method", "access_method"),
        h::methods::get
    ),
    route!(
        "/access_methods/get_related",
        Read,
        Any,
        "access_methods",
        "Get the resources related to access methods",
        [
            req("access_method_ids", UUIDS),
            p("include", STRS),
            p("exclude", STRS)
        ],
        NONE,
        Resp::Batch(&[
            ("acs_entrances", "acs_entrance"),
            ("access_grants", "access_grant"),
            ("access_methods", "access_method")
        ]),
        h::methods::get_related
    ),
    route!(
        "/access_methods/unlock_door",
        Action,
        Any,
        "access_methods",
        "Unlock an entrance with a cloud key; honours Idempotency-Key",
        [
            req("access_method_id", Ty::Uuid),
            req("acs_entrance_id", Ty::Uuid)
        ],
        NONE,
        Resp::One("action_attempt", "action_attempt"),
        h::methods::unlock_door
    ),
    route!(
        "/access_methods/delete",
        Delete,
        Admin,
        "access_methods",
        "Revoke an access method",
        [
            p("access_method_id", Ty::Uuid),
            p("access_grant_id", Ty::Uuid),
            p("reservation_key", Ty::Str)
        ],
        &["access_method_id", "access_grant_id", "reservation_key"],
        Resp::Ok,
        h::methods::delete
    ),
    // ---- action attempts ----
    route!(
        "/action_attempts/get",
        Read,
        Any,
        "action_attempts",
        "Get an action attempt",
        [req("action_attempt_id", Ty::Uuid)],
        NONE,
        Resp::One("action_attempt", "action_attempt"),
        h::attempts::get
    ),
    route!(
        "/action_attempts/list",
        Read,
        Any,
        "action_attempts",
        "List action attempts",
        [
            p("action_attempt_ids", UUIDS),
            p("device_id", Ty::Uuid),
            PAGE[0],
            PAGE[1]
        ],
        NONE,
        Resp::Paged("action_attempts", "action_attempt"),
        h::attempts::list
    ),
    // ---- events ----
    route!(
        "/events/list",
        Read,
        Any,
        "events",
        "List events of the audit trail, newest first",
        [
            p("since", Ty::Time),
            p("between", Ty::Arr(&Ty::Time)),
            p("event_type", Ty::Str),
            p("event_types", STRS),
            p("event_ids", UUIDS),
            p("user_identity_id", Ty::Uuid),
            p("acs_entrance_id", Ty::Uuid),
            p("acs_system_id", Ty::Uuid),
            p("acs_system_ids", UUIDS),
            p("access_grant_id", Ty::Uuid),
            p("access_grant_ids", UUIDS),
            p("access_method_id", Ty::Uuid),
            p("access_method_ids", UUIDS),
            p("action_attempt_id", Ty::Uuid),
            p("guest_link_id", Ty::Uuid),
            p("device_id", Ty::Uuid),
            p("device_ids", UUIDS),
            p("connected_account_id", Ty::Uuid),
            p("object_type", Ty::Str),
            p("object_id", Ty::Uuid),
            p("actor_id", Ty::Uuid),
            p("limit", Ty::Num),
            p("unstable_offset", Ty::Num)
        ],
        NONE,
        Resp::Many("events", "event"),
        h::events::list
    ),
    route!(
        "/events/get",
        Read,
        Any,
        "events",
        "Get an event",
        [
            p("event_id", Ty::Uuid),
            p("device_id", Ty::Uuid),
            p("event_type", Ty::Str)
        ],
        &["event_id", "device_id", "event_type"],
        Resp::One("event", "event"),
        h::events::get
    ),
    // ---- client sessions ----
    route!(
        "/client_sessions/create",
        CreateOrPut,
        Admin,
        "client_sessions",
        "Create a client session (token) for a user identity",
        [
            p("user_identity_id", Ty::Uuid),
            p("user_identity_ids", UUIDS),
            p("user_identifier_key", Ty::Str),
            p("expires_at", Ty::Time),
            p("customer_key", Ty::Str),
            p("connected_account_ids", UUIDS),
            p("connect_webview_ids", STRS)
        ],
        &["user_identity_id", "user_identity_ids"],
        Resp::One("client_session", "client_session"),
        h::sessions::create
    ),
    route!(
        "/client_sessions/get",
        Read,
        Any,
        "client_sessions",
        "Get a client session",
        [
            p("client_session_id", Ty::Uuid),
            p("user_identifier_key", Ty::Str)
        ],
        &["client_session_id", "user_identifier_key"],
        Resp::One("client_session", "client_session"),
        h::sessions::get
    ),
    route!(
        "/client_sessions/list",
        Read,
        Any,
        "client_sessions",
        "List client sessions",
        [
            p("client_session_id", Ty::Uuid),
            p("user_identity_id", Ty::Uuid),
            p("user_identifier_key", Ty::Str),
            p("connect_webview_id", Ty::Str),
            p("without_user_identifier_key", Ty::Bool)
        ],
        NONE,
        Resp::Many("client_sessions", "client_session"),
        h::sessions::list
    ),
    route!(
        "/client_sessions/revoke",
        Action,
        Any,
        "client_sessions",
        "Revoke a client session (a user may revoke their own)",
        [req("client_session_id", Ty::Uuid)],
        NONE,
        Resp::Ok,
        h::sessions::revoke
    ),
    // ---- guest links (Ajar) ----
    route!("/guest_links/create", Create, Any, "guest_links",
        "Share entrances with a guest by link; the URL and webhook URLs are in this answer only (Ajar)",
        [p("user_identity_id", Ty::Uuid), p("access_method_id", Ty::Uuid), req("acs_entrance_ids", UUIDS),
         req("description", Ty::Str), p("starts_at", Ty::Str), req("ends_at", Ty::Str), p("max_unlock_count", Ty::Int)],
        NONE, Resp::One("guest_link", "guest_link"), h::guest_links::create),
    route!("/guest_links/get", Read, Any, "guest_links", "Get a guest link, with its uses (Ajar)",
        [req("guest_link_id", Ty::Uuid)], NONE, Resp::One("guest_link", "guest_link"), h::guest_links::get),
    route!("/guest_links/list", Read, Any, "guest_links", "List guest links by issuer, entrance or state (Ajar)",
        [p("issuer_user_identity_id", Ty::Uuid), p("acs_entrance_id", Ty::Uuid),
         p("state", Ty::Enum(&["active", "scheduled", "expired", "revoked", "used_up"])), PAGE[0], PAGE[1]],
        NONE, Resp::Paged("guest_links", "guest_link"), h::guest_links::list),
    route!("/guest_links/revoke", Action, Any, "guest_links", "Revoke a guest link at once (Ajar)",
        [req("guest_link_id", Ty::Uuid)], NONE, Resp::Ok, h::guest_links::revoke),

    // ---- control center (Ajar) ----
    route!(
        "/people/list",
        Read,
        Staff,
        "people",
        "List users with their role, sites, cloud keys, sessions and state (Ajar)",
        [
            p("search", Ty::Str),
            p("role", ROLE),
            PAGE[0],
            PAGE[1]
        ],
        NONE,
        Resp::Paged("people", "person"),
        h::admin::people_list
    ),
    route!(
        "/people/get",
        Read,
        Staff,
        "people",
        "Get one user with their role, sites, cloud keys, sessions and state (Ajar)",
        [req("user_identity_id", Ty::Uuid)],
        NONE,
        Resp::One("person", "person"),
        h::admin::people_get
    ),
    route!(
        "/user_identities/set_remote_unlock",
        Action,
        Admin,
        "user_identities",
        "Turn the Remote Unlock switch on a user's access on or off; off stops the user's unlocks and every guest link they issued at the next request (Ajar)",
        [req("user_identity_id", Ty::Uuid), req("enabled", Ty::Bool)],
        NONE,
        Resp::One("person", "person"),
        h::admin::set_remote_unlock
    ),
    route!(
        "/cloud_keys/create",
        Create,
        Admin,
        "cloud_keys",
        "Add a Cloud Key credential to a user: doors or whole sites, optional start and end in the site's time zone (Ajar)",
        [
            req("user_identity_id", Ty::Uuid),
            req("name", Ty::Str),
            p("acs_entrance_ids", UUIDS),
            p("acs_system_ids", UUIDS),
            p("starts_at", Ty::Str),
            p("ends_at", Ty::Str)
        ],
        &["acs_entrance_ids", "acs_system_ids"],
        Resp::One("cloud_key", "cloud_key"),
        h::admin::cloud_keys_create
    ),
    route!(
        "/cloud_keys/list",
        Read,
        Any,
        "cloud_keys",
        "List Cloud Key credentials with their window and state, revoked ones included (Ajar)",
        [
            p("user_identity_id", Ty::Uuid),
            p(
                "state",
                Ty::Enum(&["scheduled", "active", "expired", "revoked"])
            )
        ],
        NONE,
        Resp::Many("cloud_keys", "cloud_key"),
        h::admin::cloud_keys_list
    ),
    route!(
        "/cloud_keys/get",
        Read,
        Any,
        "cloud_keys",
        "Get a Cloud Key credential (Ajar)",
        [req("access_method_id", Ty::Uuid)],
        NONE,
        Resp::One("cloud_key", "cloud_key"),
        h::admin::cloud_keys_get
    ),
    route!(
        "/cloud_keys/revoke",
        Action,
        Admin,
        "cloud_keys",
        "Revoke a Cloud Key credential at once (Ajar)",
        [req("access_method_id", Ty::Uuid)],
        NONE,
        Resp::One("cloud_key", "cloud_key"),
        h::admin::cloud_keys_revoke
    ),
    // ---- door agents (Ajar) ----
    route!("/agents/enrollment_codes/create", Create, Admin, "agents",
        "Create a single-use enrollment code (10 minutes) for a site's door agent; the code is in this answer only (Ajar)",
        [req("acs_system_id", Ty::Uuid), p("name", Ty::Str)], NONE,
        Resp::One("agent_enrollment_code", "agent_enrollment_code"), h::agents::create_code),
    route!("/agents/enroll", Create, Code, "agents",
        "Enroll a door agent: its own Ed25519 public key and an enrollment code; answers the server's public key to pin (Ajar)",
        [req("enrollment_code", Ty::Str), req("public_key", Ty::Str)], NONE,
        Resp::One("enrollment", "agent_enrollment"), h::agents::enroll),
    route!("/agents/list", Read, Admin, "agents", "List door agents with their online state (Ajar)",
        [p("acs_system_id", Ty::Uuid)], NONE, Resp::Many("agents", "agent"), h::agents::list),
    route!("/agents/get", Read, Admin, "agents", "Get a door agent (Ajar)",
        [req("agent_id", Ty::Uuid)], NONE, Resp::One("agent", "agent"), h::agents::get),
    route!("/agents/revoke", Action, Admin, "agents", "Revoke a door agent and cut its connection at once (Ajar)",
        [req("agent_id", Ty::Uuid)], NONE, Resp::One("agent", "agent"), h::agents::revoke),
    // ---- API keys (Ajar) ----
    route!(
        "/api_keys/create",
        Create,
        Admin,
        "api_keys",
        "Create an admin API key; the key is shown once (Ajar)",
        [p("name", Ty::Str)],
        NONE,
        Resp::One("api_key", "api_key"),
        h::keys::create
    ),
    route!(
        "/api_keys/list",
        Read,
        Admin,
        "api_keys",
        "List API keys, without their secrets (Ajar)",
        [],
        NONE,
        Resp::Many("api_keys", "api_key"),
        h::keys::list
    ),
    route!(
        "/api_keys/revoke",
        Action,
        Admin,
        "api_keys",
        "Revoke an API key at once (Ajar)",
        [req("api_key_id", Ty::Uuid)],
        NONE,
        Resp::One("api_key", "api_key"),
        h::keys::revoke
    ),
];

/// Finds the route for a path.
pub fn find(path: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.path == path)
}
