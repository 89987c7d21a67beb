//! Differential: a structure-aware sequence of commands, drawing identifiers mostly from existing
//! entities, runs on the `Directory` and on the reference model (`smart_accounts::reference`);
//! they accept and refuse the same commands, a refused command changes nothing, and at the end
//! they agree on every account and every permission, the invariants hold, and the logs replay
//! and the snapshot round-trips: its logs, re-checked as evidence (EV004), load. The clock
//! advances 0 to 200 days before each step.
#![no_main]

use std::collections::BTreeSet;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use jiff::Timestamp;
use libfuzzer_sys::fuzz_target;
use smart_accounts::reference::{self, Model};
use smart_accounts::{
    AccountKind, Actor, Command, Directory, Inheritance, NewUser, OrgKind, Role, SaId,
    SmartAccount, Target, UserId, UserKind, VaId, Visibility, fixtures,
};

/// Longest command sequence of one input: longer ones find nothing more and run slower.
const MAX_STEPS: usize = 24;
/// An identifier no entity has.
const UNKNOWN: u32 = u32::MAX;

/// Names that hit the interesting cases: duplicates up to case, the default's name, padding,
/// emptiness, control characters and the 100-character limit.
const NAMES: &[&str] = &[
    "Sales",
    "sales",
    "DEFAULT",
    "EMEA",
    "  Lab-3  ",
    "",
    "   ",
    "a\u{7}b",
    "Ünïcödé",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
];

#[derive(Debug, Arbitrary)]
enum Text {
    Known(u8),
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum DomainText {
    Absent,
    /// The domain of a user's email, optionally with a prefix (`emea.` + domain).
    OfUser {
        user: u8,
        prefixed: bool,
    },
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum ActorPick {
    User(u8),
    Fulfilment,
    Support(String),
}

#[derive(Debug, Arbitrary)]
enum TargetPick {
    Account(u8),
    Va(u8),
}

#[derive(Debug, Arbitrary)]
enum Op {
    Request {
        kind: AccountKind,
        name: Text,
        domain: DomainText,
        contact: u8,
    },
    Activate {
        sa: u8,
    },
    RenameAccount {
        sa: u8,
        name: Text,
    },
    CreateVa {
        sa: u8,
        parent: Option<u8>,
        name: Text,
    },
    RenameVa {
        va: u8,
        name: Text,
    },
    MoveVa {
        va: u8,
        parent: Option<u8>,
    },
    DeleteVa {
        va: u8,
    },
    SetDefault {
        va: u8,
    },
    SetVisibility {
        va: u8,
        visibility: Visibility,
    },
    Assign {
        user: u8,
        target: TargetPick,
        role: Role,
        inheritance: Inheritance,
    },
    Change {
        user: u8,
        target: TargetPick,
        role: Role,
        inheritance: Inheritance,
    },
    Revoke {
        user: u8,
        target: TargetPick,
    },
    Accept {
        sa: u8,
    },
    /// A fully arbitrary command, identifiers and all.
    Raw(Command),
}

#[derive(Debug, Arbitrary)]
struct Step {
    actor: ActorPick,
    op: Op,
    /// Days the clock moves on before the step (0 to 200): time only ever advances, and every
    /// log must still load as evidence at the end (EV004).
    days: u8,
}

#[derive(Debug, Arbitrary)]
struct Input {
    /// Start from a directory with users but no account instead of the fixture world.
    small_start: bool,
    steps: Vec<Step>,
}

/// The fixture world, built once.
fn world() -> &'static (Directory, Timestamp) {
    static WORLD: OnceLock<(Directory, Timestamp)> = OnceLock::new();
    WORLD.get_or_init(|| {
        let w = fixtures::world().expect("the fixture world builds");
        (w.dir, w.at)
    })
}

/// Organizations and users without any account: a customer, a partner, a public-domain user.
fn small() -> &'static Directory {
    static SMALL: OnceLock<Directory> = OnceLock::new();
    SMALL.get_or_init(|| {
        let mut dir = Directory::new();
        let initech = dir
            .register_organization("Initech", OrgKind::Customer)
            .unwrap();
        let var = dir
            .register_organization("Resell", OrgKind::Partner)
            .unwrap();
        for (cco, email, org, kind) in [
            (
                Some("peter"),
                "peter@initech.com",
                initech,
                UserKind::Individual,
            ),
            (Some("team"), "it@initech.com", initech, UserKind::TeamAlias),
            (None, "nocco@initech.com", initech, UserKind::Individual),
            (
                Some("solo"),
                "solo@gmail.com",
                initech,
                UserKind::Individual,
            ),
            (Some("rita"), "rita@resell.net", var, UserKind::Individual),
        ] {
            dir.register_user(NewUser {
                cco_id: cco.map(str::to_owned),
                email: email.to_owned(),
                org,
                kind,
            })
            .unwrap();
        }
        dir
    })
}

