//! `ajar admin …`: the control center on the command line, over `ajar-core`'s `Session::admin()`.
//! Each command prints text or, with `--json`, one JSON document; the server decides who may.

use ajar_core::admin::{CloudKeyRequest, DoorChanges, NewDoor, NewUser, UserChanges};
use ajar_core::share::qr_text;
use ajar_protocol::{AcsEntrance, CloudKey, Person};
use chrono::Utc;
use serde_json::json;

use crate::args::{
    AdminCommand, CredentialsCommand, DoorsCommand, KeyState, KeysCommand, SessionsCommand,
    SitesCommand, UsersCommand,
};
use crate::commands::{parse_id, Ctx};
use crate::error::CliError;
use crate::output::{self, line, note};

/// What turning Remote Unlock off means, said wherever the switch is shown.
const REMOTE_UNLOCK_OFF: &str =
    "Remote Unlock is off: this user's unlocks and every guest link they issued stop at the next request.";

pub async fn run(ctx: &Ctx, command: AdminCommand) -> Result<(), CliError> {
    match command {
        AdminCommand::Users { command } => users(ctx, command).await,
        AdminCommand::Keys { command } => keys(ctx, command).await,
        AdminCommand::Sessions { command } => sessions(ctx, command).await,
        AdminCommand::Sites { command } => sites(ctx, command).await,
        AdminCommand::Doors { command } => doors(ctx, command).await,
    }
}

fn key_window(k: &CloudKey) -> String {
    let zone = k.time_zone.as_deref().unwrap_or("UTC");
    let from = output::civil(&k.starts_at, zone);
    match &k.ends_at {
        Some(e) => format!("{from} – {} ({zone})", output::civil(e, zone)),
        None => format!("from {from} ({zone})"),
    }
}

fn key_rows(keys: &[CloudKey]) -> Vec<Vec<String>> {
    keys.iter()
        .map(|k| {
            vec![
                k.access_method_id.to_string(),
                k.state.as_str().to_owned(),
                k.name.clone(),
                k.acs_entrance_ids.len().to_string(),
                key_window(k),
            ]
        })
        .collect()
}

fn keys_table(keys: &[CloudKey]) -> String {
    output::table(&["ID", "STATE", "NAME", "DOORS", "WINDOW"], &key_rows(keys))
}

fn person_text(p: &Person) -> String {
    let u = &p.user_identity;
    let mut out = vec![
        format!("{} ({})", u.display_name, u.user_identity_id),
        format!("  role: {}", u.role.as_str()),
    ];
    if let Some(e) = &u.email_address {
        out.push(format!("  email: {e}"));
    }
    if let Some(ph) = &u.phone_number {
        out.push(format!("  phone: {ph}"));
    }
    out.push(format!("  state: {}", p.state));
    out.push(format!(
        "  remote unlock: {}",
        if u.remote_unlock_enabled {
            "on (the user may unlock remotely and share guest links within their cloud keys)"
        } else {
            "off (the user's unlocks and guest links are refused)"
        }
    ));
    out.push(format!(
        "  active sessions: {}",
        p.active_client_session_count
    ));
    if p.cloud_keys.is_empty() {
        out.push("  cloud keys: none".to_owned());
    } else {
        out.push("  cloud keys:".to_owned());
        for l in keys_table(&p.cloud_keys).lines() {
            out.push(format!("    {l}"));
        }
    }
    out.join("\n")
}

