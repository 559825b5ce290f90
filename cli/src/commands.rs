//! The commands: each opens a session through `ajar-core`, calls it, and prints the answer as
//! text or JSON. No business logic lives here.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ajar_core::secrets::KeyringSecretStore;
use ajar_core::session::ActivityFilter;
use ajar_core::share::{parse_duration, qr_text};
use ajar_core::{
    Core, CoreError, Entry, EntryList, Session, ShareRequest, UnlockOutcome, WindowInput,
};
use ajar_protocol::{Event, GuestLink};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::args::{ActivityArgs, Cli, Command, LoginArgs, ProfilesCommand, ShareArgs};
use crate::error::CliError;
use crate::output::{self, line, note};

/// The keyring service tokens are stored under.
const KEYRING_SERVICE: &str = "ajar";
/// How often `activity --follow` asks for new events.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// What every command needs: the global options.
pub(crate) struct Ctx {
    pub(crate) json: bool,
    profile: Option<String>,
    data_dir: Option<PathBuf>,
}

/// `AJAR_SERVER` + `AJAR_TOKEN`: a server and token that replace the stored profile.
struct Headless {
    server: Option<String>,
    token: String,
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl Ctx {
    fn data_dir(&self) -> Result<PathBuf, CliError> {
        if let Some(d) = &self.data_dir {
            return Ok(d.clone());
        }
        if let Some(x) = env_var("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
        {
            return Ok(x.join("ajar"));
        }
        env_var("HOME")
            .map(|h| PathBuf::from(h).join(".config").join("ajar"))
            .ok_or(CliError::NoDataDir)
    }

    fn core(&self) -> Result<Core, CliError> {
        Ok(Core::new(
            self.data_dir()?,
            Arc::new(KeyringSecretStore::new(KEYRING_SERVICE)),
        ))
    }

    /// The headless environment, unless a profile was named (`--profile` or `AJAR_PROFILE`).
    fn headless(&self) -> Result<Option<Headless>, CliError> {
        if self.profile.is_some() {
            return Ok(None);
        }
        match (env_var("AJAR_SERVER"), env_var("AJAR_TOKEN")) {
            (server, Some(token)) => Ok(Some(Headless { server, token })),
            (Some(_), None) => Err(CoreError::InvalidInput(
                "AJAR_SERVER is set but AJAR_TOKEN is not: set both".into(),
            )
            .into()),
            (None, None) => Ok(None),
        }
    }

    /// A session: the headless environment, else the named (or default) profile.
    pub(crate) async fn session(&self) -> Result<Session, CliError> {
        match self.headless()? {
            Some(h) => {
                let code = ajar_core::signin::parse_code(&h.token)?;
                let server = h.server.or(code.server).ok_or_else(|| {
                    CoreError::InvalidInput(
                        "AJAR_TOKEN is set but AJAR_SERVER is not: set both".into(),
                    )
                })?;
                Ok(Session::connect(&server, &code.token, None, None).await?)
            }
            None => Ok(self.core()?.session(self.profile.as_deref()).await?),
        }
    }

    pub(crate) fn print<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), CliError> {
        output::json(value, false)
    }
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let ctx = Ctx {
        json: cli.json,
        profile: cli.profile,
        data_dir: cli.data_dir,
    };
    match cli.command {
        Command::Login(a) => login(&ctx, a).await,
        Command::Logout { name } => logout(&ctx, name).await,
        Command::Profiles { command: None } => profiles(&ctx),
        Command::Profiles {
            command: Some(ProfilesCommand::Use { name }),
        } => use_profile(&ctx, &name),
        Command::Entries { offline } => entries(&ctx, offline).await,
        Command::Unlock { entry } => unlock(&ctx, &entry).await,
        Command::Share(a) => share(&ctx, a).await,
        Command::Links { state } => links(&ctx, state.map(|s| s.as_str())).await,
        Command::Revoke { link_id } => revoke(&ctx, &link_id).await,
        Command::Activity(a) => activity(&ctx, a).await,
        Command::Admin { command } => crate::admin::run(&ctx, command).await,
    }
}

pub(crate) fn parse_id(s: &str, what: &str) -> Result<Uuid, CliError> {
    Uuid::parse_str(s.trim())
        .map_err(|_| CoreError::InvalidInput(format!("{s:?} is not a {what} id")).into())
}

// ---- profiles -------------------------------------------------------------------------------

/// The token: asked without echo on a terminal, else the first line of stdin.
fn read_token() -> Result<String, CliError> {
    let token = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Token or sign-in code: ")?
    } else {
        let mut s = String::new();
        std::io::stdin().lock().read_line(&mut s)?;
        s
    };
    let token = token.trim().to_owned();
    if token.is_empty() {
        return Err(CoreError::InvalidInput("no token given".into()).into());
    }
    Ok(token)
}