/// The entities a step can name, refreshed before each step.
struct Pools {
    users: Vec<UserId>,
    accounts: Vec<SaId>,
    vas: Vec<VaId>,
}

impl Pools {
    fn of(dir: &Directory) -> Pools {
        Pools {
            users: dir.users().map(|u| u.id).collect(),
            accounts: dir.accounts().map(SmartAccount::id).collect(),
            vas: dir
                .accounts()
                .flat_map(|a| a.vas().map(|v| v.id()))
                .collect(),
        }
    }
}

/// Mostly an existing entity; one pick in `len + 1` names none.
fn pick<T: Copy>(pool: &[T], i: u8, unknown: T) -> T {
    pool.get(usize::from(i) % (pool.len() + 1))
        .copied()
        .unwrap_or(unknown)
}

fn text(t: Text) -> String {
    match t {
        Text::Known(i) => NAMES[usize::from(i) % NAMES.len()].to_owned(),
        Text::Raw(s) => s,
    }
}

fn concrete(dir: &Directory, pools: &Pools, step: Step) -> (Actor, Command) {
    let user = |i| pick(&pools.users, i, UserId::new(UNKNOWN));
    let sa = |i| pick(&pools.accounts, i, SaId::new(UNKNOWN));
    let va = |i| pick(&pools.vas, i, VaId::new(UNKNOWN));
    let target = |t| match t {
        TargetPick::Account(i) => Target::Account(sa(i)),
        TargetPick::Va(i) => Target::Va(va(i)),
    };
    let actor = match step.actor {
        ActorPick::User(i) => Actor::User(user(i)),
        ActorPick::Fulfilment => Actor::Fulfilment,
        ActorPick::Support(case) => Actor::VendorSupport { case },
    };
    let command = match step.op {
        Op::Request {
            kind,
            name,
            domain,
            contact,
        } => Command::RequestAccount {
            kind,
            name: text(name),
            domain: match domain {
                DomainText::Absent => None,
                DomainText::OfUser { user: u, prefixed } => Some(
                    dir.user(user(u))
                        .map(|u| u.email.domain().as_str().to_owned())
                        .map(|d| if prefixed { format!("emea.{d}") } else { d })
                        .unwrap_or_default(),
                ),
                DomainText::Raw(s) => Some(s),
            },
            contact: user(contact),
        },
        Op::Activate { sa: s } => Command::ActivateAccount { sa: sa(s) },
        Op::RenameAccount { sa: s, name } => Command::RenameAccount {
            sa: sa(s),
            name: text(name),
        },
        Op::CreateVa {
            sa: s,
            parent,
            name,
        } => Command::CreateVa {
            sa: sa(s),
            parent: parent.map(va),
            name: text(name),
        },
        Op::RenameVa { va: v, name } => Command::RenameVa {
            va: va(v),
            name: text(name),
        },
        Op::MoveVa { va: v, parent } => Command::MoveVa {
            va: va(v),
            parent: parent.map(va),
        },
        Op::DeleteVa { va: v } => Command::DeleteVa { va: va(v) },
        Op::SetDefault { va: v } => Command::SetDefaultVa { va: va(v) },
        Op::SetVisibility { va: v, visibility } => Command::SetVisibility {
            va: va(v),
            visibility,
        },
        Op::Assign {
            user: u,
            target: t,
            role,
            inheritance,
        } => Command::AssignRole {
            user: user(u),
            target: target(t),
            role,
            inheritance,
        },
        Op::Change {
            user: u,
            target: t,
            role,
            inheritance,
        } => Command::ChangeRole {
            user: user(u),
            target: target(t),
            role,
            inheritance,
        },
        Op::Revoke { user: u, target: t } => Command::RevokeRole {
            user: user(u),
            target: target(t),
        },
        Op::Accept { sa: s } => Command::AcceptAgreement { sa: sa(s) },
        Op::Raw(command) => command,
    };
    (actor, command)
}