async fn users(ctx: &Ctx, command: UsersCommand) -> Result<(), CliError> {
    let session = ctx.session().await?;
    let a = session.admin();
    match command {
        UsersCommand::List { search, role } => {
            let people = a.people(search.as_deref(), role.map(|r| r.role())).await?;
            if printed_without_table(ctx, "people", &people, "No users.")? {
                return Ok(());
            }
            let rows: Vec<Vec<String>> = people
                .iter()
                .map(|p| {
                    let u = &p.user_identity;
                    vec![
                        u.user_identity_id.to_string(),
                        u.display_name.clone(),
                        u.role.as_str().to_owned(),
                        p.state.clone(),
                        if u.remote_unlock_enabled { "on" } else { "off" }.to_owned(),
                        p.cloud_keys
                            .iter()
                            .filter(|k| k.state != ajar_protocol::CloudKeyState::Revoked)
                            .count()
                            .to_string(),
                        p.acs_system_ids.len().to_string(),
                    ]
                })
                .collect();
            line(&output::table(
                &[
                    "ID",
                    "NAME",
                    "ROLE",
                    "STATE",
                    "REMOTE UNLOCK",
                    "KEYS",
                    "SITES",
                ],
                &rows,
            ))
        }
        UsersCommand::Show { user } => {
            let p = a.find_user(&user).await?;
            if ctx.json {
                return ctx.print(&json!({ "person": p }));
            }
            line(&person_text(&p))
        }
        UsersCommand::Add {
            name,
            email,
            phone,
            role,
        } => {
            let p = a
                .add_user(&NewUser {
                    full_name: name,
                    email_address: email,
                    phone_number: phone,
                    role: Some(role.role()),
                })
                .await?;
            if ctx.json {
                return ctx.print(&json!({ "person": p }));
            }
            line(&format!(
                "Added {} ({}) as {}.",
                p.user_identity.display_name,
                p.user_identity.user_identity_id,
                p.user_identity.role.as_str()
            ))
        }
        UsersCommand::Edit {
            user,
            name,
            email,
            phone,
            role,
        } => {
            let p = a
                .edit_user(
                    &user,
                    &UserChanges {
                        full_name: name,
                        email_address: email,
                        phone_number: phone,
                        role: role.map(|r| r.role()),
                    },
                )
                .await?;
            if ctx.json {
                return ctx.print(&json!({ "person": p }));
            }
            line(&person_text(&p))
        }
        UsersCommand::Remove { user } => {
            let id = a.remove_user(&user).await?;
            if ctx.json {
                return ctx.print(&json!({"removed": true, "user_identity_id": id}));
            }
            line(&format!(
                "Removed user {id}: their sessions, cloud keys and guest links no longer work."
            ))
        }
        UsersCommand::RemoteUnlock { user, state } => {
            let p = a.set_remote_unlock(&user, state.on()).await?;
            if ctx.json {
                return ctx.print(&json!({ "person": p }));
            }
            let name = &p.user_identity.display_name;
            if state.on() {
                line(&format!(
                    "Remote Unlock is on for {name}: they may unlock and share guest links within their cloud keys."
                ))
            } else {
                line(&format!("{name}: {REMOTE_UNLOCK_OFF}"))
            }
        }
        UsersCommand::Credentials { command } => credentials(ctx, &session, command).await,
    }
}

async fn credentials(
    ctx: &Ctx,
    session: &ajar_core::Session,
    command: CredentialsCommand,
) -> Result<(), CliError> {
    let a = session.admin();
    match command {
        CredentialsCommand::Add {
            user,
            name,
            entries,
            sites,
            from,
            until,
        } => {
            let k = a
                .add_cloud_key(&CloudKeyRequest {
                    user: user.clone(),
                    name,
                    entries,
                    sites,
                    starts_at: from,
                    ends_at: until,
                })
                .await?;
            if ctx.json {
                return ctx.print(&json!({ "cloud_key": k }));
            }
            line(&format!(
                "Added cloud key {:?} ({}) for {user}: {} door(s), {}, {}.",
                k.name,
                k.access_method_id,
                k.acs_entrance_ids.len(),
                key_window(&k),
                k.state.as_str()
            ))?;
            let p = a.find_user(&k.user_identity_id.to_string()).await?;
            if !p.user_identity.remote_unlock_enabled {
                note(&format!(
                    "{REMOTE_UNLOCK_OFF} Turn it on: ajar admin users remote-unlock {} on",
                    k.user_identity_id
                ));
            }
            Ok(())
        }
        CredentialsCommand::List { user, state } => {
            let mut keys = a.cloud_keys(user.as_deref()).await?;
            if let Some(s) = state {
                let want = match s {
                    KeyState::Scheduled => "scheduled",
                    KeyState::Active => "active",
                    KeyState::Expired => "expired",
                    KeyState::Revoked => "revoked",
                };
                keys.retain(|k| k.state.as_str() == want);
            }
            if printed_without_table(ctx, "cloud_keys", &keys, "No cloud keys.")? {
                return Ok(());
            }
            line(&keys_table(&keys))
        }
        CredentialsCommand::Revoke { key_id } => {
            let id = parse_id(&key_id, "cloud key")?;
            let k = a.revoke_cloud_key(id).await?;
            if ctx.json {
                return ctx.print(&json!({ "cloud_key": k }));
            }
            line(&format!(
                "Revoked cloud key {:?} ({id}): it and the guest links made with it stop now.",
                k.name
            ))
        }
    }
}

