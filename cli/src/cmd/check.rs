//! `smart-accounts check` and `explain`: may a user do an action on a target? Answers with
//! names (emails, account domains, Virtual Account paths), never internal IDs.
//!
//! Exit codes: 0 allowed, 1 denied, 2 bad input (an unknown user, action or target).

use jiff::civil::Date;

use crate::names;
use crate::out::{Format, Result, Stdout, json_pretty, verdict_code};
use crate::query;
use crate::source::{DEMO_NOTICE, SourceArgs};

/// Arguments of `check` and `explain`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The user: an email, a Cisco.com login, or `user:N`.
    pub(crate) user: String,
    /// The action, e.g. `manage_licenses` or `view-account`.
    pub(crate) action: String,
    /// The target: `acme.com` (the account), `acme.com/EMEA/EMEA-Sales` (a Virtual Account by
    /// path) or `acme.com/EMEA-Sales` (by name).
    pub(crate) target: String,
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    /// Check as of this day (grants that expire then count, PTR005); without it, only grants
    /// that never expire count.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) date: Option<Date>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

/// Runs `check` (one line) or, with `explain`, the whole explanation.
///
/// # Errors
///
/// An unknown user, action or target, or a data source that does not load.
pub(crate) fn run(args: &Args, explain: bool, out: &mut Stdout) -> Result<u8> {
    let loaded = args.source.load()?;
    let dir = loaded.dir();
    let user = names::find_user(dir, &args.user)?;
    let action = names::parse_action(&args.action)?;
    let target = names::find_target(dir, &args.target)?;
    let decision = query::check(dir, user, action, target, args.date);
    if loaded.is_demo() && args.format == Format::Text {
        out.line(DEMO_NOTICE)?;
    }
    match args.format {
        Format::Json => out.line(&json_pretty(&decision)?)?,
        Format::Text if !explain => out.line(&decision.explanation)?,
        Format::Text => {
            out.line(if decision.allowed {
                "allowed"
            } else {
                "denied"
            })?;
            out.line(&format!("  user:   {}", decision.user))?;
            out.line(&format!("  action: {}", decision.action))?;
            out.line(&format!("  target: {}", decision.target))?;
            if let Some(via) = &decision.via {
                let how = if decision.allowed { "through" } else { "holds" };
                out.line(&format!("  {how}: {}", via.text))?;
            }
            if !decision.would_grant.is_empty() {
                out.line(&format!(
                    "  would be allowed by: {}",
                    decision.would_grant.join(", ")
                ))?;
            }
            out.line(&format!("  why: {} (ROLE009)", decision.explanation))?;
        }
    }
    Ok(verdict_code(decision.allowed))
}
