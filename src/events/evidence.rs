//! Logs from outside are evidence (EV004): a supplied event log is re-checked event by event as
//! the command it records, against the state just before it, in the order the events happened.
//!
//! Every stream (one Smart Account's log) is merged by time with the others, so a command is
//! judged on exactly the state its actor saw: the roles in force that day, the partner consent
//! given so far (PTR001, PTR006), the devices and domains already taken. For each event the
//! command it stands for is rebuilt from the change ([`candidates`]), planned through the same
//! code as a live command ([`Directory::plan_recorded`]), and its changes must equal the next
//! events of the stream, made at one time by one actor. Events recorded as
//! [`RecordedActor::Imported`] are the rebuilt log of a trusted operator's import: they are
//! checked for structure only, and only as the first events of a log.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashSet};

use jiff::Timestamp;

use crate::base::error::Error;
use crate::base::ids::{SaId, UserId, VaId};
use crate::directory::Command;
use crate::directory::Directory;
use crate::events::event::{Change, Event, RecordedActor};
use crate::licenses::license::{CrossSaPath, DeviceId, LicenseChange, LicenseCommand};
use crate::licenses::planning::Planned;
use crate::roles::matrix::{Actor, Inheritance, Role, Target};

/// One account's log being verified.
pub(crate) struct Stream {
    /// The account.
    pub(crate) sa: SaId,
    /// Where the log sits in the input, e.g. `accounts[2].events`.
    pub(crate) path: String,
    /// The events, oldest first.
    pub(crate) events: Vec<Event>,
    /// How many events the account's log held before these (a replica following a store).
    offset: u64,
    /// The next event to verify.
    next: usize,
    /// Whether an event with a real actor was verified (imports come first).
    recorded: bool,
}

impl Stream {
    /// A stream of `events`, found at `path`.
    pub(crate) fn new(sa: SaId, path: String, events: Vec<Event>) -> Stream {
        Stream {
            sa,
            path,
            events,
            offset: 0,
            next: 0,
            recorded: false,
        }
    }

    /// A stream of `events` that continue the account's log in `dir` (EV005): numbered after
    /// it, and past its imports when it holds a recorded command.
    pub(crate) fn following(dir: &Directory, sa: SaId, path: String, events: Vec<Event>) -> Stream {
        let log = dir.log_of(sa);
        Stream {
            offset: log.map_or(0, |log| log.len() as u64),
            recorded: log.is_some_and(|log| {
                log.runs()
                    .any(|(_, head)| head.actor != RecordedActor::Imported)
            }),
            ..Stream::new(sa, path, events)
        }
    }
}

/// A refusal of a log: where (the path of the event) and why.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) path: String,
    pub(crate) error: Error,
}

/// Identifiers handed out so far, so that none is ever handed out twice.
#[derive(Default)]
struct Seen {
    accounts: HashSet<SaId>,
    vas: HashSet<VaId>,
}

/// Replays every stream into `dir` (which holds the people and no account), re-checking each
/// event as the command it records. Returns the directory the logs build.
pub(crate) fn replay_as_evidence(
    dir: &mut Directory,
    mut streams: Vec<Stream>,
) -> Result<(), Refusal> {
    let by_sa: BTreeMap<SaId, usize> = streams.iter().enumerate().map(|(i, s)| (s.sa, i)).collect();
    // Ordered by time; among equal times, by how often the event was put back, then by its
    // position in its log (commands at one instant interleave across accounts), then by stream.
    let mut heap: BinaryHeap<Reverse<(Timestamp, usize, u64, usize)>> = streams
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.events.first().map(|e| Reverse((e.at, 0, e.seq, i))))
        .collect();
    let mut seen = Seen::default();
    let transient = transient_devices(&streams);
    // Failures since the last verified command, all at one time.
    let mut stalled = 0usize;
    // Retries in all: at most one per event, so a hostile log cannot make the work quadratic.
    let events: usize = streams.iter().map(|s| s.events.len()).sum();
    let mut budget = events;
    while let Some(Reverse((at, tries, _, i))) = heap.pop() {
        let Some(stream) = streams.get(i) else {
            continue;
        };
        let Some(event) = stream.events.get(stream.next) else {
            continue;
        };
        // The entry may be stale: a transfer between accounts advanced this stream too.
        if event.at != at {
            heap.push(Reverse((event.at, 0, event.seq, i)));
            continue;
        }
        // The receiving side of a transfer waits for its sending side, which moves both.
        if matches!(event.change, Change::License(LicenseChange::Received(_))) {
            continue;
        }
        let event_seq = event.seq;
        let outcome = if waits_for_device(&streams, &transient, i) {
            Err(Failure::Refused(Refusal {
                path: format!("{}[{}]", stream.path, stream.next),
                error: not_permitted(
                    event,
                    mismatch(
                        event,
                        "the device is registered while another account still holds it",
                    ),
                ),
            }))
        } else {
            step(dir, &mut streams, &by_sa, i, &mut seen)
        };
        match outcome {
            Ok(other) => {
                stalled = 0;
                for k in std::iter::once(i).chain(other) {
                    if let Some(next) = streams.get(k).and_then(|s| s.events.get(s.next)) {
                        heap.push(Reverse((next.at, 0, next.seq, k)));
                    }
                }
            }
            // Commands of different accounts at the same time happened in some order the logs
            // do not record: a command refused now is tried again after the others of that
            // time, until none of them can go on.
            Err(Failure::Refused(refusal)) => {
                let same_time = heap.peek().is_some_and(|Reverse((t, _, _, _))| *t == at);
                if !same_time || stalled > heap.len() {
                    return Err(refusal);
                }
                if budget == 0 {
                    return Err(too_much_work(&streams, i, refusal, events));
                }
                stalled += 1;
                budget -= 1;
                heap.push(Reverse((at, tries.saturating_add(1), event_seq, i)));
            }
            Err(Failure::Broken(refusal)) => return Err(refusal),
        }
    }
    unsent_receipt(&streams)?;
    Ok(())
}