async fn sessions(ctx: &Ctx, command: SessionsCommand) -> Result<(), CliError> {
    let session = ctx.session().await?;
    let a = session.admin();
    match command {
        SessionsCommand::Issue {
            user,
            expires,
            qr,
            qr_png,
            qr_svg,
        } => {
            let issue = a.issue_sign_in(&user, expires.as_deref()).await?;
            if let Some(path) = &qr_png {
                std::fs::write(path, &issue.qr_png)?;
            }
            if let Some(path) = &qr_svg {
                std::fs::write(path, &issue.qr_svg)?;
            }
            if ctx.json {
                return ctx.print(&json!({
                    "client_session": issue.client_session,
                    "user_identity": issue.user,
                    "code": issue.code,
                    "qr_svg": issue.qr_svg,
                }));
            }
            let s = &issue.client_session;
            line(&format!(
                "Sign-in code for {} (session {}, until {}); shown once:\n\n{}\n",
                issue.user.display_name,
                s.client_session_id,
                output::civil(&s.expires_at, "UTC"),
                issue.code
            ))?;
            if qr {
                line(&qr_text(&issue.code)?)?;
            }
            note("redeem it with: ajar login   (paste the code when asked)");
            Ok(())
        }
        SessionsCommand::List { user } => {
            let list = a.sessions(&user).await?;
            if printed_without_table(ctx, "client_sessions", &list, "No sessions.")? {
                return Ok(());
            }
            let now = Utc::now();
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|s| {
                    let state = if s.revoked_at.is_some() {
                        "revoked"
                    } else if s.expires_at <= now {
                        "expired"
                    } else {
                        "active"
                    };
                    vec![
                        s.client_session_id.to_string(),
                        state.to_owned(),
                        output::civil(&s.created_at, "UTC"),
                        output::civil(&s.expires_at, "UTC"),
                    ]
                })
                .collect();
            line(&output::table(
                &["ID", "STATE", "CREATED (UTC)", "EXPIRES (UTC)"],
                &rows,
            ))
        }
        SessionsCommand::Revoke { session_id } => {
            let id = parse_id(&session_id, "session")?;
            a.revoke_session(id).await?;
            if ctx.json {
                return ctx.print(&json!({"revoked": true, "client_session_id": id}));
            }
            line(&format!(
                "Revoked session {id}: that phone or desk is signed out."
            ))
        }
    }
}

