//! Whole-directory snapshots: a plain, serde-friendly picture of a [`Directory`], validated on
//! the way in so that loading one can never produce a state the commands could not.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use jiff::Timestamp;

use crate::accounts::account::{
    Acceptance, AccessRequest, AccessReview, Binding, SmartAccount, reach,
};
use crate::accounts::kinds::{AccountKind, AccountStatus, Identifier, Visibility};
use crate::base::error::{Entity, Error};
use crate::base::ids::{OrgId, SaId, UserId, VaId};
use crate::base::limits::{MAX_NAME, check_name, clip};
use crate::directory::people::{NewUser, Organization, User};
use crate::directory::{Config, Directory, Entry, member_of};
use crate::events::event::{Change, Event, RecordedActor};
use crate::events::evidence::{Stream, replay_as_evidence};
use crate::events::log::{AccountLog, DirectoryLog, Keys, misplaced};
use crate::events::streams::{DirectoryChange, DirectoryEvent, StreamId};
use crate::licenses::license::{DeviceId, LicenseChange, LicenseSnapshot};
use crate::orders::records::{Hold, LineState, OrderChange, OrderRecord, line_number, order_error};
use crate::rules::RuleId;

/// A Virtual Account in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct VaSnapshot {
    /// Its identifier, unique across the directory.
    pub id: VaId,
    /// Its name (VA003).
    pub name: String,
    /// Its parent in the same account, or `None` at the top level.
    #[cfg_attr(feature = "serde", serde(default))]
    pub parent: Option<VaId>,
    /// Restricted or Unrestricted (VA007).
    #[cfg_attr(feature = "serde", serde(default))]
    pub visibility: Visibility,
}

/// A Smart Account in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct AccountSnapshot {
    /// Its identifier.
    pub id: SaId,
    /// Customer, Partner Holding or Limited Use.
    pub kind: AccountKind,
    /// Pending, Active, or how its request closed (SA010).
    pub status: AccountStatus,
    /// Display name.
    pub name: String,
    /// Domain, or the email of a Limited Use account.
    pub identifier: Identifier,
    /// Owning organization.
    pub owner: OrgId,
    /// Authorised contact.
    pub contact: UserId,
    /// When it was requested.
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::timestamp")
    )]
    pub created_at: Timestamp,
    /// When its request was declined, withdrawn or lapsed: present exactly for a closed
    /// status (SA010).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::option_timestamp")
    )]
    pub closed_at: Option<Timestamp>,
    /// The default Virtual Account (a top-level one listed in `vas`).
    pub default_va: VaId,
    /// Every Virtual Account, in any order.
    pub vas: Vec<VaSnapshot>,
    /// Every role binding.
    #[cfg_attr(feature = "serde", serde(default))]
    pub roles: Vec<Binding>,
    /// The agreement acceptance, if any.
    #[cfg_attr(feature = "serde", serde(default))]
    pub agreement: Option<Acceptance>,
    /// Partner access requests (PTR002), answered or not.
    #[cfg_attr(feature = "serde", serde(default))]
    pub access_requests: Vec<AccessRequest>,
    /// Recorded reviews of partner access (PTR003), oldest first.
    #[cfg_attr(feature = "serde", serde(default))]
    pub access_reviews: Vec<AccessReview>,
    /// Licenses and devices. Absent in snapshots written before licenses existed.
    #[cfg_attr(feature = "serde", serde(default))]
    pub licenses: LicenseSnapshot,
    /// The event log. When present it must replay to exactly this state (EV003). An account
    /// loaded without one gets a log rebuilt from the stated state, recorded as
    /// [`RecordedActor::Imported`], so its log always replays.
    #[cfg_attr(feature = "serde", serde(default))]
    pub events: Vec<Event>,
}

/// A whole directory as plain data. `Directory` serializes through this type, and
/// deserializing a `Directory` validates it with [`Directory::from_snapshot`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Snapshot {
    /// Settings.
    #[cfg_attr(feature = "serde", serde(default))]
    pub config: Config,
    /// Every organization.
    #[cfg_attr(feature = "serde", serde(default))]
    pub organizations: Vec<Organization>,
    /// Every user.
    #[cfg_attr(feature = "serde", serde(default))]
    pub users: Vec<User>,
    /// Every Smart Account.
    #[cfg_attr(feature = "serde", serde(default))]
    pub accounts: Vec<AccountSnapshot>,
    /// The directory's own stream (EV005): the registrations of the organizations and users
    /// above and the identifier claims of the accounts. When present it must replay to exactly
    /// those organizations and users and claim each account's identifier once; a snapshot
    /// without it gets one rebuilt, recorded as [`RecordedActor::Imported`] at the Unix epoch.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub directory_events: Vec<DirectoryEvent>,
    /// Every order record (Q011), by order identifier. With `directory_events`, they must be
    /// what that stream replays to; without, they are recorded as imported.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub orders: Vec<OrderRecord>,
}

/// Why a snapshot was refused: the rule broken and where, as a path into the snapshot such as
/// `accounts[2].vas[5]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {error}")]
pub struct SnapshotError {
    path: String,
    error: Error,
}

impl SnapshotError {
    /// Where in the snapshot the problem is, e.g. `accounts[0].roles[3]`.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }
    /// What is wrong.
    #[must_use]
    pub fn error(&self) -> &Error {
        &self.error
    }
    /// The rule broken.
    #[must_use]
    pub fn rule(&self) -> RuleId {
        self.error.rule()
    }
}

