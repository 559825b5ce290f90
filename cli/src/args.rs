//! The command line: global options and subcommands (clap derive), with the exit codes in `--help`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Shown after `ajar --help`: what scripts can rely on.
const AFTER_HELP: &str = "\
Exit codes:
  0  success (an unlock the door did not confirm also exits 0, and says so)
  1  other error (an unexpected server answer, local storage, the OS keyring)
  2  usage error (unknown command or option, missing argument)
  3  not signed in (no profile, no token, or the server refused the token)
  4  refused (an unlock was refused, or the server refused the request)
  5  network: the server could not be reached
  6  not found (door, link or profile; or --offline with nothing cached yet)
  7  not supported by this server
  8  invalid input (a time, duration, token or id that does not parse)

Environment:
  AJAR_SERVER + AJAR_TOKEN  headless use: act with this server and token (or sign-in code)
                            instead of a stored profile; nothing is written to disk or keyring
  AJAR_PROFILE              the profile to use (like --profile; --profile/AJAR_PROFILE win
                            over AJAR_SERVER + AJAR_TOKEN)
  AJAR_CONFIG_DIR           the data directory (like --data-dir)

With --json every command prints one JSON document on stdout, errors included:
  {\"error\": {\"kind\": \"network\", \"message\": \"...\"}} with the exit code above.";

/// Ajar on the command line: doors, unlocks, guest links and activity.
#[derive(Debug, Parser)]
#[command(name = "ajar", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// The profile to act as (default: the default profile; see `ajar profiles`).
    #[arg(
        long,
        global = true,
        env = "AJAR_PROFILE",
        value_name = "NAME",
        help_heading = "Global options"
    )]
    pub profile: Option<String>,
    /// Print one machine-readable JSON document on stdout (errors too).
    #[arg(long, global = true, help_heading = "Global options")]
    pub json: bool,
    /// Where profiles and caches live [default: $XDG_CONFIG_HOME/ajar or $HOME/.config/ajar].
    #[arg(
        long,
        global = true,
        env = "AJAR_CONFIG_DIR",
        value_name = "DIR",
        help_heading = "Global options"
    )]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in to a server with a token or a sign-in code; the token goes to the OS keyring.
    Login(LoginArgs),
    /// Sign out: ends the session on the server, forgets the token, the profile and its cache.
    Logout {
        /// The profile to sign out of [default: the default profile].
        name: Option<String>,
    },
    /// List profiles (the default is marked with *), or pick the default.
    Profiles {
        #[command(subcommand)]
        command: Option<ProfilesCommand>,
    },
    /// List the doors: site, lock state, whether you can unlock, your window.
    Entries {
        /// Print the cached list only (no network), with its age.
        #[arg(long)]
        offline: bool,
    },
    /// Unlock a door with your cloud key.
    Unlock {
        /// The door's name (case-insensitive) or id.
        entry: String,
    },
    /// Share doors with a guest: creates a guest link and prints its URL.
    Share(ShareArgs),
    /// List guest links.
    Links {
        /// Only links in this state.
        #[arg(long, value_enum)]
        state: Option<LinkState>,
    },
    /// Revoke a guest link.
    Revoke {
        /// The link's id (see `ajar links`).
        link_id: String,
    },
    /// Show activity, newest last.
    Activity(ActivityArgs),
    /// The control center: users, their cloud keys and Remote Unlock, sign-in sessions, sites,
    /// doors and API keys (needs an admin's token; front desk may list and show users).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// People: list, show, add, edit, remove; their cloud keys and the Remote Unlock switch.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// API keys for integrations: list, add (the key is shown once), revoke.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Sign-in for a user's phone or desk: issue a code and QR (shown once), list, revoke.
    Sessions {
        #[command(subcommand)]
        command: SessionsCommand,
    },
    /// Sites (a name and an IANA time zone): list, add, edit.
    Sites {
        #[command(subcommand)]
        command: SitesCommand,
    },
    /// Doors: list (with driver and online state), add, edit.
    Doors {
        #[command(subcommand)]
        command: DoorsCommand,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Member,
    #[value(name = "front_desk", alias = "front-desk")]
    FrontDesk,
    Admin,
}

