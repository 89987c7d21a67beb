//! Committing planned commands (EV005): laying a plan out as the events of its streams,
//! checking the versions it was planned on, applying it all or nothing, and the versions and
//! command IDs of the streams.

use std::collections::BTreeSet;

use jiff::Timestamp;

use crate::accounts::account::SmartAccount;
use crate::base::error::{Entity, Error};
use crate::base::ids::SaId;
use crate::directory::{Directory, member_of};
use crate::events::event::{Change, Event, RecordedActor};
use crate::events::log::{DirectoryEvents, Misplaced, misplaced};
use crate::events::streams::{
    CommandId, Committed, DirectoryChange, DirectoryEvent, Plan, Planned, StreamId,
};
use crate::licenses::license::LicenseChange;
use crate::rules::RuleId;

impl Directory {
    /// The version of a stream: the sequence number of its last event, 0 for a stream with no
    /// event (EV005). Versions are not secret, so reading them needs no user; reading the events
    /// themselves is checked ([`Directory::events`]).
    #[must_use]
    pub fn version(&self, stream: StreamId) -> u64 {
        let len = match stream {
            StreamId::Directory => self.dir_log.len(),
            StreamId::Account(sa) => self.accounts.get(&sa).map_or(0, |e| e.log.len()),
        };
        len as u64
    }