fn prompt_line(prompt: &str) -> Result<String, CliError> {
    let mut err = std::io::stderr().lock();
    write!(err, "{prompt}")?;
    err.flush()?;
    let mut s = String::new();
    std::io::stdin().lock().read_line(&mut s)?;
    Ok(s.trim().to_owned())
}

async fn login(ctx: &Ctx, a: LoginArgs) -> Result<(), CliError> {
    let token = match a.token {
        Some(t) => t,
        None => read_token()?,
    };
    // Checked before asking for the server: a sign-in code may carry it.
    let code = ajar_core::signin::parse_code(&token)?;
    let server = match a.server {
        Some(s) => Some(s),
        None if code.server.is_none() && std::io::stdin().is_terminal() => {
            Some(prompt_line("Server URL: ")?)
        }
        None => None,
    };
    let name = a
        .name
        .or_else(|| ctx.profile.clone())
        .unwrap_or_else(|| "default".to_owned());
    let core = ctx.core()?;
    let session = core.sign_in(&name, server.as_deref(), &token).await?;
    let label = session.identity().await?.label();
    if ctx.json {
        return ctx.print(&json!({
            "profile": {"name": name, "server": session.server(), "label": label},
            "default": true,
        }));
    }
    line(&format!(
        "Signed in to {} as {label}; profile {name:?} is the default.",
        session.server()
    ))
}

async fn logout(ctx: &Ctx, name: Option<String>) -> Result<(), CliError> {
    let core = ctx.core()?;
    let name = match name.or_else(|| ctx.profile.clone()) {
        Some(n) => n,
        None => {
            let (list, default) = core.profiles()?;
            match default.or_else(|| (list.len() == 1).then(|| list[0].name.clone())) {
                Some(n) => n,
                None => {
                    return Err(CoreError::NotSignedIn("no profile to sign out of".into()).into())
                }
            }
        }
    };
    let revoked = core.sign_out(&name).await?;
    if ctx.json {
        return ctx.print(&json!({"signed_out": name, "session_ended_on_server": revoked}));
    }
    if revoked {
        line(&format!(
            "Signed out of {name:?}: the session is ended on the server and forgotten here."
        ))
    } else {
        line(&format!("Signed out of {name:?}: forgotten here (the server was not told: offline, or an API key)."))
    }
}

fn profiles(ctx: &Ctx) -> Result<(), CliError> {
    let (list, default) = ctx.core()?.profiles()?;
    if ctx.json {
        return ctx.print(&json!({"default": default, "profiles": list}));
    }
    if list.is_empty() {
        return line("No profiles: sign in with `ajar login`.");
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|p| {
            let mark = if default.as_deref() == Some(p.name.as_str()) {
                "*"
            } else {
                ""
            };
            vec![
                mark.to_owned(),
                p.name.clone(),
                p.server.clone(),
                p.label.clone(),
            ]
        })
        .collect();
    line(&output::table(
        &["", "PROFILE", "SERVER", "SIGNED IN AS"],
        &rows,
    ))
}

fn use_profile(ctx: &Ctx, name: &str) -> Result<(), CliError> {
    ctx.core()?.set_default(name)?;
    if ctx.json {
        return ctx.print(&json!({"default": name}));
    }
    line(&format!("{name:?} is now the default profile."))
}

// ---- entries and unlock ---------------------------------------------------------------------

fn lock_state(e: &Entry) -> &'static str {
    if e.is_in_lockdown {
        "lockdown"
    } else if e.is_locked {
        "locked"
    } else {
        "unlocked"
    }
}