fuzz_target!(|input: Input| {
    let (world, at) = world();
    let mut dir = if input.small_start {
        small().clone()
    } else {
        world.clone()
    };
    let mut model = Model::from_directory(&dir);
    // Accounts whose logs grew: the final permission sweep and the replay cover these (the
    // others are compared whole with the model).
    let mut touched = BTreeSet::new();
    // The directory as the last accepted command left it; a run of refusals shares one copy.
    let mut before: Option<Directory> = None;
    let mut now = *at;
    for step in input.steps.into_iter().take(MAX_STEPS) {
        let days = i64::from(step.days.min(200));
        now = now
            .checked_add(jiff::SignedDuration::from_hours(24 * days))
            .expect("the clock stays in range");
        let pools = Pools::of(&dir);
        let (actor, command) = concrete(&dir, &pools, step);
        if !reference::knows(&command) {
            // The reference model knows the account structure and roles, not licenses or
            // partner consent (an accepted one could make a later step differ); those commands
            // have their own model-based tests.
            continue;
        }
        let prior = before.get_or_insert_with(|| dir.clone());
        let result = dir.execute(&actor, now, command.clone());
        let events = result.as_deref().unwrap_or_default();
        let model_accepts = model
            .run(&actor, now, &command, events)
            .unwrap_or_else(|disagreement| panic!("{command:?} by {actor:?}: {disagreement}"));
        match &result {
            Ok(events) => {
                touched.extend(events.iter().map(|e| e.sa));
                assert!(
                    model_accepts,
                    "the directory accepted what the model refuses: {command:?} by {actor:?}"
                );
                assert!(!events.is_empty(), "an accepted command appends events");
            }
            Err(err) => {
                assert!(
                    !model_accepts,
                    "the directory refused what the model accepts: {command:?} by {actor:?}: {err}"
                );
                assert!(dir == *prior, "a refused command changed the directory");
                assert!(
                    err.to_string().starts_with(err.rule().code()),
                    "message without its rule: {err}"
                );
            }
        }
        if result.is_ok() {
            before = None;
        }
    }
    if touched.is_empty() {
        // Every step was refused and left the directory as it started (checked above): the
        // start state is the fixture, whose agreement with the model `tests/ev/model.rs` proves.
        return;
    }
    reference::check_invariants(&dir).unwrap_or_else(|broken| panic!("{broken}"));
    model
        .agrees_on(&dir, &touched, UserId::new(UNKNOWN), VaId::new(UNKNOWN))
        .unwrap_or_else(|disagreement| panic!("{disagreement}"));
    let snapshot = dir.to_snapshot();
    for s in snapshot.accounts.iter().filter(|s| touched.contains(&s.id)) {
        let replayed = SmartAccount::replay(&s.events).expect("the log replays");
        assert_eq!(Some(&replayed), dir.account(s.id), "replay of {}", s.id);
    }
    // Every log the commands wrote is evidence that re-checks (EV004).
    let reloaded =
        Directory::from_snapshot(snapshot).expect("a snapshot of a valid directory loads");
    assert!(reloaded == dir, "snapshot round trip changed the directory");
});
