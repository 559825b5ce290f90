//! Request bodies of every route, as the server parses them and clients send them. Unknown
//! fields are ignored (newer Seam SDKs send parameters older specs lack); server-set fields
//! (ids of new rows, workspace, timestamps of creation) are not part of any request.

use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

/// Deserializes a field that distinguishes "absent" (outer `None`) from `null` (`Some(None)`).
fn patch<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

macro_rules! request {
    ($(#[$m:meta])* $name:ident { $($body:tt)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct $name { $($body)* }
    };
}

request!(AcsSystemsList {
    pub connected_account_id: Option<Uuid>,
    pub customer_key: Option<String>,
    pub search: Option<String>,
});
request!(AcsSystemsGet { pub acs_system_id: Option<Uuid> });
request!(
    /// Ajar: create a site with an IANA time zone.
    AcsSystemsCreate { pub name: Option<String>, pub time_zone: Option<String> }
);
request!(AcsSystemsUpdate {
    pub acs_system_id: Option<Uuid>,
    pub name: Option<String>,
    pub time_zone: Option<String>,
});
request!(AcsSystemsDelete { pub acs_system_id: Option<Uuid> });

request!(AcsEntrancesList {
    pub acs_system_id: Option<Uuid>,
    pub acs_entrance_ids: Option<Vec<Uuid>>,
    pub access_method_id: Option<Uuid>,
    pub search: Option<String>,
    pub limit: Option<f64>,
    pub page_cursor: Option<String>,
});
request!(AcsEntrancesGet { pub acs_entrance_id: Option<Uuid> });
request!(
    /// Ajar: create a door on a site.
    AcsEntrancesCreate {
        pub acs_system_id: Option<Uuid>,
        pub display_name: Option<String>,
        pub can_unlock_with_cloud_key: Option<bool>,
        pub relock_pulse_ms: Option<u32>,
        pub is_in_lockdown: Option<bool>,
    }
);
request!(AcsEntrancesUpdate {
    pub acs_entrance_id: Option<Uuid>,
    pub display_name: Option<String>,
    pub can_unlock_with_cloud_key: Option<bool>,
    pub relock_pulse_ms: Option<u32>,
    pub is_in_lockdown: Option<bool>,
});
request!(AcsEntrancesDelete { pub acs_entrance_id: Option<Uuid> });

request!(UserIdentitiesCreate {
    pub email_address: Option<String>,
    pub full_name: Option<String>,
    pub phone_number: Option<String>,
    pub user_identity_key: Option<String>,
    pub acs_system_ids: Option<Vec<Uuid>>,
    /// Ajar: `member` (default), `front_desk` or `admin`.
    pub role: Option<String>,
});
request!(UserIdentitiesGet {
    pub user_identity_id: Option<Uuid>,
    pub user_identity_key: Option<String>,
});
request!(UserIdentitiesList {
    pub user_identity_ids: Option<Vec<Uuid>>,
    pub search: Option<String>,
    pub created_before: Option<String>,
    pub limit: Option<f64>,
    pub page_cursor: Option<String>,
});
request!(UserIdentitiesUpdate {
    pub user_identity_id: Option<Uuid>,
    #[serde(deserialize_with = "patch")]
    pub email_address: Option<Option<String>>,
    #[serde(deserialize_with = "patch")]
    pub full_name: Option<Option<String>>,
    #[serde(deserialize_with = "patch")]
    pub phone_number: Option<Option<String>>,
    #[serde(deserialize_with = "patch")]
    pub user_identity_key: Option<Option<String>>,
    pub role: Option<String>,
});
request!(UserIdentitiesDelete { pub user_identity_id: Option<Uuid> });

/// A user identity created inline by `access_grants/create`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewUserIdentity {
    pub email_address: Option<String>,
    pub full_name: Option<String>,
    pub phone_number: Option<String>,
    pub user_identity_key: Option<String>,
}

/// One entry of `requested_access_methods`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RequestedAccessMethodInput {
    pub mode: String,
    pub code: Option<String>,
}

/// `location` of `access_grants/create`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GrantLocationInput {
    pub acs_entrance_ids: Option<Vec<Uuid>>,
    pub name: Option<String>,
}