    /// Every stream with its version: the directory's first, then each account's by identifier.
    pub fn versions(&self) -> impl Iterator<Item = (StreamId, u64)> + '_ {
        std::iter::once((StreamId::Directory, self.dir_log.len() as u64)).chain(
            self.accounts
                .iter()
                .map(|(sa, e)| (StreamId::Account(*sa), e.log.len() as u64)),
        )
    }

    /// The directory's own stream: registrations and identifier claims. Not secret beyond
    /// what [`Directory::users`] shows.
    #[must_use]
    pub fn directory_events(&self) -> DirectoryEvents<'_> {
        DirectoryEvents::new(&self.dir_log)
    }

    /// Whether a command with this ID was committed.
    #[must_use]
    pub fn is_committed(&self, command: &CommandId) -> bool {
        self.commands.contains_key(command)
    }

    /// The events a command ID committed, marked as repeated: what a retry of that command
    /// returns. `None` for a command ID never committed.
    #[must_use]
    pub fn committed_as(&self, command: &CommandId) -> Option<Committed> {
        self.repeat_of(command).map(|plan| Committed {
            directory: plan.directory,
            accounts: plan.accounts,
            repeated: true,
        })
    }

    /// The plan of a command ID committed before: its events, marked as a repeat.
    pub(crate) fn repeat_of(&self, command: &CommandId) -> Option<Plan> {
        let places = self.commands.get(command)?;
        let mut plan = Plan {
            command: Some(command.clone()),
            expected: Vec::new(),
            directory: Vec::new(),
            accounts: Vec::new(),
            repeat: true,
        };
        for (stream, first, last) in places {
            let range = usize::try_from(first.saturating_sub(1)).unwrap_or(usize::MAX)
                ..usize::try_from(*last).unwrap_or(usize::MAX);
            match stream {
                StreamId::Directory => plan.directory.extend(self.dir_log.events_in(range)),
                StreamId::Account(sa) => {
                    if let Some(entry) = self.accounts.get(sa) {
                        plan.accounts
                            .extend(entry.log.events_in(*sa, range, entry.keys()));
                    }
                }
            }
        }
        Some(plan)
    }

    /// Lays planned changes out as the events they append: numbered after each stream's last
    /// event, with the claims of new accounts' identifiers on the directory's stream, and the
    /// version of every stream touched.
    pub(crate) fn lay_out(
        &self,
        actor: RecordedActor,
        at: Timestamp,
        command: Option<CommandId>,
        planned: Planned,
    ) -> Result<Plan, Error> {
        let event = |sa: SaId, k: u64, change: Change| Event {
            sa,
            seq: self.version(StreamId::Account(sa)) + 1 + k,
            at,
            actor: actor.clone(),
            command: command.clone(),
            change,
        };
        let (mut changes, accounts): (Vec<DirectoryChange>, Vec<Event>) = match planned {
            Planned::One(sa, changes) => (
                Vec::new(),
                (0..).zip(changes).map(|(k, c)| event(sa, k, c)).collect(),
            ),
            Planned::Pair {
                from,
                sent,
                to,
                received,
            } => (
                Vec::new(),
                vec![event(from, 0, sent), event(to, 0, received)],
            ),
            Planned::Directory(change) => (vec![change], Vec::new()),
        };
        changes.extend(accounts.iter().filter_map(|e| self.claim_of(e)));
        // Order records follow the accounts (Q011): a deposit fulfils its order line, an
        // account becoming Active releases the lines waiting for it.
        changes.extend(
            accounts
                .iter()
                .filter_map(|e| self.order_change_of(e.sa, &e.change)),
        );
        // The directory's stream is shared by the writers of every account: its events are
        // dated no earlier than the one above them, so one writer's clock running behind
        // another's never refuses a command. The account's own stream keeps the exact time.
        let dir_at = self.dir_log.last_at().map_or(at, |last| last.max(at));
        let base = self.version(StreamId::Directory) + 1;
        let directory: Vec<DirectoryEvent> = (base..)
            .zip(changes)
            .map(|(seq, change)| DirectoryEvent {
                seq,
                at: dir_at,
                actor: actor.clone(),
                command: command.clone(),
                change,
            })
            .collect();
        let mut streams: BTreeSet<StreamId> =
            accounts.iter().map(|e| StreamId::Account(e.sa)).collect();
        if !directory.is_empty() {
            streams.insert(StreamId::Directory);
        }
        for stream in &streams {
            if let StreamId::Account(sa) = stream {
                self.check_time(*sa, at)?;
            }
        }
        Ok(Plan {
            command,
            expected: streams.into_iter().map(|s| (s, self.version(s))).collect(),
            directory,
            accounts,
            repeat: false,
        })
    }

    /// Commits a plan (EV005): when every stream it touches is still at the version it was
    /// planned on, appends its events and applies them, all or nothing. A plan whose command
    /// ID was committed before changes nothing and returns the events of that first run.
    ///
    /// # Errors
    ///
    /// [`Error::Conflict`] naming the first stream that moved on, with both versions; the
    /// directory is then unchanged. A plan is committed to the directory it was planned on or
    /// a replica of it at the same versions; on another directory, the account's own checks
    /// still refuse what cannot apply.
    pub fn commit(&mut self, plan: Plan) -> Result<Committed, Error> {
        if let Some(repeat) = plan.command.as_ref().and_then(|id| self.repeat_of(id)) {
            return Ok(Committed {
                directory: repeat.directory,
                accounts: repeat.accounts,
                repeated: true,
            });
        }
        for (stream, expected) in &plan.expected {
            let actual = self.version(*stream);
            if actual != *expected {
                return Err(Error::Conflict {
                    stream: *stream,
                    expected: *expected,
                    actual,
                });
            }
        }
        for (e, seq) in plan.directory.iter().zip(self.dir_log.next_seq()..) {
            if e.seq != seq {
                return Err(misplaced(
                    StreamId::Directory,
                    e.seq,
                    Misplaced::Sequence(seq),
                ));
            }
            self.check_directory_change(&e.change)?;
        }
        let places = match &plan.command {
            Some(id) => places_of(id, &plan.directory, &plan.accounts)?,
            None => Vec::new(),
        };
        self.apply_account_events(&plan.accounts)?;
        for e in &plan.directory {
            self.apply_directory_change(&e.change);
            // In sequence: checked above.
            let _ = self.dir_log.append(e.clone());
        }
        if let Some(id) = plan.command.as_ref().filter(|_| !places.is_empty()) {
            self.commands.insert(id.clone(), places);
        }
        Ok(Committed {
            directory: plan.directory,
            accounts: plan.accounts,
            repeated: false,
        })
    }

    /// Rebuilds the index of command IDs from the logs (EV005).
    pub(crate) fn rebuild_commands(&mut self) -> Result<(), Error> {
        self.commands.clear();
        let mut commands = self.dir_log.commands(StreamId::Directory);
        for (sa, entry) in &self.accounts {
            commands.extend(entry.log.commands(StreamId::Account(*sa)));
        }
        for (stream, range, id) in commands {
            for index in range {
                self.index_command(&id, stream, index as u64 + 1)?;
            }
        }
        Ok(())
    }

    /// Records that event `seq` of `stream` belongs to command `id` ([`extend_places`]).
    pub(crate) fn index_command(
        &mut self,
        id: &CommandId,
        stream: StreamId,
        seq: u64,
    ) -> Result<(), Error> {
        extend_places(
            self.commands.entry(id.clone()).or_default(),
            id,
            stream,
            seq,
        )
    }

    /// Applies the events of one command to their accounts, all or nothing, then brings the
    /// indexes up to date and appends the events to the logs. One event is applied in place
    /// (apply checks before it mutates); the two sides of a transfer between accounts in place
    /// with the first account restored when the second refuses; anything else to copies that
    /// replace the accounts only when every event applied.
    pub(crate) fn apply_account_events(&mut self, events: &[Event]) -> Result<(), Error> {
        self.check_positions(events)?;
        match events {
            [] => return Ok(()),
            [single] if self.account(single.sa).is_some() => self.apply_in_place(single)?,
            [first, second] if first.sa != second.sa && self.account(first.sa).is_some() => {
                let backup = self.account(first.sa).cloned();
                self.apply_in_place(first)?;
                if let Err(error) = self.apply_in_place(second) {
                    if let (Some(entry), Some(backup)) = (self.accounts.get_mut(&first.sa), backup)
                    {
                        entry.account = Some(backup);
                    }
                    return Err(error);
                }
            }
            _ => self.apply_staged(events)?,
        }
        for event in events {
            self.reindex(event);
        }
        for event in events {
            if let Some(entry) = self.accounts.get_mut(&event.sa) {
                // In sequence: checked above.
                let _ = entry.append_copy(event);
            }
        }
        Ok(())
    }

    /// Applies one event to its existing account, in place.
    fn apply_in_place(&mut self, event: &Event) -> Result<(), Error> {
        let users = &self.users;
        let account = self
            .accounts
            .get_mut(&event.sa)
            .and_then(|e| e.account.as_mut())
            .ok_or(Error::NotFound {
                rule: RuleId::EV001,
                entity: Entity::Account(event.sa),
            })?;
        let owner = account.owner;
        account.apply_in(event, &|u| member_of(users, owner, u))
    }

    /// Applies events to copies of their accounts (or new ones), and puts the copies in place
    /// only when all of them applied.
    fn apply_staged(&mut self, events: &[Event]) -> Result<(), Error> {
        for account in self.stage(events)? {
            let sa = account.id;
            self.accounts.entry(sa).or_default().account = Some(account);
        }
        Ok(())
    }

    /// The accounts `events` change, as copies (or new accounts) with the events applied;
    /// the directory itself is not touched. Errors as applying them would.
    pub(crate) fn stage(&self, events: &[Event]) -> Result<Vec<SmartAccount>, Error> {
        let mut staged: Vec<SmartAccount> = Vec::new();
        let users = &self.users;
        for event in events {
            match staged.iter_mut().find(|a| a.id == event.sa) {
                Some(account) => {
                    let owner = account.owner;
                    account.apply_in(event, &|u| member_of(users, owner, u))?;
                }
                None => match self.account(event.sa) {
                    Some(existing) => {
                        let mut copy = existing.clone();
                        let owner = copy.owner;
                        copy.apply_in(event, &|u| member_of(users, owner, u))?;
                        staged.push(copy);
                    }
                    None => staged.push(SmartAccount::create(event)?),
                },
            }
        }
        Ok(staged)
    }
}