fn at(path: impl Into<String>) -> impl FnOnce(Error) -> SnapshotError {
    let path = path.into();
    move |error| SnapshotError { path, error }
}

impl Directory {
    /// The directory as plain data.
    #[must_use]
    pub fn to_snapshot(&self) -> Snapshot {
        let accounts = self
            .accounts
            .values()
            .filter_map(|entry| {
                let a = entry.account.as_ref()?;
                Some(AccountSnapshot {
                    id: a.id,
                    kind: a.kind,
                    status: a.status,
                    name: a.name.clone(),
                    identifier: a.identifier.clone(),
                    owner: a.owner,
                    contact: a.contact,
                    created_at: a.created_at,
                    closed_at: a.closed_at,
                    default_va: a.default_va,
                    vas: a
                        .vas()
                        .map(|v| VaSnapshot {
                            id: v.id(),
                            name: v.name().to_owned(),
                            parent: v.parent(),
                            visibility: v.visibility(),
                        })
                        .collect(),
                    roles: a.roles().copied().collect(),
                    agreement: a.agreement,
                    access_requests: a.access_requests().copied().collect(),
                    access_reviews: a.access_reviews().to_vec(),
                    licenses: a.opening_items(),
                    events: entry.events(a.id()),
                })
            })
            .collect();
        Snapshot {
            config: self.config.clone(),
            organizations: self.orgs.values().cloned().collect(),
            users: self.users.values().map(|u| (**u).clone()).collect(),
            accounts,
            directory_events: self.dir_log.to_vec(),
            orders: self.orders.values().cloned().collect(),
        }
    }

    /// Builds a directory from a snapshot, validating everything a command would.
    ///
    /// # Errors
    ///
    /// A [`SnapshotError`] with the path of the first problem and the rule it breaks:
    /// duplicate identifiers, dangling references (an organization, user, parent or Virtual
    /// Account that does not exist), invalid or duplicate domains and emails, names over their
    /// limits, a Virtual Account cycle, a level over 10, a default Virtual Account that is
    /// missing or not top-level, a second role for one user on one account, an Active account
    /// without SA Admin, roles on a Pending account, or an event log that does not replay to the
    /// stated state.
    pub fn from_snapshot(snapshot: Snapshot) -> Result<Directory, SnapshotError> {
        let mut dir = Directory::with_config(snapshot.config);
        for (i, org) in snapshot.organizations.into_iter().enumerate() {
            let path = format!("organizations[{i}]");
            let name = check_name(&org.name, MAX_NAME).map_err(|reason| SnapshotError {
                path: path.clone(),
                error: Error::InvalidName {
                    rule: RuleId::SA007,
                    field: "organization name",
                    value: clip(&org.name),
                    reason,
                },
            })?;
            if org.id.get() == 0 || dir.orgs.contains_key(&org.id) {
                return Err(at(path)(duplicate(Entity::Organization(org.id))));
            }
            dir.next_org = dir.next_org.max(org.id.get());
            dir.orgs.insert(org.id, Organization { name, ..org });
        }
        for (i, user) in snapshot.users.into_iter().enumerate() {
            let path = format!("users[{i}]");
            if user.id.get() == 0 || dir.users.contains_key(&user.id) {
                return Err(at(path)(duplicate(Entity::User(user.id))));
            }
            let new = NewUser {
                cco_id: user.cco_id.map(compact_str::CompactString::into_string),
                email: user.email.to_string(),
                org: user.org,
                kind: user.kind,
            };
            let user = dir.validate_user(user.id, new).map_err(at(path))?;
            dir.next_user = dir.next_user.max(user.id.get());
            dir.index_user(&user);
            dir.users.insert(user.id, std::sync::Arc::new(user));
        }
        let people = dir.clone();
        let mut seen_vas = HashSet::new();
        let mut loaded = Vec::new();
        for (i, account) in snapshot.accounts.into_iter().enumerate() {
            let sa = account.id;
            let supplied = dir.load_account(i, account, &mut seen_vas)?;
            loaded.push((i, sa, supplied));
        }
        if loaded.iter().any(|(_, _, supplied)| *supplied) {
            dir.verify_logs(people, &loaded)?;
        }
        dir.load_orders(snapshot.orders)?;
        dir.load_directory_stream(snapshot.directory_events)?;
        dir.rebuild_commands().map_err(at("accounts"))?;
        Ok(dir)
    }

    /// Loads the order records (Q011): each new, one state per quote line, every account a
    /// line names one of the snapshot's, and a fulfilled line's deposit in its account.
    fn load_orders(&mut self, orders: Vec<OrderRecord>) -> Result<(), SnapshotError> {
        for (i, record) in orders.into_iter().enumerate() {
            let path = format!("orders[{i}]");
            let change = OrderChange::Imported {
                record: Box::new(record),
            };
            self.check_order_change(&change).map_err(at(path.clone()))?;
            let OrderChange::Imported { record } = change else {
                continue;
            };
            for (j, state) in record.lines.iter().enumerate() {
                let named = match state {
                    LineState::Ready { sa, va } => Some((*sa, Some(*va))),
                    LineState::Booked { sa: Some(sa), va } => Some((*sa, *va)),
                    LineState::OnHold {
                        hold: Hold::PendingAccount { sa },
                    } => Some((*sa, None)),
                    LineState::Fulfilled { sa } => Some((*sa, None)),
                    _ => None,
                };
                let Some((sa, va)) = named else { continue };
                let found = self
                    .account(sa)
                    .is_some_and(|a| va.is_none_or(|v| a.va(v).is_some()));
                if !found {
                    return Err(SnapshotError {
                        path: format!("{path}.lines[{j}]"),
                        error: Error::NotFound {
                            rule: RuleId::Q011,
                            entity: match va {
                                Some(va) => Entity::Va(va),
                                None => Entity::Account(sa),
                            },
                        },
                    });
                }
                // A fulfilled line's deposit is in its account (LIC002).
                if let LineState::Fulfilled { sa } = state {
                    let at = crate::licenses::license::OrderLine {
                        order: record.id.clone(),
                        line: line_number(j).unwrap_or(u32::MAX),
                    };
                    if self.account(*sa).and_then(|a| a.deposit_of(&at)).is_none() {
                        return Err(SnapshotError {
                            path: format!("{path}.lines[{j}]"),
                            error: order_error(
                                &record.id,
                                Some(at.line),
                                RuleId::Q011,
                                format!(
                                    "it is recorded fulfilled but smart account `{sa}` holds no deposit of it"
                                ),
                            ),
                        });
                    }
                }
            }
            self.apply_order_change(&OrderChange::Imported { record });
        }
        Ok(())
    }