/// A stream left with events once the replay ends holds a received transfer that no account
/// sent.
fn unsent_receipt(streams: &[Stream]) -> Result<(), Refusal> {
    for stream in streams {
        if let Some(event) = stream.events.get(stream.next) {
            return Err(Refusal {
                path: format!("{}[{}]", stream.path, stream.next),
                error: not_permitted(
                    event,
                    mismatch(event, "no account's log sends the transfer it receives"),
                ),
            });
        }
    }
    Ok(())
}

/// The refusal when the retries of one replay have used up their budget (one per event): the
/// log may be valid, but showing it would take more work than a log of its size may cost.
fn too_much_work(streams: &[Stream], i: usize, refusal: Refusal, events: usize) -> Refusal {
    let event = streams.get(i).and_then(|s| s.events.get(s.next));
    let error = event.map_or(refusal.error, |e| {
        evidence(
            e,
            format!(
                "commands of different accounts at one instant need more retries than the logs \
                 have events ({events}); loading re-checks a log with at most one retry per \
                 event, so that no log makes it quadratic"
            ),
        )
    });
    Refusal {
        path: refusal.path,
        error,
    }
}

/// Registrations of a device that its own account removes again at the same instant, by
/// device and instant: (stream, index in the log).
type Transient = BTreeMap<(DeviceId, Timestamp), Vec<(usize, usize)>>;

fn transient_devices(streams: &[Stream]) -> Transient {
    let mut out = Transient::new();
    for (i, stream) in streams.iter().enumerate() {
        // The last removal of each device at each instant, in this log.
        let mut removed: BTreeMap<(&DeviceId, Timestamp), usize> = BTreeMap::new();
        for (k, event) in stream.events.iter().enumerate() {
            if let Change::License(LicenseChange::DeviceRemoved { device }) = &event.change {
                removed.insert((device, event.at), k);
            }
        }
        for (k, event) in stream.events.iter().enumerate() {
            if let Change::License(LicenseChange::DeviceRegistered { device, .. }) = &event.change
                && removed.get(&(device, event.at)).is_some_and(|r| *r > k)
            {
                out.entry((device.clone(), event.at))
                    .or_default()
                    .push((i, k));
            }
        }
    }
    out
}

/// Whether stream `i`'s next event registers a device for good while another account's log
/// still has, at the same instant, a registration of it that it removes again: that account's
/// commands went first (a device moved between accounts within one instant).
fn waits_for_device(streams: &[Stream], transient: &Transient, i: usize) -> bool {
    let Some(stream) = streams.get(i) else {
        return false;
    };
    let k = stream.next;
    let Some(event) = stream.events.get(k) else {
        return false;
    };
    let Change::License(LicenseChange::DeviceRegistered { device, .. }) = &event.change else {
        return false;
    };
    let Some(others) = transient.get(&(device.clone(), event.at)) else {
        return false;
    };
    if others.iter().any(|(s, j)| *s == i && *j == k) {
        return false;
    }
    others
        .iter()
        .any(|(s, j)| *s != i && streams.get(*s).is_some_and(|o| o.next <= *j))
}

/// Why a step failed: the command is refused on the current state (another account's command
/// of the same time may have to go first), or the log is broken whatever the order.
enum Failure {
    Refused(Refusal),
    Broken(Refusal),
}