/// Where the events of command `id` are: per stream, its first and last sequence number.
fn places_of(
    id: &CommandId,
    directory: &[DirectoryEvent],
    accounts: &[Event],
) -> Result<Vec<(StreamId, u64, u64)>, Error> {
    let mut places = Vec::new();
    let seqs = directory
        .iter()
        .map(|e| (StreamId::Directory, e.seq))
        .chain(accounts.iter().map(|e| (StreamId::Account(e.sa), e.seq)));
    for (stream, seq) in seqs {
        extend_places(&mut places, id, stream, seq)?;
    }
    Ok(places)
}

/// Adds event `seq` of `stream` to the places of command `id`. The events of one command ID
/// follow one another in each stream; otherwise two commands share it, and a retry would
/// return the other's events (EV005).
fn extend_places(
    places: &mut Vec<(StreamId, u64, u64)>,
    id: &CommandId,
    stream: StreamId,
    seq: u64,
) -> Result<(), Error> {
    match places.iter_mut().find(|(s, _, _)| *s == stream) {
        Some(place) if place.2 + 1 == seq => place.2 = seq,
        Some(_) => {
            return Err(Error::Stream {
                stream,
                seq,
                reason: format!(
                    "command ID `{id}` names events that other events separate: two commands share it"
                ),
            });
        }
        None => places.push((stream, seq, seq)),
    }
    Ok(())
}

impl Directory {
    /// The change of the directory's stream an account event brings with it: a new account
    /// claims its identifier (SA003, SA005) and a closed request releases it (SA010), a
    /// registered device claims the device and a removed one releases it (DEV001). These
    /// invariants span accounts, so their writers meet on the directory's stream.
    fn claim_of(&self, event: &Event) -> Option<DirectoryChange> {
        let sa = event.sa;
        match &event.change {
            Change::AccountDeclined
            | Change::AccountRequestWithdrawn
            | Change::AccountRequestLapsed => Some(DirectoryChange::IdentifierReleased {
                sa,
                identifier: self.account(sa)?.identifier.clone(),
            }),
            _ => claim_of(event),
        }
    }
}

/// The claims and releases of [`Directory::claim_of`] that the event alone names.
fn claim_of(event: &Event) -> Option<DirectoryChange> {
    let sa = event.sa;
    match &event.change {
        Change::AccountCreated { identifier, .. } => Some(DirectoryChange::IdentifierClaimed {
            sa,
            identifier: identifier.clone(),
        }),
        Change::License(LicenseChange::DeviceRegistered { device, .. }) => {
            Some(DirectoryChange::DeviceClaimed {
                sa,
                device: device.clone(),
            })
        }
        Change::License(LicenseChange::DeviceRemoved { device }) => {
            Some(DirectoryChange::DeviceReleased {
                sa,
                device: device.clone(),
            })
        }
        _ => None,
    }
}