    /// Puts the directory's stream in place (EV005): a supplied one is replayed on its own and
    /// must give the stated organizations and users and claim every account's identifier
    /// exactly once; without one, a stream is rebuilt as an import.
    fn load_directory_stream(&mut self, events: Vec<DirectoryEvent>) -> Result<(), SnapshotError> {
        if events.is_empty() {
            self.dir_log = directory_log(self.imported_directory_stream())?;
            return Ok(());
        }
        let mut replayed = Directory::with_config(self.config.clone());
        let mut claims = Claims::default();
        for (i, event) in events.iter().enumerate() {
            let path = format!("directory_events[{i}]");
            let problem = |reason: String| SnapshotError {
                path: path.clone(),
                error: Error::Stream {
                    stream: StreamId::Directory,
                    seq: event.seq,
                    reason,
                },
            };
            if event.seq != i as u64 + 1 {
                return Err(problem(format!("expected sequence {}", i + 1)));
            }
            if let Some(before) = i.checked_sub(1).and_then(|k| events.get(k))
                && event.at < before.at
            {
                return Err(problem(format!(
                    "its time {} is before {}, the time of the event above it",
                    event.at, before.at
                )));
            }
            claims.record(self, &event.change).map_err(problem)?;
            replayed
                .check_directory_change(&event.change)
                .map_err(at(path.clone()))?;
            replayed.apply_directory_change(&event.change);
        }
        claims.finish(self).map_err(|problem| SnapshotError {
            path: "directory_events".into(),
            error: problem.unwrap_or_else(|reason| Error::Stream {
                stream: StreamId::Directory,
                seq: events.len() as u64,
                reason,
            }),
        })?;
        if replayed.orgs != self.orgs
            || replayed.users != self.users
            || replayed.orders != self.orders
        {
            return Err(SnapshotError {
                path: "directory_events".into(),
                error: Error::Inconsistent {
                    rule: RuleId::EV003,
                    entity: Entity::Organization(OrgId::new(0)),
                    reason: "the directory's stream replays to other organizations, users or order records than the ones stated",
                },
            });
        }
        // The users are the stream's own records, shared with its registration events rather
        // than kept twice (equal to the stated ones, checked above).
        self.users = replayed.users;
        self.dir_log = directory_log(events)?;
        Ok(())
    }

    /// The directory's stream of a snapshot that carries none: every organization, user and
    /// account identifier, registered and claimed by an import at the Unix epoch.
    fn imported_directory_stream(&self) -> Vec<DirectoryEvent> {
        let orgs = self
            .orgs
            .values()
            .map(|o| DirectoryChange::OrganizationRegistered {
                organization: o.clone(),
            });
        let users = self
            .users
            .values()
            .map(|u| DirectoryChange::UserRegistered { user: u.clone() });
        // A closed request claimed its identifier and released it (SA010).
        let claims = self.accounts().flat_map(|a| {
            let claim = DirectoryChange::IdentifierClaimed {
                sa: a.id,
                identifier: a.identifier.clone(),
            };
            let release = a
                .status
                .is_closed()
                .then(|| DirectoryChange::IdentifierReleased {
                    sa: a.id,
                    identifier: a.identifier.clone(),
                });
            std::iter::once(claim).chain(release)
        });
        let devices = self
            .devices
            .iter()
            .map(|(device, sa)| DirectoryChange::DeviceClaimed {
                sa: *sa,
                device: device.clone(),
            });
        let orders = self.orders.values().map(|record| {
            DirectoryChange::Order(OrderChange::Imported {
                record: Box::new(record.clone()),
            })
        });
        (1u64..)
            .zip(orgs.chain(users).chain(claims).chain(devices).chain(orders))
            .map(|(seq, change)| DirectoryEvent {
                seq,
                at: Timestamp::UNIX_EPOCH,
                actor: RecordedActor::Imported,
                command: None,
                change,
            })
            .collect()
    }

    fn load_account(
        &mut self,
        i: usize,
        snap: AccountSnapshot,
        seen_vas: &mut HashSet<VaId>,
    ) -> Result<bool, SnapshotError> {
        let path = format!("accounts[{i}]");
        let sa = snap.id;
        self.check_account_header(&path, &snap)?;
        self.check_account_parts(&path, &snap, seen_vas)?;
        let (events, account) = self.rebuild_account(&path, &snap)?;
        // A supplied log is evidence, verified with every other log once all accounts are
        // loaded (EV004); without one, the account is a trusted import whose log is rebuilt.
        let supplied = !snap.events.is_empty();
        self.accounts.insert(
            sa,
            Entry {
                account: Some(account),
                log: AccountLog::default(),
            },
        );
        for event in &events {
            self.reindex(event);
        }
        // The canonical events become the log of an import; no copy of them is kept.
        let log = if supplied { snap.events } else { events };
        for event in &log {
            if let Change::VaCreated { va, .. } = event.change {
                self.next_va = self.next_va.max(va.get());
            }
        }
        if let Some(entry) = self.accounts.get_mut(&sa) {
            entry.log = account_log(&path, sa, log, entry.keys())?;
        }
        Ok(supplied)
    }

