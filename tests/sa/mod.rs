//! SA: Smart Accounts (SA001–SA009 in `docs/RULES.md`): the three kinds, the default Virtual
//! Account, domains, the creator's Cisco.com ID, public email domains, Limited Use and holding
//! accounts, activation and search.

mod accounts;
mod lifecycle;
mod member_access;
mod public_domains;
mod snapshots;
