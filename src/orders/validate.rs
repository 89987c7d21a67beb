//! The quote and order validator: one call that says whether a quote can be submitted, an
//! order placed or changed, and lists every finding, line by line (Q001–Q010).
//!
//! [`validate()`] reads the [`Directory`] and never changes it. It never stops at the first
//! problem and never fails on content: every problem, including malformed content, is a
//! [`Finding`] (Q008). Findings come in a stable order: quote-wide findings first, then the
//! lines in quote order; within the quote-wide ones and within one line by rule ID (catalog
//! order), then in the order the checks ran.
//!
//! # Severities and verdicts
//!
//! An **error** blocks the stage; a **warning** asks a person to look (it never blocks); an
//! **info** explains. The [`Verdict`] is [`Verdict::Blocked`] when there is an error, else
//! [`Verdict::AllowedOnHold`] when an order (placement or change) has a line that only
//! initiates an assignment or names a Pending account (Q006), else [`Verdict::Allowed`]. On
//! hold counts as allowed: the order is accepted and waits for an Active account.
//!
//! | rule | submit | order, change |
//! | --- | --- | --- |
//! | Q001 unassigned Smart-Account-required line | info "Smart Account Required" | error "Smart Account Required" |
//! | Q004 policy calendar on unassigned required lines | warning or error, as the calendar says | — |
//! | Q005 end customer's country exempt | info | — |
//! | Q002, Q003, PTR004, SA003–SA005 bad assignment or party | error | error |
//! | Q006 Pending account or only initiated | info | warning, verdict on hold |
//! | Q007 lost or misdelivered licenses | warning | warning |
//! | Q008 malformed content | error | error |
//! | Q009 booked line's assignment changed | error | error |
//!
//! Q010: a Restricted Virtual Account named by anything but its exact name gets exactly the
//! finding a Virtual Account that does not exist gets (rule Q003, "not found"), and no other
//! finding mentions or counts Restricted Virtual Accounts.
//!
//! # What each line resolved to
//!
//! [`Report::lines`] has one [`LineResolution`] per quote line, in quote order (the `i`-th is
//! the quote's `lines[i]`; no line identifier is copied, which keeps long quotes cheap): the Smart
//! Account and Virtual Account its effective assignment resolved to (identifiers; the names are
//! in [`Report::accounts`] and [`Report::vas`], each account and Virtual Account once) and
//! whether the line holds the order (Q006). An ordering system need not re-derive either.
//!
//! # Finding codes
//!
//! Every [`Finding`] carries a stable [`FindingCode`]: its rule plus a sub-code. A code keeps its
//! meaning across releases; the severity of some codes depends on the stage (table above).
//! The table below is `docs/FINDINGS.md`, generated from [`FindingCode::ALL`].
#![doc = include_str!("../../docs/FINDINGS.md")]

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use jiff::civil::Date;

use crate::accounts::account::SmartAccount;
use crate::accounts::kinds::{AccountKind, AccountStatus, Identifier, Visibility};
use crate::base::hash::WordHasher;
use crate::base::ids::{SaId, VaId};
use crate::base::limits::clip;
use crate::base::text::Domain;
use crate::directory::Directory;
use crate::directory::people::OrgKind;
pub use crate::orders::codes::{FindingCode, UnknownCodeError};
use crate::orders::policy::{PolicyAction, PolicyCalendar};
use crate::orders::quote::{
    Assignment, Contact, DealKind, LicenseKind, Line, LineId, Quote, SaRef, SaRequirement, Term,
    VaRef,
};
use crate::rules::RuleId;

/// What the caller is about to do with the quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Stage {
    /// Quote submission: the policy calendar applies (Q004, Q005).
    Submit,
    /// Order placement: every Smart-Account-required line needs an assignment (Q001).
    Order,
    /// A change to an order after booking: as order placement, and booked lines keep their
    /// assignment (Q009).
    Change,
}

impl Stage {
    /// Every stage.
    pub const ALL: [Stage; 3] = [Stage::Submit, Stage::Order, Stage::Change];

    fn is_order(self) -> bool {
        matches!(self, Stage::Order | Stage::Change)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Submit => "quote submission",
            Stage::Order => "order placement",
            Stage::Change => "change after booking",
        })
    }
}

/// The error of parsing a [`Stage`] from text other than `submit`, `order` or `change`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Q008: `{0}` is not a stage; use submit, order or change")]
pub struct UnknownStageError(String);

impl FromStr for Stage {
    type Err = UnknownStageError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "submit" => Ok(Stage::Submit),
            "order" => Ok(Stage::Order),
            "change" => Ok(Stage::Change),
            other => Err(UnknownStageError(clip(other))),
        }
    }
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Severity {
    /// Explains; needs nothing.
    Info,
    /// Asks a person to check; never blocks.
    Warning,
    /// Blocks the stage.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// The answer for the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Verdict {
    /// Go ahead.
    Allowed,
    /// Not until the errors are fixed.
    Blocked,
    /// The order is accepted and put on Smart Account Hold until an Active account is assigned
    /// (Q006). Counts as allowed.
    AllowedOnHold,
}

impl Verdict {
    /// Whether the stage may go ahead (on hold included).
    #[must_use]
    pub fn is_allowed(self) -> bool {
        !matches!(self, Verdict::Blocked)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Allowed => "allowed",
            Verdict::Blocked => "blocked",
            Verdict::AllowedOnHold => "allowed on Smart Account Hold",
        })
    }
}

/// One problem or remark.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Finding {
    /// The rule it comes from.
    pub rule: RuleId,
    /// The stable code of this kind of finding: the rule plus a sub-code, e.g.
    /// `Q007.default-va` (see [`FindingCode`]).
    pub code: FindingCode,
    /// Error, warning or info.
    pub severity: Severity,
    /// The line, or `None` for the quote as a whole.
    pub line: Option<LineId>,
    /// What is wrong and what to do, for a person.
    pub message: Message,
}