    /// SA001, SA007, SA008: a new account ID, an owner that may own this kind of account, a
    /// known contact, and an identifier of the right kind.
    fn check_account_header(
        &self,
        path: &str,
        snap: &AccountSnapshot,
    ) -> Result<(), SnapshotError> {
        let sa = snap.id;
        let err = |error| SnapshotError {
            path: path.to_owned(),
            error,
        };
        if sa.get() == 0 || self.accounts.contains_key(&sa) {
            return Err(err(duplicate(Entity::Account(sa))));
        }
        let owner = self
            .orgs
            .get(&snap.owner)
            .ok_or_else(|| err(missing(RuleId::SA007, Entity::Organization(snap.owner))))?;
        if snap.kind == AccountKind::PartnerHolding && !owner.kind.is_seller() {
            return Err(err(Error::Holding {
                user: snap.contact,
                reason: "a partner holding account must belong to a partner or distributor",
            }));
        }
        if !self.users.contains_key(&snap.contact) {
            return Err(err(missing(RuleId::SA008, Entity::User(snap.contact))));
        }
        match (&snap.identifier, snap.kind) {
            (Identifier::Domain(_), AccountKind::Customer | AccountKind::PartnerHolding)
            | (Identifier::Email(_), AccountKind::LimitedUse) => {
                // A closed request holds its identifier no more (SA010): only a live account's
                // must be free.
                if !snap.status.is_closed() {
                    self.check_identifier(snap.kind, &snap.identifier, snap.contact)
                        .map_err(err)?;
                }
            }
            _ => {
                return Err(err(Error::Inconsistent {
                    rule: RuleId::SA001,
                    entity: Entity::Account(sa),
                    reason: "customer and holding accounts are identified by a domain, limited use accounts by an email",
                }));
            }
        }
        Ok(())
    }

    /// Each VA ID once in the directory, role holders that exist and may hold a role here
    /// (ROLE002, SA007), no roles and no use of licenses while pending (SA008), consistent
    /// partner records (PTR), each device in one account (DEV001).
    fn check_account_parts(
        &self,
        path: &str,
        snap: &AccountSnapshot,
        seen_vas: &mut HashSet<VaId>,
    ) -> Result<(), SnapshotError> {
        let sa = snap.id;
        let err = |error| SnapshotError {
            path: path.to_owned(),
            error,
        };
        for (j, va) in snap.vas.iter().enumerate() {
            if va.id.get() == 0 || !seen_vas.insert(va.id) {
                return Err(SnapshotError {
                    path: format!("{path}.vas[{j}]"),
                    error: duplicate(Entity::Va(va.id)),
                });
            }
        }
        for (j, b) in snap.roles.iter().enumerate() {
            let role_path = || format!("{path}.roles[{j}]");
            if !self.users.contains_key(&b.user) {
                return Err(SnapshotError {
                    path: role_path(),
                    error: missing(RuleId::ROLE002, Entity::User(b.user)),
                });
            }
            self.check_holding_role(snap.kind, b.user)
                .map_err(|error| SnapshotError {
                    path: role_path(),
                    error,
                })?;
        }
        if snap.status != AccountStatus::Active && !snap.roles.is_empty() {
            return Err(err(Error::Inconsistent {
                rule: RuleId::SA008,
                entity: Entity::Account(sa),
                reason: "a pending account has no roles until its contact activates it",
            }));
        }
        self.check_closing(snap).map_err(err)?;
        self.check_partner_records(path, snap)?;
        if snap.status != AccountStatus::Active
            && (!snap.licenses.devices.is_empty()
                || snap.licenses.pools.iter().any(|p| p.reserved > 0))
        {
            return Err(err(Error::NotUsable {
                sa,
                what: "consumed or reserved",
                reason: "it is pending",
            }));
        }
        self.check_notice_recipients(path, snap)?;
        for (j, d) in snap.licenses.devices.iter().enumerate() {
            if let Some(other) = self.devices.get(&d.id) {
                return Err(SnapshotError {
                    path: format!("{path}.licenses.devices[{j}]"),
                    error: Error::DuplicateDevice {
                        device: d.id.to_string(),
                        sa: *other,
                    },
                });
            }
        }
        Ok(())
    }

    /// LIC008: every recipient of a notification record is a user who may be a member of the
    /// holding account (a user of the directory, not a customer's, SA007). A recipient need not
    /// be a member now: records keep the members at the time, and members leave. Opt-ins are
    /// checked against the roles by the account's apply.
    fn check_notice_recipients(
        &self,
        path: &str,
        snap: &AccountSnapshot,
    ) -> Result<(), SnapshotError> {
        for (j, n) in snap.licenses.notifications.iter().enumerate() {
            for (k, user) in n.recipients.iter().enumerate() {
                let may_be_member = self.users.contains_key(user)
                    && self
                        .check_holding_role(AccountKind::PartnerHolding, *user)
                        .is_ok();
                if !may_be_member {
                    return Err(SnapshotError {
                        path: format!("{path}.licenses.notifications[{j}].recipients[{k}]"),
                        error: Error::Notification {
                            sa: snap.id,
                            id: n.id,
                            reason: "a recipient is a member of the holding account: a known user of a partner or distributor (SA007)",
                        },
                    });
                }
            }
        }
        Ok(())
    }

