//! The typed event store: a [`Directory`] kept in step with a [`Backend`] (EV005).
//!
//! A [`Store`] is one writer's view of a shared store. It holds the directory in memory as of
//! a position of the store, and
//!
//! - **executes** commands: catches up with what other writers committed, plans the command on
//!   that state with identifiers handed out by the store, appends its events with the versions
//!   of the streams it was planned on (a [`Error::Conflict`] when another writer was faster,
//!   nothing appended), and applies them to the directory only once the database has them;
//! - **follows**: reads the events committed since its position and re-checks them as the
//!   commands they record before applying them (EV004), so the database's contents are
//!   evidence, never trusted;
//! - **starts** from the latest snapshot plus the events after it, and saves a snapshot every
//!   [`Options::snapshot_every`] events.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use smart_accounts::{
    Actor, Change, Command, CommandId, Committed, Config, Directory, Error, FreshIds,
    IdKind as CoreKind, OrgId, Plan, SaId, Snapshot, StreamEvent, StreamId, UserId, VaId,
};

use crate::backend::{Append, Appended, Backend, BackendError, IdKind, NewRow};
use crate::codec::{decode, encode};
use crate::error::StoreError;

/// How a [`Store`] reads and snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Save a snapshot after this many events since the last one (`None`: only when
    /// [`Store::save_snapshot`] is called). Default 10,000: a restart then replays at most that
    /// many events after the snapshot.
    pub snapshot_every: Option<u64>,
    /// How many rows one read asks the database for. Default 4,096.
    pub page: usize,
    /// How many identifiers of a kind one request to the database takes for this writer's next
    /// commands. Default 16: a command that creates something rarely needs a transaction of its
    /// own for its identifier. Identifiers a writer took and did not use (it stopped) are never
    /// handed out again: a gap, as a database sequence leaves.
    pub id_block: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            snapshot_every: Some(10_000),
            page: 4_096,
            id_block: 16,
        }
    }
}

/// A directory kept in step with an event store; see the [module docs](self).
#[derive(Debug)]
pub struct Store<B: Backend> {
    backend: B,
    dir: Directory,
    /// The last position applied to `dir`.
    position: u64,
    /// Events applied since the last snapshot was saved or loaded.
    since_snapshot: u64,
    options: Options,
    /// Set when stored events were refused: the position of the last event applied.
    stopped: Option<u64>,
    /// Identifiers the store handed to this writer and not used yet, by kind: `next..end`.
    ids: BTreeMap<CoreKind, (u64, u64)>,
}

impl<B: Backend> Store<B> {
    /// Opens a store with the default [`Options`]: the latest snapshot, if any, then every
    /// event after it, each re-checked. `config` is the directory's configuration (it wins over
    /// the one saved in a snapshot: configuration is the caller's, not data).
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the database fails, [`StoreError::Snapshot`] for a snapshot
    /// that is not a valid directory, [`StoreError::Row`] for an event that does not read, and
    /// [`StoreError::Replay`] for events no command could have written.
    pub fn open(backend: B, config: Config) -> Result<Store<B>, StoreError> {
        Store::open_with(backend, config, Options::default())
    }

    /// [`Store::open`] with [`Options`].
    ///
    /// # Errors
    ///
    /// As [`Store::open`].
    pub fn open_with(
        mut backend: B,
        config: Config,
        options: Options,
    ) -> Result<Store<B>, StoreError> {
        let (position, dir) = match backend.latest_snapshot()? {
            Some((position, body)) => (position, read_snapshot(position, &body, config)?),
            None => (0, Directory::with_config(config)),
        };
        let mut store = Store {
            backend,
            dir,
            position,
            since_snapshot: 0,
            options: Options {
                page: options.page.max(1),
                id_block: options.id_block.max(1),
                ..options
            },
            stopped: None,
            ids: BTreeMap::new(),
        };
        store.catch_up()?;
        Ok(store)
    }