/// The text of a finding. Fixed texts are not copied, and a text shared by many lines (the same
/// account on each) is built once per report: findings stay cheap on quotes of thousands of
/// lines. Reads as a `str`.
#[derive(Clone)]
pub struct Message(Text);

#[derive(Clone)]
enum Text {
    Fixed(&'static str),
    Shared(Arc<str>),
}

impl Message {
    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Text::Fixed(s) => s,
            Text::Shared(s) => s,
        }
    }
}

impl std::ops::Deref for Message {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&'static str> for Message {
    fn from(value: &'static str) -> Self {
        Message(Text::Fixed(value))
    }
}

impl From<String> for Message {
    fn from(value: String) -> Self {
        Message(Text::Shared(Arc::from(value)))
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for Message {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for Message {}
impl PartialEq<str> for Message {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}
impl PartialEq<&str> for Message {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}
impl PartialOrd for Message {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Message {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}
impl std::hash::Hash for Message {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Message {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Message {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Message::from)
    }
}

#[cfg(feature = "schemars")]
crate::base::schema::schema!(Message, "Message", {"type": "string", "description": "A text for people."});

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.line {
            Some(line) => write!(
                f,
                "{} {} line {}: {}",
                self.severity, self.rule, line, self.message
            ),
            None => write!(f, "{} {} quote: {}", self.severity, self.rule, self.message),
        }
    }
}

/// How many findings of each severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Counts {
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Infos.
    pub infos: usize,
}

/// What one quote line resolved to: the Smart Account and Virtual Account its effective
/// assignment names (their names are in [`Report::accounts`] and [`Report::vas`]) and whether
/// it holds the order. [`Report::lines`] has one per quote line, in quote order: the `i`-th
/// is the quote's `lines[i]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct LineResolution {
    /// The existing Smart Account the line is assigned to, when it names one that was found;
    /// `None` for an unassigned line, a request for a new account, a delegation or an account
    /// that does not exist (Q003).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub sa: Option<SaId>,
    /// The Virtual Account the licenses go to: the named one, or the account's default one when
    /// none is named; `None` when there is no account or the named one is not found (Q003,
    /// Q010).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub va: Option<VaId>,
    /// Whether the line puts the order on Smart Account Hold (Q006): an order (placement or
    /// change) whose line only initiates an assignment or names a Pending account. Always
    /// `false` at submission.
    pub hold: bool,
}

/// A Smart Account that a line of the report resolved to, with its names for people.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct AccountName {
    /// The account.
    pub id: SaId,
    /// Its name (`Acme`).
    pub name: String,
    /// Its domain identifier (`acme.com`), or the email of a Limited Use account.
    pub identifier: String,
}

/// A Virtual Account that a line of the report resolved to, with its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct VaName {
    /// The Virtual Account.
    pub id: VaId,
    /// The Smart Account it belongs to.
    pub sa: SaId,
    /// Its name (`EMEA`).
    pub name: String,
}

/// The result of [`validate()`]: the verdict for the stage, the counts and every finding.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Report {
    /// The stage validated.
    pub stage: Stage,
    /// The day validated for.
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::date")
    )]
    pub date: Date,
    /// The answer.
    pub verdict: Verdict,
    /// Findings by severity.
    pub counts: Counts,
    /// Every finding, in a stable order (see the [module docs](self)).
    pub findings: Vec<Finding>,
    /// Per quote line, in quote order (the `i`-th is the quote's `lines[i]`): the account and
    /// Virtual Account it resolved to and whether it holds the order.
    pub lines: Vec<LineResolution>,
    /// The Smart Accounts of [`Report::lines`], each once, by identifier.
    pub accounts: Vec<AccountName>,
    /// The Virtual Accounts of [`Report::lines`], each once, by identifier.
    pub vas: Vec<VaName>,
}

impl Report {
    /// Whether the stage may go ahead (on Smart Account Hold included).
    #[must_use]
    pub fn is_allowed(&self) -> bool {
        self.verdict.is_allowed()
    }

    /// The findings with one code.
    pub fn of_code(&self, code: FindingCode) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.code == code)
    }

    /// The names of a Smart Account of the report.
    #[must_use]
    pub fn account(&self, sa: SaId) -> Option<&AccountName> {
        self.accounts
            .binary_search_by_key(&sa, |a| a.id)
            .ok()
            .and_then(|at| self.accounts.get(at))
    }

    /// The name of a Virtual Account of the report.
    #[must_use]
    pub fn va(&self, va: VaId) -> Option<&VaName> {
        self.vas
            .binary_search_by_key(&va, |v| v.id)
            .ok()
            .and_then(|at| self.vas.get(at))
    }

    /// The findings of one rule.
    pub fn of_rule(&self, rule: RuleId) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.rule == rule)
    }

    /// The findings about one line.
    pub fn of_line<'a>(&'a self, line: &'a str) -> impl Iterator<Item = &'a Finding> {
        self.findings
            .iter()
            .filter(move |f| f.line.as_ref().is_some_and(|l| l.as_str() == line))
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }
}

impl fmt::Display for Report {
    /// A readable report: the verdict and counts, then one finding per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} on {}: {} ({} errors, {} warnings, {} infos)",
            self.stage,
            self.date,
            self.verdict,
            self.counts.errors,
            self.counts.warnings,
            self.counts.infos
        )?;
        for finding in &self.findings {
            writeln!(f, "  {finding}")?;
        }
        Ok(())
    }
}

/// Longest SKU, in characters.
const MAX_SKU: usize = 100;
/// Up to this many lines, duplicate line IDs and repeated assignments are found by scanning;
/// above it, through hash tables.
const SCAN: usize = 16;