    /// The account rebuilt by applying its canonical events (EV003), with every check of the
    /// commands, and still under its owner's control (ROLE007, PTR006).
    fn rebuild_account(
        &self,
        path: &str,
        snap: &AccountSnapshot,
    ) -> Result<(Vec<Event>, SmartAccount), SnapshotError> {
        let sa = snap.id;
        let err = |error| SnapshotError {
            path: path.to_owned(),
            error,
        };
        let events = canonical_events(path, snap)?;
        let Some(first) = events.first() else {
            return Err(err(missing(RuleId::SA002, Entity::Va(snap.default_va))));
        };
        let mut account = SmartAccount::create(first).map_err(err)?;
        // Every canonical event is applied, whether or not it has an origin for error paths
        // (zipping the two once dropped the agreement acceptance).
        let origins = origins(snap);
        let own = |u| member_of(&self.users, snap.owner, u);
        for (k, event) in events.iter().enumerate().skip(1) {
            let origin = origins.get(k).map_or("", String::as_str);
            account
                .apply_in(event, &own)
                .map_err(|error| SnapshotError {
                    path: format!("{path}{origin}"),
                    error,
                })?;
        }
        // ROLE007, PTR006: the same test as the commands keep.
        if !account.keeps_control(&own) {
            return Err(err(Error::Inconsistent {
                rule: RuleId::ROLE007,
                entity: Entity::Account(sa),
                reason: "an active account needs an SA Admin of its owning organization whose role does not expire (PTR006)",
            }));
        }
        Ok((events, account))
    }

    /// Re-checks every supplied log as the commands it records (EV004): the logs are replayed
    /// together, in time order, on a directory that starts with the people and the accounts
    /// imported without a log, and each account must come out as stated (EV003).
    fn verify_logs(
        &self,
        people: Directory,
        loaded: &[(usize, SaId, bool)],
    ) -> Result<(), SnapshotError> {
        let mut replayed = people;
        for (i, sa, _) in loaded.iter().filter(|(_, _, supplied)| !supplied) {
            let log = self
                .accounts
                .get(sa)
                .map(|e| e.events(*sa))
                .unwrap_or_default();
            replayed
                .append_recorded(&log)
                .map_err(at(format!("accounts[{i}]")))?;
        }
        let logged: Vec<(usize, SaId)> = loaded
            .iter()
            .filter(|(_, _, supplied)| *supplied)
            .map(|(i, sa, _)| (*i, *sa))
            .collect();
        let streams = logged
            .iter()
            .map(|(i, sa)| {
                let log = self
                    .accounts
                    .get(sa)
                    .map(|e| e.events(*sa))
                    .unwrap_or_default();
                Stream::new(*sa, format!("accounts[{i}].events"), log)
            })
            .collect();
        replay_as_evidence(&mut replayed, streams).map_err(|r| SnapshotError {
            path: r.path,
            error: r.error,
        })?;
        for (i, sa) in &logged {
            if replayed.account(*sa) != self.account(*sa) {
                return Err(SnapshotError {
                    path: format!("accounts[{i}]"),
                    error: Error::Inconsistent {
                        rule: RuleId::EV003,
                        entity: Entity::Account(*sa),
                        reason: "the event log replays to a different state than the one stated",
                    },
                });
            }
        }
        Ok(())
    }
}

impl Directory {
    /// SA010, SA011: a closed status comes with the time it closed, after the request and, for
    /// a lapse, at least the configured period after it; only an Active account holds access
    /// requests of the owner's own users (they ask for access to an existing account).
    fn check_closing(&self, snap: &AccountSnapshot) -> Result<(), Error> {
        let inconsistent = |rule, reason| Error::Inconsistent {
            rule,
            entity: Entity::Account(snap.id),
            reason,
        };
        match (snap.status.is_closed(), snap.closed_at) {
            (true, None) => {
                return Err(inconsistent(
                    RuleId::SA010,
                    "a declined, withdrawn or lapsed request states when it closed (closed_at)",
                ));
            }
            (false, Some(_)) => {
                return Err(inconsistent(
                    RuleId::SA010,
                    "only a declined, withdrawn or lapsed request has a closing time",
                ));
            }
            (true, Some(closed)) => {
                let created = crate::base::dates::utc_date(snap.created_at);
                let due = crate::base::dates::add_days_saturating(
                    created,
                    self.config.account_request_lapse_days,
                );
                if closed < snap.created_at
                    || (snap.status == AccountStatus::Lapsed
                        && crate::base::dates::utc_date(closed) < due)
                {
                    return Err(inconsistent(
                        RuleId::SA010,
                        "it closed before it was requested, or lapsed before its period ran out",
                    ));
                }
            }
            (false, None) => {}
        }
        if snap.status != AccountStatus::Active
            && snap.access_requests.iter().any(|r| r.org == snap.owner)
        {
            return Err(inconsistent(
                RuleId::SA011,
                "only an active account holds access requests of its owner's users",
            ));
        }
        Ok(())
    }

