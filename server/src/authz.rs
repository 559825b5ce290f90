//! Authorization decisions as pure functions of facts loaded inside the deciding transaction:
//! the unlock rule (may this cloud key open this entrance now?) and what a caller may see.

use ajar_protocol::error::codes;
use ajar_protocol::{Role, TimeWindow, WindowPosition};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Who is calling, resolved from the bearer token at the moment of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub workspace_id: Uuid,
    pub actor: Actor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// An admin API key: acts on the whole workspace.
    ApiKey { api_key_id: Uuid },
    /// A client session: acts for one user identity, within that user's role.
    ClientSession {
        client_session_id: Uuid,
        user_identity_id: Uuid,
        role: Role,
    },
    /// No bearer token: only routes whose own body carries the credential (an agent's
    /// enrollment code). Not an admin, sees no rows, uses no key.
    Anonymous,
}

impl Caller {
    /// The caller of a route authenticated by its body rather than a bearer token.
    pub fn anonymous() -> Caller {
        Caller {
            workspace_id: Uuid::nil(),
            actor: Actor::Anonymous,
        }
    }

    /// May administer the workspace (API key, or a session of an `admin` user).
    pub fn is_admin(&self) -> bool {
        match self.actor {
            Actor::ApiKey { .. } => true,
            Actor::ClientSession { role, .. } => role == Role::Admin,
            Actor::Anonymous => false,
        }
    }

    /// Staff: may read the control center (API key, or a session of an `admin` or
    /// `front_desk` user). Front desk reads; only admins change.
    pub fn is_staff(&self) -> bool {
        match self.actor {
            Actor::ApiKey { .. } => true,
            Actor::ClientSession { role, .. } => matches!(role, Role::Admin | Role::FrontDesk),
            Actor::Anonymous => false,
        }
    }

    /// `Some(user)` when the caller may only see that user's own rows (a `member` session).
    /// Front desk and admin sessions and API keys see the whole workspace.
    pub fn only_user(&self) -> Option<Uuid> {
        match self.actor {
            Actor::ClientSession {
                user_identity_id,
                role: Role::Member,
                ..
            } => Some(user_identity_id),
            Actor::Anonymous => Some(Uuid::nil()),
            _ => None,
        }
    }

    /// May use a cloud key that belongs to `owner`: an admin may act for anyone, everyone
    /// else only with their own keys.
    pub fn may_use_key_of(&self, owner: Uuid) -> bool {
        match self.actor {
            Actor::ApiKey { .. } => true,
            Actor::ClientSession {
                user_identity_id,
                role,
                ..
            } => role == Role::Admin || user_identity_id == owner,
            Actor::Anonymous => false,
        }
    }

    pub fn user_identity_id(&self) -> Option<Uuid> {
        match self.actor {
            Actor::ClientSession {
                user_identity_id, ..
            } => Some(user_identity_id),
            Actor::ApiKey { .. } | Actor::Anonymous => None,
        }
    }

    /// `(actor_type, actor_id)` recorded on events.
    pub fn audit_actor(&self) -> (&'static str, Uuid) {
        match self.actor {
            Actor::ApiKey { api_key_id } => ("api_key", api_key_id),
            Actor::ClientSession {
                client_session_id, ..
            } => ("client_session", client_session_id),
            Actor::Anonymous => ("anonymous", Uuid::nil()),
        }
    }
}

/// Facts about one unlock request, read in the transaction that records the decision.
#[derive(Debug, Clone)]
pub struct UnlockFacts {
    pub user_deleted: bool,
    /// The Remote Unlock switch on the user's access is off.
    pub remote_unlock_disabled: bool,
    pub method_revoked: bool,
    pub grant_deleted: bool,
    pub method_mode: String,
    pub window: TimeWindow,
    pub entrance_in_grant: bool,
    pub entrance_allows_cloud_key: bool,
    pub entrance_in_lockdown: bool,
}

/// Why an unlock was refused: the `error.type` and message of the failed action attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

fn refuse(code: &'static str, message: impl Into<String>) -> Result<(), Refusal> {
    Err(Refusal {
        code,
        message: message.into(),
    })
}