    /// Rebuilds the directory from every event of the store, ignoring snapshots: what a new
    /// replica or an audit does.
    ///
    /// # Errors
    ///
    /// As [`Store::open`].
    pub fn rebuild(backend: B, config: Config) -> Result<Directory, StoreError> {
        let mut store = Store {
            backend,
            dir: Directory::with_config(config),
            position: 0,
            since_snapshot: 0,
            options: Options {
                snapshot_every: None,
                ..Options::default()
            },
            stopped: None,
            ids: BTreeMap::new(),
        };
        store.catch_up()?;
        Ok(store.dir)
    }

    /// The directory as of [`Store::position`]. Queries, checks and dry runs
    /// ([`Directory::plan`]) go here.
    #[must_use]
    pub fn directory(&self) -> &Directory {
        &self.dir
    }

    /// The position of the last event applied to the directory.
    #[must_use]
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The database connection.
    pub fn backend_mut(&mut self) -> &mut B {
        &mut self.backend
    }

    /// Gives the database connection back.
    #[must_use]
    pub fn into_backend(self) -> B {
        self.backend
    }

    /// Applies the events other writers committed since [`Store::position`], each re-checked
    /// as the command it records (EV004), and returns how many.
    ///
    /// # Errors
    ///
    /// [`StoreError::Row`] for an event that does not read (nothing of it is applied),
    /// [`StoreError::Replay`] for events no command could have written (the store then stops:
    /// every later call is [`StoreError::Stopped`]), and database errors.
    pub fn catch_up(&mut self) -> Result<u64, StoreError> {
        if let Some(position) = self.stopped {
            return Err(StoreError::Stopped { position });
        }
        let mut pending: Vec<StreamEvent> = Vec::new();
        let mut positions: Vec<u64> = Vec::new();
        let mut applied = 0;
        let mut after = self.position;
        loop {
            let rows = self.backend.read_all(after, self.options.page)?;
            let full = rows.len() >= self.options.page;
            for row in &rows {
                pending.push(decode(row)?);
                positions.push(row.position);
                after = row.position;
            }
            // Account events are re-checked in runs between two events of the directory's
            // stream (a transfer's two sides, a device handed over between accounts), so a
            // full page is applied only up to its last directory event, and the rest waits
            // for the next page; at the end of the store everything read is whole.
            let cut = if full {
                pending
                    .iter()
                    .rposition(|e| matches!(e, StreamEvent::Directory(_)))
                    .map_or(0, |i| i + 1)
            } else {
                pending.len()
            };
            if cut > 0 {
                let rest = pending.split_off(cut);
                let rest_positions = positions.split_off(cut);
                applied += self.apply(&pending, &positions)?;
                pending = rest;
                positions = rest_positions;
            }
            if !full {
                break;
            }
        }
        Ok(applied)
    }

