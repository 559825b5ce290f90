//! `--demo`: seeds a demo workspace on an empty database (one site in a real time zone, five
//! doors, three people with cloud keys) and prints fresh credentials and ready-to-paste `curl`
//! lines on every start.

use crate::store::db::Connection;
use ajar_protocol::{AccessMethodMode, Event, Role};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::store::entrances::NewEntrance;
use crate::store::grants::NewGrant;
use crate::store::users::NewUser;
use crate::store::{self, Store, StoreResult};

/// Stable keys of the demo users.
const MEMBER_KEY: &str = "demo-maya";
const DESK_KEY: &str = "demo-felix";
const ADMIN_KEY: &str = "demo-ada";

/// What the banner shows.
#[derive(Debug, Clone)]
pub struct DemoInfo {
    pub workspace_id: Uuid,
    pub seeded_now: bool,
    pub api_key: String,
    pub member_token: String,
    pub member_name: String,
    pub method_id: Uuid,
    pub entrances: Vec<(Uuid, String, bool)>,
    pub time_zone: String,
}

/// Seeds the demo data if the database is empty, then issues a new admin API key and a new
/// session for the demo member (the old ones stay valid until revoked).
pub async fn prepare(store: &Store, now: DateTime<Utc>) -> StoreResult<DemoInfo> {
    store.write(move |c| prepare_in(c, now)).await
}

fn prepare_in(c: &Connection, now: DateTime<Utc>) -> StoreResult<DemoInfo> {
    let seeded_now = store::workspaces::is_empty(c)?;
    if seeded_now {
        seed(c, now)?;
    }
    let ws = store::workspaces::list(c)?
        .into_iter()
        .next()
        .ok_or_else(|| store::StoreError::Corrupt("no workspace after seeding".into()))?;
    let member = store::users::get_by_key(c, ws.id, MEMBER_KEY)?.ok_or_else(|| {
        store::StoreError::Corrupt(format!(
            "--demo needs the demo workspace, but the first workspace ({}) has no user {MEMBER_KEY:?}; use an empty --data-dir",
            ws.name
        ))
    })?;
    let key = store::keys::create(
        c,
        ws.id,
        &format!("demo {}", now.format("%Y-%m-%d %H:%M")),
        None,
        now,
    )?;
    let session = store::sessions::create(
        c,
        ws.id,
        member.user_identity_id,
        None,
        now + chrono::Duration::days(30),
        now,
    )?;
    let grant_id = store::grants::ids_for_user(c, ws.id, member.user_identity_id)?
        .into_iter()
        .next()
        .ok_or_else(|| store::StoreError::Corrupt("demo member has no grant".into()))?;
    let grant = store::grants::get(c, ws.id, grant_id)?
        .ok_or_else(|| store::StoreError::Corrupt("demo grant missing".into()))?;
    let mut f = store::sql::Filter::workspace("e.workspace_id", ws.id);
    f.raw("TRUE", vec![]);
    let doors = store::entrances::list(c, &f, 100, 0)?.items;
    let time_zone = doors
        .first()
        .map(|d| d.ajar_metadata.time_zone.clone())
        .unwrap_or_default();
    Ok(DemoInfo {
        workspace_id: ws.id,
        seeded_now,
        api_key: key.token.unwrap_or_default(),
        member_token: session.token,
        member_name: member.display_name,
        method_id: grant.access_method_ids.first().copied().unwrap_or_default(),
        entrances: doors
            .into_iter()
            .map(|d| {
                let allowed = grant.acs_entrance_ids.contains(&d.acs_entrance_id);
                (d.acs_entrance_id, d.display_name, allowed)
            })
            .collect(),
        time_zone,
    })
}