/// The unlock rule. Every condition is checked at the moment of use, by the server's clock.
pub fn decide_unlock(f: &UnlockFacts, now: DateTime<Utc>) -> Result<(), Refusal> {
    if f.user_deleted {
        return refuse(
            codes::USER_IDENTITY_DELETED,
            "The user identity of this cloud key has been deleted.",
        );
    }
    if f.remote_unlock_disabled {
        return refuse(
            codes::REMOTE_UNLOCK_DISABLED,
            "Remote Unlock is turned off for this user; ask an administrator.",
        );
    }
    if f.method_revoked || f.grant_deleted {
        return refuse(
            codes::ACCESS_METHOD_REVOKED,
            "This cloud key has been revoked.",
        );
    }
    if f.method_mode != "cloud_key" {
        return refuse(
            codes::ACCESS_METHOD_NOT_CLOUD_KEY,
            format!(
                "Access method mode {:?} cannot unlock remotely; only cloud_key can.",
                f.method_mode
            ),
        );
    }
    if !f.entrance_in_grant {
        return refuse(
            codes::ENTRANCE_NOT_IN_ACCESS_GRANT,
            "This cloud key does not cover this entrance.",
        );
    }
    match f.window.position(now) {
        WindowPosition::NotYetOpen => {
            return refuse(
                codes::ACCESS_NOT_YET_STARTED,
                format!(
                    "Access starts at {}.",
                    ajar_protocol::time::format_ts(&f.window.starts_at)
                ),
            )
        }
        WindowPosition::Closed => {
            return refuse(
                codes::ACCESS_ENDED,
                format!(
                    "Access ended at {}.",
                    f.window
                        .ends_at
                        .map(|t| ajar_protocol::time::format_ts(&t))
                        .unwrap_or_default()
                ),
            )
        }
        WindowPosition::Open => {}
    }
    if !f.entrance_allows_cloud_key {
        return refuse(
            codes::ENTRANCE_NOT_CLOUD_KEY_ENABLED,
            "This entrance cannot be unlocked with a cloud key.",
        );
    }
    if f.entrance_in_lockdown {
        return refuse(
            codes::ENTRANCE_IN_LOCKDOWN,
            "This entrance is in lockdown; remote unlock is blocked.",
        );
    }
    Ok(())
}

/// Facts about one guest-link unlock: the link's own state and the issuer's cloud key.
#[derive(Debug, Clone)]
pub struct GuestUnlockFacts {
    pub link_state: ajar_protocol::GuestLinkState,
    pub entrance_in_link: bool,
    /// The issuer's key, judged exactly as if the issuer were unlocking.
    pub issuer: UnlockFacts,
}