/// Verifies and applies the command that starts at stream `i`'s next event; returns the other
/// stream it advanced, for a transfer between accounts.
fn step(
    dir: &mut Directory,
    streams: &mut [Stream],
    by_sa: &BTreeMap<SaId, usize>,
    i: usize,
    seen: &mut Seen,
) -> Result<Option<usize>, Failure> {
    let Some(stream) = streams.get(i) else {
        return Ok(None);
    };
    let at_index = stream.next;
    let path = format!("{}[{at_index}]", stream.path);
    let refuse = |error| broken(&path, error);
    let Some(event) = stream.events.get(at_index) else {
        return Ok(None);
    };
    check_position(stream, at_index, event).map_err(refuse)?;
    if event.actor == RecordedActor::Imported {
        if stream.recorded {
            return Err(refuse(evidence(
                event,
                "an import comes before every recorded command of a log".into(),
            )));
        }
        fresh(dir, seen, event).map_err(refuse)?;
        dir.append_recorded(std::slice::from_ref(event))
            .map_err(refuse)?;
        advance(streams, i, 1, false);
        return Ok(None);
    }
    let actor = actor_of(dir, event).map_err(refuse)?;
    let rest = stream.events.get(at_index..).unwrap_or_default();
    let mut first_error = None;
    for command in candidates(dir, rest) {
        match dir.plan_recorded(&actor, event.at, command) {
            Err(error) => {
                first_error.get_or_insert(error);
            }
            Ok(Planned::One(sa, changes)) => match matching(rest, sa, &changes) {
                Ok(count) => {
                    let group = rest.get(..count).unwrap_or_default();
                    apply_group(dir, seen, group, &path)?;
                    advance(streams, i, count, true);
                    return Ok(None);
                }
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            },
            Ok(Planned::Directory(_)) => {
                first_error.get_or_insert(mismatch(event, "a registration changes no account"));
            }
            Ok(Planned::Pair {
                from,
                sent,
                to,
                received,
            }) => match pair(streams, by_sa, event, (from, sent), (to, received)) {
                Ok((a, b)) => {
                    apply_pair(dir, streams, (a, b), &path)?;
                    return Ok(Some(b));
                }
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            },
        }
    }
    let cause = first_error.unwrap_or_else(|| mismatch(event, "no command makes this change"));
    Err(Failure::Refused(Refusal {
        path,
        error: not_permitted(event, cause),
    }))
}

/// A log broken at `path`, whatever the order of the other logs.
fn broken(path: &str, error: Error) -> Failure {
    Failure::Broken(Refusal {
        path: path.to_owned(),
        error,
    })
}

/// Moves stream `k` past `count` verified events; `recorded` when they had a real actor.
fn advance(streams: &mut [Stream], k: usize, count: usize, recorded: bool) {
    if let Some(stream) = streams.get_mut(k) {
        stream.next += count;
        stream.recorded |= recorded;
    }
}

/// Applies the events of one command of one account, found at `path`, after checking the
/// identifiers they hand out.
fn apply_group(
    dir: &mut Directory,
    seen: &mut Seen,
    group: &[Event],
    path: &str,
) -> Result<(), Failure> {
    for e in group {
        fresh(dir, seen, e).map_err(|error| broken(path, error))?;
    }
    let Some(first) = group.first() else {
        return Ok(());
    };
    // The account refuses what the plan cannot see (PTR006, ROLE007 as of the event's day):
    // the command was not permitted either.
    dir.append_recorded(group)
        .map_err(|cause| broken(path, not_permitted(first, cause)))
}

/// Applies both sides of a transfer between accounts, the next events of streams `a` and `b`,
/// and moves both streams past them.
fn apply_pair(
    dir: &mut Directory,
    streams: &mut [Stream],
    (a, b): (usize, usize),
    path: &str,
) -> Result<(), Failure> {
    for k in [a, b] {
        if let Some(e) = streams.get(k).and_then(|s| s.events.get(s.next)) {
            dir.append_recorded(std::slice::from_ref(e))
                .map_err(|error| broken(path, error))?;
        }
    }
    advance(streams, a, 1, true);
    advance(streams, b, 1, true);
    Ok(())
}

/// The event records a change its actor could not make, because of `cause`.
fn not_permitted(event: &Event, cause: Error) -> Error {
    Error::NotPermitted {
        sa: event.sa,
        seq: event.seq,
        cause: Box::new(cause),
    }
}

/// No command of the event's actor makes the recorded change, for `reason`.
fn mismatch(event: &Event, reason: &'static str) -> Error {
    Error::Mismatch {
        sa: event.sa,
        seq: event.seq,
        reason,
    }
}

fn evidence(event: &Event, reason: String) -> Error {
    Error::Evidence {
        sa: event.sa,
        seq: event.seq,
        reason,
    }
}