/// A fast hasher for the short keys of one report (line IDs, assignments): multiply-rotate over
/// 8-byte words, keyed per report from the standard library's random state, so that crafted
/// line IDs cannot be aimed at collisions in advance.
#[derive(Clone, Copy)]
struct Keyed(u64);

impl Keyed {
    /// The fingerprint of a text: its length seeds the state, so no end marker is needed.
    fn text(self, text: &str) -> u64 {
        use std::hash::Hasher as _;
        let mut hasher = WordHasher::seeded(self.0 ^ text.len() as u64);
        hasher.write(text.as_bytes());
        hasher.finish()
    }

    /// The fingerprint of an assignment: the common case, an account with an optional VA, in
    /// as few steps as possible.
    fn assignment(self, assignment: &Assignment) -> u64 {
        use std::hash::{Hash as _, Hasher as _};
        let mut hasher = WordHasher::seeded(self.0);
        match assignment {
            Assignment::Account {
                sa: SaRef::Id(sa),
                va,
            } => {
                let sa = u64::from(sa.get());
                match va {
                    None => hasher.mix(sa),
                    Some(VaRef::Id(id)) => hasher.mix(sa | (u64::from(id.get()) << 32)),
                    Some(VaRef::Name(name)) => {
                        hasher.mix(sa | ((name.len() as u64) << 32) | (1 << 63));
                        hasher.write(name.as_bytes());
                    }
                }
            }
            other => {
                hasher.mix(u64::MAX);
                other.hash(&mut hasher);
            }
        }
        hasher.finish()
    }
}

fn keyed() -> Keyed {
    use std::hash::BuildHasher;
    Keyed(std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64) | 1)
}

/// What an assignment yields whatever line it is on: resolved once per report, however many
/// lines carry it.
struct Resolved {
    /// Where its findings are in [`Cache::findings`].
    findings: std::ops::Range<usize>,
    /// The assignment is a Partner Holding Account (a term subscription there is a warning).
    holding: bool,
    /// The order goes on Smart Account Hold (Q006).
    hold: bool,
    /// The account and Virtual Account it resolved to.
    sa: Option<SaId>,
    va: Option<VaId>,
}

/// The findings of the assignment being resolved, and its flags.
struct Out<'c> {
    findings: &'c mut Vec<(FindingCode, Severity, Message)>,
    holding: bool,
    hold: bool,
    /// The account and Virtual Account it resolved to.
    sa: Option<SaId>,
    va: Option<VaId>,
}

impl Out<'_> {
    fn add(&mut self, code: FindingCode, severity: Severity, message: impl Into<Message>) {
        self.findings.push((code, severity, message.into()));
    }
}

/// Open addressing over 64-bit fingerprints, for long quotes: the low bits pick the slot, which
/// keeps the high 32 bits and an index + 1 (0: empty), 8 bytes a slot so that the table of a
/// 1,000-line quote stays in the first-level cache. At most half full, so probes are short and
/// always end; a fingerprint match is confirmed by `same`.
struct FpTable {
    slots: Vec<(u32, u32)>,
    mask: usize,
}

impl FpTable {
    fn for_items(items: usize) -> FpTable {
        let size = items.saturating_mul(2).next_power_of_two().max(32);
        FpTable {
            slots: vec![(0, 0); size],
            mask: size - 1,
        }
    }

    /// The index of an item with fingerprint `fp` for which `same` holds; else records `new`
    /// under `fp` and returns `None`.
    fn find_or_insert(
        &mut self,
        fp: u64,
        new: u32,
        mut same: impl FnMut(u32) -> bool,
    ) -> Option<u32> {
        let high = (fp >> 32) as u32;
        let mut at = (fp as usize) & self.mask;
        for _ in 0..self.slots.len() {
            match self.slots.get_mut(at) {
                Some(slot) if slot.1 == 0 => {
                    *slot = (high, new.saturating_add(1));
                    return None;
                }
                Some(slot) if slot.0 == high && same(slot.1 - 1) => return Some(slot.1 - 1),
                _ => at = (at + 1) & self.mask,
            }
        }
        None
    }
}

/// The assignments of one quote, resolved.
struct Cache<'q> {
    entries: Vec<(&'q Assignment, Resolved)>,
    /// The findings of every resolved assignment, one after the other.
    findings: Vec<(FindingCode, Severity, Message)>,
    /// For long quotes, the entries by fingerprint.
    table: Option<(Keyed, FpTable)>,
}

impl<'q> Cache<'q> {
    /// The position of `assignment` in `entries`, resolving it first when it is new.
    fn entry(&mut self, cx: &mut Ctx<'_>, assignment: &'q Assignment) -> usize {
        let Cache {
            entries,
            findings,
            table,
        } = self;
        let found = match table {
            Some((keyed, table)) => {
                let next = u32::try_from(entries.len()).unwrap_or(u32::MAX);
                table
                    .find_or_insert(keyed.assignment(assignment), next, |i| {
                        entries
                            .get(i as usize)
                            .is_some_and(|(a, _)| *a == assignment)
                    })
                    .map(|i| i as usize)
            }
            None => entries.iter().position(|(a, _)| *a == assignment),
        };
        found.unwrap_or_else(|| {
            let resolved = resolve(cx, findings, assignment);
            entries.push((assignment, resolved));
            entries.len() - 1
        })
    }
}

struct Ctx<'a> {
    dir: &'a Directory,
    quote: &'a Quote,
    stage: Stage,
    findings: Vec<Finding>,
    hold: bool,
    /// Whether the end customer has an Active Customer account (looked up once, on demand).
    customer_active: Option<Option<SaId>>,
    /// The Q004 error text, built once.
    blocked_text: Option<Message>,
}

