//! Rebuilding and following (EV005): a directory built from its streams, and a replica that
//! applies events committed elsewhere. Both re-check what they apply: the directory's events
//! as the registrations and claims they record, every Smart Account's events as the commands
//! they record (EV004), so a store's contents are evidence, never trusted.

use std::collections::BTreeMap;

use crate::base::error::Error;
use crate::base::ids::SaId;
use crate::directory::{Config, Directory};
use crate::events::command_id::CommandId;
use crate::events::event::Event;
use crate::events::evidence::{Stream, replay_as_evidence};
use crate::events::streams::{DirectoryEvent, StreamEvent, StreamId};

impl Directory {
    /// Builds a directory from its streams' events, in the order they were committed (a
    /// store's positions), re-checking each as [`Directory::follow`] does.
    ///
    /// # Errors
    ///
    /// As [`Directory::follow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use smart_accounts::{fixtures, Directory, StreamEvent};
    ///
    /// let w = fixtures::world()?;
    /// // A store would hand the events back in the order they were committed; here the
    /// // directory's stream comes first, then each account's log.
    /// let mut events: Vec<StreamEvent> =
    ///     w.dir.directory_events().iter().map(StreamEvent::Directory).collect();
    /// for account in w.dir.to_snapshot().accounts {
    ///     events.extend(account.events.into_iter().map(StreamEvent::Account));
    /// }
    /// let rebuilt = Directory::from_events(w.dir.config().clone(), events)?;
    /// assert_eq!(rebuilt, w.dir);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_events(
        config: Config,
        events: impl IntoIterator<Item = StreamEvent>,
    ) -> Result<Directory, Error> {
        let mut dir = Directory::with_config(config);
        let events: Vec<StreamEvent> = events.into_iter().collect();
        dir.follow(&events)?;
        Ok(dir)
    }

    /// Applies events committed elsewhere, in their commit order: a replica following a
    /// store or a writer (EV005). Each event must be the next of its stream and not older
    /// than the one above it. A directory event is checked as the registration or claim it
    /// records; the events of Smart Accounts between two directory events are re-checked
    /// together as the commands they record, as a supplied log is (EV004), merged by time.
    ///
    /// # Errors
    ///
    /// [`Error::Stream`] for an event out of sequence or of time order, the rule a
    /// registration breaks, or the error of the first account event no command of its actor
    /// could have made ([`Error::NotPermitted`], [`Error::Mismatch`], …). The events before it
    /// stay applied, each command whole: the replica is then at a consistent state of the
    /// writer's past, and the store holds something no command could write.
    pub fn follow(&mut self, events: &[StreamEvent]) -> Result<(), Error> {
        let mut run: Vec<Event> = Vec::new();
        for event in events {
            match event {
                StreamEvent::Directory(e) => {
                    self.follow_accounts(std::mem::take(&mut run))?;
                    self.follow_directory(e)?;
                }
                StreamEvent::Account(e) => run.push(e.clone()),
            }
        }
        self.follow_accounts(run)
    }

    /// Applies one event of the directory's stream.
    fn follow_directory(&mut self, event: &DirectoryEvent) -> Result<(), Error> {
        let stream = StreamId::Directory;
        let problem = |reason: String| Error::Stream {
            stream,
            seq: event.seq,
            reason,
        };
        let expected = self.version(stream) + 1;
        if event.seq != expected {
            return Err(problem(format!("expected sequence {expected}")));
        }
        if let Some(last) = self.dir_log.last_at()
            && event.at < last
        {
            return Err(problem(format!(
                "its time {} is before {last}, the time of the event above it",
                event.at
            )));
        }
        self.check_directory_change(&event.change)?;
        if let Some(id) = &event.command {
            self.index_command(id, stream, event.seq)?;
        }
        self.apply_directory_change(&event.change);
        self.dir_log
            .append(event.clone())
            .map_err(|why| problem(why.to_string()))?;
        Ok(())
    }

    /// Applies a run of Smart Account events, re-checked as commands (EV004).
    fn follow_accounts(&mut self, run: Vec<Event>) -> Result<(), Error> {
        if run.is_empty() {
            return Ok(());
        }
        let mut by_sa: BTreeMap<SaId, Vec<Event>> = BTreeMap::new();
        for event in run {
            by_sa.entry(event.sa).or_default().push(event);
        }
        for (sa, events) in &by_sa {
            let last = self.log_of(*sa).and_then(|log| log.last_at());
            if let (Some(last), Some(first)) = (last, events.first())
                && first.at < last
            {
                return Err(Error::TimeOrder {
                    sa: *sa,
                    at: first.at,
                    last,
                });
            }
        }
        let seqs: Vec<(SaId, u64, Option<CommandId>)> = by_sa
            .values()
            .flatten()
            .map(|e| (e.sa, e.seq, e.command.clone()))
            .collect();
        let streams = by_sa
            .into_iter()
            .map(|(sa, events)| Stream::following(self, sa, format!("{sa}"), events))
            .collect();
        replay_as_evidence(self, streams).map_err(|refusal| refusal.error)?;
        for (sa, seq, id) in seqs {
            if let Some(id) = id {
                self.index_command(&id, StreamId::Account(sa), seq)?;
            }
        }
        Ok(())
    }
}