/// The event belongs to its stream, comes in sequence, and is not older than the one before.
fn check_position(stream: &Stream, index: usize, event: &Event) -> Result<(), Error> {
    let expected = u64::try_from(index)
        .unwrap_or(u64::MAX)
        .saturating_add(1)
        .saturating_add(stream.offset);
    if event.sa != stream.sa {
        return Err(Error::Replay {
            sa: stream.sa,
            seq: event.seq,
            reason: format!("the event belongs to `{}`", event.sa),
        });
    }
    if event.seq != expected {
        return Err(Error::Replay {
            sa: stream.sa,
            seq: event.seq,
            reason: format!("expected sequence {expected}"),
        });
    }
    let before = index.checked_sub(1).and_then(|k| stream.events.get(k));
    if let Some(before) = before
        && event.at < before.at
    {
        return Err(evidence(
            event,
            format!(
                "its time {} is before {}, the time of the event above it",
                event.at, before.at
            ),
        ));
    }
    Ok(())
}

/// The actor who made the command, checked against the people of the directory: a user must
/// exist and belong to the organization recorded with them.
fn actor_of(dir: &Directory, event: &Event) -> Result<Actor, Error> {
    match &event.actor {
        RecordedActor::User { user, org } => match dir.user(*user) {
            None => Err(evidence(
                event,
                format!("its actor `{user}` is no user of the directory"),
            )),
            Some(u) if u.org != *org => Err(evidence(
                event,
                format!(
                    "its actor `{user}` is recorded with organization `{org}` but belongs to `{}`",
                    u.org
                ),
            )),
            Some(_) => Ok(Actor::User(*user)),
        },
        RecordedActor::Fulfilment => Ok(Actor::Fulfilment),
        RecordedActor::VendorSupport { case } => Ok(Actor::VendorSupport { case: case.clone() }),
        RecordedActor::Imported => Err(evidence(event, "an import has no actor".into())),
    }
}

/// Identifiers an event hands out were never handed out before, and are not zero.
fn fresh(dir: &Directory, seen: &mut Seen, event: &Event) -> Result<(), Error> {
    let (sa, va) = match &event.change {
        Change::AccountCreated { default_va, .. } => (Some(event.sa), Some(*default_va)),
        Change::VaCreated { va, .. } => (None, Some(*va)),
        _ => (None, None),
    };
    if let Some(sa) = sa
        && (sa.get() == 0 || dir.account(sa).is_some() || !seen.accounts.insert(sa))
    {
        return Err(evidence(
            event,
            format!("it creates `{sa}`, an identifier used before"),
        ));
    }
    if let Some(va) = va
        && (va.get() == 0 || dir.account_of(va).is_some() || !seen.vas.insert(va))
    {
        return Err(evidence(
            event,
            format!("it creates `{va}`, an identifier used before"),
        ));
    }
    Ok(())
}

/// How many events of `rest` the planned `changes` account for: all of them, in order, made at
/// one time by one actor, in account `sa`. Identifiers the command hands out (the account, its
/// default Virtual Account, a new Virtual Account) are the recorded ones.
fn matching(rest: &[Event], sa: SaId, changes: &[Change]) -> Result<usize, Error> {
    let (Some(first), count) = (rest.first(), changes.len()) else {
        return Err(Error::Mismatch {
            sa,
            seq: 0,
            reason: "the log ends",
        });
    };
    if count == 0 {
        return Err(mismatch(first, "run again, the command changes nothing"));
    }
    let Some(group) = rest.get(..count) else {
        return Err(mismatch(
            first,
            "the log ends before the command's last change",
        ));
    };
    let creates = matches!(changes.first(), Some(Change::AccountCreated { .. }));
    if first.sa != sa && !creates {
        return Err(mismatch(first, "the command changes another smart account"));
    }
    for (event, planned) in group.iter().zip(changes) {
        if event.at != first.at || event.actor != first.actor {
            return Err(mismatch(
                first,
                "the changes of one command are made at one time by one actor",
            ));
        }
        if !same_change(planned, &event.change) {
            return Err(mismatch(
                first,
                "the command makes other changes than the ones recorded",
            ));
        }
    }
    Ok(count)
}

/// Whether a planned change is the recorded one, reading the identifiers a command hands out
/// (an account's default Virtual Account, a new Virtual Account) from the record: every other
/// field must be equal, so a field added to a change is compared without a line here.
fn same_change(planned: &Change, recorded: &Change) -> bool {
    let adopted = match (planned, recorded) {
        (Change::AccountCreated { .. }, Change::AccountCreated { default_va, .. }) => {
            let mut adopted = planned.clone();
            if let Change::AccountCreated { default_va: va, .. } = &mut adopted {
                *va = *default_va;
            }
            adopted
        }
        (Change::VaCreated { .. }, Change::VaCreated { va, .. }) => {
            let mut adopted = planned.clone();
            if let Change::VaCreated { va: id, .. } = &mut adopted {
                *id = *va;
            }
            adopted
        }
        _ => return planned == recorded,
    };
    adopted == *recorded
}