    /// Applies decoded events at their positions, or stops the store.
    #[allow(
        clippy::indexing_slicing,
        reason = "called with two slices of one length"
    )]
    fn apply(&mut self, events: &[StreamEvent], positions: &[u64]) -> Result<u64, StoreError> {
        let (Some(&first), Some(&last)) = (positions.first(), positions.last()) else {
            return Ok(0);
        };
        if let Err(error) = self.dir.follow(events) {
            self.stopped = Some(self.position);
            return Err(StoreError::Replay { first, last, error });
        }
        self.position = last;
        let count = events.len() as u64;
        self.since_snapshot += count;
        Ok(count)
    }

    /// Runs a command: catches up, plans it with identifiers from the store, appends its events
    /// with the versions they were planned on and the command ID, then applies them. A command
    /// ID committed before (by any writer) appends nothing and returns the first run's events.
    ///
    /// # Errors
    ///
    /// [`StoreError::Refused`] with the rule the command breaks, or with [`Error::Conflict`]
    /// when another writer committed to one of its streams between the catch-up and the append
    /// (the store has caught up again: plan and retry); nothing was appended and the directory
    /// only moved on by other writers' events. Database errors otherwise.
    pub fn execute(
        &mut self,
        actor: &Actor,
        at: Timestamp,
        command: Command,
        command_id: Option<CommandId>,
    ) -> Result<Committed, StoreError> {
        self.catch_up()?;
        if let Some(first) = command_id.as_ref().and_then(|id| self.dir.committed_as(id)) {
            return Ok(first);
        }
        let kinds = command.fresh_ids();
        let plan = self.plan(actor, at, command, command_id)?;
        if plan.is_empty() {
            return Ok(self.dir.commit(plan)?);
        }
        let rows = plan
            .events()
            .iter()
            .map(encode)
            .collect::<Result<Vec<NewRow>, StoreError>>()?;
        let expected: Vec<(u32, u64)> = plan
            .expected()
            .iter()
            .map(|(stream, version)| (stream.number(), *version))
            .collect();
        let append = Append {
            command: plan.command().map(CommandId::as_str),
            expected: &expected,
            rows: &rows,
        };
        match self.backend.append(&append) {
            Ok(Appended::Committed { positions }) => {
                self.use_ids(kinds);
                self.committed(plan, positions)
            }
            Ok(Appended::Duplicate { .. }) => self.repeated(plan),
            Err(BackendError::Conflict {
                stream,
                expected,
                actual,
            }) => {
                self.catch_up()?;
                Err(StoreError::Refused(Error::Conflict {
                    stream: StreamId::from_number(stream),
                    expected,
                    actual,
                }))
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Plans a command on the current state, with identifiers from this writer's blocks (see
    /// [`Options::id_block`]). They are used up only when the command commits: a refused
    /// command leaves them for the next one.
    fn plan(
        &mut self,
        actor: &Actor,
        at: Timestamp,
        command: Command,
        command_id: Option<CommandId>,
    ) -> Result<Plan, StoreError> {
        let kinds = command.fresh_ids();
        if kinds.is_empty() {
            return Ok(self.dir.plan(actor, at, command, command_id)?);
        }
        let fresh = self.fresh_ids(kinds)?;
        let retry = (command.clone(), command_id.clone());
        match self.dir.plan_with(actor, at, command, command_id, fresh) {
            // Identifiers taken before an import raised the store's counters past them: take
            // new ones once.
            Err(Error::IdentifierInUse { .. }) => {
                for kind in kinds {
                    self.ids.remove(kind);
                }
                let fresh = self.fresh_ids(kinds)?;
                Ok(self.dir.plan_with(actor, at, retry.0, retry.1, fresh)?)
            }
            planned => Ok(planned?),
        }
    }

    /// The next unused identifier of each kind, from this writer's blocks, taking a new block
    /// from the store when one is used up.
    fn fresh_ids(&mut self, kinds: &[CoreKind]) -> Result<FreshIds, StoreError> {
        let mut fresh = FreshIds::default();
        for kind in kinds {
            let next = match self.ids.get(kind) {
                Some(&(next, end)) if next < end => next,
                _ => {
                    let block = self.options.id_block;
                    let (first, count) = match self.backend.allocate(backend_kind(*kind), block) {
                        // Near the end of the range: one at a time, to the last.
                        Err(BackendError::IdsExhausted { .. }) if block > 1 => {
                            (self.backend.allocate(backend_kind(*kind), 1)?, 1)
                        }
                        other => (other?, block),
                    };
                    let (next, end) = (u64::from(first), u64::from(first) + u64::from(count));
                    self.ids.insert(*kind, (next, end));
                    next
                }
            };
            let id = u32::try_from(next).unwrap_or(u32::MAX);
            match kind {
                CoreKind::Organization => fresh.organization = Some(OrgId::new(id)),
                CoreKind::User => fresh.user = Some(UserId::new(id)),
                CoreKind::Account => fresh.account = Some(SaId::new(id)),
                CoreKind::Va => fresh.va = Some(VaId::new(id)),
            }
        }
        Ok(fresh)
    }

    /// Marks the identifiers of a committed command as used.
    fn use_ids(&mut self, kinds: &[CoreKind]) {
        for kind in kinds {
            if let Some((next, _)) = self.ids.get_mut(kind) {
                *next += 1;
            }
        }
    }

    /// The database has the plan's events: apply them in memory. When nobody else committed
    /// in between they are applied as planned; otherwise the store catches up, which reads
    /// them back with the others' events in commit order.
    fn committed(
        &mut self,
        plan: Plan,
        positions: Option<(u64, u64)>,
    ) -> Result<Committed, StoreError> {
        match positions {
            Some((first, last)) if first == self.position + 1 => {
                let count = (last - first) + 1;
                let committed = self.dir.commit(plan)?;
                self.position = last;
                self.since_snapshot += count;
                self.snapshot_if_due()?;
                Ok(committed)
            }
            _ => {
                let committed = Committed {
                    directory: plan.directory_events().to_vec(),
                    accounts: plan.account_events().to_vec(),
                    repeated: false,
                };
                self.catch_up()?;
                self.snapshot_if_due()?;
                Ok(committed)
            }
        }
    }

    /// The database already had the command ID (another writer, or an earlier attempt whose
    /// acknowledgement was lost): catch up and answer with that first run.
    fn repeated(&mut self, plan: Plan) -> Result<Committed, StoreError> {
        self.catch_up()?;
        Ok(plan
            .command()
            .and_then(|id| self.dir.committed_as(id))
            .unwrap_or(Committed {
                repeated: true,
                ..Committed::default()
            }))
    }

    /// Saves a snapshot when [`Options::snapshot_every`] events were applied since the last.
    fn snapshot_if_due(&mut self) -> Result<(), StoreError> {
        match self.options.snapshot_every {
            Some(every) if self.since_snapshot >= every => self.save_snapshot(),
            _ => Ok(()),
        }
    }

    /// Saves a snapshot of the directory at [`Store::position`], from which the next
    /// [`Store::open`] starts.
    ///
    /// # Errors
    ///
    /// Database errors.
    pub fn save_snapshot(&mut self) -> Result<(), StoreError> {
        let body = serde_json::to_string(&self.dir.to_snapshot()).map_err(|error| {
            StoreError::Snapshot {
                position: self.position,
                path: String::new(),
                detail: format!("cannot be written as JSON: {error}"),
                broken: smart_accounts::RuleId::EV005,
            }
        })?;
        self.backend.save_snapshot(self.position, &body)?;
        self.since_snapshot = 0;
        Ok(())
    }

    /// Imports a directory into an empty store: its streams' events, each stream's in order
    /// (the directory's first), in appends of at most [`Options::page`] events, and raises the
    /// store's identifiers above the directory's. The store then holds the directory: it
    /// catches up, re-checking every event, and saves a snapshot.
    ///
    /// A command ID whose events span two streams cannot be imported this way (the store
    /// records each command ID with one append); such a directory is refused.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotEmpty`] for a store with events, [`StoreError::SpansStreams`] for a
    /// command ID spanning streams, and the errors of [`Store::catch_up`].
    pub fn import(&mut self, directory: &Directory) -> Result<(), StoreError> {
        self.catch_up()?;
        let has_events = !self.backend.versions()?.is_empty();
        if self.position > 0 || has_events {
            return Err(StoreError::NotEmpty {
                position: self.position,
            });
        }
        let snapshot = directory.to_snapshot();
        check_importable(&snapshot)?;
        raise_ids(&mut self.backend, &snapshot)?;
        let directory_events = snapshot
            .directory_events
            .iter()
            .cloned()
            .map(StreamEvent::Directory);
        self.import_stream(directory_events.collect())?;
        for account in snapshot.accounts {
            self.import_stream(
                account
                    .events
                    .into_iter()
                    .map(StreamEvent::Account)
                    .collect(),
            )?;
        }
        self.catch_up()?;
        self.save_snapshot()
    }

    /// Appends one stream's events in runs of one command ID, at most a page each.
    fn import_stream(&mut self, events: Vec<StreamEvent>) -> Result<(), StoreError> {
        let mut start = 0;
        while let Some(first) = events.get(start) {
            let command = first.command().cloned();
            let run = events
                .get(start..)
                .unwrap_or_default()
                .iter()
                .take(self.options.page)
                .take_while(|e| e.command() == command.as_ref())
                .count();
            let run_events = events.get(start..start + run).unwrap_or_default();
            let rows = run_events
                .iter()
                .map(encode)
                .collect::<Result<Vec<NewRow>, StoreError>>()?;
            let stream = first.stream().number();
            let expected = [(stream, first.seq().saturating_sub(1))];
            let append = Append {
                command: command.as_ref().map(CommandId::as_str),
                expected: &expected,
                rows: &rows,
            };
            if let Appended::Duplicate { command } = self.backend.append(&append)? {
                return Err(StoreError::SpansStreams { command });
            }
            start += run;
        }
        Ok(())
    }
}

/// The backend's counter of a kind of identifier.
fn backend_kind(kind: CoreKind) -> IdKind {
    match kind {
        CoreKind::Organization => IdKind::Organization,
        CoreKind::User => IdKind::User,
        CoreKind::Account => IdKind::Account,
        CoreKind::Va => IdKind::Va,
    }
}

/// Refuses, before anything is written, a directory with a command ID on two streams.
fn check_importable(snapshot: &Snapshot) -> Result<(), StoreError> {
    let mut streams: HashMap<&CommandId, StreamId> = HashMap::new();
    let directory = snapshot
        .directory_events
        .iter()
        .map(|e| (StreamId::Directory, e.command.as_ref()));
    let accounts = snapshot.accounts.iter().flat_map(|a| {
        a.events
            .iter()
            .map(|e| (StreamId::Account(e.sa), e.command.as_ref()))
    });
    for (stream, command) in directory.chain(accounts) {
        if let Some(command) = command
            && *streams.entry(command).or_insert(stream) != stream
        {
            return Err(StoreError::SpansStreams {
                command: command.to_string(),
            });
        }
    }
    Ok(())
}

/// Raises the store's counters above every identifier of a snapshot.
fn raise_ids<B: Backend>(backend: &mut B, snapshot: &Snapshot) -> Result<(), StoreError> {
    let max = |ids: &mut dyn Iterator<Item = u32>| ids.max().unwrap_or(0);
    let orgs = max(&mut snapshot.organizations.iter().map(|o| o.id.get()));
    let users = max(&mut snapshot.users.iter().map(|u| u.id.get()));
    let accounts = max(&mut snapshot.accounts.iter().map(|a| a.id.get()));
    // Deleted Virtual Accounts keep their identifiers in the events.
    let vas = max(&mut snapshot.accounts.iter().flat_map(|a| {
        a.vas
            .iter()
            .map(|v| v.id.get())
            .chain(a.events.iter().filter_map(|e| match &e.change {
                Change::VaCreated { va, .. } => Some(va.get()),
                Change::AccountCreated { default_va, .. } => Some(default_va.get()),
                _ => None,
            }))
    }));
    backend.raise(IdKind::Organization, orgs)?;
    backend.raise(IdKind::User, users)?;
    backend.raise(IdKind::Account, accounts)?;
    backend.raise(IdKind::Va, vas)?;
    Ok(())
}

/// The directory of a stored snapshot, with the caller's configuration.
fn read_snapshot(position: u64, body: &str, config: Config) -> Result<Directory, StoreError> {
    let mut reader = serde_json::Deserializer::from_str(body);
    let mut snapshot: Snapshot =
        serde_path_to_error::deserialize(&mut reader).map_err(|error| StoreError::Snapshot {
            position,
            path: error.path().to_string(),
            detail: error.inner().to_string(),
            broken: smart_accounts::RuleId::EV005,
        })?;
    snapshot.config = config;
    Directory::from_snapshot(snapshot).map_err(|error| StoreError::Snapshot {
        position,
        path: error.path().to_owned(),
        detail: error.error().to_string(),
        broken: error.rule(),
    })
}