impl Ctx<'_> {
    fn push(&mut self, code: FindingCode, severity: Severity, line: &Line, message: Message) {
        if self.findings.len() == self.findings.capacity() && self.findings.len() < 64 {
            // Lines with findings tend to come in numbers: one allocation for a line each.
            self.findings.reserve(self.quote.lines.len().max(8));
        }
        self.findings.push(Finding {
            rule: code.rule(),
            code,
            severity,
            line: Some(line.id.clone()),
            message,
        });
    }

    fn quote_wide(&mut self, code: FindingCode, severity: Severity, message: impl Into<Message>) {
        self.findings.push(Finding {
            rule: code.rule(),
            code,
            severity,
            line: None,
            message: message.into(),
        });
    }

    fn customer_active(&mut self) -> Option<SaId> {
        if let Some(found) = self.customer_active {
            return found;
        }
        let dir = self.dir;
        let found = self.quote.end_customer.domain.as_ref().and_then(|domain| {
            dir.search_domain(domain.as_str()).into_iter().find(|sa| {
                dir.account(*sa).is_some_and(|a| {
                    a.kind() == AccountKind::Customer && a.status() == AccountStatus::Active
                })
            })
        });
        self.customer_active = Some(found);
        found
    }
}

/// Whether a text is empty or only whitespace (fast for the usual non-blank text).
#[inline]
fn blank(text: &str) -> bool {
    match text.as_bytes().first() {
        Some(b) if b.is_ascii_graphic() => false,
        _ => text.trim().is_empty(),
    }
}

/// A short name of an account for messages: `Acme (acme.com)`.
fn label(account: &SmartAccount) -> String {
    format!("{} ({})", clip(account.name()), account.identifier())
}

/// Whether two domains belong to one company: equal, or one a prefixed form of the other.
fn related(a: &Domain, b: &Domain) -> bool {
    a.is_within(b) || b.is_within(a)
}

/// Validates a quote or order for a stage on a day, under a policy calendar (Q001–Q010).
///
/// Never fails and never panics: every problem is a [`Finding`] of the [`Report`] (Q008).
///
/// # Examples
///
/// ```
/// use jiff::civil::date;
/// use smart_accounts::quote::{Assignment, Country, Deal, DealKind, EndCustomer, Line, Quote};
/// use smart_accounts::{Domain, PolicyCalendar, RuleId, Stage, Verdict, fixtures, validate};
///
/// let world = fixtures::world()?;
/// let mut quote = Quote {
///     deal: Deal { id: "D-1".into(), kind: DealKind::RnsdTransactional },
///     partner: world.partner.org,
///     distributor: None,
///     end_customer: EndCustomer {
///         name: "Acme".into(),
///         domain: Some(Domain::parse("acme.com")?),
///         country: Country::US,
///     },
///     lines: vec![Line::new("1.0", "C9300-NW-A-24", 2)],
/// };
/// let calendar = PolicyCalendar::default();
/// let report = validate(&world.dir, &quote, Stage::Order, date(2026, 3, 1), &calendar);
/// assert_eq!(report.verdict, Verdict::Blocked);
/// assert!(report.of_rule(RuleId::Q001).any(|f| f.message.contains("Smart Account Required")));
///
/// quote.lines[0].assignment = Some(Assignment::account(world.acme.sa, None));
/// let report = validate(&world.dir, &quote, Stage::Order, date(2026, 3, 1), &calendar);
/// assert!(report.is_allowed());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn validate(
    dir: &Directory,
    quote: &Quote,
    stage: Stage,
    day: Date,
    calendar: &PolicyCalendar,
) -> Report {
    let mut cx = Ctx {
        dir,
        quote,
        stage,
        findings: Vec::new(),
        hold: false,
        customer_active: None,
        blocked_text: None,
    };
    check_quote(&mut cx);
    let policy = policy_on(&mut cx, calendar, day);
    let many = quote.lines.len() > SCAN;
    let keyed = if many { keyed() } else { Keyed(1) };
    let mut ids = many.then(|| FpTable::for_items(quote.lines.len()));
    let mut cache = Cache {
        entries: Vec::new(),
        findings: Vec::new(),
        table: many.then(|| (keyed, FpTable::for_items(quote.lines.len()))),
    };
    let mut lines = Vec::with_capacity(quote.lines.len());
    for (i, line) in quote.lines.iter().enumerate() {
        let start = cx.findings.len();
        if repeated_id(quote, ids.as_mut().map(|ids| (keyed, ids)), i, line) {
            cx.push(
                FindingCode::Q008DuplicateLineId,
                Severity::Error,
                line,
                "another line has the same identifier; give every line its own".into(),
            );
        }
        check_line(&mut cx, line);
        let resolution = match line.effective_assignment() {
            None => {
                unassigned(&mut cx, line, policy);
                LineResolution::default()
            }
            Some(assignment) => assigned(&mut cx, &mut cache, line, assignment),
        };
        lines.push(resolution);
        if let Some(tail) = cx.findings.get_mut(start..)
            && !tail.is_sorted_by_key(|f| f.rule)
        {
            tail.sort_by_key(|f| f.rule);
        }
    }
    let (accounts, vas) = names(dir, &cache);
    let mut report = report(cx, day);
    report.lines = lines;
    report.accounts = accounts;
    report.vas = vas;
    report
}