/// The guest-link rule: the link must be usable now, share this entrance, and the issuer must
/// still be able to open it with their own cloud key at this moment. A link never grants more
/// than its issuer has.
pub fn decide_guest_unlock(f: &GuestUnlockFacts, now: DateTime<Utc>) -> Result<(), Refusal> {
    use ajar_protocol::GuestLinkState as S;
    match f.link_state {
        S::Revoked => return refuse(codes::GUEST_LINK_REVOKED, "This link has been revoked."),
        S::UsedUp => {
            return refuse(
                codes::GUEST_LINK_USED_UP,
                "This link has been used as many times as allowed.",
            )
        }
        S::Expired => return refuse(codes::GUEST_LINK_EXPIRED, "This link has expired."),
        S::Scheduled => {
            return refuse(
                codes::GUEST_LINK_NOT_YET_VALID,
                "This link is not valid yet.",
            )
        }
        S::Active => {}
    }
    if !f.entrance_in_link {
        return refuse(
            codes::GUEST_LINK_ENTRANCE_NOT_SHARED,
            "This door is not shared by this link.",
        );
    }
    decide_unlock(&f.issuer, now).map_err(|r| match r.code {
        codes::ENTRANCE_IN_LOCKDOWN | codes::ENTRANCE_NOT_CLOUD_KEY_ENABLED => r,
        _ => Refusal {
            code: codes::GUEST_LINK_ISSUER_LOST_ACCESS,
            message: format!(
                "The person who shared this link can no longer open this door ({}).",
                r.code
            ),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ajar_protocol::time::parse_ts;

    fn t(s: &str) -> DateTime<Utc> {
        parse_ts(s).expect("timestamp")
    }

    fn ok_facts() -> UnlockFacts {
        UnlockFacts {
            user_deleted: false,
            remote_unlock_disabled: false,
            method_revoked: false,
            grant_deleted: false,
            method_mode: "cloud_key".into(),
            window: TimeWindow::new(t("2026-01-01T00:00:00Z"), Some(t("2026-12-31T00:00:00Z")))
                .expect("window"),
            entrance_in_grant: true,
            entrance_allows_cloud_key: true,
            entrance_in_lockdown: false,
        }
    }

    #[test]
    fn each_condition_refuses_on_its_own() {
        let now = t("2026-06-01T12:00:00Z");
        assert_eq!(decide_unlock(&ok_facts(), now), Ok(()));
        type Mutation = Box<dyn Fn(&mut UnlockFacts)>;
        let cases: Vec<(Mutation, &str)> = vec![
            (
                Box::new(|f| f.user_deleted = true),
                codes::USER_IDENTITY_DELETED,
            ),
            (
                Box::new(|f| f.remote_unlock_disabled = true),
                codes::REMOTE_UNLOCK_DISABLED,
            ),
            (
                Box::new(|f| f.method_revoked = true),
                codes::ACCESS_METHOD_REVOKED,
            ),
            (
                Box::new(|f| f.grant_deleted = true),
                codes::ACCESS_METHOD_REVOKED,
            ),
            (
                Box::new(|f| f.method_mode = "code".into()),
                codes::ACCESS_METHOD_NOT_CLOUD_KEY,
            ),
            (
                Box::new(|f| f.entrance_in_grant = false),
                codes::ENTRANCE_NOT_IN_ACCESS_GRANT,
            ),
            (
                Box::new(|f| f.entrance_allows_cloud_key = false),
                codes::ENTRANCE_NOT_CLOUD_KEY_ENABLED,
            ),
            (
                Box::new(|f| f.entrance_in_lockdown = true),
                codes::ENTRANCE_IN_LOCKDOWN,
            ),
        ];
        for (mutate, code) in cases {
            let mut f = ok_facts();
            mutate(&mut f);
            assert_eq!(decide_unlock(&f, now).map_err(|r| r.code), Err(code));
        }
    }

    #[test]
    fn window_is_checked_by_the_clock_half_open() {
        let f = ok_facts();
        assert_eq!(
            decide_unlock(&f, t("2025-12-31T23:59:59.999Z")).map_err(|r| r.code),
            Err(codes::ACCESS_NOT_YET_STARTED)
        );
        assert_eq!(decide_unlock(&f, t("2026-01-01T00:00:00Z")), Ok(()));
        assert_eq!(
            decide_unlock(&f, t("2026-12-31T00:00:00Z")).map_err(|r| r.code),
            Err(codes::ACCESS_ENDED)
        );
    }

    #[test]
    fn guest_links_never_grant_more_than_the_issuer_has() {
        use ajar_protocol::GuestLinkState as S;
        let now = t("2026-06-01T12:00:00Z");
        let ok = GuestUnlockFacts {
            link_state: S::Active,
            entrance_in_link: true,
            issuer: ok_facts(),
        };
        assert_eq!(decide_guest_unlock(&ok, now), Ok(()));
        for (state, code) in [
            (S::Revoked, codes::GUEST_LINK_REVOKED),
            (S::UsedUp, codes::GUEST_LINK_USED_UP),
            (S::Expired, codes::GUEST_LINK_EXPIRED),
            (S::Scheduled, codes::GUEST_LINK_NOT_YET_VALID),
        ] {
            let f = GuestUnlockFacts {
                link_state: state,
                ..ok.clone()
            };
            assert_eq!(decide_guest_unlock(&f, now).map_err(|r| r.code), Err(code));
        }
        let f = GuestUnlockFacts {
            entrance_in_link: false,
            ..ok.clone()
        };
        assert_eq!(
            decide_guest_unlock(&f, now).map_err(|r| r.code),
            Err(codes::GUEST_LINK_ENTRANCE_NOT_SHARED)
        );
        let mut f = ok.clone();
        f.issuer.user_deleted = true;
        assert_eq!(
            decide_guest_unlock(&f, now).map_err(|r| r.code),
            Err(codes::GUEST_LINK_ISSUER_LOST_ACCESS)
        );
        let mut f = ok.clone();
        f.issuer.remote_unlock_disabled = true;
        assert_eq!(
            decide_guest_unlock(&f, now).map_err(|r| r.code),
            Err(codes::GUEST_LINK_ISSUER_LOST_ACCESS),
            "turning Remote Unlock off stops the issuer's guest links"
        );
        let mut f = ok.clone();
        f.issuer.entrance_in_grant = false;
        assert_eq!(
            decide_guest_unlock(&f, now).map_err(|r| r.code),
            Err(codes::GUEST_LINK_ISSUER_LOST_ACCESS)
        );
        let mut f = ok.clone();
        f.issuer.window = TimeWindow::new(t("2026-01-01T00:00:00Z"), Some(now)).expect("window");
        assert_eq!(
            decide_guest_unlock(&f, now).map_err(|r| r.code),
            Err(codes::GUEST_LINK_ISSUER_LOST_ACCESS)
        );
        let mut f = ok;
        f.issuer.entrance_in_lockdown = true;
        assert_eq!(
            decide_guest_unlock(&f, now).map_err(|r| r.code),
            Err(codes::ENTRANCE_IN_LOCKDOWN)
        );
    }

    #[test]
    fn members_see_only_themselves_and_use_only_their_keys() {
        let ws = Uuid::now_v7();
        let me = Uuid::now_v7();
        let other = Uuid::now_v7();
        let member = Caller {
            workspace_id: ws,
            actor: Actor::ClientSession {
                client_session_id: Uuid::now_v7(),
                user_identity_id: me,
                role: Role::Member,
            },
        };
        assert_eq!(member.only_user(), Some(me));
        assert!(!member.is_staff());
        assert!(member.may_use_key_of(me));
        assert!(!member.may_use_key_of(other));
        assert!(!member.is_admin());
        let desk = Caller {
            workspace_id: ws,
            actor: Actor::ClientSession {
                client_session_id: Uuid::now_v7(),
                user_identity_id: me,
                role: Role::FrontDesk,
            },
        };
        assert_eq!(desk.only_user(), None);
        assert!(!desk.may_use_key_of(other));
        assert!(!desk.is_admin());
        assert!(desk.is_staff());
        let key = Caller {
            workspace_id: ws,
            actor: Actor::ApiKey {
                api_key_id: Uuid::now_v7(),
            },
        };
        assert!(key.is_admin() && key.may_use_key_of(other));
    }
}
