//! The benchmark model shared by `check.rs` and `memory.rs`: one Smart Account with a
//! Virtual Account tree of a given size and users holding one role binding each, built through
//! the public commands from a fixed seed, and the queries the check benchmarks ask.

#![allow(dead_code)]

use jiff::Timestamp;
use smart_accounts::{
    AccountKind, Action, Actor, Directory, Inheritance, NewUser, OrgKind, Role, SaId, Target,
    UserId, VaId,
};

pub(crate) const SEED: u64 = 0x5eed_2026_0001;
pub(crate) const QUERIES: usize = 10_000;

/// splitmix64: tiny, deterministic, good enough to shape a benchmark model.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
    /// True with probability `percent / 100`.
    pub(crate) fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

pub(crate) fn at() -> Timestamp {
    "2026-01-05T09:00:00Z".parse().unwrap()
}

/// The shape of a Virtual Account tree, independent of any directory: `parents[i]` is the
/// position of VA `i`'s parent (`None` at the top level). Position 0 is the default VA.
pub(crate) struct Shape {
    pub(crate) parents: Vec<Option<usize>>,
    pub(crate) names: Vec<String>,
}

/// `total` VAs, the default one included: a chain of ten reaching level 10, then about 12% at
/// levels 1–5 and the rest at levels 6–10, each below a random VA one level up.
pub(crate) fn shape(total: usize, rng: &mut Rng) -> Shape {
    let mut parents = vec![None];
    // by_level[l] holds the positions of the VAs at level l + 1.
    let mut by_level: Vec<Vec<usize>> = vec![vec![0]];
    by_level.resize(10, Vec::new());
    for (level, at_level) in by_level.iter_mut().enumerate() {
        let parent = if level == 0 {
            None
        } else {
            Some(parents.len() - 1)
        };
        at_level.push(parents.len());
        parents.push(parent);
    }
    while parents.len() < total {
        let level = if rng.chance(12) {
            rng.below(5)
        } else {
            5 + rng.below(5)
        };
        let parent = if level == 0 {
            None
        } else {
            Some(rng.pick(&by_level[level - 1]))
        };
        by_level[level].push(parents.len());
        parents.push(parent);
    }
    parents.truncate(total);
    let names = (0..parents.len()).map(|i| format!("va-{i}")).collect();
    Shape { parents, names }
}

/// The actions the queries ask about, with their weights: mostly viewing and managing licenses,
/// a few management and account-level actions. Eight of them, so that the baseline's byte holds
/// one bit each.
pub(crate) const MIX: [(Action, usize); 8] = [
    (Action::ViewAccount, 20),
    (Action::ViewLicenses, 22),
    (Action::ManageLicenses, 22),
    (Action::ManageDevices, 14),
    (Action::ManageChildVas, 8),
    (Action::AssignVaRoles, 6),
    (Action::CreateTopLevelVa, 4),
    (Action::EditAccount, 4),
];

/// The bit of `action` in the baseline's byte (0xff for actions outside [`MIX`]).
pub(crate) const fn mix_bit(action: Action) -> u8 {
    let mut i = 0;
    while i < MIX.len() {
        if MIX[i].0 as u8 == action as u8 {
            return 1 << i;
        }
        i += 1;
    }
    0
}

/// Indexed by `Action as usize`.
pub(crate) const MIX_BITS: [u8; 12] = {
    let mut bits = [0u8; 12];
    let mut i = 0;
    while i < 12 {
        bits[i] = mix_bit(Action::ALL[i]);
        i += 1;
    }
    bits
};

pub(crate) fn pick_action(rng: &mut Rng) -> Action {
    let total: usize = MIX.iter().map(|(_, w)| w).sum();
    let mut roll = rng.below(total);
    for (action, weight) in MIX {
        if roll < weight {
            return action;
        }
        roll -= weight;
    }
    MIX[0].0
}

pub(crate) type Query = (UserId, Action, VaId);

