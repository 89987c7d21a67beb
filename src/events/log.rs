//! How the directory keeps its event logs in memory (EV001, EV005; issue 16).
//!
//! A log holds what its events do not share: the change of each. Who made them, when and
//! under which command ID is stored once per run of events that share it (the events of one
//! command share all three), and the account and position of each event are where it is
//! stored. The common changes (a Virtual Account created, a role assigned, a transfer inside
//! an account, a user registered) are kept in a packed form of their own; the rest boxed.
//!
//! Readers get owned [`Event`]s and [`DirectoryEvent`]s back, equal to the ones appended: a
//! log is lossless, because the directory appends only events numbered after its last one and
//! refuses any other (EV005).

use std::ops::Range;
use std::sync::Arc;

use compact_str::CompactString;
use jiff::Timestamp;

use crate::base::error::Error;
use crate::base::ids::{SaId, StreamId, UserId, VaId};
use crate::directory::people::User;
use crate::events::command_id::CommandId;
use crate::events::event::{Change, Event, RecordedActor};
use crate::events::streams::{DirectoryChange, DirectoryEvent};
use crate::licenses::license::{IdempotencyKey, LicenseChange, Licenses};
use crate::roles::matrix::{Inheritance, Role};

/// Who made a run of events, when, and under which command ID: stored once per run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    pub(crate) at: Timestamp,
    pub(crate) actor: RecordedActor,
    pub(crate) command: Option<CommandId>,
}

impl Head {
    fn is(&self, at: Timestamp, actor: &RecordedActor, command: Option<&CommandId>) -> bool {
        self.at == at && self.actor == *actor && self.command.as_ref() == command
    }
}

/// A stream's events: one head per run of events sharing it, and each event's packed change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Log<P> {
    /// The index of each run's first event, with its head; the first run starts at 0, and two
    /// neighbouring runs never have equal heads, so equal logs are equal in this form.
    runs: Vec<(usize, Head)>,
    items: Vec<P>,
    /// The names the packed changes refer to, one after the other (see [`Name`]).
    text: String,
}

impl<P> Default for Log<P> {
    fn default() -> Self {
        Log {
            runs: Vec::new(),
            items: Vec::new(),
            text: String::new(),
        }
    }
}

/// A name kept in its log's text: where it starts and how long it is. Eight bytes where a
/// `Box<str>` takes sixteen and an allocation of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Name {
    start: u32,
    len: u32,
}

impl Name {
    /// Appends `name` to `text`; `None`, leaving `text` as it was, when the log's text would
    /// outgrow the offsets.
    fn store(text: &mut String, name: &str) -> Option<Name> {
        let start = u32::try_from(text.len()).ok()?;
        let len = u32::try_from(name.len()).ok()?;
        start.checked_add(len)?;
        text.push_str(name);
        Some(Name { start, len })
    }

    /// The name in `text`.
    fn get(self, text: &str) -> &str {
        let start = self.start as usize;
        text.get(start..start.saturating_add(self.len as usize))
            .unwrap_or_default()
    }
}

impl<P> Log<P> {
    /// How many events the log holds.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// The sequence number of the event appended next.
    pub(crate) fn next_seq(&self) -> u64 {
        self.items.len() as u64 + 1
    }

    /// Appends an event's parts; the head is copied only when it starts a new run.
    pub(crate) fn push(
        &mut self,
        at: Timestamp,
        actor: &RecordedActor,
        command: Option<&CommandId>,
        item: P,
    ) {
        if !self
            .runs
            .last()
            .is_some_and(|(_, head)| head.is(at, actor, command))
        {
            self.runs.push((
                self.items.len(),
                Head {
                    at,
                    actor: actor.clone(),
                    command: command.cloned(),
                },
            ));
        }
        self.items.push(item);
    }

    /// The head and packed change of event `index` (from 0).
    pub(crate) fn get(&self, index: usize) -> Option<(&Head, &P)> {
        let item = self.items.get(index)?;
        let run = self.runs.partition_point(|(first, _)| *first <= index);
        let (_, head) = self.runs.get(run.checked_sub(1)?)?;
        Some((head, item))
    }

    /// The time of the last event.
    pub(crate) fn last_at(&self) -> Option<Timestamp> {
        self.runs.last().map(|(_, head)| head.at)
    }

    /// The actor of the first event.
    pub(crate) fn first_actor(&self) -> Option<&RecordedActor> {
        self.runs.first().map(|(_, head)| &head.actor)
    }