/// The two sides of a transfer between accounts: `event` is one of them, the other must be the
/// next event of the other account's log, at the same time by the same actor. Returns the
/// streams of the sending and receiving side.
fn pair(
    streams: &[Stream],
    by_sa: &BTreeMap<SaId, usize>,
    event: &Event,
    (from, sent): (SaId, Change),
    (to, received): (SaId, Change),
) -> Result<(usize, usize), Error> {
    let (Some(a), Some(b)) = (by_sa.get(&from).copied(), by_sa.get(&to).copied()) else {
        return Err(mismatch(event, "the other side of the transfer has no log"));
    };
    let next = |k: usize| streams.get(k).and_then(|s| s.events.get(s.next));
    let (Some(out), Some(into)) = (next(a), next(b)) else {
        return Err(mismatch(
            event,
            "the other side of the transfer is not the next event of the other account's log",
        ));
    };
    if out.change != sent || into.change != received {
        return Err(mismatch(
            event,
            "the two sides of the transfer are not the next events of both accounts' logs",
        ));
    }
    if out.at != into.at || out.actor != into.actor {
        return Err(mismatch(
            event,
            "the two sides of a transfer are made at one time by one actor",
        ));
    }
    Ok((a, b))
}

/// The command that assigns a role (`assigned`) or changes one.
fn role_command(
    assigned: bool,
    user: UserId,
    target: Target,
    role: Role,
    inheritance: Inheritance,
) -> Command {
    if assigned {
        Command::AssignRole {
            user,
            target,
            role,
            inheritance,
        }
    } else {
        Command::ChangeRole {
            user,
            target,
            role,
            inheritance,
        }
    }
}

/// The commands an event can be the first change of, most specific first. The changes that
/// only ever follow another in one command (the SA Admin role of an activated account, the
/// role of an approved request) are matched as part of that command's group.
fn candidates(dir: &Directory, rest: &[Event]) -> Vec<Command> {
    let Some(event) = rest.first() else {
        return Vec::new();
    };
    let sa = event.sa;
    let target = |va: Option<VaId>| va.map_or(Target::Account(sa), Target::Va);
    match &event.change {
        Change::AccountCreated { .. } => request_candidates(&event.change),
        Change::AccountActivated => vec![Command::ActivateAccount { sa }],
        Change::AccountDeclined => vec![Command::DeclineAccountRequest { sa }],
        Change::AccountRequestWithdrawn => vec![Command::WithdrawAccountRequest { sa }],
        Change::AccountRequestLapsed => vec![Command::LapseAccountRequest { sa }],
        Change::ContactChanged { contact } => vec![Command::ChangeRequestContact {
            sa,
            contact: *contact,
        }],
        Change::AccountRenamed { name } => vec![Command::RenameAccount {
            sa,
            name: name.clone(),
        }],
        Change::VaCreated { parent, name, .. } => vec![Command::CreateVa {
            sa,
            parent: *parent,
            name: name.clone(),
        }],
        Change::VaRenamed { va, name } => vec![Command::RenameVa {
            va: *va,
            name: name.clone(),
        }],
        Change::VaMoved { va, parent } => vec![Command::MoveVa {
            va: *va,
            parent: *parent,
        }],
        Change::VaDeleted { va } => vec![Command::DeleteVa { va: *va }],
        Change::DefaultVaMoved { va } => vec![Command::SetDefaultVa { va: *va }],
        Change::VaVisibilitySet { va, visibility } => vec![Command::SetVisibility {
            va: *va,
            visibility: *visibility,
        }],
        Change::RoleAssigned {
            user,
            va,
            role,
            inheritance,
        }
        | Change::RoleChanged {
            user,
            va,
            role,
            inheritance,
        } => {
            let assigned = matches!(event.change, Change::RoleAssigned { .. });
            vec![role_command(
                assigned,
                *user,
                target(*va),
                *role,
                *inheritance,
            )]
        }
        Change::RoleRevoked { user, va } => revocations(dir, rest, sa, *user, *va),
        Change::AgreementAccepted { .. } => vec![Command::AcceptAgreement { sa }],
        Change::RoleExpirySet { user, va, expires } => vec![Command::SetRoleExpiry {
            user: *user,
            target: target(*va),
            expires: *expires,
        }],
        Change::AccessRequested { .. }
        | Change::AccessApproved { .. }
        | Change::AccessRejected { .. }
        | Change::AccessReviewed { .. } => partner_candidates(dir, rest, sa, &event.change),
        Change::License(change) => license_command(sa, change)
            .map(Command::License)
            .into_iter()
            .collect(),
    }
}