fn print_entries(ctx: &Ctx, list: &EntryList) -> Result<(), CliError> {
    if ctx.json {
        let entries: Vec<Value> = list
            .entries
            .iter()
            .map(|e| {
                let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
                v["can_unlock"] = json!(e.can_unlock());
                v
            })
            .collect();
        return ctx.print(&json!({
            "entries": entries,
            "fetched_at": ajar_protocol::time::format_ts(&list.fetched_at),
            "stale": list.stale,
            "age_seconds": list.age().num_seconds().max(0),
        }));
    }
    if list.entries.is_empty() {
        return line("No doors.");
    }
    let now = Utc::now();
    let rows: Vec<Vec<String>> = list
        .entries
        .iter()
        .map(|e| {
            let window = match e.access_method_id {
                Some(_) => output::window(
                    e.access_starts_at.as_ref(),
                    e.access_ends_at.as_ref(),
                    &e.time_zone,
                    now,
                ),
                None => "no key".to_owned(),
            };
            vec![
                e.name.clone(),
                e.site_name.clone(),
                lock_state(e).to_owned(),
                if e.can_unlock() { "yes" } else { "no" }.to_owned(),
                window,
            ]
        })
        .collect();
    line(&output::table(
        &["DOOR", "SITE", "STATE", "UNLOCK", "YOUR WINDOW"],
        &rows,
    ))
}

async fn entries(ctx: &Ctx, offline: bool) -> Result<(), CliError> {
    if offline {
        if ctx.headless()?.is_some() {
            return Err(CliError::NoCache(
                "AJAR_SERVER/AJAR_TOKEN sessions keep no cache: nothing to show offline".into(),
            ));
        }
        let session = ctx.core()?.session(ctx.profile.as_deref()).await?;
        let list = session.cached_entries()?.ok_or_else(|| {
            CliError::NoCache(format!(
                "nothing cached yet for profile {:?}: run `ajar entries` online once",
                session.profile().unwrap_or_default()
            ))
        })?;
        note(&format!(
            "offline: the list cached {}",
            output::age(list.age())
        ));
        return print_entries(ctx, &list);
    }
    let session = ctx.session().await?;
    let list = session.entries().await?;
    if list.stale {
        note(&format!(
            "cannot reach {}: showing the list cached {}",
            session.server(),
            output::age(list.age())
        ));
    }
    print_entries(ctx, &list)
}

#[derive(Serialize)]
struct UnlockJson<'a> {
    acs_entrance_id: Uuid,
    entry: &'a str,
    #[serde(flatten)]
    outcome: &'a UnlockOutcome,
}

async fn unlock(ctx: &Ctx, reference: &str) -> Result<(), CliError> {
    let session = ctx.session().await?;
    let entry = session.find_entry(reference).await?;
    let outcome = session.unlock(&entry.acs_entrance_id.to_string()).await?;
    if ctx.json {
        ctx.print(&UnlockJson {
            acs_entrance_id: entry.acs_entrance_id,
            entry: &entry.name,
            outcome: &outcome,
        })?;
    } else {
        line(&match &outcome {
            UnlockOutcome::Confirmed { .. } => format!("{}: open (confirmed)", entry.name),
            UnlockOutcome::NotConfirmed { reason, .. } => {
                format!("{}: not confirmed: {reason}", entry.name)
            }
            UnlockOutcome::Refused { message, .. } => format!("{}: refused: {message}", entry.name),
        })?;
    }
    match outcome {
        UnlockOutcome::Refused { .. } => Err(CliError::UnlockRefused),
        _ => Ok(()),
    }
}

// ---- sharing and links ----------------------------------------------------------------------

/// `2027-03-28 01:00 – 04:00 (Europe/Berlin)`: the end's date only when it differs.
fn span(start: &DateTime<Utc>, end: &DateTime<Utc>, zone: &str) -> String {
    let (s, e) = (output::civil(start, zone), output::civil(end, zone));
    let e = match (s.get(..10), e.get(..10), e.get(11..)) {
        (Some(a), Some(b), Some(time)) if a == b => time.to_owned(),
        _ => e,
    };
    format!("{s} – {e} ({zone})")
}

