//! The logs as the directory keeps them (EV001, EV005): packed in memory, they hand back every
//! event exactly as the command that appended it returned it, in order, from every reader.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;

use crate::common::cases;
use proptest::prelude::*;
use smart_accounts::strategies::{self, AT};
use smart_accounts::{Directory, Event, Role, SaId};

/// Every reader of the account logs and the directory's stream agrees with `expected`.
fn readers_agree(
    dir: &Directory,
    expected: &BTreeMap<SaId, Vec<Event>>,
) -> Result<(), TestCaseError> {
    let snapshot = dir.to_snapshot();
    for account in &snapshot.accounts {
        let want = expected.get(&account.id).cloned().unwrap_or_default();
        prop_assert_eq!(&account.events, &want, "snapshot log of {}", account.id);
        let Some(admin) = account.roles.iter().find(|b| b.role == Role::SaAdmin) else {
            continue;
        };
        let log = dir.events(admin.user, account.id).unwrap();
        prop_assert_eq!(log.len(), want.len());
        prop_assert_eq!(&log.to_vec(), &want);
        prop_assert_eq!(&log.iter().collect::<Vec<_>>(), &want);
        let mut back: Vec<Event> = log.iter().rev().collect();
        back.reverse();
        prop_assert_eq!(&back, &want);
        for (i, event) in want.iter().enumerate() {
            prop_assert_eq!(log.get(i), Some(event.clone()));
        }
        prop_assert_eq!(log.get(want.len()), None);
        prop_assert_eq!(log.last(), want.last().cloned());
    }
    let stream = dir.directory_events();
    let all = stream.to_vec();
    prop_assert_eq!(&all, &snapshot.directory_events);
    prop_assert_eq!(&stream.iter().collect::<Vec<_>>(), &all);
    for (i, event) in all.iter().enumerate() {
        prop_assert_eq!(event.seq, i as u64 + 1);
        prop_assert_eq!(stream.get(i), Some(event.clone()));
    }
    prop_assert_eq!(stream.last(), all.last().cloned());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Random commands with time advancing: after every step, each account's log read back
    /// (whole, one by one, forwards, backwards, in a snapshot) is the events its commands
    /// returned, and the directory's stream only grows, numbered from 1 without gaps.
    #[test]
    fn ev001_ev005_the_packed_logs_hand_back_every_event_as_appended(
        (mut dir, commands) in strategies::directory_and_commands(1..30),
        days in prop::collection::vec(0u8..=200, 30),
    ) {
        let mut expected: BTreeMap<SaId, Vec<Event>> = dir
            .to_snapshot()
            .accounts
            .into_iter()
            .map(|a| (a.id, a.events))
            .collect();
        readers_agree(&dir, &expected)?;
        let mut now = AT;
        for ((actor, command), days) in commands.into_iter().zip(days) {
            now = now.checked_add(jiff::SignedDuration::from_hours(24 * i64::from(days))).unwrap();
            let stream = dir.directory_events().to_vec();
            if let Ok(events) = dir.execute(&actor, now, command) {
                for event in events {
                    expected.entry(event.sa).or_default().push(event);
                }
            }
            prop_assert!(dir.directory_events().to_vec().starts_with(&stream));
            readers_agree(&dir, &expected)?;
        }
    }
}