async fn sites(ctx: &Ctx, command: SitesCommand) -> Result<(), CliError> {
    let session = ctx.session().await?;
    let a = session.admin();
    let site = match command {
        SitesCommand::List => {
            let list = a.sites().await?;
            if printed_without_table(ctx, "acs_systems", &list, "No sites.")? {
                return Ok(());
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|s| {
                    vec![
                        s.acs_system_id.to_string(),
                        s.name.clone(),
                        s.location.time_zone.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            return line(&output::table(&["ID", "NAME", "TIME ZONE"], &rows));
        }
        SitesCommand::Add { name, time_zone } => a.add_site(&name, &time_zone).await?,
        SitesCommand::Edit {
            site,
            name,
            time_zone,
        } => {
            a.edit_site(&site, name.as_deref(), time_zone.as_deref())
                .await?
        }
    };
    if ctx.json {
        return ctx.print(&json!({ "acs_system": site }));
    }
    line(&format!(
        "Site {:?} ({}) in {}.",
        site.name,
        site.acs_system_id,
        site.location.time_zone.unwrap_or_default()
    ))
}

fn door_row(
    d: &AcsEntrance,
    site_names: &std::collections::HashMap<uuid::Uuid, String>,
) -> Vec<String> {
    let m = &d.ajar_metadata;
    vec![
        d.acs_entrance_id.to_string(),
        d.display_name.clone(),
        site_names
            .get(&d.acs_system_id)
            .cloned()
            .unwrap_or_else(|| output::short(&d.acs_system_id)),
        if d.can_unlock_with_cloud_key {
            "yes"
        } else {
            "no"
        }
        .to_owned(),
        format!("{} ms", m.relock_pulse_ms),
        if m.is_in_lockdown { "LOCKDOWN" } else { "-" }.to_owned(),
        m.driver.clone(),
        if m.is_online { "online" } else { "offline" }.to_owned(),
    ]
}

async fn doors(ctx: &Ctx, command: DoorsCommand) -> Result<(), CliError> {
    let session = ctx.session().await?;
    let a = session.admin();
    let door = match command {
        DoorsCommand::List { site } => {
            let list = a.doors(site.as_deref()).await?;
            if printed_without_table(ctx, "acs_entrances", &list, "No doors.")? {
                return Ok(());
            }
            let names = a
                .sites()
                .await?
                .into_iter()
                .map(|s| (s.acs_system_id, s.name))
                .collect();
            let rows: Vec<Vec<String>> = list.iter().map(|d| door_row(d, &names)).collect();
            return line(&output::table(
                &[
                    "ID",
                    "NAME",
                    "SITE",
                    "CLOUD KEY",
                    "RELOCK",
                    "LOCKDOWN",
                    "DRIVER",
                    "STATE",
                ],
                &rows,
            ));
        }
        DoorsCommand::Add {
            name,
            site,
            cloud_key,
            relock_ms,
            lockdown,
        } => {
            a.add_door(&NewDoor {
                site,
                name,
                can_unlock_with_cloud_key: cloud_key.map(|c| c.on()),
                relock_pulse_ms: relock_ms,
                is_in_lockdown: lockdown.map(|l| l.on()),
            })
            .await?
        }
        DoorsCommand::Edit {
            door,
            name,
            cloud_key,
            relock_ms,
            lockdown,
        } => {
            a.edit_door(
                &door,
                &DoorChanges {
                    name,
                    can_unlock_with_cloud_key: cloud_key.map(|c| c.on()),
                    relock_pulse_ms: relock_ms,
                    is_in_lockdown: lockdown.map(|l| l.on()),
                },
            )
            .await?
        }
    };
    if ctx.json {
        return ctx.print(&json!({ "acs_entrance": door }));
    }
    let m = &door.ajar_metadata;
    line(&format!(
        "Door {:?} ({}): cloud key {}, relock {} ms, {}, driver {} ({}).",
        door.display_name,
        door.acs_entrance_id,
        if door.can_unlock_with_cloud_key {
            "allowed"
        } else {
            "not allowed"
        },
        m.relock_pulse_ms,
        if m.is_in_lockdown {
            "in lockdown"
        } else {
            "not in lockdown"
        },
        m.driver,
        if m.is_online { "online" } else { "offline" }
    ))
}

async fn keys(ctx: &Ctx, command: KeysCommand) -> Result<(), CliError> {
    let session = ctx.session().await?;
    let a = session.admin();
    match command {
        KeysCommand::List => {
            let list = a.api_keys().await?;
            if ctx.json {
                return ctx.print(&json!({ "api_keys": list }));
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|k| {
                    vec![
                        k.api_key_id.to_string(),
                        if k.revoked_at.is_some() {
                            "revoked"
                        } else {
                            "active"
                        }
                        .to_owned(),
                        k.name.clone(),
                        format!("{}…", k.token_prefix),
                        output::civil(&k.created_at, "UTC"),
                    ]
                })
                .collect();
            line(&output::table(
                &["ID", "STATE", "NAME", "PREFIX", "CREATED (UTC)"],
                &rows,
            ))
        }
        KeysCommand::Add { name } => {
            let k = a.create_api_key(&name).await?;
            if ctx.json {
                return ctx.print(&json!({ "api_key": k }));
            }
            line(&format!(
                "API key {:?} ({}); shown once, store it now:\n\n{}\n",
                k.name,
                k.api_key_id,
                k.token.unwrap_or_default()
            ))
        }
        KeysCommand::Revoke { key_id } => {
            let id = parse_id(&key_id, "API key")?;
            let k = a.revoke_api_key(id).await?;
            if ctx.json {
                return ctx.print(&json!({ "api_key": k }));
            }
            line(&format!("Revoked API key {:?} ({id}).", k.name))
        }
    }
}

/// The two answers a list command gives without a table: `--json` prints `{key: items}`, an
/// empty list prints `none`. Returns whether it printed one of them.
fn printed_without_table<T: serde::Serialize>(
    ctx: &Ctx,
    key: &str,
    items: &[T],
    none: &str,
) -> Result<bool, CliError> {
    if ctx.json {
        ctx.print(&json!({ key: items }))?;
        return Ok(true);
    }
    if items.is_empty() {
        line(none)?;
        return Ok(true);
    }
    Ok(false)
}