async fn share(ctx: &Ctx, a: ShareArgs) -> Result<(), CliError> {
    let window = match (a.duration, a.until) {
        (Some(d), _) => WindowInput::For {
            seconds: parse_duration(&d)?,
        },
        (None, Some(until)) => WindowInput::Between {
            from: a.from,
            until,
        },
        (None, None) => {
            return Err(CoreError::InvalidInput(
                "say how long: --for, or --until (and --from)".into(),
            )
            .into())
        }
    };
    let session = ctx.session().await?;
    let req = ShareRequest {
        entries: a.entries,
        description: a.description,
        window,
        max_uses: a.max_uses,
    };
    let payload = session.share(&req).await?;
    let slack = match &a.slack_webhook {
        Some(url) => Some(
            session
                .post_to_slack(url, &payload)
                .await
                .map_err(CliError::from),
        ),
        None => None,
    };
    if ctx.json {
        let mut v =
            serde_json::to_value(&payload).map_err(|e| CliError::Io(std::io::Error::other(e)))?;
        if let Some(o) = v.as_object_mut() {
            // PNG bytes would be a long array of numbers: use qr_svg, or render the url yourself.
            o.remove("qr_png");
        }
        if let Some(r) = &slack {
            v["slack"] = match r {
                Ok(()) => json!({"posted": true}),
                Err(e) => json!({"posted": false, "error": e.to_json()["error"]}),
            };
        }
        if a.qr {
            v["qr_text"] = json!(qr_text(&payload.url)?);
        }
        ctx.print(&v)?;
    } else {
        let link = &payload.link;
        line(&payload.url)?;
        let mut about = format!(
            "Link {} · {}",
            link.guest_link_id,
            span(&link.starts_at, &link.ends_at, &link.time_zone)
        );
        if let Some(n) = link.max_unlock_count {
            about.push_str(&format!(" · up to {n} unlocks"));
        }
        line(&about)?;
        if !payload.webhook_urls.is_empty() {
            line("Webhooks (POST to unlock one door):")?;
            let width = payload
                .webhook_urls
                .iter()
                .map(|w| w.display_name.chars().count())
                .max()
                .unwrap_or(0);
            for w in &payload.webhook_urls {
                line(&format!("  {:<width$}  {}", w.display_name, w.url))?;
            }
        }
        if a.qr {
            line(&qr_text(&payload.url)?)?;
        }
        if let Some(Ok(())) = &slack {
            note("posted to Slack");
        }
    }
    match slack {
        Some(Err(e)) => Err(CliError::Reported(Box::new(e))),
        _ => Ok(()),
    }
}

/// Door names for display: from the cache, else (best effort) from the server.
async fn door_names(session: &Session) -> HashMap<Uuid, String> {
    let list = match session.cached_entries() {
        Ok(Some(list)) => Some(list),
        _ => session.entries().await.ok(),
    };
    list.map(|l| {
        l.entries
            .into_iter()
            .map(|e| (e.acs_entrance_id, e.name))
            .collect()
    })
    .unwrap_or_default()
}

fn link_row(l: &GuestLink, names: &HashMap<Uuid, String>) -> Vec<String> {
    let doors: Vec<String> = l
        .acs_entrance_ids
        .iter()
        .map(|d| names.get(d).cloned().unwrap_or_else(|| output::short(d)))
        .collect();
    let uses = match l.max_unlock_count {
        Some(m) => format!("{}/{m}", l.unlock_count),
        None => l.unlock_count.to_string(),
    };
    vec![
        l.guest_link_id.to_string(),
        l.state.as_str().to_owned(),
        doors.join(", "),
        span(&l.starts_at, &l.ends_at, &l.time_zone),
        uses,
        l.description.clone(),
    ]
}

async fn links(ctx: &Ctx, state: Option<&str>) -> Result<(), CliError> {
    let session = ctx.session().await?;
    let list = session.links(state).await?;
    if ctx.json {
        return ctx.print(&json!({ "guest_links": list }));
    }
    if list.is_empty() {
        return line("No guest links.");
    }
    let names = door_names(&session).await;
    let rows: Vec<Vec<String>> = list.iter().map(|l| link_row(l, &names)).collect();
    line(&output::table(
        &["ID", "STATE", "DOORS", "WINDOW", "UNLOCKS", "DESCRIPTION"],
        &rows,
    ))
}

async fn revoke(ctx: &Ctx, link_id: &str) -> Result<(), CliError> {
    let id = parse_id(link_id, "link")?;
    let session = ctx.session().await?;
    session.revoke_link(id).await?;
    if ctx.json {
        return ctx.print(&json!({"revoked": true, "guest_link_id": id}));
    }
    line(&format!("Revoked link {id}."))
}

