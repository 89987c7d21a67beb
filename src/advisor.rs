//! The best-practice advisor (BP001–BP009): one call over a whole directory or one Smart
//! Account, with a date and a configuration, returns advice — the rule, a severity, the
//! subject, a message and a concrete suggested fix — in a deterministic order.
//!
//! The advisor reads; it never changes the directory. Every threshold is a field of
//! [`AdvisorConfig`], whose defaults follow the best-practice documents.
//!
//! | rule | finding | subject | severity |
//! | --- | --- | --- | --- |
//! | BP001 | a company (one owner organization, or a domain with its prefixed forms) has more Customer accounts than `max_accounts_per_company` (1) | its first account | warning |
//! | BP002 | the authorised contact is a team alias | the user | warning |
//! | BP003 | a Virtual Account name contains a word of `confidential_words` | the Virtual Account | warning |
//! | BP004 | more SA Admins than `max_sa_admins` (3) | the account | warning |
//! | BP005 | a partner user holds an account role; two partner organizations on one Virtual Account | the user; the Virtual Account | critical for SA Admin, else warning |
//! | BP006 | a partner organization's access unreviewed for more than `review_period_days` (365) | the organization | warning |
//! | BP007 | licenses in the default Virtual Account while others exist | the default Virtual Account | warning |
//! | BP008 | more holding accounts than `max_holding_accounts` (1), or none for a partner or distributor; licenses waiting in holding longer than `holding_age_days` (30) | the organization; the holding account | warning |
//! | BP009 | a Virtual Account at `depth_warning_level` (9) or deeper | the deepest Virtual Account | info, warning at level 10 |
//! | PTR005 | an expired grant still listed; a request that lapsed unanswered | the user | info |
//!
//! # Examples
//!
//! ```
//! # #[cfg(feature = "fixtures")] {
//! use smart_accounts::advisor::{AdvisorConfig, Scope, advise};
//! use smart_accounts::{RuleId, fixtures};
//!
//! let world = fixtures::world()?;
//! let today = "2026-02-01".parse()?;
//! let advice = advise(&world.dir, Scope::Account(world.acme.sa), today, &AdvisorConfig::default());
//! // Acme's `Labs` chain reaches level 10, the maximum (BP009).
//! assert!(advice.iter().any(|a| a.rule == RuleId::BP009));
//! for a in &advice {
//!     println!("{a}");
//! }
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use jiff::civil::Date;

use crate::accounts::account::{Binding, RequestStatus, SmartAccount};
use crate::accounts::kinds::{AccountKind, Identifier, Visibility};
use crate::base::dates::{days_between, utc_date};
use crate::base::id_table::IdTable;
use crate::base::ids::{OrgId, SaId, UserId, VaId};
use crate::directory::Directory;
use crate::events::event::RecordedActor;
use crate::roles::matrix::Role;
use crate::rules::RuleId;

/// What the advisor looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Scope {
    /// Every Smart Account of the directory, and the organizations.
    All,
    /// One Smart Account (and what concerns it: its domain group, its owner's holding
    /// accounts).
    Account(SaId),
}

/// How urgent a piece of advice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Severity {
    /// Worth knowing; nothing is at risk yet.
    Info,
    /// A departure from best practice that leads to lost or misassigned licenses or to
    /// unnoticed access.
    Warning,
    /// Access or licenses are at risk now.
    Critical,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        })
    }
}

/// What a piece of advice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Subject {
    /// A Smart Account.
    Account(SaId),
    /// A Virtual Account.
    Va(VaId),
    /// A user.
    User(UserId),
    /// An organization.
    Organization(OrgId),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Account(id) => id.fmt(f),
            Subject::Va(id) => id.fmt(f),
            Subject::User(id) => id.fmt(f),
            Subject::Organization(id) => id.fmt(f),
        }
    }
}

/// One piece of advice.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Advice {
    /// The Smart Account it concerns, or `None` for advice about an organization as a whole.
    pub account: Option<SaId>,
    /// The best practice (BP001–BP009) or, for lapsed requests and expired grants, PTR005.
    pub rule: RuleId,
    /// How urgent.
    pub severity: Severity,
    /// What it is about.
    pub subject: Subject,
    /// What was found, naming the entities.
    pub message: String,
    /// A concrete suggested fix.
    pub fix: String,
}

impl fmt::Display for Advice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} `{}`: {}; fix: {}",
            self.rule, self.severity, self.subject, self.message, self.fix
        )
    }
}