/// The names of the accounts and Virtual Accounts the assignments resolved to, each once, by
/// identifier: the identifiers of the distinct assignments are sorted and deduplicated first,
/// so a name is copied once per account or Virtual Account, never per line.
fn names(dir: &Directory, cache: &Cache<'_>) -> (Vec<AccountName>, Vec<VaName>) {
    let mut ids: Vec<(SaId, Option<VaId>)> = cache
        .entries
        .iter()
        .filter_map(|(_, r)| r.sa.map(|sa| (sa, r.va)))
        .collect();
    if ids.len() > 1 && !ids.is_sorted() {
        ids.sort_unstable();
    }
    ids.dedup();
    let mut accounts: Vec<AccountName> = Vec::new();
    let mut vas = Vec::new();
    for (sa, va) in ids {
        let Some(account) = dir.account(sa) else {
            continue;
        };
        if accounts.last().is_none_or(|a| a.id != sa) {
            let identifier = match account.identifier() {
                Identifier::Domain(domain) => domain.as_str(),
                Identifier::Email(email) => email.as_str(),
            };
            accounts.push(AccountName {
                id: sa,
                name: account.name().to_owned(),
                identifier: identifier.to_owned(),
            });
        }
        if let Some(va) = va.and_then(|va| account.va(va)) {
            vas.push(VaName {
                id: va.id(),
                sa,
                name: va.name().to_owned(),
            });
        }
    }
    // Virtual Account identifiers are unique across the directory; ordered by account above.
    if !vas.is_sorted_by_key(|v| v.id) {
        vas.sort_unstable_by_key(|v| v.id);
    }
    (accounts, vas)
}

/// Q004, Q005: what the Smart Account policy in force on `day` asks of unassigned lines at
/// submission (nothing at order time), noting an exemption once for the whole quote.
fn policy_on(cx: &mut Ctx<'_>, calendar: &PolicyCalendar, day: Date) -> PolicyAction {
    let (quote, stage) = (cx.quote, cx.stage);
    let requirement = calendar.requirement(day, &quote.deal.kind, quote.end_customer.country);
    if stage == Stage::Submit && requirement.exempted {
        cx.quote_wide(
            FindingCode::Q005ExemptCountry,
            Severity::Info,
            format!(
                "the end customer is in {}, which the Smart Account policy in force on {day} exempts; the lines are still checked at order time (Q001)",
                quote.end_customer.country
            ),
        );
    }
    cx.findings.sort_by_key(|f| f.rule);
    if stage == Stage::Submit {
        requirement.action
    } else {
        PolicyAction::None
    }
}

/// Q008: whether an earlier line of `quote` has the identifier of line `i`: by scanning a
/// short quote, through the fingerprint table of a long one.
fn repeated_id(quote: &Quote, ids: Option<(Keyed, &mut FpTable)>, i: usize, line: &Line) -> bool {
    match ids {
        Some((keyed, ids)) => {
            let at = u32::try_from(i).unwrap_or(u32::MAX);
            ids.find_or_insert(keyed.text(line.id.as_str()), at, |j| {
                quote.lines.get(j as usize).is_some_and(|l| l.id == line.id)
            })
            .is_some()
        }
        None => quote.lines.iter().take(i).any(|l| l.id == line.id),
    }
}

/// Q002, Q007 and the findings of the assignment (resolved once per report, however many
/// lines carry it) for one assigned line.
fn assigned<'q>(
    cx: &mut Ctx<'_>,
    cache: &mut Cache<'q>,
    line: &Line,
    assignment: &'q Assignment,
) -> LineResolution {
    let mut resolution = LineResolution::default();
    if line.requirement == SaRequirement::NotApplicable {
        cx.push(
            FindingCode::Q002NotApplicable,
            Severity::Info,
            line,
            "the product delivers nothing to a Smart Account; the assignment has no effect".into(),
        );
    }
    let at = cache.entry(cx, assignment);
    if let Some((_, resolved)) = cache.entries.get(at) {
        let found = cache.findings.get(resolved.findings.clone()).unwrap_or(&[]);
        for (code, severity, message) in found {
            cx.push(*code, *severity, line, message.clone());
        }
        cx.hold |= resolved.hold;
        resolution.sa = resolved.sa;
        resolution.va = resolved.va;
        resolution.hold = resolved.hold;
        if resolved.holding
            && let Term::Subscription { .. } = line.term
        {
            cx.push(
                FindingCode::Q007HoldingSubscription,
                Severity::Warning,
                line,
                "a term subscription goes to a holding account: its term starts when the line ships and runs while the licenses wait there (LIC007)".into(),
            );
        }
    }
    resolution
}

/// The report: the findings counted by severity, and the verdict they give at this stage.
fn report(cx: Ctx<'_>, day: Date) -> Report {
    let mut counts = Counts::default();
    for f in &cx.findings {
        match f.severity {
            Severity::Error => counts.errors += 1,
            Severity::Warning => counts.warnings += 1,
            Severity::Info => counts.infos += 1,
        }
    }
    let verdict = if counts.errors > 0 {
        Verdict::Blocked
    } else if cx.hold && cx.stage.is_order() {
        Verdict::AllowedOnHold
    } else {
        Verdict::Allowed
    };
    Report {
        stage: cx.stage,
        date: day,
        verdict,
        counts,
        findings: cx.findings,
        lines: Vec::new(),
        accounts: Vec::new(),
        vas: Vec::new(),
    }
}