    /// The events in order, each with its index (from 0), head and packed change.
    pub(crate) fn iter(&self) -> Iter<'_, P> {
        self.range(0..self.items.len())
    }

    /// The events with indexes in `range` (clipped to the log).
    pub(crate) fn range(&self, range: Range<usize>) -> Iter<'_, P> {
        let end = range.end.min(self.items.len());
        let start = range.start.min(end);
        Iter {
            log: self,
            run: self.runs.partition_point(|(first, _)| *first <= start),
            indexes: start..end,
        }
    }

    /// Every run with a command ID: the stream, the indexes of its events and the ID (EV005).
    pub(crate) fn commands(&self, stream: StreamId) -> Vec<(StreamId, Range<usize>, CommandId)> {
        self.runs()
            .filter_map(|(range, head)| Some((stream, range, head.command.clone()?)))
            .collect()
    }

    /// Every run's head with the indexes of its events.
    pub(crate) fn runs(&self) -> impl Iterator<Item = (Range<usize>, &Head)> {
        let ends = self
            .runs
            .iter()
            .skip(1)
            .map(|(first, _)| *first)
            .chain(std::iter::once(self.items.len()));
        self.runs
            .iter()
            .zip(ends)
            .map(|((first, head), end)| (*first..end, head))
    }
}

/// The events of a log in order: index (from 0), head and packed change.
#[derive(Debug, Clone)]
pub(crate) struct Iter<'a, P> {
    log: &'a Log<P>,
    /// The run after the one holding the next index (a cursor for the forward walk).
    run: usize,
    indexes: Range<usize>,
}

impl<'a, P> Iterator for Iter<'a, P> {
    type Item = (usize, &'a Head, &'a P);

    fn next(&mut self) -> Option<Self::Item> {
        let index = self.indexes.next()?;
        while self
            .log
            .runs
            .get(self.run)
            .is_some_and(|(first, _)| *first <= index)
        {
            self.run += 1;
        }
        let (_, head) = self.log.runs.get(self.run.checked_sub(1)?)?;
        Some((index, head, self.log.items.get(index)?))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.indexes.size_hint()
    }
}

impl<P> DoubleEndedIterator for Iter<'_, P> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let index = self.indexes.next_back()?;
        let (head, item) = self.log.get(index)?;
        Some((index, head, item))
    }
}

impl<P> ExactSizeIterator for Iter<'_, P> {}

/// An account's change as its log keeps it: the frequent ones packed, the others boxed.
///
/// A transfer inside the account is kept as its idempotency key alone when the account's
/// record of that key (LIC009) holds exactly its request: the record is written by the
/// transfer itself and never changes or goes, so the event is rebuilt from it whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Packed {
    VaCreated {
        va: VaId,
        parent: Option<VaId>,
        name: Name,
    },
    RoleAssigned {
        user: UserId,
        va: Option<VaId>,
        role: Role,
        inheritance: Inheritance,
    },
    /// The key's text, inline up to 24 bytes (no shared reference count to touch).
    Transferred(CompactString),
    Other(Box<Change>),
}

/// The used keys of the account a log belongs to (LIC009), which transfers are rebuilt from.
pub(crate) type Keys<'a> = Option<&'a Licenses>;

impl Packed {
    /// The packed form of `change`, of the account whose keys are `keys`, its name (if any)
    /// appended to its log's `text`.
    pub(crate) fn pack(change: Change, keys: Keys<'_>, text: &mut String) -> Packed {
        Packed::of(&change, keys, text).unwrap_or_else(|| Packed::Other(Box::new(change)))
    }

    /// The packed form of `change` when it has one that needs no copy of the change.
    pub(crate) fn of(change: &Change, keys: Keys<'_>, text: &mut String) -> Option<Packed> {
        match change {
            Change::VaCreated { va, parent, name } => Some(Packed::VaCreated {
                va: *va,
                parent: *parent,
                name: Name::store(text, name)?,
            }),
            Change::RoleAssigned {
                user,
                va,
                role,
                inheritance,
            } => Some(Packed::RoleAssigned {
                user: *user,
                va: *va,
                role: *role,
                inheritance: *inheritance,
            }),
            Change::License(LicenseChange::Transferred {
                key,
                from,
                to,
                lines,
            }) if keys?.same_request(key, *from, *to, lines) == Some(true) => {
                Some(Packed::Transferred(CompactString::from(key.as_str())))
            }
            _ => None,
        }
    }

    /// The packed form of a copy of `change`.
    pub(crate) fn copy(change: &Change, keys: Keys<'_>, text: &mut String) -> Packed {
        Packed::of(change, keys, text).unwrap_or_else(|| Packed::Other(Box::new(change.clone())))
    }

