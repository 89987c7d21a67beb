//! Batch checks (ROLE004, issue 16): `is_allowed_many` answers exactly as `is_allowed` does,
//! question by question, in the caller's order, on random directories and random batches with
//! duplicates, unknown users, unknown Virtual Accounts and account targets, empty ones
//! included.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::cases;
use proptest::prelude::*;
use smart_accounts::strategies;
use smart_accounts::{Action, Directory, SaId, Target, UserId, VaId};

/// Questions about `dir`: existing users and a few identifiers past the last one, existing
/// Virtual Accounts and accounts and a few that do not exist, every action.
fn questions(dir: &Directory) -> impl Strategy<Value = Vec<(UserId, Action, Target)>> + use<> {
    let mut users: Vec<UserId> = dir.users().map(|u| u.id).collect();
    let last = users.iter().map(|u| u.get()).max().unwrap_or(0);
    users.extend([
        UserId::new(last + 1),
        UserId::new(last + 1000),
        UserId::new(0),
    ]);
    let mut targets: Vec<Target> = dir
        .accounts()
        .flat_map(|a| {
            std::iter::once(Target::Account(a.id())).chain(a.vas().map(|v| Target::Va(v.id())))
        })
        .collect();
    targets.extend([
        Target::Va(VaId::new(0)),
        Target::Va(VaId::new(1 << 20)),
        Target::Account(SaId::new(1 << 20)),
    ]);
    let question = (
        prop::sample::select(users),
        prop::sample::select(Action::ALL.to_vec()),
        prop::sample::select(targets),
    );
    prop::collection::vec(question, 0..80)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn role004_a_batch_answers_each_question_as_a_single_check_does(
        (dir, batch) in strategies::directory()
            .prop_flat_map(|dir| { let q = questions(&dir); (Just(dir), q) }),
    ) {
        let answers = dir.is_allowed_many(&batch);
        prop_assert_eq!(answers.len(), batch.len());
        for (&(user, action, target), answer) in batch.iter().zip(&answers) {
            prop_assert_eq!(
                *answer,
                dir.is_allowed(user, action, target),
                "{} {:?} {:?}", user, action, target
            );
        }
        // Doubled, the batch answers doubled: groups of questions never leak into each other.
        let twice: Vec<_> = batch.iter().chain(&batch).copied().collect();
        let again = dir.is_allowed_many(&twice);
        prop_assert_eq!(&again[..batch.len()], &answers[..]);
        prop_assert_eq!(&again[batch.len()..], &answers[..]);
    }
}

#[test]
fn role004_an_empty_batch_has_no_answers() {
    let dir = Directory::new();
    assert!(dir.is_allowed_many(&[]).is_empty());
}