// ---- activity -------------------------------------------------------------------------------

fn event_line(e: &Event, names: &HashMap<Uuid, String>) -> String {
    let when = e
        .occurred_at
        .with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let door = e
        .acs_entrance_id
        .map(|d| names.get(&d).cloned().unwrap_or_else(|| output::short(&d)));
    let mut parts = vec![when, e.event_type.clone()];
    parts.extend(door);
    if let Some(l) = e.guest_link_id {
        parts.push(format!("link {}", output::short(&l)));
    }
    if let Some(m) = &e.method {
        parts.push(format!("({m})"));
    }
    if let (Some(t), Some(id)) = (&e.object_type, e.object_id) {
        parts.push(format!("{t} {}", output::short(&id)));
    }
    if let Some(f) = e.changed_fields.as_ref().filter(|f| !f.is_empty()) {
        parts.push(format!("changed {}", f.join(", ")));
    }
    if let (Some(t), Some(id)) = (&e.actor_type, e.actor_id) {
        parts.push(format!("by {t} {}", output::short(&id)));
    }
    match (&e.error_code, &e.error_message) {
        (_, Some(m)) => parts.push(format!("— {m}")),
        (Some(c), None) => parts.push(format!("— {c}")),
        _ => {}
    }
    parts.join("  ")
}

/// Prints events oldest first (text), or one JSON object per line (`--follow --json`).
fn print_events(
    ctx: &Ctx,
    events: &[&Event],
    names: &HashMap<Uuid, String>,
) -> Result<(), CliError> {
    for e in events.iter().rev() {
        if ctx.json {
            output::json(e, true)?;
        } else {
            line(&event_line(e, names))?;
        }
    }
    Ok(())
}

async fn activity(ctx: &Ctx, a: ActivityArgs) -> Result<(), CliError> {
    let link = a.link.as_deref().map(|l| parse_id(l, "link")).transpose()?;
    let session = ctx.session().await?;
    let mut filter = ActivityFilter {
        guest_link_id: link,
        limit: a.limit,
        ..Default::default()
    };
    if let Some(e) = &a.entry {
        filter.acs_entrance_id = Some(session.find_entry(e).await?.acs_entrance_id);
    }
    let events = session.activity(filter.clone()).await?;
    if ctx.json && !a.follow {
        return ctx.print(&json!({ "events": events }));
    }
    let names = if ctx.json {
        HashMap::new()
    } else {
        door_names(&session).await
    };
    print_events(ctx, &events.iter().collect::<Vec<_>>(), &names)?;
    if !a.follow {
        return Ok(());
    }
    tokio::select! {
        r = follow(ctx, &session, filter, events, &names) => r,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

async fn follow(
    ctx: &Ctx,
    session: &Session,
    mut filter: ActivityFilter,
    first: Vec<Event>,
    names: &HashMap<Uuid, String>,
) -> Result<(), CliError> {
    // `since` is inclusive: remember what was printed at or after it.
    let mut since = first
        .iter()
        .map(|e| e.occurred_at)
        .max()
        .unwrap_or_else(Utc::now);
    let mut seen: HashMap<Uuid, DateTime<Utc>> =
        first.iter().map(|e| (e.event_id, e.occurred_at)).collect();
    filter.limit = Some(filter.limit.unwrap_or(100).max(500));
    let mut offline = false;
    loop {
        tokio::time::sleep(FOLLOW_EVERY).await;
        filter.since = Some(since);
        let events = match session.activity(filter.clone()).await {
            Ok(ev) => ev,
            Err(CoreError::Network { server, message }) => {
                if !offline {
                    note(&format!("cannot reach {server}: {message} (still trying)"));
                    offline = true;
                }
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if offline {
            note("reconnected");
            offline = false;
        }
        let fresh: Vec<&Event> = events
            .iter()
            .filter(|e| !seen.contains_key(&e.event_id))
            .collect();
        print_events(ctx, &fresh, names)?;
        for e in &fresh {
            seen.insert(e.event_id, e.occurred_at);
            since = since.max(e.occurred_at);
        }
        seen.retain(|_, t| *t >= since);
    }
}