/// The account request (SA001, SA004) an account's creation records.
fn request_candidates(change: &Change) -> Vec<Command> {
    match change {
        Change::AccountCreated {
            kind,
            name,
            identifier,
            contact,
            ..
        } => vec![Command::RequestAccount {
            kind: *kind,
            name: name.clone(),
            domain: match identifier {
                crate::accounts::kinds::Identifier::Domain(d) => Some(d.to_string()),
                crate::accounts::kinds::Identifier::Email(_) => None,
            },
            contact: *contact,
        }],
        _ => Vec::new(),
    }
}

/// The partner commands (PTR001–PTR005) an event of account `sa` can be the first change of:
/// an approval with the customer's expiry is tried with it and without it, a rejection also as
/// the revocation of the partner's access.
fn partner_candidates(dir: &Directory, rest: &[Event], sa: SaId, change: &Change) -> Vec<Command> {
    let target = |va: Option<VaId>| va.map_or(Target::Account(sa), Target::Va);
    match change {
        Change::AccessRequested {
            va,
            role,
            inheritance,
            expires,
            ..
        } => vec![
            Command::RequestPartnerAccess {
                sa,
                target: target(*va),
                role: *role,
                inheritance: *inheritance,
                expires: *expires,
            },
            Command::RequestAccountAccess {
                sa,
                target: target(*va),
                role: *role,
                inheritance: *inheritance,
            },
        ],
        Change::AccessApproved { request, .. } => {
            // The customer's expiry, when the approval set one, is the third change.
            let expiry = rest.get(2).and_then(|e| match e.change {
                Change::RoleExpirySet { expires, .. } => expires,
                _ => None,
            });
            let mut out = vec![Command::ApprovePartnerAccess {
                sa,
                request: *request,
                expires: expiry,
            }];
            if expiry.is_some() {
                out.push(Command::ApprovePartnerAccess {
                    sa,
                    request: *request,
                    expires: None,
                });
            }
            out.extend(member_approval(rest, sa, *request));
            out
        }
        Change::AccessRejected { request, .. } => {
            let mut out = vec![
                Command::RejectPartnerAccess {
                    sa,
                    request: *request,
                },
                Command::RejectAccessRequest {
                    sa,
                    request: *request,
                },
            ];
            if let Some(org) = dir
                .account(sa)
                .and_then(|a| a.access_request(*request))
                .map(|r| r.org)
            {
                out.push(Command::RevokePartnerAccess { sa, org });
            }
            out
        }
        Change::AccessReviewed { org, .. } => {
            vec![Command::ReviewPartnerAccess { sa, org: *org }]
        }
        _ => Vec::new(),
    }
}

/// SA011: the approval of a user's access request, with the role and scope the SA Admin chose,
/// which are the second change.
fn member_approval(rest: &[Event], sa: SaId, request: u64) -> Option<Command> {
    match rest.get(1).map(|e| &e.change) {
        Some(Change::RoleAssigned {
            va,
            role,
            inheritance,
            ..
        }) => Some(Command::ApproveAccessRequest {
            sa,
            request,
            target: va.map_or(Target::Account(sa), Target::Va),
            role: *role,
            inheritance: *inheritance,
        }),
        _ => None,
    }
}

/// A revoked role is a revocation, the first change of a Virtual Account's deletion, or of the
/// revocation of a partner's access.
fn revocations(
    dir: &Directory,
    rest: &[Event],
    sa: SaId,
    user: crate::base::ids::UserId,
    va: Option<VaId>,
) -> Vec<Command> {
    let target = va.map_or(Target::Account(sa), Target::Va);
    let mut out = vec![Command::RevokeRole { user, target }];
    let deleted = rest.iter().find_map(|e| match e.change {
        Change::RoleRevoked { .. } => None,
        Change::VaDeleted { va } => Some(Some(va)),
        _ => Some(None),
    });
    if let Some(Some(deleted)) = deleted {
        out.insert(0, Command::DeleteVa { va: deleted });
    }
    if let Some(org) = dir.user(user).map(|u| u.org) {
        out.push(Command::RevokePartnerAccess { sa, org });
    }
    out
}