    /// The change as appended, its name (if any) read from its log's `text`.
    pub(crate) fn unpack(&self, keys: Keys<'_>, text: &str) -> Change {
        match self {
            Packed::VaCreated { va, parent, name } => Change::VaCreated {
                va: *va,
                parent: *parent,
                name: name.get(text).to_owned(),
            },
            Packed::RoleAssigned {
                user,
                va,
                role,
                inheritance,
            } => Change::RoleAssigned {
                user: *user,
                va: *va,
                role: *role,
                inheritance: *inheritance,
            },
            Packed::Transferred(key) => {
                // Packed only when the record holds the request, and records stay.
                let record = keys.and_then(|k| k.key_record(key));
                let (from, to, lines) = record
                    .map_or((VaId::new(0), VaId::new(0), Vec::new()), |r| {
                        (r.from, r.to, r.lines)
                    });
                Change::License(LicenseChange::Transferred {
                    key: IdempotencyKey::recorded(key),
                    from,
                    to,
                    lines,
                })
            }
            Packed::Other(change) => (**change).clone(),
        }
    }

    /// The user and scope of a role assignment, without unpacking.
    pub(crate) fn role_assigned(&self) -> Option<(UserId, Option<VaId>)> {
        match self {
            Packed::RoleAssigned { user, va, .. } => Some((*user, *va)),
            Packed::Other(change) => match **change {
                Change::RoleAssigned { user, va, .. } => Some((user, va)),
                _ => None,
            },
            _ => None,
        }
    }

    /// The Virtual Account a creation made, without unpacking.
    pub(crate) fn va_created(&self) -> Option<VaId> {
        match self {
            Packed::VaCreated { va, .. } => Some(*va),
            Packed::Other(change) => match **change {
                Change::VaCreated { va, .. } => Some(va),
                _ => None,
            },
            _ => None,
        }
    }
}

/// A change of the directory's stream as its log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PackedDirectory {
    UserRegistered(Arc<User>),
    Other(Box<DirectoryChange>),
}

impl PackedDirectory {
    pub(crate) fn pack(change: DirectoryChange) -> PackedDirectory {
        match change {
            DirectoryChange::UserRegistered { user } => PackedDirectory::UserRegistered(user),
            other => PackedDirectory::Other(Box::new(other)),
        }
    }

    pub(crate) fn unpack(&self) -> DirectoryChange {
        match self {
            PackedDirectory::UserRegistered(user) => DirectoryChange::UserRegistered {
                user: Arc::clone(user),
            },
            PackedDirectory::Other(change) => (**change).clone(),
        }
    }
}

/// An account's log.
pub(crate) type AccountLog = Log<Packed>;
/// The directory's stream.
pub(crate) type DirectoryLog = Log<PackedDirectory>;

/// Why an event cannot be appended to a log: it belongs to another stream, or is not the next
/// in sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Misplaced {
    Stream(SaId),
    Sequence(u64),
}

/// An event that is not the next of its stream (EV005).
pub(crate) fn misplaced(stream: StreamId, seq: u64, why: Misplaced) -> Error {
    Error::Stream {
        stream,
        seq,
        reason: why.to_string(),
    }
}

impl std::fmt::Display for Misplaced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Misplaced::Stream(sa) => write!(f, "the event belongs to `{sa}`"),
            Misplaced::Sequence(expected) => write!(f, "expected sequence {expected}"),
        }
    }
}

impl AccountLog {
    /// Appends an event of account `sa` (whose used keys are `keys`, after applying it), which
    /// must be the next of its log.
    pub(crate) fn append(
        &mut self,
        sa: SaId,
        event: Event,
        keys: Keys<'_>,
    ) -> Result<(), Misplaced> {
        self.check_next(sa, &event)?;
        let packed = Packed::pack(event.change, keys, &mut self.text);
        self.push(event.at, &event.actor, event.command.as_ref(), packed);
        Ok(())
    }

    /// Appends a copy of an event of account `sa`, as [`AccountLog::append`].
    pub(crate) fn append_copy(
        &mut self,
        sa: SaId,
        event: &Event,
        keys: Keys<'_>,
    ) -> Result<(), Misplaced> {
        self.check_next(sa, event)?;
        let packed = Packed::copy(&event.change, keys, &mut self.text);
        self.push(event.at, &event.actor, event.command.as_ref(), packed);
        Ok(())
    }

    fn check_next(&self, sa: SaId, event: &Event) -> Result<(), Misplaced> {
        if event.sa != sa {
            return Err(Misplaced::Stream(event.sa));
        }
        if event.seq != self.next_seq() {
            return Err(Misplaced::Sequence(self.next_seq()));
        }
        Ok(())
    }