pub(crate) struct Model {
    pub(crate) dir: Directory,
    pub(crate) sa: SaId,
    pub(crate) admin: UserId,
    pub(crate) users: Vec<UserId>,
    pub(crate) vas: Vec<VaId>,
    pub(crate) queries: Vec<Query>,
}

/// A user's one binding, as the model generator chose it.
#[derive(Clone, Copy)]
enum Bound {
    Account,
    Va(usize, Inheritance),
}

/// Builds the model through the public commands. `users` counts the account's creator (the
/// first SA Admin). With `queries == 0` no queries are drawn.
pub(crate) fn model(vas: usize, users: usize, queries: usize, seed: u64) -> Model {
    let mut rng = Rng(seed);
    let at = at();
    let mut dir = Directory::new();
    let org = dir
        .register_organization("Acme", OrgKind::Customer)
        .unwrap();
    let new_user = |i: usize| NewUser {
        cco_id: Some(format!("user-{i}")),
        email: format!("user-{i}@acme.com"),
        org,
        kind: Default::default(),
    };
    let admin = dir.register_user(new_user(0)).unwrap();
    let actor = Actor::User(admin);
    let sa = dir
        .request_account(
            &actor,
            at,
            AccountKind::Customer,
            "Acme",
            Some("acme.com"),
            admin,
        )
        .unwrap();
    let shape = shape(vas, &mut rng);
    let mut ids = vec![dir.account(sa).unwrap().default_va()];
    for (parent, name) in shape.parents.iter().zip(&shape.names).skip(1) {
        let parent = parent.map(|p| ids[p]);
        ids.push(dir.create_va(&actor, at, sa, parent, name).unwrap());
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); ids.len()];
    for (i, parent) in shape.parents.iter().enumerate() {
        if let Some(p) = parent {
            children[*p].push(i);
        }
    }

    let mut user_ids = vec![admin];
    let mut bound = vec![Bound::Account];
    const SA_ROLES: [Role; 4] = [
        Role::SaAdmin,
        Role::SaUser,
        Role::SaViewer,
        Role::SaApprover,
    ];
    const VA_ROLES: [Role; 3] = [Role::VaAdmin, Role::VaUser, Role::VaViewer];
    for i in 1..users {
        let user = dir.register_user(new_user(i)).unwrap();
        let (target, role, inheritance, b) = if rng.chance(5) {
            let role = rng.pick(&SA_ROLES);
            let inh = Inheritance::AccountAndChildren;
            (Target::Account(sa), role, inh, Bound::Account)
        } else {
            let va = rng.below(ids.len());
            let role = rng.pick(&VA_ROLES);
            let inh = if rng.chance(85) {
                Inheritance::AccountAndChildren
            } else {
                Inheritance::AccountOnly
            };
            (Target::Va(ids[va]), role, inh, Bound::Va(va, inh))
        };
        dir.assign_role(&actor, at, user, target, role, inheritance)
            .unwrap();
        user_ids.push(user);
        bound.push(b);
    }

    // For a user bound to a VA, 44% of the queries aim inside their reach (a walk down from the
    // bound VA), the rest at a random VA; the action mix then decides. About a third are
    // allowed.
    let mut qs = Vec::with_capacity(queries);
    for _ in 0..queries {
        let u = rng.below(user_ids.len());
        let va = match bound[u] {
            Bound::Va(start, inh) if rng.chance(44) => {
                let mut at = start;
                if inh == Inheritance::AccountAndChildren {
                    while !children[at].is_empty() && rng.chance(60) {
                        at = rng.pick(&children[at]);
                    }
                }
                at
            }
            _ => rng.below(ids.len()),
        };
        qs.push((user_ids[u], pick_action(&mut rng), ids[va]));
    }
    Model {
        dir,
        sa,
        admin,
        users: user_ids,
        vas: ids,
        queries: qs,
    }
}