    /// Checks what the events of partner access requests and reviews cannot: requests name
    /// known users and organizations (decided ones a known decider), and pending ones a Virtual
    /// Account of the account; reviews name known users and organizations. The canonical
    /// events then put them into the account through `apply` (kinds of role, unique
    /// identifiers, answered once).
    fn check_partner_records(
        &self,
        path: &str,
        snap: &AccountSnapshot,
    ) -> Result<(), SnapshotError> {
        // Built once, so each pending request is one look-up, not a search of the VAs.
        let vas: HashSet<VaId> = if snap.access_requests.is_empty() {
            HashSet::new()
        } else {
            snap.vas.iter().map(|v| v.id).collect()
        };
        // The Virtual Accounts the account's log deletes, also built once.
        let deleted: HashSet<VaId> = if snap.access_requests.is_empty() {
            HashSet::new()
        } else {
            snap.events
                .iter()
                .filter_map(|e| match e.change {
                    Change::VaDeleted { va } => Some(va),
                    _ => None,
                })
                .collect()
        };
        for (j, r) in snap.access_requests.iter().enumerate() {
            let fail = |error| SnapshotError {
                path: format!("{path}.access_requests[{j}]"),
                error,
            };
            if !self.users.contains_key(&r.user) {
                return Err(fail(missing(RuleId::PTR002, Entity::User(r.user))));
            }
            if !self.orgs.contains_key(&r.org) {
                return Err(fail(missing(RuleId::PTR002, Entity::Organization(r.org))));
            }
            // The customer user who decided it must be known too.
            if let crate::RequestStatus::Approved { by, .. }
            | crate::RequestStatus::Rejected { by, .. } = r.status
                && !self.users.contains_key(&by)
            {
                return Err(SnapshotError {
                    path: format!("{path}.access_requests[{j}].status"),
                    error: missing(RuleId::PTR002, Entity::User(by)),
                });
            }
            // A Virtual Account deleted after the request was made is fine when the log shows
            // this account deleting it: the request can no longer be approved.
            if let Some(va) = r.va
                && r.status == crate::RequestStatus::Pending
                && !vas.contains(&va)
                && !deleted.contains(&va)
            {
                return Err(fail(missing(RuleId::PTR002, Entity::Va(va))));
            }
        }
        for (j, review) in snap.access_reviews.iter().enumerate() {
            let fail = |error| SnapshotError {
                path: format!("{path}.access_reviews[{j}]"),
                error,
            };
            if !self.users.contains_key(&review.by) {
                return Err(fail(missing(RuleId::PTR003, Entity::User(review.by))));
            }
            if let Some(org) = review.org
                && !self.orgs.contains_key(&org)
            {
                return Err(fail(missing(RuleId::PTR003, Entity::Organization(org))));
            }
        }
        Ok(())
    }
}

fn duplicate(entity: Entity) -> Error {
    Error::Inconsistent {
        rule: RuleId::EV003,
        entity,
        reason: "this identifier is zero or appears twice",
    }
}

fn missing(rule: RuleId, entity: Entity) -> Error {
    Error::NotFound { rule, entity }
}

/// Where each canonical event comes from in the snapshot, for error paths. Linear in the size
/// of the account: the Virtual Accounts come as positions, nothing is searched for (EV004).
fn origins(snap: &AccountSnapshot) -> Vec<String> {
    let order = va_order(snap).unwrap_or_default();
    let default = order
        .iter()
        .find(|j| snap.vas.get(**j).is_some_and(|v| v.id == snap.default_va));
    let mut out = vec![
        String::new(),
        default.map(|j| format!(".vas[{j}]")).unwrap_or_default(),
    ];
    out.extend(
        order
            .iter()
            .filter(|j| Some(*j) != default)
            .map(|j| format!(".vas[{j}]")),
    );
    out.extend(
        snap.vas
            .iter()
            .enumerate()
            .filter(|(_, v)| v.visibility == Visibility::Restricted)
            .map(|(j, _)| format!(".vas[{j}]")),
    );
    out.extend((0..snap.roles.len()).map(|j| format!(".roles[{j}]")));
    out.extend(
        snap.roles
            .iter()
            .enumerate()
            .filter(|(_, b)| b.expires.is_some())
            .map(|(j, _)| format!(".roles[{j}]")),
    );
    out.extend(snap.licenses.items().into_iter().map(|(p, _)| p));
    out.extend(timed_records(snap).into_iter().map(|(_, _, origin)| origin));
    out
}

/// The path of one Virtual Account, for an error: a linear search, used at most once per load.
fn va_path(snap: &AccountSnapshot, id: VaId) -> String {
    snap.vas
        .iter()
        .position(|v| v.id == id)
        .map(|j| format!(".vas[{j}]"))
        .unwrap_or_default()
}

/// The positions in `snap.vas` of the Virtual Accounts, parents before children; `Err` with
/// the first one that is never reached from the top level (a cycle or a dangling parent).
///
/// Linear: one hash map from parent to children, built once; positions, not identifiers, so
/// nothing else needs a look-up (EV004).
fn va_order(snap: &AccountSnapshot) -> Result<Vec<usize>, VaId> {
    let mut children: HashMap<Option<VaId>, Vec<usize>> = HashMap::new();
    for (j, va) in snap.vas.iter().enumerate() {
        children.entry(va.parent).or_default().push(j);
    }
    let mut order = Vec::with_capacity(snap.vas.len());
    let mut queue: VecDeque<usize> = children.remove(&None).unwrap_or_default().into();
    while let Some(j) = queue.pop_front() {
        order.push(j);
        if let Some(kids) = snap.vas.get(j).and_then(|v| children.get(&Some(v.id))) {
            queue.extend(kids.iter().copied());
        }
    }
    if order.len() != snap.vas.len() {
        let mut reached = vec![false; snap.vas.len()];
        for j in &order {
            if let Some(r) = reached.get_mut(*j) {
                *r = true;
            }
        }
        let first = snap
            .vas
            .iter()
            .zip(&reached)
            .find(|(_, r)| !**r)
            .map_or(VaId::new(0), |(v, _)| v.id);
        return Err(first);
    }
    Ok(order)
}