/// Checks the parties and the shape of the quote as a whole.
fn check_quote(cx: &mut Ctx<'_>) {
    let quote = cx.quote;
    let dir = cx.dir;
    if quote.deal.id.trim().is_empty() {
        cx.quote_wide(
            FindingCode::Q008NoDealId,
            Severity::Error,
            "the deal has no identifier",
        );
    }
    if let DealKind::Other(name) = &quote.deal.kind
        && name.trim().is_empty()
    {
        cx.quote_wide(
            FindingCode::Q008NoDealKind,
            Severity::Error,
            "the deal kind has no name",
        );
    }
    if quote.end_customer.name.trim().is_empty() {
        cx.quote_wide(
            FindingCode::Q008NoCustomerName,
            Severity::Error,
            "the end customer has no name",
        );
    }
    if quote.lines.is_empty() {
        cx.quote_wide(
            FindingCode::Q008NoLines,
            Severity::Error,
            "the quote has no lines",
        );
    }
    match dir.organization(quote.partner) {
        None => cx.quote_wide(
            FindingCode::Q003UnknownPartner,
            Severity::Error,
            format!(
                "the quoting partner `{}` is no organization of the directory",
                quote.partner
            ),
        ),
        Some(org) if !org.kind.is_seller() => cx.quote_wide(
            FindingCode::Q003PartnerNotSeller,
            Severity::Error,
            format!(
                "the quoting partner `{}` ({}) is a customer, not a partner or distributor",
                quote.partner,
                clip(&org.name)
            ),
        ),
        Some(_) => {}
    }
    if let Some(distributor) = quote.distributor {
        match dir.organization(distributor) {
            None => cx.quote_wide(
                FindingCode::Ptr004UnknownDistributor,
                Severity::Error,
                format!("the distributor `{distributor}` is no organization of the directory"),
            ),
            Some(org) if org.kind != OrgKind::Distributor => cx.quote_wide(
                FindingCode::Ptr004NotDistributor,
                Severity::Error,
                format!(
                    "the distributor `{distributor}` ({}) is not a distributor organization",
                    clip(&org.name)
                ),
            ),
            Some(_) if distributor == quote.partner => cx.quote_wide(
                FindingCode::Ptr004DistributorIsPartner,
                Severity::Error,
                "the distributor and the quoting partner are the same organization; leave the distributor out for 1-tier selling",
            ),
            Some(_) => {}
        }
    }
}

/// The checks of a line that do not depend on its assignment: its shape (Q008) and Q009.
fn check_line(cx: &mut Ctx<'_>, line: &Line) {
    if blank(line.id.as_str()) {
        cx.push(
            FindingCode::Q008NoLineId,
            Severity::Error,
            line,
            "the line has no identifier".into(),
        );
    }
    if blank(&line.sku) {
        cx.push(
            FindingCode::Q008NoSku,
            Severity::Error,
            line,
            "the line has no SKU".into(),
        );
    } else if line.sku.len() > MAX_SKU && line.sku.chars().count() > MAX_SKU {
        cx.push(
            FindingCode::Q008SkuTooLong,
            Severity::Error,
            line,
            "the SKU is longer than 100 characters".into(),
        );
    }
    if line.quantity == 0 {
        cx.push(
            FindingCode::Q008ZeroQuantity,
            Severity::Error,
            line,
            "the quantity is 0; order at least 1".into(),
        );
    }
    if let Term::Subscription { months: 0 } = line.term {
        cx.push(
            FindingCode::Q008ZeroTerm,
            Severity::Error,
            line,
            "the subscription term is 0 months".into(),
        );
    }
    // Q009: a booked line keeps its assignment; only vendor support re-assigns (LIC004 b).
    if line.booked
        && let Some(new) = &line.new_assignment
        && line.assignment.as_ref() != Some(new)
    {
        cx.push(
                    FindingCode::Q009BookedChange,
                    Severity::Error,
                    line,
                    "the line is booked: its Smart Account assignment can no longer be changed by the partner; open a vendor support case to re-assign the licenses (LIC004)".into(),
                );
    }
}

fn unassigned(cx: &mut Ctx<'_>, line: &Line, policy: PolicyAction) {
    match line.requirement {
        SaRequirement::Mandatory => {
            if cx.stage.is_order() {
                cx.push(
                    FindingCode::Q001Unassigned,
                    Severity::Error,
                    line,
                    "Smart Account Required: assign the end customer's Smart Account (or a holding account), request a new one or delegate to the customer before placing the order".into(),
                );
            } else {
                cx.push(
                    FindingCode::Q001Unassigned,
                    Severity::Info,
                    line,
                    "Smart Account Required: the order cannot be placed until this line has a Smart Account assignment".into(),
                );
                match policy {
                    PolicyAction::None => {}
                    PolicyAction::Warn => cx.push(
                        FindingCode::Q004Monitored,
                        Severity::Warning,
                        line,
                        "the Smart Account policy monitors this quote: identify or initiate a Smart Account assignment (no impact on submission yet)".into(),
                    ),
                    PolicyAction::Block => {
                        let kind = &cx.quote.deal.kind;
                        let text = cx
                            .blocked_text
                            .get_or_insert_with(|| {
                                format!(
                                    "this {kind} deal cannot be submitted until the line has a Smart Account identified or initiated (request one or delegate to the customer)"
                                )
                                .into()
                            })
                            .clone();
                        cx.push(FindingCode::Q004Blocked, Severity::Error, line, text);
                    }
                }
            }
        }
        SaRequirement::Optional if cx.stage.is_order() && line.license == LicenseKind::Smart => {
            cx.push(
                FindingCode::Q001OptionalUnassigned,
                Severity::Info,
                line,
                "no Smart Account assigned: the Smart licenses will have to be assigned after delivery; assign the customer's account to deliver them directly".into(),
            );
        }
        SaRequirement::Optional | SaRequirement::NotApplicable => {}
    }
}

/// Everything an assignment yields, independent of the line it is on.
fn resolve(
    cx: &mut Ctx<'_>,
    findings: &mut Vec<(FindingCode, Severity, Message)>,
    assignment: &Assignment,
) -> Resolved {
    let start = findings.len();
    let mut out = Out {
        findings,
        holding: false,
        hold: false,
        sa: None,
        va: None,
    };
    match assignment {
        Assignment::Account { sa, va } => existing(cx, &mut out, sa, va.as_ref()),
        Assignment::NewAccount { domain, contact } => {
            new_account(cx, &mut out, domain.as_ref(), contact);
            initiated(
                cx,
                &mut out,
                FindingCode::Q006NewAccount,
                "a new Smart Account is only requested",
            );
        }
        Assignment::Delegate { contact } => {
            delegate(cx, &mut out, contact);
            initiated(
                cx,
                &mut out,
                FindingCode::Q006Delegated,
                "the assignment is delegated to the end customer",
            );
        }
    }
    Resolved {
        findings: start..out.findings.len(),
        holding: out.holding,
        hold: out.hold,
        sa: out.sa,
        va: out.va,
    }
}