    /// A log of account `sa` (whose used keys are `keys`) holding `events`, which must be
    /// numbered from 1 without gaps. On a misplaced event, its index, its sequence number and
    /// why.
    pub(crate) fn from_events(
        sa: SaId,
        events: Vec<Event>,
        keys: Keys<'_>,
    ) -> Result<AccountLog, (usize, u64, Misplaced)> {
        let mut log = AccountLog::default();
        log.items.reserve_exact(events.len());
        for (i, event) in events.into_iter().enumerate() {
            let seq = event.seq;
            log.append(sa, event, keys).map_err(|m| (i, seq, m))?;
        }
        Ok(log)
    }

    /// Event `index` (from 0), as appended.
    pub(crate) fn event(&self, sa: SaId, index: usize, keys: Keys<'_>) -> Option<Event> {
        let (head, item) = self.get(index)?;
        Some(account_event(sa, index, (head, item), keys, &self.text))
    }

    /// The events with indexes in `range`, as appended.
    pub(crate) fn events_in(&self, sa: SaId, range: Range<usize>, keys: Keys<'_>) -> Vec<Event> {
        self.range(range)
            .map(|(i, head, item)| account_event(sa, i, (head, item), keys, &self.text))
            .collect()
    }

    /// Every event, as appended.
    pub(crate) fn to_vec(&self, sa: SaId, keys: Keys<'_>) -> Vec<Event> {
        self.events_in(sa, 0..self.len(), keys)
    }
}

fn account_event(
    sa: SaId,
    index: usize,
    (head, item): (&Head, &Packed),
    keys: Keys<'_>,
    text: &str,
) -> Event {
    Event {
        sa,
        seq: index as u64 + 1,
        at: head.at,
        actor: head.actor.clone(),
        command: head.command.clone(),
        change: item.unpack(keys, text),
    }
}

impl DirectoryLog {
    /// Appends an event of the directory's stream, which must be the next of it.
    pub(crate) fn append(&mut self, event: DirectoryEvent) -> Result<(), Misplaced> {
        if event.seq != self.next_seq() {
            return Err(Misplaced::Sequence(self.next_seq()));
        }
        self.push(
            event.at,
            &event.actor,
            event.command.as_ref(),
            PackedDirectory::pack(event.change),
        );
        Ok(())
    }

    /// Event `index` (from 0), as appended.
    pub(crate) fn event(&self, index: usize) -> Option<DirectoryEvent> {
        let (head, item) = self.get(index)?;
        Some(directory_event(index, head, item))
    }

    /// The events with indexes in `range`, as appended.
    pub(crate) fn events_in(&self, range: Range<usize>) -> Vec<DirectoryEvent> {
        self.range(range)
            .map(|(i, head, item)| directory_event(i, head, item))
            .collect()
    }

    /// Every event, as appended.
    pub(crate) fn to_vec(&self) -> Vec<DirectoryEvent> {
        self.events_in(0..self.len())
    }

    /// A stream holding `events`, which must be numbered from 1 without gaps. On a misplaced
    /// event, its index, its sequence number and why.
    pub(crate) fn from_events(
        events: Vec<DirectoryEvent>,
    ) -> Result<DirectoryLog, (usize, u64, Misplaced)> {
        let mut log = DirectoryLog::default();
        log.items.reserve_exact(events.len());
        for (i, event) in events.into_iter().enumerate() {
            let seq = event.seq;
            log.append(event).map_err(|m| (i, seq, m))?;
        }
        Ok(log)
    }
}

fn directory_event(index: usize, head: &Head, item: &PackedDirectory) -> DirectoryEvent {
    DirectoryEvent {
        seq: index as u64 + 1,
        at: head.at,
        actor: head.actor.clone(),
        command: head.command.clone(),
        change: item.unpack(),
    }
}

/// A Smart Account's event log, as [`Directory::events`](crate::Directory::events) reads it:
/// each event handed out as an owned [`Event`], equal to the one recorded (EV001).
///
/// The directory keeps its logs packed (who, when and which command once per command, the
/// frequent changes in a compact form), so events are built on reading rather than borrowed.
///
/// # Examples
///
/// ```
/// use smart_accounts::{AccountKind, Actor, Change, Directory, NewUser, OrgKind};
///
/// let mut dir = Directory::new();
/// let acme = dir.register_organization("Acme", OrgKind::Customer)?;
/// let alice = dir.register_user(NewUser {
///     cco_id: Some("alice".into()),
///     email: "alice@acme.com".into(),
///     org: acme,
///     kind: Default::default(),
/// })?;
/// let at = "2026-01-05T09:00:00Z".parse()?;
/// let sa = dir.request_account(&Actor::User(alice), at, AccountKind::Customer, "Acme", Some("acme.com"), alice)?;
/// let emea = dir.create_va(&Actor::User(alice), at, sa, None, "EMEA")?;
///
/// let log = dir.events(alice, sa)?;
/// assert_eq!(log.len(), log.iter().count());
/// assert!(matches!(log.last().map(|e| e.change), Some(Change::VaCreated { va, .. }) if va == emea));
/// assert_eq!(log.to_vec(), log.iter().collect::<Vec<_>>());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Events<'a> {
    sa: SaId,
    log: &'a AccountLog,
    keys: Keys<'a>,
}