/// The thresholds of the advisor. Every field has a default (`AdvisorConfig::default()`), and
/// with `serde` a configuration can name only the fields it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct AdvisorConfig {
    /// BP001: how many Customer Smart Accounts one company (one owner organization, or one
    /// domain with its prefixed forms) may have before the advisor speaks. Default 1.
    pub max_accounts_per_company: usize,
    /// BP003: words that look internal or confidential in a Virtual Account name, compared
    /// ignoring case against the name's words (a phrase matches consecutive words).
    pub confidential_words: Vec<String>,
    /// BP004: how many SA Admins an account may have. Default 3.
    pub max_sa_admins: usize,
    /// BP006: how many days partner access may go unreviewed. Default 365.
    pub review_period_days: u32,
    /// BP008: how many holding accounts one partner or distributor may have. Default 1.
    pub max_holding_accounts: usize,
    /// BP008: how many days licenses may age in a holding account. Default 30.
    pub holding_age_days: u32,
    /// BP009: the level from which a Virtual Account tree counts as close to the maximum
    /// depth ([`crate::MAX_LEVEL`]). Default 9, one level below the maximum.
    pub depth_warning_level: usize,
}

impl Default for AdvisorConfig {
    fn default() -> Self {
        const WORDS: &[&str] = &[
            "confidential",
            "internal",
            "internal only",
            "secret",
            "top secret",
            "private",
            "restricted",
            "do not share",
            "sensitive",
            "classified",
            "acquisition",
            "merger",
            "layoff",
            "layoffs",
            "codename",
            "project x",
            "nda",
            "legal hold",
        ];
        AdvisorConfig {
            max_accounts_per_company: 1,
            confidential_words: WORDS.iter().map(|w| (*w).to_owned()).collect(),
            max_sa_admins: 3,
            review_period_days: 365,
            max_holding_accounts: 1,
            holding_age_days: 30,
            depth_warning_level: crate::MAX_LEVEL - 1,
        }
    }
}

/// Looks at the directory (or one account) on `on` and returns every piece of advice, sorted
/// by account (organization-wide advice first), rule, subject and message. The same directory,
/// date and configuration always give the same list. Bindings whose expiry has come by `on`
/// count as gone, except for the advice to clean them up.
#[must_use]
pub fn advise(dir: &Directory, scope: Scope, on: Date, config: &AdvisorConfig) -> Vec<Advice> {
    let mut advisor = Advisor::new(dir, scope, on, config);
    let mut out = Vec::new();
    for account in dir.accounts() {
        advisor.note(account);
        if scope == Scope::All || scope == Scope::Account(account.id) {
            advisor.account(account, &mut out);
        }
    }
    advisor.companies(&mut out);
    advisor.holding_accounts(&mut out);
    out.sort_unstable_by(|a, b| {
        (a.account, a.rule, a.subject)
            .cmp(&(b.account, b.rule, b.subject))
            .then_with(|| a.message.cmp(&b.message))
    });
    out
}

/// The confidential words, split into lowercase words once, with the word as configured, and
/// indexed by the first byte of their first word so that most name words are rejected by one
/// table lookup.
struct Words {
    phrases: Vec<(Vec<String>, String)>,
    /// For each lowercase first byte, the range of `phrases` whose first word starts with it.
    by_first: Vec<(usize, usize)>,
}

impl Words {
    fn new(config: &AdvisorConfig) -> Words {
        let mut phrases: Vec<(Vec<String>, String)> = config
            .confidential_words
            .iter()
            .map(|w| {
                (
                    tokens(w).map(str::to_lowercase).collect::<Vec<_>>(),
                    w.clone(),
                )
            })
            .filter(|(w, _)| !w.is_empty())
            .collect();
        phrases.sort();
        phrases.dedup_by(|a, b| a.0 == b.0);
        let first_byte = |p: &(Vec<String>, String)| {
            p.0.first()
                .and_then(|w| w.as_bytes().first())
                .copied()
                .unwrap_or(0)
        };
        let mut by_first = vec![(0, 0); 256];
        for (slot, byte) in by_first.iter_mut().zip(0u8..=255) {
            let start = phrases.partition_point(|p| first_byte(p) < byte);
            let end = phrases.partition_point(|p| first_byte(p) <= byte);
            *slot = (start, end);
        }
        Words { phrases, by_first }
    }