/// The records of an account snapshot that carry their own time (partner access requests and
/// their answers, reviews, the agreement), oldest first (records of one time in snapshot
/// order), each with its change and its path below the account.
fn timed_records(snap: &AccountSnapshot) -> Vec<(Timestamp, Change, String)> {
    let mut timed = Vec::new();
    for (j, r) in snap.access_requests.iter().enumerate() {
        timed.push((
            r.requested_at,
            Change::AccessRequested {
                request: r.id,
                user: r.user,
                org: r.org,
                va: r.va,
                role: r.role,
                inheritance: r.inheritance,
                expires: r.expires,
            },
            format!(".access_requests[{j}]"),
        ));
        let answer = match r.status {
            crate::RequestStatus::Pending => None,
            crate::RequestStatus::Approved { by, at } => {
                Some((at, Change::AccessApproved { request: r.id, by }))
            }
            crate::RequestStatus::Rejected { by, at } => {
                Some((at, Change::AccessRejected { request: r.id, by }))
            }
        };
        if let Some((at, change)) = answer {
            timed.push((at, change, format!(".access_requests[{j}].status")));
        }
    }
    for (j, review) in snap.access_reviews.iter().enumerate() {
        timed.push((
            review.at,
            Change::AccessReviewed {
                by: review.by,
                org: review.org,
            },
            format!(".access_reviews[{j}]"),
        ));
    }
    if let Some(acceptance) = snap.agreement {
        timed.push((
            acceptance.at,
            Change::AgreementAccepted { by: acceptance.by },
            ".agreement".into(),
        ));
    }
    // SA010: a closed request closes at its time (checked present by `check_closing`).
    let closing = match snap.status {
        AccountStatus::Declined => Some(Change::AccountDeclined),
        AccountStatus::Withdrawn => Some(Change::AccountRequestWithdrawn),
        AccountStatus::Lapsed => Some(Change::AccountRequestLapsed),
        AccountStatus::Pending | AccountStatus::Active => None,
    };
    if let (Some(change), Some(at)) = (closing, snap.closed_at) {
        timed.push((at, change, ".status".into()));
    }
    timed.sort_by_key(|(at, _, _)| *at);
    timed
}

/// The events that build the stated account through the same checks as the commands.
fn canonical_events(path: &str, snap: &AccountSnapshot) -> Result<Vec<Event>, SnapshotError> {
    let sa = snap.id;
    let (order, default) = tree_order(path, snap)?;
    let actor = RecordedActor::Imported;
    let changes = opening_changes(snap, &order, default);
    let mut events: Vec<Event> = (1u64..)
        .zip(changes)
        .map(|(seq, change)| Event {
            sa,
            seq,
            at: snap.created_at,
            actor: actor.clone(),
            command: None,
            change,
        })
        .collect();
    // Partner access requests, their answers, the reviews and the agreement, each at its own
    // time, oldest first: a log's times never decrease (EV004).
    for (at, change, origin) in timed_records(snap) {
        if at < snap.created_at {
            return Err(SnapshotError {
                path: format!("{path}{origin}"),
                error: Error::Evidence {
                    sa,
                    seq: events.len() as u64 + 1,
                    reason: format!(
                        "its time {at} is before the account was created, at {}",
                        snap.created_at
                    ),
                },
            });
        }
        let seq = events.len() as u64 + 1;
        events.push(Event {
            sa,
            seq,
            at,
            actor: actor.clone(),
            command: None,
            change,
        });
    }
    Ok(events)
}

/// The order in which the VAs of `snap` can be created (parents first), and its default VA,
/// which must exist and be top-level (VA004, SA002).
fn tree_order<'s>(
    path: &str,
    snap: &'s AccountSnapshot,
) -> Result<(Vec<usize>, &'s VaSnapshot), SnapshotError> {
    let order = va_order(snap).map_err(|va| SnapshotError {
        path: format!("{path}{}", va_path(snap, va)),
        error: Error::Inconsistent {
            rule: RuleId::VA004,
            entity: Entity::Va(va),
            reason: "its parent is missing, in another account, or part of a cycle",
        },
    })?;
    let default = snap
        .vas
        .iter()
        .find(|v| v.id == snap.default_va)
        .ok_or_else(|| SnapshotError {
            path: format!("{path}.default_va"),
            error: Error::NotFound {
                rule: RuleId::SA002,
                entity: Entity::Va(snap.default_va),
            },
        })?;
    if default.parent.is_some() {
        return Err(SnapshotError {
            path: format!("{path}{}", va_path(snap, default.id)),
            error: Error::DefaultVa {
                va: default.id,
                reason: "the default must be a top-level virtual account",
            },
        });
    }
    Ok((order, default))
}

