//! The error of a refused command or of bad input. Every error names the rule it enforces.

use std::fmt;

use crate::base::ids::{OrgId, SaId, UserId, VaId};
use crate::roles::matrix::{Action, Role, RoleSet, Target};
use crate::rules::RuleId;

/// An entity an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Entity {
    /// An organization.
    Organization(OrgId),
    /// A user.
    User(UserId),
    /// A Smart Account.
    Account(SaId),
    /// A Virtual Account.
    Va(VaId),
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entity::Organization(id) => write!(f, "organization `{id}`"),
            Entity::User(id) => write!(f, "user `{id}`"),
            Entity::Account(id) => write!(f, "smart account `{id}`"),
            Entity::Va(id) => write!(f, "virtual account `{id}`"),
        }
    }
}

/// Why a command was refused or input was rejected.
///
/// Each variant names the rule of the [rule catalog](crate::_rules) it enforces ([`Error::rule`]) and the entity or value
/// at fault. The message (`Display`) is one lowercase line that starts with the rule ID and says
/// what to do. The enum is `#[non_exhaustive]`: later versions add variants as they enforce more
/// rules, so match with a wildcard arm.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A referenced entity does not exist (or, for a Restricted Virtual Account named by anything
    /// but its exact name, is not revealed).
    #[error("{rule}: {entity} does not exist")]
    NotFound {
        /// The rule of the command that needed the entity.
        rule: RuleId,
        /// The missing entity.
        entity: Entity,
    },
    /// The actor's roles do not allow the action (ROLE005), or the actor may not assign, change
    /// or revoke this role, e.g. beyond its own admin scope (ROLE006).
    #[error("{rule}: `{user}` may not {action} on `{target}`; it needs one of: {would_grant}")]
    Denied {
        /// ROLE005 or ROLE006.
        rule: RuleId,
        /// Who tried.
        user: UserId,
        /// What they tried.
        action: Action,
        /// Where.
        target: Target,
        /// The roles that would have allowed it.
        would_grant: RoleSet,
    },
    /// Only a signed-in user may run this command.
    #[error("{}: {actor} cannot run this command; only a signed-in user with a role can", self.rule())]
    ActorNotAllowed {
        /// The actor, as text.
        actor: String,
    },
    /// An account domain identifier is malformed (SA003).
    #[error("{}: `{value}` is not a valid account domain identifier: {reason}", self.rule())]
    InvalidDomain {
        /// The offending text (clipped).
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The domain already names a Smart Account (SA003).
    #[error("{}: domain `{domain}` already identifies `{existing}`; an independent entity needs a prefixed form such as `unit.{domain}`", self.rule())]
    DomainTaken {
        /// The requested domain.
        domain: String,
        /// The account that has it.
        existing: SaId,
    },
    /// An email address is malformed (SA004: users are identified by their email).
    #[error("{}: `{value}` is not a valid email address: {reason}", self.rule())]
    InvalidEmail {
        /// The offending text (clipped).
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A Cisco.com ID or email is already registered to another user (SA004).
    #[error("{}: {what} `{value}` is already registered to `{existing}`", self.rule())]
    DuplicateLogin {
        /// "Cisco.com ID" or "email".
        what: &'static str,
        /// The value.
        value: String,
        /// The user who has it.
        existing: UserId,
    },
    /// The creator or contact has no Cisco.com ID (SA004).
    #[error("{}: `{user}` has no Cisco.com ID; the account's contact needs one", self.rule())]
    MissingCcoId {
        /// The user.
        user: UserId,
    },
    /// The contact's email domain does not match the requested domain (SA004).
    #[error("{}: the email `{email}` of `{user}` does not match domain `{domain}`; the domain must equal the email's domain or be a prefixed form of it", self.rule())]
    EmailDomainMismatch {
        /// The contact.
        user: UserId,
        /// Their email.
        email: String,
        /// The requested domain.
        domain: String,
    },
    /// A public email domain was requested as a Customer account domain (SA005).
    #[error("{}: `{domain}` is a public email domain and cannot identify a customer account; request a Limited Use Smart Account instead", self.rule())]
    PublicDomain {
        /// The domain.
        domain: String,
    },
    /// A Limited Use account was requested by a user with a company email (SA005).
    #[error("{}: `{email}` of `{user}` is a company email; Limited Use Smart Accounts are for public email domains only, request a Customer Smart Account", self.rule())]
    NotPublicEmail {
        /// The user.
        user: UserId,
        /// Their email.
        email: String,
    },
    /// A Limited Use account already exists for this email (SA005).
    #[error("{}: `{email}` already identifies Limited Use Smart Account `{existing}`", self.rule())]
    EmailTaken {
        /// The email.
        email: String,
        /// The account.
        existing: SaId,
    },
    /// A Limited Use account's limit was reached (SA006).
    #[error("{}: limited use smart account `{sa}`: {limit}", self.rule())]
    LimitedUse {
        /// The account.
        sa: SaId,
        /// Which limit.
        limit: &'static str,
    },
    /// A holding account was requested by a customer, or a customer user was given a role on a
    /// holding account (SA007).
    #[error("{}: {reason}", self.rule())]
    Holding {
        /// The user at fault.
        user: UserId,
        /// What is wrong.
        reason: &'static str,
    },
    /// A Smart Account request cannot be answered, withdrawn, lapsed or changed this way
    /// (SA010): it is closed (declined, withdrawn, lapsed) or active, or the user is not the one
    /// who may (the contact declines, the requester withdraws and changes the contact).
    #[error("{}: the request for smart account `{sa}` ({status}): {reason}", self.rule())]
    AccountRequest {
        /// The account.
        sa: SaId,
        /// Its status ([`crate::AccountStatus::as_str`]).
        status: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// A Pending request was asked to lapse before its period ran out (SA010).
    #[error("{}: the request for smart account `{sa}` lapses on {lapses_on}, not before", self.rule())]
    RequestNotDue {
        /// The account.
        sa: SaId,
        /// The first day it may lapse.
        lapses_on: jiff::civil::Date,
    },
    /// A request for access by a user of the owning organization (SA011) is refused: the user
    /// is not of the owner, the account is not Active, the request is a partner's, or the
    /// approver is no SA Admin of the owner.
    #[error("{}: access to smart account `{sa}` for `{user}`: {reason}", self.rule())]
    MemberAccess {
        /// The user who asked, or who answered.
        user: UserId,
        /// The account.
        sa: SaId,
        /// What is wrong.
        reason: &'static str,
    },
    /// The account is Pending and cannot be used yet (SA008).
    #[error("{}: smart account `{sa}` is pending; its authorised contact must activate it first", self.rule())]
    AccountPending {
        /// The account.
        sa: SaId,
    },
    /// The account is already Active (SA008).
    #[error("{}: smart account `{sa}` is already active", self.rule())]
    AlreadyActive {
        /// The account.
        sa: SaId,
    },
    /// Someone other than the authorised contact tried to activate a Pending account (SA008).
    #[error("{}: only the authorised contact `{contact}` can activate smart account `{sa}`, not `{user}`", self.rule())]
    NotContact {
        /// The account.
        sa: SaId,
        /// Who tried.
        user: UserId,
        /// Who may.
        contact: UserId,
    },
    /// The default Virtual Account cannot be deleted, and the default designation moves only to
    /// another top-level Virtual Account of the same account (SA002).
    #[error("{}: virtual account `{va}`: {reason}", self.rule())]
    DefaultVa {
        /// The Virtual Account.
        va: VaId,
        /// What is wrong.
        reason: &'static str,
    },
    /// The operation would put a Virtual Account deeper than level 10 (VA001).
    #[error("{}: this would put virtual account `{name}` at level {level}; virtual accounts nest at most 10 levels deep", self.rule())]
    TooDeep {
        /// The Virtual Account (or the new one's name).
        name: String,
        /// The level it would reach.
        level: usize,
    },
    /// A name is malformed (VA003 for Virtual Account names; also account and organization
    /// names).
    #[error("{rule}: {field} `{value}` is not valid: {reason}")]
    InvalidName {
        /// The rule.
        rule: RuleId,
        /// Which name.
        field: &'static str,
        /// The offending text (clipped).
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// Another Virtual Account of the account has this name, ignoring case (VA003).
    #[error("{}: smart account `{sa}` already has a virtual account named `{name}` (`{existing}`); names are unique ignoring case", self.rule())]
    DuplicateVaName {
        /// The account.
        sa: SaId,
        /// The name.
        name: String,
        /// The Virtual Account that has it.
        existing: VaId,
    },
    /// A move would leave the Smart Account or create a cycle (VA004).
    #[error("{}: virtual account `{va}` cannot move under `{parent}`: {reason}", self.rule())]
    BadMove {
        /// The Virtual Account to move.
        va: VaId,
        /// The requested parent.
        parent: VaId,
        /// What is wrong.
        reason: &'static str,
    },
    /// The Virtual Account still holds something (VA005).
    #[error("{}: virtual account `{va}` still holds {what}; empty it first", self.rule())]
    NotEmpty {
        /// The Virtual Account.
        va: VaId,
        /// What it holds.
        what: &'static str,
    },
    /// The default Virtual Account is always Unrestricted (VA007).
    #[error("{}: virtual account `{va}` is the default and must stay unrestricted", self.rule())]
    DefaultRestricted {
        /// The Virtual Account.
        va: VaId,
    },
    /// An account role was assigned on a Virtual Account or the other way round (ROLE001).
    #[error("{}: {role} cannot be held on `{target}`; smart account roles are Admin, User, Viewer, Approver and virtual account roles are Admin, User, Viewer", self.rule())]
    RoleKind {
        /// The role.
        role: Role,
        /// Where it was to be held.
        target: Target,
    },
    /// The user already holds a role on this account (ROLE002).
    #[error("{}: `{user}` already holds {held} on `{target}`; change that role instead of assigning a second one", self.rule())]
    RoleHeld {
        /// The user.
        user: UserId,
        /// The account.
        target: Target,
        /// The role they hold.
        held: Role,
    },
    /// The user holds no role on this account (ROLE002).
    #[error("{}: `{user}` holds no role on `{target}`; assign one instead", self.rule())]
    NoRole {
        /// The user.
        user: UserId,
        /// The account.
        target: Target,
    },
    /// The change would leave the account without an SA Admin of its owner whose role stays in
    /// force (ROLE007, PTR006): the last one cannot be revoked, downgraded or given an expiry.
    #[error("{}: `{user}` is the last SA Admin of `{sa}` whose role stays in force; first make another user of the owning organization SA Admin without an expiry", self.rule())]
    LastAdmin {
        /// The account.
        sa: SaId,
        /// The admin.
        user: UserId,
    },
    /// An identifier appears twice where it must be unique, or a snapshot's parts contradict
    /// each other.
    #[error("{rule}: {entity}: {reason}")]
    Inconsistent {
        /// The rule the inconsistency breaks.
        rule: RuleId,
        /// The entity at fault.
        entity: Entity,
        /// What is wrong.
        reason: &'static str,
    },
    /// A partner user would get a role on a customer's account without a customer SA Admin
    /// granting it, or someone who is no customer SA Admin tried to answer, review or revoke
    /// partner access (PTR001).
    #[error("{}: `{user}` cannot act for the customer owning `{sa}`: {reason}", self.rule())]
    PartnerConsent {
        /// Who tried.
        user: UserId,
        /// The customer account.
        sa: SaId,
        /// What is wrong.
        reason: &'static str,
    },
    /// A user of another organization than the account's owner tried to revoke, change or set
    /// an expiry on a role held by a user of the owner, or to move a Virtual Account so that such
    /// a role reaches other Virtual Accounts (PTR006).
    #[error("{}: `{actor}` belongs to another organization than the owner of `{sa}` and cannot change the role of `{user}`, a user of the owner{what}; ask the customer's SA Admin", self.rule())]
    CustomerControl {
        /// Who tried.
        actor: UserId,
        /// The account.
        sa: SaId,
        /// The owner's user whose role would change.
        user: UserId,
        /// What else would change, empty or e.g. " (its reach by moving a virtual account)".
        what: &'static str,
    },
    /// The organization is no partner organization of the account (PTR003).
    #[error("{}: `{org}` is not a partner or distributor organization acting on `{sa}`; name a partner organization", self.rule())]
    NotPartner {
        /// The organization.
        org: OrgId,
        /// The account.
        sa: SaId,
    },
    /// A partner access request cannot be made (PTR002).
    #[error("{}: `{user}` cannot request access to `{sa}`: {reason}", self.rule())]
    PartnerRequest {
        /// Who asked.
        user: UserId,
        /// The account.
        sa: SaId,
        /// What is wrong.
        reason: &'static str,
    },
    /// A partner access request does not exist or was already answered (PTR002).
    #[error("{}: access request {request} of `{sa}`: {reason}", self.rule())]
    AccessRequest {
        /// The account.
        sa: SaId,
        /// The request's identifier.
        request: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// A partner access request lapsed unanswered, or the expiry it asked for has come
    /// (PTR005).
    #[error("{}: access request {request} of `{sa}` lapsed on {lapsed_on}; the partner must request again", self.rule())]
    RequestLapsed {
        /// The account.
        sa: SaId,
        /// The request's identifier.
        request: u64,
        /// The day it lapsed.
        lapsed_on: jiff::civil::Date,
    },
    /// A quantity is zero, or a total would overflow (LIC001, LIC002, LIC006, LIC009, LIC010).
    /// Quantities are unsigned: a negative one is refused when it is parsed.
    #[error("{rule}: quantity {quantity} is not valid: {reason}")]
    InvalidQuantity {
        /// The rule of the command.
        rule: RuleId,
        /// The offending quantity.
        quantity: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// A term subscription ends before it starts (LIC001).
    #[error("{}: a term subscription from {start} to {end} ends before it starts; the end must be after the start", self.rule())]
    InvalidTerm {
        /// The first day.
        start: jiff::civil::Date,
        /// The last day.
        end: jiff::civil::Date,
    },
    /// A transfer names more than 10 license types (LIC009).
    #[error("{}: the request names {count} license types; a transfer names at most 10, split it", self.rule())]
    TooManyLicenseTypes {
        /// How many it names.
        count: usize,
    },
    /// The quantity asked for is not available (LIC009, LIC010), or more is released than held
    /// (LIC006, LIC010), or more Classic licenses are converted than held (LIC002).
    #[error(
        "{rule}: virtual account `{va}` has {available} of `{license}` available, {requested} requested"
    )]
    Insufficient {
        /// The rule of the command.
        rule: RuleId,
        /// The Virtual Account.
        va: VaId,
        /// The license type, as text.
        license: String,
        /// What is there.
        available: u64,
        /// What was asked for.
        requested: u64,
    },
    /// The license type was never held by the account (LIC006, LIC009, LIC010).
    #[error("{rule}: smart account `{sa}` holds no `{license}`")]
    UnknownLicense {
        /// The rule of the command.
        rule: RuleId,
        /// The account.
        sa: SaId,
        /// The license type, as text.
        license: String,
    },
    /// The device is not registered (DEV001, LIC006, DEV002).
    #[error("{rule}: device `{device}` is not registered")]
    UnknownDevice {
        /// The rule of the command.
        rule: RuleId,
        /// The device, as text.
        device: String,
    },
    /// The device is already registered (DEV001).
    #[error("{}: device `{device}` is already registered to smart account `{sa}`; a device belongs to one virtual account", self.rule())]
    DuplicateDevice {
        /// The device, as text.
        device: String,
        /// The account it is registered to.
        sa: SaId,
    },
    /// A device would be registered in, or moved to, an account where it cannot be (DEV001).
    #[error("{}: smart account `{sa}`: {reason}", self.rule())]
    DeviceAccount {
        /// The account.
        sa: SaId,
        /// What is wrong.
        reason: &'static str,
    },
    /// Licenses would move between accounts outside the two exceptions of LIC004.
    #[error("{}: licenses cannot move from `{from}` to `{to}`: {reason}", self.rule())]
    CrossSa {
        /// The source account.
        from: SaId,
        /// The destination account.
        to: SaId,
        /// What is wrong.
        reason: &'static str,
    },
    /// A transfer names the same Virtual Account as source and destination (LIC003).
    #[error("{}: virtual account `{va}` is both source and destination of the transfer", self.rule())]
    SameVa {
        /// The Virtual Account.
        va: VaId,
    },
    /// Licenses cannot be consumed or activated in a holding account or a Pending account
    /// (LIC005).
    #[error("{}: licenses cannot be {what} in smart account `{sa}`: {reason}", self.rule())]
    NotUsable {
        /// The account.
        sa: SaId,
        /// "consumed" or "reserved".
        what: &'static str,
        /// Why not.
        reason: &'static str,
    },
    /// An idempotency key or transfer ID was already used for a different request (LIC009,
    /// LIC004).
    #[error("{rule}: `{key}` was already used for a different request; use a new key")]
    IdempotencyConflict {
        /// The rule.
        rule: RuleId,
        /// The key or transfer ID.
        key: String,
    },
    /// A reservation code is used twice in one account, or a release names one the account does
    /// not hold, or not as it was made (LIC010).
    #[error("{}: reservation `{code}` in smart account `{sa}`: {reason}", self.rule())]
    ReservationCode {
        /// The code, as text.
        code: String,
        /// The account.
        sa: SaId,
        /// What is wrong.
        reason: &'static str,
    },
    /// An order command or a deposit of a recorded order's line was refused (Q011, or the
    /// rule of the validation finding or lifecycle step that refused it: Q002, Q003, Q009,
    /// LIC002, ...). `line` is empty or ` line N`.
    #[error("{rule}: order `{order}`{line}: {reason}")]
    Order {
        /// The order, as text.
        order: String,
        /// Empty, or the line as ` line 2` (or ` line \`1.0\`` for a quote line).
        line: String,
        /// The rule.
        rule: RuleId,
        /// What is wrong, for people.
        reason: String,
    },
    /// A notification record of a holding account is unknown, not in a state that allows the
    /// change, or acknowledged by someone it is not addressed to; or a snapshot's record is
    /// inconsistent (LIC008).
    #[error("{}: notification {id} of smart account `{sa}`: {reason}", self.rule())]
    Notification {
        /// The holding account.
        sa: SaId,
        /// The notification's ID in the account.
        id: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// A user cannot opt in to or out of the fulfilment notices of an account: it is no
    /// holding account, the user is no member of it, or is already in (out) (LIC008).
    #[error("{}: fulfilment notices of smart account `{sa}` for `{user}`: {reason}", self.rule())]
    FulfilmentNotices {
        /// The user.
        user: UserId,
        /// The account.
        sa: SaId,
        /// What is wrong.
        reason: &'static str,
    },
    /// A move names an order line that does not wait in the source account, or more of it
    /// than waits there, or of another license type, or twice; or its order lines do not make
    /// up the transfer's license lines (LIC011).
    #[error("{}: {order} ({license}): {reason} in smart account `{sa}` ({waiting} there, {requested} named)", self.rule())]
    OrderLineNotWaiting {
        /// The order line, as text.
        order: String,
        /// The license type named, as text.
        license: String,
        /// The source account.
        sa: SaId,
        /// How many of the order line wait there (of that license type).
        waiting: u64,
        /// How many were named.
        requested: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// A move names one order line twice (LIC011).
    #[error("{}: {order} is named twice in one move; name it once with the quantities summed", self.rule())]
    OrderLineNamedTwice {
        /// The order line, as text.
        order: String,
    },
    /// The order line was already deposited differently (LIC002).
    #[error("{}: {order} was already deposited into smart account `{sa}` with different contents", self.rule())]
    DuplicateOrderLine {
        /// The order line, as text.
        order: String,
        /// The account.
        sa: SaId,
    },
    /// The command is reserved to another kind of actor: deposits to order fulfilment
    /// (LIC002), re-assignment between accounts to vendor support (LIC004).
    #[error("{rule}: {actor} cannot {what}; only {needed} can")]
    WrongActor {
        /// The rule.
        rule: RuleId,
        /// The actor, as text.
        actor: String,
        /// What was attempted.
        what: &'static str,
        /// Who may.
        needed: &'static str,
    },
    /// An event log does not replay (EV003).
    #[error("{}: event {seq} of smart account `{sa}` does not replay: {reason}", self.rule())]
    Replay {
        /// The account.
        sa: SaId,
        /// The sequence number of the event.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
    /// An event of a log from outside is not what its actor could have done (EV004): the
    /// command it records, re-run against the state before it, is refused or makes other
    /// changes.
    #[error("{}: event {seq} of smart account `{sa}` is not a change its actor could make: {cause}", self.rule())]
    NotPermitted {
        /// The account whose log holds the event.
        sa: SaId,
        /// The sequence number of the event.
        seq: u64,
        /// Why the command it records is refused, or how its changes differ.
        cause: Box<Error>,
    },
    /// An event of a log from outside cannot be evidence (EV004): its actor is unknown or
    /// recorded with another organization, its time is before the event above it, it names an
    /// identifier used before, or it is an import after recorded commands.
    #[error("{}: event {seq} of smart account `{sa}` cannot be evidence: {reason}", self.rule())]
    Evidence {
        /// The account whose log holds the event.
        sa: SaId,
        /// The sequence number of the event.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
    /// A command dated before the last event of the account's log (EV004): times never
    /// decrease within a log.
    #[error("{}: smart account `{sa}` has an event at {last}; a command at {at} would go back in time", self.rule())]
    TimeOrder {
        /// The account.
        sa: SaId,
        /// The command's time.
        at: jiff::Timestamp,
        /// The time of the account's last event.
        last: jiff::Timestamp,
    },
    /// The command an event of a log from outside records, re-run against the state before it,
    /// makes other changes than the ones recorded (EV004).
    #[error("{}: the command recorded by event {seq} of smart account `{sa}` makes other changes: {reason}", self.rule())]
    Mismatch {
        /// The account.
        sa: SaId,
        /// The sequence number of the first event of the command.
        seq: u64,
        /// How they differ.
        reason: &'static str,
    },
    /// Every identifier of a kind has been handed out or loaded: the next one would exceed
    /// `u32::MAX` (`u64::MAX` for access requests) (EV004). Identifiers are never reused, so nothing of this kind can be added.
    #[error("{}: no {what} identifier is left: the largest one is taken; nothing was changed", self.rule())]
    IdentifiersExhausted {
        /// The kind of identifier, e.g. `"virtual account"`.
        what: &'static str,
    },
    /// A stream moved on after the command was planned (EV005): another writer committed in
    /// between. Nothing was changed; plan the command again on the current state.
    #[error("{}: {stream} is at version {actual}, but the command was planned on version {expected}; nothing was changed, plan it again on the current state", self.rule())]
    Conflict {
        /// The stream.
        stream: crate::base::ids::StreamId,
        /// The version the command was planned on.
        expected: u64,
        /// The version the stream is at.
        actual: u64,
    },
    /// Events were written by a newer release, in a format this one does not know (EV005).
    #[error("{}: the events were written by a newer release (format version {found}; this release reads up to {known}); upgrade this program to read them", self.rule())]
    NewerSchema {
        /// The version found.
        found: u32,
        /// The newest version this release reads.
        known: u32,
    },
    /// A command identifier is malformed (EV005).
    #[error("{}: `{value}` is not a valid command ID: {reason}", self.rule())]
    InvalidCommandId {
        /// The offending text (clipped).
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A supplied identifier for a new entity is zero or already in use (EV005): take fresh
    /// identifiers from the store's sequences.
    #[error("{}: {what} identifier {id} is not fresh: it is zero or already in use", self.rule())]
    IdentifierInUse {
        /// The kind of identifier, e.g. `"virtual account"`.
        what: &'static str,
        /// The identifier.
        id: u32,
    },
    /// Events of a stream do not fit the directory they are applied to (EV005): out of
    /// sequence, of another stream, or claiming what another account holds.
    #[error("{}: {stream}, event {seq}: {reason}", self.rule())]
    Stream {
        /// The stream.
        stream: crate::base::ids::StreamId,
        /// The event's position in it.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
}

impl Error {
    /// The rule this error enforces.
    ///
    /// # Examples
    ///
    /// ```
    /// use smart_accounts::{Domain, RuleId};
    ///
    /// let err = Domain::parse("not a domain").unwrap_err();
    /// assert_eq!(err.rule(), RuleId::SA003);
    /// assert!(err.to_string().starts_with("SA003: "));
    /// ```
    #[must_use]
    pub fn rule(&self) -> RuleId {
        match self {
            Error::NotFound { rule, .. }
            | Error::Denied { rule, .. }
            | Error::InvalidName { rule, .. }
            | Error::Inconsistent { rule, .. }
            | Error::InvalidQuantity { rule, .. }
            | Error::Insufficient { rule, .. }
            | Error::UnknownLicense { rule, .. }
            | Error::UnknownDevice { rule, .. }
            | Error::IdempotencyConflict { rule, .. }
            | Error::WrongActor { rule, .. } => *rule,
            Error::InvalidTerm { .. } => RuleId::LIC001,
            Error::TooManyLicenseTypes { .. } => RuleId::LIC009,
            Error::DuplicateDevice { .. } | Error::DeviceAccount { .. } => RuleId::DEV001,
            Error::CrossSa { .. } => RuleId::LIC004,
            Error::SameVa { .. } => RuleId::LIC003,
            Error::NotUsable { .. } => RuleId::LIC005,
            Error::DuplicateOrderLine { .. } => RuleId::LIC002,
            Error::OrderLineNotWaiting { .. } | Error::OrderLineNamedTwice { .. } => RuleId::LIC011,
            Error::ReservationCode { .. } => RuleId::LIC010,
            Error::Order { rule, .. } => *rule,
            Error::Notification { .. } | Error::FulfilmentNotices { .. } => RuleId::LIC008,
            Error::ActorNotAllowed { .. } => RuleId::ROLE005,
            Error::InvalidDomain { .. } | Error::DomainTaken { .. } => RuleId::SA003,
            Error::InvalidEmail { .. }
            | Error::DuplicateLogin { .. }
            | Error::MissingCcoId { .. }
            | Error::EmailDomainMismatch { .. } => RuleId::SA004,
            Error::PublicDomain { .. }
            | Error::NotPublicEmail { .. }
            | Error::EmailTaken { .. } => RuleId::SA005,
            Error::LimitedUse { .. } => RuleId::SA006,
            Error::Holding { .. } => RuleId::SA007,
            Error::AccountRequest { .. } | Error::RequestNotDue { .. } => RuleId::SA010,
            Error::MemberAccess { .. } => RuleId::SA011,
            Error::AccountPending { .. }
            | Error::AlreadyActive { .. }
            | Error::NotContact { .. } => RuleId::SA008,
            Error::DefaultVa { .. } => RuleId::SA002,
            Error::TooDeep { .. } => RuleId::VA001,
            Error::DuplicateVaName { .. } => RuleId::VA003,
            Error::BadMove { .. } => RuleId::VA004,
            Error::NotEmpty { .. } => RuleId::VA005,
            Error::DefaultRestricted { .. } => RuleId::VA007,
            Error::RoleKind { .. } => RuleId::ROLE001,
            Error::RoleHeld { .. } | Error::NoRole { .. } => RuleId::ROLE002,
            Error::LastAdmin { .. } => RuleId::ROLE007,
            Error::Replay { .. } => RuleId::EV003,
            Error::NotPermitted { .. }
            | Error::Evidence { .. }
            | Error::TimeOrder { .. }
            | Error::Mismatch { .. }
            | Error::IdentifiersExhausted { .. } => RuleId::EV004,
            Error::Conflict { .. }
            | Error::NewerSchema { .. }
            | Error::InvalidCommandId { .. }
            | Error::IdentifierInUse { .. }
            | Error::Stream { .. } => RuleId::EV005,
            Error::PartnerConsent { .. } => RuleId::PTR001,
            Error::PartnerRequest { .. } | Error::AccessRequest { .. } => RuleId::PTR002,
            Error::RequestLapsed { .. } => RuleId::PTR005,
            Error::NotPartner { .. } => RuleId::PTR003,
            Error::CustomerControl { .. } => RuleId::PTR006,
        }
    }
}