/// The license command a license change records, if a command makes it (an opening balance is
/// only ever imported).
fn license_command(sa: SaId, change: &LicenseChange) -> Option<LicenseCommand> {
    match change {
        LicenseChange::Deposited(_) | LicenseChange::ClassicConverted { .. } => {
            order_command(sa, change)
        }
        LicenseChange::Transferred { .. } | LicenseChange::Sent(_) | LicenseChange::Received(_) => {
            transfer_command(change)
        }
        LicenseChange::Reserved { .. } | LicenseChange::ReservationReleased { .. } => {
            reservation_command(change)
        }
        LicenseChange::ReservedWithCode(r) => Some(LicenseCommand::ReserveWithCode((**r).clone())),
        LicenseChange::ReleasedByCode(r) => Some(LicenseCommand::ReleaseByCode {
            sa,
            code: r.code.clone(),
        }),
        LicenseChange::FulfilmentNoticesChosen { opt_in, .. } => {
            Some(LicenseCommand::FulfilmentNotices {
                sa,
                opt_in: *opt_in,
            })
        }
        LicenseChange::NotificationSent { id } => {
            Some(LicenseCommand::MarkNotificationSent { sa, id: *id })
        }
        LicenseChange::NotificationAcknowledged { id, .. } => {
            Some(LicenseCommand::AcknowledgeNotification { sa, id: *id })
        }
        LicenseChange::Opening(_) => None,
        _ => device_command(change),
    }
}

/// The command of a deposit, a true-up or a conversion of classic licenses (LIC002).
fn order_command(sa: SaId, change: &LicenseChange) -> Option<LicenseCommand> {
    let command = match change {
        LicenseChange::Deposited(d) if d.true_up => LicenseCommand::TrueUp {
            va: d.va?,
            license: d.license.clone(),
            order: d.order.clone(),
            procured_by: d.procured_by,
        },
        LicenseChange::Deposited(d) => LicenseCommand::Deposit {
            sa,
            va: d.va,
            order: d.order.clone(),
            license: d.license.clone(),
            kind: d.kind,
            quantity: d.quantity,
            procured_by: d.procured_by,
            sa_mandatory: d.sa_mandatory,
        },
        LicenseChange::ClassicConverted {
            license,
            quantity,
            va,
        } => LicenseCommand::ConvertClassic {
            sa,
            license: license.clone(),
            quantity: *quantity,
            va: Some(*va),
        },
        _ => return None,
    };
    Some(command)
}

/// The command of a move within the account (LIC003) or a transfer between accounts (LIC004).
fn transfer_command(change: &LicenseChange) -> Option<LicenseCommand> {
    let command = match change {
        LicenseChange::Transferred {
            key,
            from,
            to,
            lines,
        } => LicenseCommand::Transfer {
            from: *from,
            to: *to,
            lines: lines.clone(),
            key: key.clone(),
        },
        LicenseChange::Sent(t) | LicenseChange::Received(t) => match &t.path {
            CrossSaPath::HoldingAssignment => LicenseCommand::AssignFromHolding {
                transfer: t.id.clone(),
                from: t.from_va,
                to_sa: t.to_sa,
                to_va: Some(t.to_va),
                lines: t.lines.clone(),
                order_lines: t.order_lines.clone(),
            },
            CrossSaPath::VendorReassignment { .. } => LicenseCommand::VendorReassign {
                transfer: t.id.clone(),
                from: t.from_va,
                to_sa: t.to_sa,
                to_va: Some(t.to_va),
                lines: t.lines.clone(),
                order_lines: t.order_lines.clone(),
            },
        },
        _ => return None,
    };
    Some(command)
}

/// The command of a reservation or its release (LIC010).
fn reservation_command(change: &LicenseChange) -> Option<LicenseCommand> {
    let command = match change {
        LicenseChange::Reserved {
            va,
            license,
            quantity,
        } => LicenseCommand::Reserve {
            va: *va,
            license: license.clone(),
            quantity: *quantity,
        },
        LicenseChange::ReservationReleased {
            va,
            license,
            quantity,
        } => LicenseCommand::ReleaseReservation {
            va: *va,
            license: license.clone(),
            quantity: *quantity,
        },
        _ => return None,
    };
    Some(command)
}