fn initiated(cx: &Ctx<'_>, out: &mut Out<'_>, code: FindingCode, what: &str) {
    if cx.stage.is_order() {
        out.hold = true;
        out.add(
            code,
            Severity::Warning,
            format!("Smart Account Hold: {what}; the order waits until an Active Smart Account is assigned"),
        );
    } else {
        out.add(
            code,
            Severity::Info,
            format!("{what}: when ordered, the line goes on Smart Account Hold until an Active Smart Account is assigned"),
        );
    }
}

/// An existing account: it must exist, a named Virtual Account must belong to it (Q003, Q010),
/// a holding account must be the partner's or distributor's (Q003, PTR004).
fn existing(cx: &mut Ctx<'_>, out: &mut Out<'_>, sa: &SaRef, va: Option<&VaRef>) {
    let found = match sa {
        SaRef::Id(id) => cx.dir.account(*id),
        SaRef::Domain(domain) => cx.dir.account_by_domain(domain.as_str()),
        SaRef::Email(email) => cx.dir.account_by_email(email.as_str()),
    };
    let Some(account) = found else {
        out.add(
            FindingCode::Q003UnknownAccount,
            Severity::Error,
            format!("Smart Account `{sa}` does not exist; search the end customer's domain and pick one of its accounts"),
        );
        return;
    };
    if account.status().is_closed() {
        out.add(
            FindingCode::Q003UnknownAccount,
            Severity::Error,
            format!("Smart Account `{sa}` is a {} request, not an account (SA010); search the end customer's domain and pick one of its accounts", account.status()),
        );
        return;
    }
    out.sa = Some(account.id());
    let mut named = Label {
        account,
        text: None,
    };
    let holding = account.kind() == AccountKind::PartnerHolding;
    out.holding = holding;
    if holding {
        foreign_holding(cx.quote, out, &mut named);
    }
    resolve_va(cx.dir, out, &mut named, va);
    if account.status() == AccountStatus::Pending {
        pending(cx.stage, out, &mut named);
    }
    misdelivery(cx, out, &mut named, va);
}

/// The label of an account in messages, made at most once per assignment.
struct Label<'a> {
    account: &'a SmartAccount,
    text: Option<String>,
}

impl Label<'_> {
    fn get(&mut self) -> String {
        let account = self.account;
        self.text.get_or_insert_with(|| label(account)).clone()
    }
}

/// PTR004, Q003: a holding account of neither the quoting partner nor its distributor.
fn foreign_holding(quote: &Quote, out: &mut Out<'_>, named: &mut Label<'_>) {
    let account = named.account;
    let owner = account.owner();
    let ours = owner == quote.partner || Some(owner) == quote.distributor;
    if !ours {
        let rule = if quote.distributor.is_some() {
            FindingCode::Ptr004ForeignHolding
        } else {
            FindingCode::Q003ForeignHolding
        };
        out.add(
            rule,
            Severity::Error,
            format!(
                "holding account {} belongs to neither the quoting partner nor the distributor; use your own holding account or the customer's Smart Account",
                named.get()
            ),
        );
    }
}

/// Q003, Q010: the named Virtual Account exists and is revealed (Restricted ones only by their
/// exact name), in the same words either way.
fn resolve_va(dir: &Directory, out: &mut Out<'_>, named: &mut Label<'_>, va: Option<&VaRef>) {
    let account = named.account;
    let sa = account.id();
    let resolved = match va {
        None => Some(account.default_va()),
        Some(VaRef::Name(name)) => account
            .va_by_name(name)
            .filter(|v| v.visibility() == Visibility::Unrestricted || v.name() == name)
            .map(|v| v.id()),
        Some(VaRef::Id(id)) => {
            if dir.account_of(*id) == Some(sa) {
                account
                    .va(*id)
                    .filter(|v| v.visibility() == Visibility::Unrestricted)
                    .map(|v| v.id())
            } else {
                None
            }
        }
    };
    out.va = resolved;
    if let (None, Some(wanted)) = (resolved, va) {
        // The same words whether the Virtual Account is missing or Restricted (Q010).
        out.add(
            FindingCode::Q003UnknownVa,
            Severity::Error,
            format!(
                "virtual account `{wanted}` not found in Smart Account {}; pick one of its virtual accounts or leave it empty for the default",
                named.get()
            ),
        );
    }
}

/// Q006: a Pending account puts an order on Smart Account Hold.
fn pending(stage: Stage, out: &mut Out<'_>, named: &mut Label<'_>) {
    if stage.is_order() {
        out.hold = true;
        out.add(
            FindingCode::Q006Pending,
            Severity::Warning,
            format!(
                "Smart Account Hold: Smart Account {} is Pending until its authorised contact activates it (SA008); the order waits until then",
                named.get()
            ),
        );
    } else {
        out.add(
            FindingCode::Q006Pending,
            Severity::Info,
            format!(
                "Smart Account {} is Pending (SA008): when ordered, the line goes on Smart Account Hold until it is activated",
                named.get()
            ),
        );
    }
}