/// The changes that rebuild the state of `snap` at its creation time: the account, its VAs
/// parents first, their visibility, the roles with their expiries, and the opening balance of
/// its licenses.
fn opening_changes(snap: &AccountSnapshot, order: &[usize], default: &VaSnapshot) -> Vec<Change> {
    let mut changes = vec![
        Change::AccountCreated {
            kind: snap.kind,
            name: snap.name.clone(),
            identifier: snap.identifier.clone(),
            owner: snap.owner,
            contact: snap.contact,
            // A closed request is created Pending and closed by its own event (SA010).
            status: if snap.status.is_closed() {
                AccountStatus::Pending
            } else {
                snap.status
            },
            default_va: snap.default_va,
        },
        Change::VaRenamed {
            va: snap.default_va,
            name: default.name.clone(),
        },
    ];
    for v in order.iter().filter_map(|j| snap.vas.get(*j)) {
        if v.id != snap.default_va {
            changes.push(Change::VaCreated {
                va: v.id,
                parent: v.parent,
                name: v.name.clone(),
            });
        }
    }
    for v in snap
        .vas
        .iter()
        .filter(|v| v.visibility == Visibility::Restricted)
    {
        changes.push(Change::VaVisibilitySet {
            va: v.id,
            visibility: v.visibility,
        });
    }
    for b in &snap.roles {
        changes.push(Change::RoleAssigned {
            user: b.user,
            va: b.va,
            role: b.role,
            inheritance: reach(b.va, b.inheritance),
        });
    }
    for b in snap.roles.iter().filter(|b| b.expires.is_some()) {
        changes.push(Change::RoleExpirySet {
            user: b.user,
            va: b.va,
            expires: b.expires,
        });
    }
    changes.extend(
        snap.licenses
            .items()
            .into_iter()
            .map(|(_, item)| Change::License(LicenseChange::Opening(Box::new(item)))),
    );
    changes
}

#[cfg(feature = "serde")]
impl serde::Serialize for Directory {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_snapshot().serialize(serializer)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Directory {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let snapshot = Snapshot::deserialize(deserializer)?;
        Directory::from_snapshot(snapshot).map_err(serde::de::Error::custom)
    }
}

/// What a supplied directory stream claims, gathered as it replays: each account's identifier
/// exactly once (SA003, SA005), and the devices held at the end, which must be the devices
/// the accounts have (DEV001).
#[derive(Debug, Default)]
struct Claims {
    identifiers: HashMap<SaId, Identifier>,
    /// The accounts whose claim was released (SA010).
    released: HashSet<SaId>,
    devices: BTreeMap<DeviceId, SaId>,
}

impl Claims {
    /// Records one change, or says why the stream cannot be right.
    fn record(&mut self, dir: &Directory, change: &DirectoryChange) -> Result<(), String> {
        match change {
            DirectoryChange::IdentifierClaimed { sa, identifier } => {
                let stated = dir.account(*sa).map(|a| &a.identifier);
                if stated != Some(identifier)
                    || self.identifiers.insert(*sa, identifier.clone()).is_some()
                {
                    return Err(format!(
                        "it claims `{identifier}` for `{sa}`, which is not that account's identifier or was claimed before"
                    ));
                }
            }
            DirectoryChange::IdentifierReleased { sa, identifier }
                if self.identifiers.get(sa) != Some(identifier) || !self.released.insert(*sa) =>
            {
                return Err(format!(
                    "it releases `{identifier}` for `{sa}`, which does not hold it"
                ));
            }
            DirectoryChange::DeviceClaimed { sa, device } => {
                if let Some(holder) = self.devices.insert(device.clone(), *sa) {
                    return Err(format!(
                        "it claims device `{device}` for `{sa}` while `{holder}` holds it"
                    ));
                }
            }
            DirectoryChange::DeviceReleased { sa, device }
                if self.devices.remove(device) != Some(*sa) =>
            {
                return Err(format!(
                    "it releases device `{device}` for `{sa}`, which does not hold it"
                ));
            }
            _ => {}
        }
        Ok(())
    }

    /// Every account's identifier claimed, released exactly for the closed requests (SA010),
    /// and the devices held those the accounts have.
    fn finish(&self, dir: &Directory) -> Result<(), Result<Error, String>> {
        if let Some(account) = dir
            .accounts()
            .find(|a| !self.identifiers.contains_key(&a.id))
        {
            return Err(Err(format!(
                "no event claims `{}` for `{}`",
                account.identifier, account.id
            )));
        }
        if let Some(account) = dir
            .accounts()
            .find(|a| a.status.is_closed() != self.released.contains(&a.id))
        {
            return Err(Ok(Error::AccountRequest {
                sa: account.id,
                status: account.status.as_str(),
                reason: if account.status.is_closed() {
                    "the directory's stream still claims the identifier of this closed request"
                } else {
                    "the directory's stream releases the identifier of this account, which is not closed"
                },
            }));
        }
        if self.devices != dir.devices {
            return Err(Err(
                "the devices it leaves claimed are not the devices the accounts have".to_owned(),
            ));
        }
        Ok(())
    }
}

/// The directory's stream kept as a log (EV005): its events numbered from 1 without gaps.
fn directory_log(events: Vec<DirectoryEvent>) -> Result<DirectoryLog, SnapshotError> {
    DirectoryLog::from_events(events).map_err(|(i, seq, why)| SnapshotError {
        path: format!("directory_events[{i}]"),
        error: misplaced(StreamId::Directory, seq, why),
    })
}

/// An account's log kept as a log (EV005): its events of the account, numbered from 1 without
/// gaps, else the position of the first that is not.
fn account_log(
    path: &str,
    sa: SaId,
    events: Vec<Event>,
    keys: Keys<'_>,
) -> Result<AccountLog, SnapshotError> {
    AccountLog::from_events(sa, events, keys).map_err(|(i, seq, why)| SnapshotError {
        path: format!("{path}.events[{i}]"),
        error: Error::Replay {
            sa,
            seq,
            reason: why.to_string(),
        },
    })
}