    /// The first configured word or phrase found among the words of `name`, as configured.
    /// One scan over the bytes of an ASCII name, allocating nothing.
    fn find(&self, name: &str) -> Option<&str> {
        if self.phrases.is_empty() {
            return None;
        }
        if !name.is_ascii() {
            return self.find_from(name, &self.phrases);
        }
        let bytes = name.as_bytes();
        let mut start = None;
        for (i, b) in bytes
            .iter()
            .enumerate()
            .chain(std::iter::once((bytes.len(), &b' ')))
        {
            match (start, b.is_ascii_alphanumeric()) {
                (None, true) => start = Some(i),
                (Some(s), false) => {
                    start = None;
                    let token = bytes.get(s..i).unwrap_or(&[]);
                    let first = token.first().map_or(0, u8::to_ascii_lowercase);
                    let (lo, hi) = self
                        .by_first
                        .get(usize::from(first))
                        .copied()
                        .unwrap_or((0, 0));
                    let candidates = self.phrases.get(lo..hi).unwrap_or(&[]);
                    let first_word_matches = candidates.iter().any(|(phrase, _)| {
                        phrase
                            .first()
                            .is_some_and(|w| w.as_bytes().eq_ignore_ascii_case(token))
                    });
                    if first_word_matches
                        && let Some(found) = self.find_from(name.get(s..).unwrap_or(""), candidates)
                    {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The first of `candidates` whose words start the words of `text` (or, for non-ASCII
    /// text, appear anywhere in them).
    fn find_from<'w>(
        &self,
        text: &str,
        candidates: &'w [(Vec<String>, String)],
    ) -> Option<&'w str> {
        let mut rest = tokens(text);
        loop {
            let here = rest.clone();
            rest.next()?;
            for (phrase, original) in candidates {
                let mut candidate = here.clone();
                if phrase
                    .iter()
                    .all(|w| candidate.next().is_some_and(|t| same_word(t, w)))
                {
                    return Some(original);
                }
            }
            if text.is_ascii() {
                return None;
            }
        }
    }
}

/// Whether the word `token` equals the lowercase `word`, ignoring case.
fn same_word(token: &str, word: &str) -> bool {
    if token.is_ascii() {
        token.len() == word.len() && token.eq_ignore_ascii_case(word)
    } else {
        token.to_lowercase() == word
    }
}

fn tokens(text: &str) -> impl Iterator<Item = &str> + Clone {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
}

struct Advisor<'d> {
    dir: &'d Directory,
    scope: Scope,
    on: Date,
    config: &'d AdvisorConfig,
    words: Words,
    /// By organization: whether it is a partner or distributor. Sized by the number of
    /// organizations, never by an identifier's value (EV004).
    sellers: IdTable<bool>,
    /// Scratch buffers reused from one account to the next.
    admins: Vec<UserId>,
    partner_bindings: Vec<(OrgId, Binding)>,
    /// The Customer accounts in increasing order, so an account's position is its dense index
    /// for BP001, and the union-find parent of each position.
    customers: Vec<SaId>,
    parent: Vec<u32>,
    /// By organization: the position of its first Customer account.
    first_of_org: HashMap<OrgId, u32>,
    /// The holding accounts, by owner (BP008).
    holdings: Vec<(OrgId, SaId)>,
}

/// Adds one piece of advice about account `sa`.
fn add_advice(
    out: &mut Vec<Advice>,
    sa: SaId,
    rule: RuleId,
    severity: Severity,
    subject: Subject,
    message: String,
    fix: String,
) {
    out.push(Advice {
        account: Some(sa),
        rule,
        severity,
        subject,
        message,
        fix,
    });
}

impl<'d> Advisor<'d> {
    fn new(dir: &'d Directory, scope: Scope, on: Date, config: &'d AdvisorConfig) -> Advisor<'d> {
        let mut sellers = IdTable::default();
        for org in dir.organizations() {
            sellers.set(org.id.get(), org.kind.is_seller());
        }
        Advisor {
            dir,
            scope,
            on,
            config,
            words: Words::new(config),
            sellers,
            admins: Vec::new(),
            partner_bindings: Vec::new(),
            customers: Vec::new(),
            parent: Vec::new(),
            first_of_org: HashMap::new(),
            holdings: Vec::new(),
        }
    }

    /// Records what the directory-wide rules need of every account: Customer accounts of one
    /// owner are one company (BP001); holding accounts by owner (BP008).
    fn note(&mut self, account: &SmartAccount) {
        match account.kind {
            AccountKind::Customer => {
                // Accounts come in increasing order: positions keep it, so the lowest account
                // of a company stays its root.
                let Ok(position) = u32::try_from(self.customers.len()) else {
                    return;
                };
                self.customers.push(account.id);
                self.parent.push(position);
                match self.first_of_org.get(&account.owner) {
                    Some(first) => union(&mut self.parent, *first, position),
                    None => {
                        self.first_of_org.insert(account.owner, position);
                    }
                }
            }
            AccountKind::PartnerHolding => self.holdings.push((account.owner, account.id)),
            AccountKind::LimitedUse => {}
        }
    }

    /// The partner organization of `user` on `account`, if the user is a partner user there.
    fn partner_org(&self, user: UserId, account: &SmartAccount) -> Option<OrgId> {
        if account.kind == AccountKind::PartnerHolding {
            return None;
        }
        let (org, _) = self.dir.org_of(user)?;
        (org != account.owner && *self.sellers.get(org.get())).then_some(org)
    }

    fn user_name(&self, user: UserId) -> String {
        self.dir.user(user).map_or_else(
            || user.to_string(),
            |u| {
                u.cco_id
                    .as_deref()
                    .map_or_else(|| u.email.to_string(), str::to_owned)
            },
        )
    }

    fn org_name(&self, org: OrgId) -> &str {
        self.dir
            .orgs
            .get(&org)
            .map_or("an unknown organization", |o| o.name.as_str())
    }

    fn va_name(account: &SmartAccount, va: VaId) -> String {
        account
            .va(va)
            .map_or_else(|| va.to_string(), |v| v.name().to_owned())
    }

    fn account(&mut self, account: &SmartAccount, out: &mut Vec<Advice>) {
        self.contact(account, out);
        self.vas(account, out);
        self.roles(account, out);
        self.licenses(account, out);
        self.lapsed_requests(account, out);
    }

    /// BP002: the authorised contact (who created the account, or activated it and became its
    /// first SA Admin, ROLE008) is a team alias.
    fn contact(&self, account: &SmartAccount, out: &mut Vec<Advice>) {
        let contact = account.contact;
        if self.dir.org_of(contact).is_some_and(|(_, alias)| alias) {
            add_advice(
                out,
                account.id,
                RuleId::BP002,
                Severity::Warning,
                Subject::User(contact),
                format!(
                    "the team alias `{}` created `{}` and is its authorised contact; accountability needs a person",
                    self.user_name(contact),
                    account.name
                ),
                "make an individual SA Admin and the authorised contact, and keep the alias as an SA Viewer at most".to_owned(),
            );
        }
    }

    /// BP003 (telling VA names) and BP009 (a deep tree): one pass over the Virtual Accounts.
    fn vas(&self, account: &SmartAccount, out: &mut Vec<Advice>) {
        let mut deepest: Option<(usize, VaId)> = None;
        for va in account.vas() {
            if let Some(word) = self.words.find(va.name()) {
                let restricted = if va.visibility() == Visibility::Restricted {
                    " (restricted, but still shown to partners who name it)"
                } else {
                    ""
                };
                add_advice(
                    out,
                    account.id,
                    RuleId::BP003,
                    Severity::Warning,
                    Subject::Va(va.id()),
                    format!(
                        "the virtual account name `{}` contains `{word}`; names are visible to partners{restricted}",
                        va.name()
                    ),
                    format!(
                        "rename `{}` to a neutral name, e.g. by region or department",
                        va.name()
                    ),
                );
            }
            let level = va.level();
            if deepest.is_none_or(|(l, _)| level > l) {
                deepest = Some((level, va.id()));
            }
        }
        if let Some((level, va)) = deepest.filter(|(l, _)| *l >= self.config.depth_warning_level) {
            let severity = if level >= crate::MAX_LEVEL {
                Severity::Warning
            } else {
                Severity::Info
            };
            let name = Self::va_name(account, va);
            add_advice(
                out,
                account.id,
                RuleId::BP009,
                severity,
                Subject::Va(va),
                format!(
                    "`{name}` sits at level {level}; virtual accounts nest at most {} levels deep",
                    crate::MAX_LEVEL
                ),
                format!(
                    "flatten the tree above `{name}`: move its branch up a level or merge intermediate virtual accounts"
                ),
            );
        }
    }

    /// One pass over the role bindings: PTR005 (expired roles), BP004 (too many SA Admins) and
    /// the partners' roles (BP005, BP006).
    fn roles(&mut self, account: &SmartAccount, out: &mut Vec<Advice>) {
        let sa = account.id;
        let mut admins = std::mem::take(&mut self.admins);
        let mut partners = std::mem::take(&mut self.partner_bindings);
        admins.clear();
        partners.clear();
        for b in account.roles() {
            let in_force = b.in_force_on(self.on);
            if !in_force {
                add_advice(
                    out,
                    account.id,
                    RuleId::PTR005,
                    Severity::Info,
                    Subject::User(b.user),
                    format!(
                        "the {} role of `{}` on `{}` expired on {}",
                        b.role,
                        self.user_name(b.user),
                        self.place(account, b.va),
                        b.expires.map_or_else(String::new, |d| d.to_string())
                    ),
                    format!(
                        "revoke the expired role of `{}` to keep the account's roles readable",
                        self.user_name(b.user)
                    ),
                );
                continue;
            }
            if b.role == Role::SaAdmin {
                admins.push(b.user);
            }
            if let Some(org) = self.partner_org(b.user, account) {
                partners.push((org, *b));
            }
        }
        if admins.len() > self.config.max_sa_admins {
            let names: Vec<String> = admins
                .iter()
                .map(|u| format!("`{}`", self.user_name(*u)))
                .collect();
            add_advice(
                out,
                account.id,
                RuleId::BP004,
                Severity::Warning,
                Subject::Account(sa),
                format!(
                    "`{}` has {} SA Admins ({}); at most {} are recommended",
                    account.name,
                    admins.len(),
                    names.join(", "),
                    self.config.max_sa_admins
                ),
                format!(
                    "change {} of them to SA User, or to VA Admin on the virtual accounts they manage",
                    admins.len() - self.config.max_sa_admins
                ),
            );
        }
        if !partners.is_empty() {
            self.partners(account, &partners, out);
        }
        self.admins = admins;
        self.partner_bindings = partners;
    }

    /// PTR005: requests nobody answered in time.
    fn lapsed_requests(&self, account: &SmartAccount, out: &mut Vec<Advice>) {
        let sa = account.id;
        let lapse = self.dir.config().partner_request_lapse_days;
        for r in account.access_requests() {
            if r.status == RequestStatus::Pending && !r.is_open_on(self.on, lapse) {
                out.push(Advice {
                    account: Some(sa),
                    rule: RuleId::PTR005,
                    severity: Severity::Info,
                    subject: Subject::User(r.user),
                    message: format!(
                        "the request {} of `{}` for {} on `{}` lapsed on {} unanswered",
                        r.id,
                        self.user_name(r.user),
                        r.role,
                        self.place(account, r.va),
                        r.lapses_on(lapse)
                    ),
                    fix: format!(
                        "reject request {} so the partner knows, and let it ask again if still needed",
                        r.id
                    ),
                });
            }
        }
    }

    /// BP007: licenses left in the default Virtual Account while others exist; BP008:
    /// licenses aging in a holding account.
    fn licenses(&self, account: &SmartAccount, out: &mut Vec<Advice>) {
        let sa = account.id;
        if account.va_count() > 1 {
            let default = account.default_va;
            let (mut types, mut purchased, mut available) = (0usize, 0u64, 0u64);
            for row in account
                .compliance()
                .filter(|c| c.va == default && c.purchased > 0)
            {
                types += 1;
                purchased = purchased.saturating_add(row.purchased);
                available = available.saturating_add(row.available);
            }
            if purchased > 0 {
                let name = Self::va_name(account, default);
                out.push(Advice {
                    account: Some(sa),
                    rule: RuleId::BP007,
                    severity: Severity::Warning,
                    subject: Subject::Va(default),
                    message: format!(
                        "the default virtual account `{name}` holds {purchased} licenses of {types} type(s), {available} available, while `{}` has {} other virtual accounts",
                        account.name,
                        account.va_count() - 1
                    ),
                    fix: format!(
                        "transfer the licenses of `{name}` to the virtual accounts whose devices use them, and name a virtual account on orders so deposits land there"
                    ),
                });
            }
        }
        let lots = account.holding_lots();
        if lots.is_empty() {
            return;
        }
        let limit = i64::from(self.config.holding_age_days);
        let (mut count, mut quantity, mut oldest) = (
            0usize,
            0u64,
            None::<(i64, &crate::licenses::license::HoldingLot)>,
        );
        for lot in lots {
            let age = days_between(lot.since, self.on);
            if age > limit {
                count += 1;
                quantity = quantity.saturating_add(lot.quantity);
                if oldest.is_none_or(|(a, _)| age > a) {
                    oldest = Some((age, lot));
                }
            }
        }
        if let Some((age, lot)) = oldest {
            out.push(Advice {
                account: Some(sa),
                rule: RuleId::BP008,
                severity: Severity::Warning,
                subject: Subject::Account(sa),
                message: format!(
                    "{quantity} licenses in {count} lot(s) have waited in holding account `{}` longer than {limit} days; the oldest, {} x {}, since {} ({age} days)",
                    account.name, lot.quantity, lot.license, lot.since
                ),
                fix: format!(
                    "assign the waiting licenses to the end customers' smart accounts (AssignFromHolding), starting with {} x {}",
                    lot.quantity, lot.license
                ),
            });
        }
    }

    fn place(&self, account: &SmartAccount, va: Option<VaId>) -> String {
        match va {
            None => account.name.clone(),
            Some(va) => Self::va_name(account, va),
        }
    }

    /// BP005 and BP006 for one account's partner bindings (in force).
    fn partners(
        &self,
        account: &SmartAccount,
        partners: &[(OrgId, Binding)],
        out: &mut Vec<Advice>,
    ) {
        self.partner_account_roles(account, partners, out);
        // BP005: two partner organizations on one virtual account.
        let first = partners.first().map(|(o, _)| *o);
        if partners
            .iter()
            .any(|(o, b)| Some(*o) != first && b.va.is_some())
            || partners.iter().filter(|(_, b)| b.va.is_some()).count() > 1
        {
            self.shared_vas(account, partners, out);
        }
        self.unreviewed(account, partners, out);
    }

    /// BP005: account roles held by partner users, with the VA role that would do instead.
    fn partner_account_roles(
        &self,
        account: &SmartAccount,
        partners: &[(OrgId, Binding)],
        out: &mut Vec<Advice>,
    ) {
        let sa = account.id;
        for (org, b) in partners.iter().filter(|(_, b)| b.va.is_none()) {
            let user = self.user_name(b.user);
            let va_role = match b.role {
                Role::SaAdmin => Some(Role::VaAdmin),
                Role::SaUser => Some(Role::VaUser),
                Role::SaViewer => Some(Role::VaViewer),
                _ => None,
            };
            let fix = match va_role {
                Some(va_role) => {
                    let place = match self.own_va(account, *org, partners) {
                        Some(va) => format!("`{}`", Self::va_name(account, va)),
                        None => format!(
                            "a virtual account of its own (create `{}`)",
                            self.org_name(*org)
                        ),
                    };
                    format!("replace {} with {va_role} on {place} for `{user}`", b.role)
                }
                None => format!(
                    "remove the {} role of `{user}`; accepting agreements is the customer's decision",
                    b.role
                ),
            };
            out.push(Advice {
                account: Some(sa),
                rule: RuleId::BP005,
                severity: if b.role == Role::SaAdmin {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                subject: Subject::User(b.user),
                message: format!(
                    "the partner user `{user}` of `{}` holds {} on all of `{}`",
                    self.org_name(*org),
                    b.role,
                    account.name
                ),
                fix,
            });
        }
    }

    /// BP006: partner access not reviewed for longer than the review period. Nothing here is
    /// older than the account.
    fn unreviewed(
        &self,
        account: &SmartAccount,
        partners: &[(OrgId, Binding)],
        out: &mut Vec<Advice>,
    ) {
        let sa = account.id;
        let period = i64::from(self.config.review_period_days);
        if days_between(utc_date(account.created_at), self.on) <= period {
            return;
        }
        let mut orgs: Vec<OrgId> = partners.iter().map(|(o, _)| *o).collect();
        orgs.sort_unstable();
        orgs.dedup();
        for org in orgs {
            let reviewed = account
                .access_reviews()
                .iter()
                .filter(|r| r.org.is_none_or(|o| o == org))
                .map(|r| r.at)
                .chain(account.access_requests().filter_map(|r| match r.status {
                    RequestStatus::Approved { at, .. } if r.org == org => Some(at),
                    _ => None,
                }))
                .max();
            let since = reviewed.or_else(|| self.access_start(account, org, partners));
            let since_date = utc_date(since.unwrap_or(account.created_at));
            let days = days_between(since_date, self.on);
            if days > period {
                let what = if reviewed.is_some() {
                    format!("last reviewed on {since_date}")
                } else {
                    format!("never reviewed since {since_date}")
                };
                out.push(Advice {
                    account: Some(sa),
                    rule: RuleId::BP006,
                    severity: Severity::Warning,
                    subject: Subject::Organization(org),
                    message: format!(
                        "the access of partner `{}` to `{}` was {what}, {days} days ago (the period is {} days)",
                        self.org_name(org),
                        account.name,
                        self.config.review_period_days
                    ),
                    fix: format!(
                        "review what `{}` may do on `{}` (partner_access), revoke what is no longer needed, and record the review (ReviewPartnerAccess)",
                        self.org_name(org),
                        account.name
                    ),
                });
            }
        }
    }

    /// When the organization's current access started, from the account's log: the earliest
    /// assignment among its bindings in force.
    fn access_start(
        &self,
        account: &SmartAccount,
        org: OrgId,
        partners: &[(OrgId, Binding)],
    ) -> Option<jiff::Timestamp> {
        let log = self.dir.log_of(account.id)?;
        partners
            .iter()
            .filter(|(o, _)| *o == org)
            .filter_map(|(_, b)| {
                log.iter()
                    .rev()
                    .find(|(_, _, change)| change.role_assigned() == Some((b.user, b.va)))
                    .map(|(_, head, _)| head.at)
            })
            .min()
    }

    /// A Virtual Account where only this organization's partner users hold roles, if any.
    fn own_va(
        &self,
        account: &SmartAccount,
        org: OrgId,
        partners: &[(OrgId, Binding)],
    ) -> Option<VaId> {
        partners
            .iter()
            .filter(|(o, b)| *o == org && b.va.is_some())
            .filter_map(|(_, b)| b.va)
            .find(|va| partners.iter().all(|(o, b)| *o == org || b.va != Some(*va)))
            .or_else(|| {
                // A Virtual Account the partner created itself, from the log.
                let log = self.dir.log_of(account.id)?;
                log.iter().find_map(
                    |(_, head, change)| match (change.va_created(), &head.actor) {
                        (Some(va), RecordedActor::User { org: by, .. })
                            if *by == org
                                && account.va(va).is_some()
                                && partners.iter().all(|(o, b)| *o == org || b.va != Some(va)) =>
                        {
                            Some(va)
                        }
                        _ => None,
                    },
                )
            })
            .or_else(|| account.va_by_name(self.org_name(org)).map(|v| v.id()))
    }

    /// BP005: Virtual Accounts covered by Virtual Account roles of two or more partner
    /// organizations, reported where one of them is bound.
    fn shared_vas(
        &self,
        account: &SmartAccount,
        partners: &[(OrgId, Binding)],
        out: &mut Vec<Advice>,
    ) {
        let mut covering: BTreeMap<VaId, Vec<OrgId>> = BTreeMap::new();
        for (org, b) in partners {
            let Some(bound) = b.va else { continue };
            let reach = if b.inheritance == crate::Inheritance::AccountAndChildren {
                account.subtree(bound)
            } else {
                vec![bound]
            };
            for va in reach {
                covering.entry(va).or_default().push(*org);
            }
        }
        for (va, mut orgs) in covering {
            orgs.sort_unstable();
            orgs.dedup();
            let bound_here = partners.iter().any(|(_, b)| b.va == Some(va));
            if orgs.len() < 2 || !bound_here {
                continue;
            }
            let names: Vec<String> = orgs
                .iter()
                .map(|o| format!("`{}`", self.org_name(*o)))
                .collect();
            let name = Self::va_name(account, va);
            out.push(Advice {
                account: Some(account.id),
                rule: RuleId::BP005,
                severity: Severity::Warning,
                subject: Subject::Va(va),
                message: format!(
                    "the partner organizations {} share the virtual account `{name}`",
                    names.join(" and ")
                ),
                fix: format!(
                    "give each partner a virtual account of its own below `{name}` and move its roles there"
                ),
            });
        }
    }

    /// BP001: Customer Smart Accounts of one company: one owner organization, or one domain and
    /// its prefixed forms. Union-find over dense tables indexed by account and organization.
    fn companies(&mut self, out: &mut Vec<Advice>) {
        let dir = self.dir;
        let mut parent = std::mem::take(&mut self.parent);
        let customers = std::mem::take(&mut self.customers);
        let position = |sa: &SaId| {
            customers
                .binary_search(sa)
                .ok()
                .and_then(|p| u32::try_from(p).ok())
        };
        // Domains and their prefixed forms are neighbours in the sorted domain index.
        let mut stack: Vec<(&str, u32)> = Vec::new();
        for (key, sa) in dir.domain_index() {
            let Some(here) = position(sa) else {
                continue;
            };
            while stack.last().is_some_and(|(k, _)| !key.starts_with(k)) {
                stack.pop();
            }
            if let Some((_, root)) = stack.first() {
                union(&mut parent, *root, here);
            }
            stack.push((key, here));
        }
        let mut size = vec![0u32; customers.len()];
        for index in 0..customers.len() {
            let root = find(&mut parent, u32::try_from(index).unwrap_or(0));
            if let Some(n) = size.get_mut(root as usize) {
                *n += 1;
            }
        }
        let max = self.config.max_accounts_per_company;
        let mut groups: BTreeMap<u32, Vec<SaId>> = BTreeMap::new();
        for (index, sa) in customers.iter().enumerate() {
            let root = find(&mut parent, u32::try_from(index).unwrap_or(0));
            if size.get(root as usize).is_some_and(|n| *n as usize > max) {
                groups.entry(root).or_default().push(*sa);
            }
        }
        for members in groups.values() {
            if let Scope::Account(sa) = self.scope
                && !members.contains(&sa)
            {
                continue;
            }
            let Some(first) = members.first().copied() else {
                continue;
            };
            let names: Vec<String> = members
                .iter()
                .take(10)
                .filter_map(|sa| dir.account(*sa))
                .map(|a| match &a.identifier {
                    Identifier::Domain(d) => format!("`{d}`"),
                    Identifier::Email(e) => format!("`{e}`"),
                })
                .collect();
            let more = members.len().saturating_sub(10);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            out.push(Advice {
                account: Some(first),
                rule: RuleId::BP001,
                severity: Severity::Warning,
                subject: Subject::Account(first),
                message: format!(
                    "one company has {} customer smart accounts: {}{more}; at most {max} recommended",
                    members.len(),
                    names.join(", "),
                ),
                fix: "keep one smart account per company and use virtual accounts for its divisions; use a prefixed domain only for an independent entity".to_owned(),
            });
        }
    }

    /// BP008: partners and distributors with several holding accounts, or with none.
    fn holding_accounts(&self, out: &mut Vec<Advice>) {
        let mut by_org: BTreeMap<OrgId, Vec<SaId>> = BTreeMap::new();
        for (org, sa) in &self.holdings {
            by_org.entry(*org).or_default().push(*sa);
        }
        if self.scope == Scope::All {
            self.without_holding_account(&by_org, out);
        }
        for (org, holdings) in by_org {
            if holdings.len() <= self.config.max_holding_accounts {
                continue;
            }
            if let Scope::Account(sa) = self.scope
                && !holdings.contains(&sa)
            {
                continue;
            }
            let names: Vec<String> = holdings
                .iter()
                .filter_map(|sa| self.dir.account(*sa))
                .map(|a| format!("`{}`", a.identifier))
                .collect();
            out.push(Advice {
                account: None,
                rule: RuleId::BP008,
                severity: Severity::Warning,
                subject: Subject::Organization(org),
                message: format!(
                    "`{}` has {} holding accounts ({}); one is recommended",
                    self.org_name(org),
                    holdings.len(),
                    names.join(", ")
                ),
                fix: "keep one holding account and use its virtual accounts for regions; move licenses out of the others and stop ordering into them".to_owned(),
            });
        }
    }
}

impl Advisor<'_> {
    /// BP008 (seeds 001, 003): every partner and distributor needs a holding account, where
    /// orders wait until the customer's Smart Account is known; one without any cannot park an
    /// order. Organization-wide advice, given only for the whole directory.
    fn without_holding_account(&self, by_org: &BTreeMap<OrgId, Vec<SaId>>, out: &mut Vec<Advice>) {
        for org in self.dir.organizations() {
            if !org.kind.is_seller() || by_org.contains_key(&org.id) {
                continue;
            }
            out.push(Advice {
                account: None,
                rule: RuleId::BP008,
                severity: Severity::Warning,
                subject: Subject::Organization(org.id),
                message: format!(
                    "`{}` sells licenses but has no partner holding account: its orders cannot wait for the customer's smart account",
                    org.name
                ),
                fix: "request a partner holding account for the organization (Command::RequestAccount with AccountKind::PartnerHolding)".to_owned(),
            });
        }
    }
}

/// The root of `x` in a union-find forest, compressing the path.
fn find(parent: &mut [u32], x: u32) -> u32 {
    let mut root = x;
    while let Some(p) = parent.get(root as usize).copied().filter(|p| *p != root) {
        root = p;
    }
    let mut cursor = x;
    while let Some(slot) = parent.get_mut(cursor as usize) {
        if *slot == root {
            break;
        }
        let next = *slot;
        *slot = root;
        cursor = next;
    }
    root
}

/// Joins the sets of `a` and `b`; the smaller root (the lowest account) stays the root.
fn union(parent: &mut [u32], a: u32, b: u32) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if let Some(slot) = parent.get_mut(ra.max(rb) as usize) {
        *slot = ra.min(rb);
    }
}