request!(AccessGrantsCreate {
    pub user_identity_id: Option<Uuid>,
    pub user_identity: Option<NewUserIdentity>,
    pub requested_access_methods: Option<Vec<RequestedAccessMethodInput>>,
    pub acs_entrance_ids: Option<Vec<Uuid>>,
    pub device_ids: Option<Vec<Uuid>>,
    pub space_ids: Option<Vec<Uuid>>,
    pub location: Option<GrantLocationInput>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub name: Option<String>,
    pub access_grant_key: Option<String>,
    pub reservation_key: Option<String>,
});
request!(AccessGrantsGet {
    pub access_grant_id: Option<Uuid>,
    pub access_grant_key: Option<String>,
});
request!(AccessGrantsList {
    pub user_identity_id: Option<Uuid>,
    pub acs_entrance_id: Option<Uuid>,
    pub acs_system_id: Option<Uuid>,
    pub access_grant_ids: Option<Vec<Uuid>>,
    pub access_grant_key: Option<String>,
    pub reservation_key: Option<String>,
    pub limit: Option<f64>,
    pub page_cursor: Option<String>,
});
request!(AccessGrantsUpdate {
    pub access_grant_id: Option<Uuid>,
    pub access_grant_key: Option<String>,
    pub starts_at: Option<String>,
    #[serde(deserialize_with = "patch")]
    pub ends_at: Option<Option<String>>,
    #[serde(deserialize_with = "patch")]
    pub name: Option<Option<String>>,
});
request!(AccessGrantsDelete { pub access_grant_id: Option<Uuid> });
request!(AccessGrantsGetRelated {
    pub access_grant_ids: Option<Vec<Uuid>>,
    pub access_grant_keys: Option<Vec<String>>,
    pub include: Option<Vec<String>>,
    pub exclude: Option<Vec<String>>,
});

request!(AccessMethodsList {
    pub access_grant_id: Option<Uuid>,
    pub access_grant_key: Option<String>,
    pub acs_entrance_id: Option<Uuid>,
    pub device_id: Option<Uuid>,
    pub space_id: Option<Uuid>,
    pub access_code_id: Option<Uuid>,
    /// Ajar: the cloud keys of one user identity.
    pub user_identity_id: Option<Uuid>,
    pub limit: Option<f64>,
    pub page_cursor: Option<String>,
});
request!(AccessMethodsGet { pub access_method_id: Option<Uuid> });
request!(AccessMethodsGetRelated {
    pub access_method_ids: Option<Vec<Uuid>>,
    pub include: Option<Vec<String>>,
    pub exclude: Option<Vec<String>>,
});
request!(AccessMethodsUnlockDoor {
    pub access_method_id: Option<Uuid>,
    pub acs_entrance_id: Option<Uuid>,
});
request!(AccessMethodsDelete {
    pub access_method_id: Option<Uuid>,
    pub access_grant_id: Option<Uuid>,
    pub reservation_key: Option<String>,
});

request!(ActionAttemptsGet { pub action_attempt_id: Option<Uuid> });
request!(ActionAttemptsList {
    pub action_attempt_ids: Option<Vec<Uuid>>,
    pub device_id: Option<Uuid>,
    pub limit: Option<f64>,
    pub page_cursor: Option<String>,
});

request!(EventsList {
    pub since: Option<String>,
    pub between: Option<Vec<String>>,
    pub event_type: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub event_ids: Option<Vec<Uuid>>,
    pub user_identity_id: Option<Uuid>,
    pub acs_entrance_id: Option<Uuid>,
    pub acs_system_id: Option<Uuid>,
    pub acs_system_ids: Option<Vec<Uuid>>,
    pub access_grant_id: Option<Uuid>,
    pub access_grant_ids: Option<Vec<Uuid>>,
    pub access_method_id: Option<Uuid>,
    pub access_method_ids: Option<Vec<Uuid>>,
    pub action_attempt_id: Option<Uuid>,
    /// Ajar: events of one guest link.
    pub guest_link_id: Option<Uuid>,
    pub device_id: Option<Uuid>,
    pub device_ids: Option<Vec<Uuid>>,
    /// Ajar: administrative changes to one kind of object (`user_identity`, `cloud_key`, …).
    pub object_type: Option<String>,
    /// Ajar: changes to one object.
    pub object_id: Option<Uuid>,
    /// Ajar: what one API key or client session did.
    pub actor_id: Option<Uuid>,
    pub limit: Option<f64>,
});
request!(EventsGet {
    pub event_id: Option<Uuid>,
    pub device_id: Option<Uuid>,
    pub event_type: Option<String>,
});