impl RoleArg {
    pub fn role(self) -> ajar_protocol::Role {
        match self {
            RoleArg::Member => ajar_protocol::Role::Member,
            RoleArg::FrontDesk => ajar_protocol::Role::FrontDesk,
            RoleArg::Admin => ajar_protocol::Role::Admin,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

impl OnOff {
    pub fn on(self) -> bool {
        self == OnOff::On
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeyState {
    Scheduled,
    Active,
    Expired,
    Revoked,
}

/// A user is named by id, email, full name or key.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List users with role, sites, cloud keys and state.
    List {
        /// Only users whose name, email, phone or key contains this.
        #[arg(long)]
        search: Option<String>,
        #[arg(long, value_enum)]
        role: Option<RoleArg>,
    },
    /// Show one user: role, Remote Unlock, cloud keys with window and state, sessions.
    Show { user: String },
    /// Add a user.
    Add {
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long, value_enum, default_value = "member")]
        role: RoleArg,
    },
    /// Change a user's name, email, phone or role ("" clears a field).
    Edit {
        user: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long, value_enum)]
        role: Option<RoleArg>,
    },
    /// Remove a user: their sessions, cloud keys and guest links stop at once.
    Remove { user: String },
    /// Cloud Key credentials on a user: add, list, revoke.
    Credentials {
        #[command(subcommand)]
        command: CredentialsCommand,
    },
    /// Turn Remote Unlock on or off for a user. Off stops the user's unlocks and every guest
    /// link they issued, at the next request.
    RemoteUnlock {
        user: String,
        #[arg(value_enum)]
        state: OnOff,
    },
}

#[derive(Debug, Subcommand)]
pub enum CredentialsCommand {
    /// Add a Cloud Key: doors and/or whole sites, an optional window in the site's time zone.
    Add {
        user: String,
        /// The credential's name.
        #[arg(long, default_value = "Cloud Key")]
        name: String,
        /// A door (name or id); repeat for more.
        #[arg(
            long = "entry",
            value_name = "ENTRY",
            required_unless_present = "sites"
        )]
        entries: Vec<String>,
        /// A whole site (name or id): all its doors; repeat for more.
        #[arg(long = "site", value_name = "SITE")]
        sites: Vec<String>,
        /// Start: a civil time in the site's zone (2026-06-02T00:00) or RFC 3339 [default: now].
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// End: a civil time in the site's zone or RFC 3339 [default: no end].
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
    },
    /// List cloud keys (of one user, or all) with window and state.
    List {
        user: Option<String>,
        #[arg(long, value_enum)]
        state: Option<KeyState>,
    },
    /// Revoke a cloud key at once.
    Revoke {
        /// The key's id (see `ajar admin users credentials list`).
        key_id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// Issue a sign-in code for a user's phone or desk; shown once. Redeem with `ajar login`.
    Issue {
        user: String,
        /// When the session ends (RFC 3339) [default: in 30 days].
        #[arg(long, value_name = "TIME")]
        expires: Option<String>,
        /// Also print the code's QR in the terminal.
        #[arg(long)]
        qr: bool,
        /// Write the QR as PNG to this file.
        #[arg(long, value_name = "FILE")]
        qr_png: Option<PathBuf>,
        /// Write the QR as SVG to this file.
        #[arg(long, value_name = "FILE")]
        qr_svg: Option<PathBuf>,
    },
    /// List a user's sessions (tokens are never shown again).
    List { user: String },
    /// Revoke a session: that phone or desk is signed out at its next request.
    Revoke { session_id: String },
}

