//! `smart-accounts dot`: an account's Virtual Account tree and roles as Graphviz DOT (pipe it
//! to `dot -Tsvg`).

use jiff::civil::Date;

use crate::names;
use crate::out::{Fail, Result, Stdout};
use crate::source::SourceArgs;

/// Arguments of `dot`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The account: its domain, email or name.
    pub(crate) account: String,
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    /// The day the picture is of (expired grants are left out); required.
    #[arg(long, value_name = "YYYY-MM-DD", required = true)]
    pub(crate) date: Option<Date>,
}

/// Runs `dot`. With `--demo`, the notice is a DOT comment on the first line.
///
/// # Errors
///
/// An unknown account, or a data source that does not load.
pub(crate) fn run(args: &Args, out: &mut Stdout) -> Result<u8> {
    let Some(date) = args.date else {
        return Err(Fail::new("dot needs --date YYYY-MM-DD"));
    };
    let loaded = args.source.load()?;
    let dir = loaded.dir();
    let account = names::find_account(dir, &args.account)?;
    let text = smart_accounts::dot::to_dot(dir, account.id(), date).ok_or_else(|| {
        Fail::new(format!(
            "SA001: no smart account `{}`",
            names::account(dir, account.id())
        ))
    })?;
    if loaded.is_demo() {
        out.line(&format!("// {}", crate::source::DEMO_NOTICE))?;
    }
    out.text(&text)?;
    Ok(0)
}