request!(ClientSessionsCreate {
    pub user_identity_id: Option<Uuid>,
    pub user_identity_ids: Option<Vec<Uuid>>,
    pub user_identifier_key: Option<String>,
    pub expires_at: Option<String>,
    pub customer_key: Option<String>,
    pub connected_account_ids: Option<Vec<Uuid>>,
    pub connect_webview_ids: Option<Vec<Uuid>>,
});
request!(ClientSessionsGet {
    pub client_session_id: Option<Uuid>,
    pub user_identifier_key: Option<String>,
});
request!(ClientSessionsList {
    pub client_session_id: Option<Uuid>,
    pub user_identity_id: Option<Uuid>,
    pub user_identifier_key: Option<String>,
    pub connect_webview_id: Option<String>,
    pub without_user_identifier_key: Option<bool>,
});
request!(ClientSessionsRevoke { pub client_session_id: Option<Uuid> });

request!(ApiKeysCreate { pub name: Option<String> });
request!(ApiKeysList {});
request!(ApiKeysRevoke { pub api_key_id: Option<Uuid> });

request!(
    /// Ajar: create a guest link from an issuer's cloud key.
    GuestLinksCreate {
        pub user_identity_id: Option<Uuid>,
        pub access_method_id: Option<Uuid>,
        pub acs_entrance_ids: Option<Vec<Uuid>>,
        pub description: Option<String>,
        /// RFC 3339, or a civil time in the site's zone (`2026-03-29T09:30`).
        pub starts_at: Option<String>,
        pub ends_at: Option<String>,
        pub max_unlock_count: Option<u32>,
    }
);
request!(GuestLinksGet { pub guest_link_id: Option<Uuid> });
request!(GuestLinksList {
    pub issuer_user_identity_id: Option<Uuid>,
    pub acs_entrance_id: Option<Uuid>,
    pub state: Option<String>,
    pub limit: Option<f64>,
    pub page_cursor: Option<String>,
});
request!(GuestLinksRevoke { pub guest_link_id: Option<Uuid> });

/// Body of the guest page's calls: the token from the URL fragment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GuestRequest {
    pub token: String,
    pub acs_entrance_id: Option<Uuid>,
}

// ---- control center (Ajar) ----
request!(
    /// Ajar: turn the Remote Unlock switch of a user's access on or off.
    UserIdentitiesSetRemoteUnlock { pub user_identity_id: Option<Uuid>, pub enabled: Option<bool> }
);
request!(
    /// Ajar: list users for the control center.
    PeopleList {
        pub search: Option<String>,
        pub role: Option<String>,
        pub limit: Option<f64>,
        pub page_cursor: Option<String>,
    }
);
request!(PeopleGet { pub user_identity_id: Option<Uuid> });
request!(
    /// Ajar: add a Cloud Key credential to a user: doors and/or whole sites (doors added to them
    /// later join the key), an optional window as civil times in the site's zone or RFC 3339 instants.
    CloudKeysCreate {
        pub user_identity_id: Option<Uuid>,
        pub name: Option<String>,
        pub acs_entrance_ids: Option<Vec<Uuid>>,
        pub acs_system_ids: Option<Vec<Uuid>>,
        pub starts_at: Option<String>,
        pub ends_at: Option<String>,
    }
);
request!(CloudKeysList {
    pub user_identity_id: Option<Uuid>,
    pub state: Option<String>,
});
request!(CloudKeysGet { pub access_method_id: Option<Uuid> });
request!(CloudKeysRevoke { pub access_method_id: Option<Uuid> });