fn seed(c: &Connection, now: DateTime<Utc>) -> StoreResult<()> {
    let ws = store::workspaces::create(c, "Ajar Demo", now)?;
    let site = store::sites::create(c, ws.id, "Harbour Street HQ", "Europe/Berlin", now)?;
    let door = |name: &str, cloud: bool| -> StoreResult<Uuid> {
        Ok(store::entrances::create(
            c,
            ws.id,
            &NewEntrance {
                acs_system_id: site.acs_system_id,
                display_name: name.into(),
                can_unlock_with_cloud_key: cloud,
                relock_pulse_ms: 5000,
                is_in_lockdown: false,
            },
            now,
        )?
        .acs_entrance_id)
    };
    let main = door("Main Entrance", true)?;
    let side = door("Side Door", true)?;
    let bikes = door("Bike Room", true)?;
    let lab = door("Lab", true)?;
    let _server = door("Server Room", false)?;
    let person = |name: &str, email: &str, key: &str, role: Role| -> StoreResult<Uuid> {
        Ok(store::users::create(
            c,
            ws.id,
            &NewUser {
                email_address: Some(email.into()),
                full_name: Some(name.into()),
                phone_number: None,
                user_identity_key: Some(key.into()),
                role,
            },
            now,
        )?
        .user_identity_id)
    };
    let maya = person("Maya Member", "maya@example.com", MEMBER_KEY, Role::Member)?;
    let felix = person(
        "Felix Front Desk",
        "felix@example.com",
        DESK_KEY,
        Role::FrontDesk,
    )?;
    let _ada = person("Ada Admin", "ada@example.com", ADMIN_KEY, Role::Admin)?;
    for (user, doors, name) in [
        (maya, vec![main, side, bikes], "Maya's cloud key"),
        (felix, vec![main, side, bikes, lab], "Front desk cloud key"),
    ] {
        let g = store::grants::create(
            c,
            ws.id,
            &NewGrant {
                user_identity_id: user,
                acs_entrance_ids: doors,
                modes: vec![AccessMethodMode::CloudKey],
                starts_at: now - chrono::Duration::minutes(1),
                ends_at: None,
                name: Some(name.into()),
                access_grant_key: None,
                reservation_key: None,
            },
            now,
        )?;
        store::events::append(
            c,
            &Event {
                event_id: Uuid::now_v7(),
                event_type: "access_grant.created".into(),
                workspace_id: ws.id,
                created_at: now,
                occurred_at: now,
                access_grant_id: Some(g.access_grant_id),
                user_identity_id: Some(user),
                actor_type: Some("system".into()),
                ..Event::default()
            },
        )?;
    }
    Ok(())
}

impl DemoInfo {
    /// The text printed at start-up.
    pub fn banner(&self, url: &str) -> String {
        let door = self.entrances.iter().find(|(_, _, ok)| *ok);
        let (door_id, door_name) = door.map(|(id, n, _)| (*id, n.as_str())).unwrap_or_default();
        let mut s = String::new();
        s.push_str("\n=== Ajar demo ===\n");
        s.push_str(if self.seeded_now {
            "Seeded a demo workspace: site \"Harbour Street HQ\" (Europe/Berlin), 5 doors, 3 people.\n"
        } else {
            "Demo workspace found; issued fresh credentials (earlier ones stay valid until revoked).\n"
        });
        s.push_str(&format!("Doors ({}):\n", self.time_zone));
        for (id, name, allowed) in &self.entrances {
            s.push_str(&format!(
                "  {id}  {name}{}\n",
                if *allowed {
                    format!("  ({} may open)", self.member_name)
                } else {
                    String::new()
                }
            ));
        }
        s.push_str(&format!(
            "\nAdmin API key (shown once):       {}\n",
            self.api_key
        ));
        s.push_str(&format!(
            "{}'s client-session token:  {}\n",
            self.member_name, self.member_token
        ));
        s.push_str(&format!(
            "{}'s cloud key (access_method_id): {}\n",
            self.member_name, self.method_id
        ));
        s.push_str("\nTry it (paste into a shell):\n");
        s.push_str(&format!(
            "  # {member}'s doors\n  curl -s {url}/acs/entrances/list -H 'Authorization: Bearer {tok}'\n",
            member = self.member_name,
            tok = self.member_token
        ));
        s.push_str(&format!(
            "  # {member} unlocks the {door_name}\n  curl -s -X POST {url}/access_methods/unlock_door -H 'Authorization: Bearer {tok}' -H 'Content-Type: application/json' -H \"Idempotency-Key: $(date +%s%N)\" -d '{{\"access_method_id\": \"{m}\", \"acs_entrance_id\": \"{door_id}\"}}'\n",
            member = self.member_name,
            tok = self.member_token,
            m = self.method_id
        ));
        let shared: Vec<String> = self
            .entrances
            .iter()
            .filter(|(_, _, ok)| *ok)
            .take(2)
            .map(|(id, _, _)| format!("\\\"{id}\\\""))
            .collect();
        s.push_str(&format!(
            "  # {member} shares two doors with a guest for the next hour; open the \"url\" of the answer in any browser\n  curl -s -X POST {url}/guest_links/create -H 'Authorization: Bearer {tok}' -H 'Content-Type: application/json' -d \"{{\\\"acs_entrance_ids\\\": [{doors}], \\\"description\\\": \\\"Welcome! Ring twice.\\\", \\\"ends_at\\\": \\\"$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)\\\"}}\"\n",
            member = self.member_name,
            tok = self.member_token,
            doors = shared.join(", ")
        ));
        s.push_str(&format!(
            "  # the audit trail (admin)\n  curl -s '{url}/events/list?event_type=lock.unlocked' -H 'Authorization: Bearer {key}'\n",
            key = self.api_key
        ));
        s.push_str(&format!(
            "  # Seam SDKs: SEAM_API_KEY={key} SEAM_ENDPOINT={url}\n",
            key = self.api_key
        ));
        s
    }
}