#[derive(Debug, Subcommand)]
pub enum SitesCommand {
    List,
    /// Add a site.
    Add {
        name: String,
        /// IANA time zone, e.g. Europe/Berlin.
        #[arg(long)]
        time_zone: String,
    },
    /// Rename a site or change its time zone.
    Edit {
        /// The site (name or id).
        site: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        time_zone: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DoorsCommand {
    /// List doors with site, cloud-key unlock, relock pulse, lockdown, driver and online state.
    List {
        /// Only this site (name or id).
        #[arg(long)]
        site: Option<String>,
    },
    /// Add a door to a site.
    Add {
        name: String,
        /// The site (name or id).
        #[arg(long)]
        site: String,
        /// Whether cloud keys may unlock it [default: on].
        #[arg(long, value_enum)]
        cloud_key: Option<OnOff>,
        /// How long it stays unlocked, in milliseconds.
        #[arg(long, value_name = "MS")]
        relock_ms: Option<u32>,
        #[arg(long, value_enum)]
        lockdown: Option<OnOff>,
    },
    /// Change a door.
    Edit {
        /// The door (name or id).
        door: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_enum)]
        cloud_key: Option<OnOff>,
        #[arg(long, value_name = "MS")]
        relock_ms: Option<u32>,
        #[arg(long, value_enum)]
        lockdown: Option<OnOff>,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    List,
    /// Create an API key; the key is shown once.
    Add {
        #[arg(long, default_value = "API key")]
        name: String,
    },
    /// Revoke an API key at once.
    Revoke {
        key_id: String,
    },
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The server's URL (asked on the terminal when omitted and the sign-in code has none).
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// A token (seam_…) or a sign-in code (ajar:signin?server=…&token=…). When omitted it is
    /// asked on the terminal without echo, or read from stdin when stdin is not a terminal;
    /// prefer that: arguments show up in the process list and shell history.
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// The profile's name [default: --profile if given, else "default"].
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ProfilesCommand {
    /// Make NAME the default profile.
    Use { name: String },
}

#[derive(Debug, Args)]
pub struct ShareArgs {
    /// The doors to share (names or ids; of one site).
    #[arg(required = true, value_name = "ENTRY")]
    pub entries: Vec<String>,
    /// From now, for this long: 30m, 2h, 1d, 1h30m.
    #[arg(long = "for", value_name = "DURATION", conflicts_with_all = ["from", "until"], required_unless_present = "until")]
    pub duration: Option<String>,
    /// Start: a civil time in the site's zone (2026-03-29T09:30) or RFC 3339 [default: now].
    #[arg(long, value_name = "TIME", requires = "until")]
    pub from: Option<String>,
    /// End: a civil time in the site's zone (2026-03-29T18:00) or RFC 3339.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// How many unlocks the link allows in all [default: no limit].
    #[arg(long, value_name = "N")]
    pub max_uses: Option<u32>,
    /// A note for the guest, shown on the guest page and in the message (the server requires one).
    #[arg(long, value_name = "TEXT", default_value = "Guest access")]
    pub description: String,
    /// Also print the link's QR code in the terminal.
    #[arg(long)]
    pub qr: bool,
    /// Post the message to this Slack incoming webhook.
    #[arg(long, value_name = "URL")]
    pub slack_webhook: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LinkState {
    Active,
    Scheduled,
    Expired,
    Revoked,
    #[value(name = "used_up")]
    UsedUp,
}

impl LinkState {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Active => "active",
            LinkState::Scheduled => "scheduled",
            LinkState::Expired => "expired",
            LinkState::Revoked => "revoked",
            LinkState::UsedUp => "used_up",
        }
    }
}

#[derive(Debug, Args)]
pub struct ActivityArgs {
    /// Only this door (name or id).
    #[arg(long, value_name = "ENTRY")]
    pub entry: Option<String>,
    /// Only this guest link (id).
    #[arg(long, value_name = "ID")]
    pub link: Option<String>,
    /// How many events at most [default: the server's, 100].
    #[arg(long, value_name = "N")]
    pub limit: Option<u32>,
    /// Keep watching: print new events as they come (every 2 s) until Ctrl-C. With --json, one
    /// event per line.
    #[arg(long)]
    pub follow: bool,
}