/// Q007: lost and misdelivered licenses (the term subscription case is per line).
fn misdelivery(cx: &mut Ctx<'_>, out: &mut Out<'_>, named: &mut Label<'_>, va: Option<&VaRef>) {
    let (dir, quote, account) = (cx.dir, cx.quote, named.account);
    if account.kind() == AccountKind::PartnerHolding {
        if let Some(active) = cx.customer_active() {
            let name = dir.account(active).map(label).unwrap_or_default();
            out.add(
                FindingCode::Q007CustomerHasAccount,
                Severity::Warning,
                format!("the end customer already has the Active Smart Account {name}; assign it instead of a holding account so the licenses reach the customer"),
            );
        }
    } else {
        let domain = match account.identifier() {
            Identifier::Domain(domain) => domain,
            Identifier::Email(email) => email.domain(),
        };
        if let Some(customer) = quote.end_customer.domain.as_ref()
            && !related(domain, customer)
        {
            out.add(
                    FindingCode::Q007DomainMismatch,
                    Severity::Warning,
                    format!(
                        "Smart Account {} does not match the end customer's domain `{customer}`; check that the licenses go to the right company",
                        named.get()
                    ),
                );
        }
        if va.is_none() {
            let default = account.default_va();
            let others = account
                .vas()
                .any(|v| v.id() != default && v.visibility() == Visibility::Unrestricted);
            if others {
                out.add(
                    FindingCode::Q007DefaultVa,
                    Severity::Warning,
                    format!(
                        "no virtual account named: the licenses go to the default virtual account of {} although it has others; ask the customer which one to use",
                        named.get()
                    ),
                );
            }
        }
    }
}

/// A request for a new account (Q002 with SA003–SA005).
fn new_account(cx: &Ctx<'_>, out: &mut Out<'_>, domain: Option<&Domain>, contact: &Contact) {
    let dir = cx.dir;
    let has_cco = contact
        .cco_id
        .as_deref()
        .is_some_and(|c| crate::base::limits::check_cco_id(c).is_ok());
    if !has_cco {
        out.add(
            FindingCode::Sa004NoCcoId,
            Severity::Error,
            format!(
                "the new account's contact `{}` needs a Cisco.com ID (1–100 characters, no spaces); ask them to register one",
                contact.email
            ),
        );
    }
    let public = |d: &Domain| dir.config().is_public_domain(d);
    let email_domain = contact.email.domain();
    match domain {
        Some(domain) => {
            if public(domain) {
                out.add(
                    FindingCode::Sa005PublicDomain,
                    Severity::Error,
                    format!("`{domain}` is a public email domain and can never name a Customer Smart Account; request a Limited Use account for the contact instead"),
                );
            } else if !domain.is_within(email_domain) {
                out.add(
                    FindingCode::Sa004ContactDomain,
                    Severity::Error,
                    format!("the contact's email `{}` does not match the requested domain `{domain}`; the domain must equal the email's domain or be a prefixed form of it", contact.email),
                );
            }
            if let Some(existing) = dir.account_by_domain(domain.as_str()) {
                out.add(
                    FindingCode::Sa003DomainTaken,
                    Severity::Error,
                    format!("`{domain}` already identifies Smart Account {}; assign it, or request a prefixed identifier such as `unit.{domain}` for an independent entity", label(existing)),
                );
            } else if family_has_account(dir, domain) {
                out.add(
                    FindingCode::Q007CompanyHasAccount,
                    Severity::Warning,
                    format!("the company of `{domain}` already has a Smart Account; check with the customer before creating another (BP001)"),
                );
            }
            if let Some(customer) = &cx.quote.end_customer.domain
                && !related(domain, customer)
            {
                out.add(
                        FindingCode::Q007RequestedDomainMismatch,
                        Severity::Warning,
                        format!("the requested domain `{domain}` does not match the end customer's domain `{customer}`"),
                    );
            }
        }
        None => {
            if !public(email_domain) {
                out.add(
                    FindingCode::Sa005NotPublicEmail,
                    Severity::Error,
                    format!("a Limited Use account is only for a contact with a public email domain; request a Customer account for `{email_domain}` instead"),
                );
            }
            if let Some(existing) = dir.account_by_email(contact.email.as_str()) {
                out.add(
                    FindingCode::Sa005LimitedUseExists,
                    Severity::Error,
                    format!(
                        "`{}` already identifies Limited Use Smart Account {}; assign it instead",
                        contact.email,
                        label(existing)
                    ),
                );
            }
        }
    }
}

/// Whether an account exists for a prefixed form of `domain` or for a domain it is a prefixed
/// form of.
fn family_has_account(dir: &Directory, domain: &Domain) -> bool {
    if !dir.search_domain(domain.as_str()).is_empty() {
        return true;
    }
    let mut rest = domain.as_str();
    while let Some((_, parent)) = rest.split_once('.') {
        if parent.contains('.') && dir.account_by_domain(parent).is_some() {
            return true;
        }
        rest = parent;
    }
    false
}

fn delegate(cx: &Ctx<'_>, out: &mut Out<'_>, contact: &Contact) {
    let matches = cx
        .quote
        .end_customer
        .domain
        .as_ref()
        .is_none_or(|customer| related(contact.email.domain(), customer));
    if !matches {
        out.add(
            FindingCode::Q002ForeignDelegate,
            Severity::Warning,
            format!(
                "the delegate `{}` is not at the end customer's domain; check that they act for the customer",
                contact.email
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::FpTable;

    #[test]
    fn q008_fingerprint_table_confirms_matches_and_survives_collisions() {
        // Every item under the same fingerprint: only equal items are found.
        let items = ["a", "b", "a", "c", "b"];
        let mut table = FpTable::for_items(items.len());
        let mut found = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let i = u32::try_from(i).unwrap();
            found.push(table.find_or_insert(42, i, |j| items[j as usize] == *item));
        }
        assert_eq!(found, vec![None, None, Some(0), None, Some(1)]);
        // Fingerprints that wrap around the end of the table probe from the start.
        let mut table = FpTable::for_items(1);
        assert_eq!(table.find_or_insert(u64::MAX, 0, |_| false), None);
        assert_eq!(table.find_or_insert(u64::MAX, 1, |_| false), None);
        assert_eq!(table.find_or_insert(u64::MAX, 2, |j| j == 1), Some(1));
    }
}
