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