/// The command of a device's registration, move or removal (DEV001), its consumption (LIC006) or
/// its changes and reports (DEV002).
fn device_command(change: &LicenseChange) -> Option<LicenseCommand> {
    let command = match change {
        LicenseChange::DeviceRegistered {
            device,
            va,
            installed,
        } => LicenseCommand::RegisterDevice {
            device: device.clone(),
            va: *va,
            installed: *installed,
        },
        LicenseChange::DeviceMoved { device, va } => LicenseCommand::MoveDevice {
            device: device.clone(),
            va: *va,
        },
        LicenseChange::DeviceRemoved { device } => LicenseCommand::RemoveDevice {
            device: device.clone(),
        },
        LicenseChange::Consumed {
            device,
            license,
            quantity,
        } => LicenseCommand::Consume {
            device: device.clone(),
            license: license.clone(),
            quantity: *quantity,
        },
        LicenseChange::ConsumptionReleased {
            device,
            license,
            quantity,
        } => LicenseCommand::Release {
            device: device.clone(),
            license: license.clone(),
            quantity: *quantity,
        },
        LicenseChange::DeviceChanged { device, on } => LicenseCommand::RecordChange {
            device: device.clone(),
            on: *on,
        },
        LicenseChange::UsageReported { device, on } => LicenseCommand::RecordReport {
            device: device.clone(),
            on: *on,
        },
        _ => return None,
    };
    Some(command)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::base::ids::VaId;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + second).unwrap()
    }

    fn event(sa: u32, seq: u64, second: i64, change: Change) -> Event {
        Event {
            sa: SaId::new(sa),
            seq,
            at: at(second),
            actor: RecordedActor::Fulfilment,
            command: None,
            change,
        }
    }

    fn renamed(name: &str) -> Change {
        Change::AccountRenamed { name: name.into() }
    }

    fn device(id: &str) -> DeviceId {
        DeviceId::parse(id).unwrap()
    }

    fn registered(id: &str) -> Change {
        Change::License(LicenseChange::DeviceRegistered {
            device: device(id),
            va: VaId::new(1),
            installed: jiff::civil::date(2026, 1, 1),
        })
    }

    fn removed(id: &str) -> Change {
        Change::License(LicenseChange::DeviceRemoved { device: device(id) })
    }

    #[test]
    fn ev004_a_command_planned_on_another_account_matches_no_event_of_this_log() {
        let rest = [event(1, 1, 0, renamed("Acme"))];
        let changes = [renamed("Acme")];
        assert_eq!(matching(&rest, SaId::new(1), &changes).unwrap(), 1);
        let err = matching(&rest, SaId::new(2), &changes).unwrap_err();
        assert!(err.to_string().contains("another smart account"), "{err}");
    }

    #[test]
    fn ev004_a_transfer_matches_only_when_both_sides_are_the_next_events() {
        let streams = vec![
            Stream::new(
                SaId::new(1),
                "a".into(),
                vec![event(1, 1, 0, renamed("out"))],
            ),
            Stream::new(
                SaId::new(2),
                "b".into(),
                vec![event(2, 1, 0, renamed("in"))],
            ),
        ];
        let by_sa: BTreeMap<SaId, usize> = [(SaId::new(1), 0), (SaId::new(2), 1)].into();
        let first = &streams[0].events[0];
        let side = |sa: u32, name: &str| (SaId::new(sa), renamed(name));
        assert_eq!(
            pair(&streams, &by_sa, first, side(1, "out"), side(2, "in")).unwrap(),
            (0, 1)
        );
        for (sent, received) in [("out", "other"), ("other", "in")] {
            let err = pair(&streams, &by_sa, first, side(1, sent), side(2, received)).unwrap_err();
            assert!(err.to_string().contains("not the next events"), "{err}");
        }
        // The same two changes, one of them made a second later or by someone else.
        for other in [
            event(2, 1, 1, renamed("in")),
            Event {
                actor: RecordedActor::Imported,
                ..event(2, 1, 0, renamed("in"))
            },
        ] {
            let streams = vec![
                Stream::new(SaId::new(1), "a".into(), vec![first.clone()]),
                Stream::new(SaId::new(2), "b".into(), vec![other]),
            ];
            let err = pair(&streams, &by_sa, first, side(1, "out"), side(2, "in")).unwrap_err();
            assert!(err.to_string().contains("one time by one actor"), "{err}");
        }
    }

    #[test]
    fn ev004_a_device_waits_only_for_a_hand_over_another_log_has_not_made_yet() {
        // Account 1 registers the device and removes it again at one instant; account 2
        // registers it for good at that instant.
        let mut streams = vec![
            Stream::new(
                SaId::new(1),
                "a".into(),
                vec![
                    event(1, 1, 0, registered("d1")),
                    event(1, 2, 0, removed("d1")),
                ],
            ),
            Stream::new(
                SaId::new(2),
                "b".into(),
                vec![event(2, 1, 0, registered("d1"))],
            ),
        ];
        let transient = transient_devices(&streams);
        assert_eq!(transient.len(), 1);
        assert!(waits_for_device(&streams, &transient, 1));
        // Account 1 is past its registration: account 2 goes on.
        streams[0].next = 1;
        assert!(!waits_for_device(&streams, &transient, 1));
        // The hand-over's own registration never waits for itself.
        streams[0].next = 0;
        assert!(!waits_for_device(&streams, &transient, 0));
    }
}