impl<'a> Events<'a> {
    pub(crate) fn new(sa: SaId, log: &'a AccountLog, keys: Keys<'a>) -> Events<'a> {
        Events { sa, log, keys }
    }

    /// How many events the log holds: the account's version (EV005).
    #[must_use]
    pub fn len(&self) -> usize {
        self.log.len()
    }

    /// Whether the log holds no event.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.log.len() == 0
    }

    /// The event at `index` (from 0; its sequence number is `index + 1`).
    #[must_use]
    pub fn get(&self, index: usize) -> Option<Event> {
        self.log.event(self.sa, index, self.keys)
    }

    /// The first event.
    #[must_use]
    pub fn first(&self) -> Option<Event> {
        self.get(0)
    }

    /// The last event.
    #[must_use]
    pub fn last(&self) -> Option<Event> {
        self.log.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// The events in order, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Event> + ExactSizeIterator + 'a {
        let (sa, keys, text) = (self.sa, self.keys, self.log.text.as_str());
        self.log
            .iter()
            .map(move |(i, head, item)| account_event(sa, i, (head, item), keys, text))
    }

    /// All the events, oldest first.
    #[must_use]
    pub fn to_vec(&self) -> Vec<Event> {
        self.log.to_vec(self.sa, self.keys)
    }
}

/// The directory's own stream (EV005), as
/// [`Directory::directory_events`](crate::Directory::directory_events) reads it: each event
/// handed out as an owned [`DirectoryEvent`], equal to the one recorded.
///
/// # Examples
///
/// ```
/// use smart_accounts::{Directory, NewUser, OrgKind};
///
/// let mut dir = Directory::new();
/// let acme = dir.register_organization("Acme", OrgKind::Customer)?;
/// dir.register_user(NewUser {
///     cco_id: None,
///     email: "alice@acme.com".into(),
///     org: acme,
///     kind: Default::default(),
/// })?;
/// let stream = dir.directory_events();
/// assert_eq!(stream.len(), 2);
/// assert_eq!(stream.last().map(|e| e.seq), Some(2));
/// assert_eq!(stream.to_vec(), stream.iter().collect::<Vec<_>>());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct DirectoryEvents<'a> {
    log: &'a DirectoryLog,
}

impl<'a> DirectoryEvents<'a> {
    pub(crate) fn new(log: &'a DirectoryLog) -> DirectoryEvents<'a> {
        DirectoryEvents { log }
    }

    /// How many events the stream holds: its version (EV005).
    #[must_use]
    pub fn len(&self) -> usize {
        self.log.len()
    }

    /// Whether the stream holds no event.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.log.len() == 0
    }

    /// The event at `index` (from 0; its sequence number is `index + 1`).
    #[must_use]
    pub fn get(&self, index: usize) -> Option<DirectoryEvent> {
        self.log.event(index)
    }

    /// The first event.
    #[must_use]
    pub fn first(&self) -> Option<DirectoryEvent> {
        self.get(0)
    }

    /// The last event.
    #[must_use]
    pub fn last(&self) -> Option<DirectoryEvent> {
        self.log.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// The events in order, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = DirectoryEvent> + ExactSizeIterator + 'a {
        self.log
            .iter()
            .map(|(i, head, item)| directory_event(i, head, item))
    }

    /// All the events, oldest first.
    #[must_use]
    pub fn to_vec(&self) -> Vec<DirectoryEvent> {
        self.log.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::{Head, Packed, PackedDirectory};

    /// The sizes the memory figures of issue 16 rest on (DESIGN.md, "What does the directory's
    /// memory consist of?"): a packed account change in 24 bytes (the key's inline text of a
    /// transfer shares its spare byte with the tag), a directory change in 16.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn ev001_packed_change_layout() {
        assert_eq!(size_of::<Packed>(), 24);
        assert_eq!(size_of::<PackedDirectory>(), 16);
        assert!(size_of::<Head>() <= 64);
    }
}
