//! `smart-accounts advise`: the best-practice advisor (BP001–BP009) over one account or the
//! whole directory, on a date, with names.

use jiff::civil::Date;
use smart_accounts::advisor::Scope;

use crate::names;
use crate::out::{Fail, Format, Result, Stdout, json_pretty};
use crate::query;
use crate::source::{DEMO_NOTICE, SourceArgs};

/// Arguments of `advise`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    /// One account (domain, email or name); without it, the whole directory.
    #[arg(long, value_name = "ACCOUNT")]
    pub(crate) account: Option<String>,
    /// The day the advice is for (ages and expiries count from it); required.
    #[arg(long, value_name = "YYYY-MM-DD", required = true)]
    pub(crate) date: Option<Date>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

/// Runs `advise`: exit 0, with the advice (possibly none).
///
/// # Errors
///
/// An unknown account, or a data source that does not load.
pub(crate) fn run(args: &Args, out: &mut Stdout) -> Result<u8> {
    let Some(date) = args.date else {
        return Err(Fail::new("advise needs --date YYYY-MM-DD"));
    };
    let loaded = args.source.load()?;
    let dir = loaded.dir();
    let scope = match &args.account {
        Some(account) => Scope::Account(names::find_account(dir, account)?.id()),
        None => Scope::All,
    };
    let advice = query::advice(dir, scope, date);
    match args.format {
        Format::Json => out.line(&json_pretty(&advice)?)?,
        Format::Text => {
            if loaded.is_demo() {
                out.line(DEMO_NOTICE)?;
            }
            out.line(&format!("{} piece(s) of advice on {date}", advice.len()))?;
            for a in &advice {
                out.line(&format!(
                    "{} {} `{}`: {}; fix: {}",
                    a.rule, a.severity, a.subject, a.message, a.fix
                ))?;
            }
        }
    }
    Ok(0)
}
