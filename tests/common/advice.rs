//! Advisor helpers: the advice of one rule, all advice with the default configuration, and the
//! advice of one rule about one account.

use jiff::civil::Date;
use smart_accounts::RuleId;
use smart_accounts::SaId;
use smart_accounts::advisor::{Advice, AdvisorConfig, Scope, advise};
use smart_accounts::fixtures::World;

/// The advice of `rule` among `advice`.
pub fn of(advice: &[Advice], rule: RuleId) -> Vec<&Advice> {
    advice.iter().filter(|a| a.rule == rule).collect()
}

/// All advice on `on`, with the default configuration.
pub fn all(w: &World, on: Date) -> Vec<Advice> {
    advise(&w.dir, Scope::All, on, &AdvisorConfig::default())
}

/// The advice of `rule` about the account `sa`, on `on`, with the default configuration.
pub fn on_account(w: &World, sa: SaId, rule: RuleId, on: Date) -> Vec<Advice> {
    advise(&w.dir, Scope::All, on, &AdvisorConfig::default())
        .into_iter()
        .filter(|a| a.rule == rule && a.account == Some(sa))
        .collect()
}
