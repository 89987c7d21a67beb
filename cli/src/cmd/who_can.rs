//! `smart-accounts who-can`: the users allowed an action on a target (ROLE010), by email, with
//! the binding that allows each.

use jiff::civil::Date;

use crate::names;
use crate::out::{Format, Result, Stdout, json_pretty};
use crate::query;
use crate::source::{DEMO_NOTICE, SourceArgs};

/// Arguments of `who-can`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The action, e.g. `manage_licenses`.
    pub(crate) action: String,
    /// The target: `acme.com` or `acme.com/EMEA/EMEA-Sales`.
    pub(crate) target: String,
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    /// As of this day (grants that expire then count).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) date: Option<Date>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

/// Runs `who-can`: exit 0, with the users (possibly none).
///
/// # Errors
///
/// An unknown action or target, or a data source that does not load.
pub(crate) fn run(args: &Args, out: &mut Stdout) -> Result<u8> {
    let loaded = args.source.load()?;
    let dir = loaded.dir();
    let action = names::parse_action(&args.action)?;
    let target = names::find_target(dir, &args.target)?;
    let users = query::who_can(dir, action, target, args.date);
    match args.format {
        Format::Json => out.line(&json_pretty(&serde_json::json!({
            "action": names::action_name(action),
            "target": names::target(dir, target),
            "users": users,
        }))?)?,
        Format::Text => {
            if loaded.is_demo() {
                out.line(DEMO_NOTICE)?;
            }
            out.line(&format!(
                "{} user(s) may {action} on {}:",
                users.len(),
                names::target(dir, target)
            ))?;
            for user in &users {
                let via = user.via.as_ref().map_or("", |v| v.text.as_str());
                out.line(&format!("  {}  ({via})", user.user))?;
            }
        }
    }
    Ok(0)
}
