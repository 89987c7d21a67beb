//! The login index of users (SA004): the user with a Cisco.com ID (ignoring case) or an email.
//!
//! Each table stores only user identifiers and finds the key in the user record it names, so a
//! login is stored once, in its user, instead of once more per index: at 200,000 users the two
//! sorted maps this replaces held about 32 MiB of copied keys (issue 16).

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher, RandomState};

use hashbrown::HashTable;

use crate::base::ids::UserId;
use crate::base::text::Email;
use crate::directory::people::User;

/// The users by Cisco.com ID and by email. The hasher is randomly keyed: logins come from
/// outside, so chosen ones cannot make the tables' buckets collide.
#[derive(Debug, Clone, Default)]
pub(crate) struct Logins {
    hasher: RandomState,
    cco_ids: HashTable<UserId>,
    emails: HashTable<UserId>,
}

impl Logins {
    /// The user whose Cisco.com ID is `cco`, ignoring case.
    pub(crate) fn by_cco_id(&self, users: &BTreeMap<UserId, User>, cco: &str) -> Option<UserId> {
        let hash = self.cco_hash(cco);
        self.cco_ids
            .find(hash, |id| {
                cco_of(users, *id).is_some_and(|c| same_cco(c, cco))
            })
            .copied()
    }

    /// The user with this email.
    pub(crate) fn by_email(&self, users: &BTreeMap<UserId, User>, email: &Email) -> Option<UserId> {
        let hash = self.hasher.hash_one(email.as_str());
        self.emails
            .find(hash, |id| users.get(id).is_some_and(|u| u.email == *email))
            .copied()
    }

    /// Indexes `user`. Every user already indexed must be in `users` (the tables find their
    /// keys there when they grow); `user` itself need not be yet. A login another user holds
    /// is not indexed again: registration refuses it before.
    pub(crate) fn insert(&mut self, users: &BTreeMap<UserId, User>, user: &User) {
        let Logins {
            hasher,
            cco_ids,
            emails,
        } = self;
        if let Some(cco) = &user.cco_id {
            let hash = cco_hash(hasher, cco);
            let same = |id: &UserId| cco_of(users, *id).is_some_and(|c| same_cco(c, cco));
            if cco_ids.find(hash, same).is_none() {
                let rehash = |id: &UserId| cco_of(users, *id).map_or(0, |c| cco_hash(hasher, c));
                cco_ids.insert_unique(hash, user.id, rehash);
            }
        }
        let hash = hasher.hash_one(user.email.as_str());
        let same = |id: &UserId| users.get(id).is_some_and(|u| u.email == user.email);
        if emails.find(hash, same).is_none() {
            let rehash = |id: &UserId| {
                users
                    .get(id)
                    .map_or(0, |u| hasher.hash_one(u.email.as_str()))
            };
            emails.insert_unique(hash, user.id, rehash);
        }
    }

    fn cco_hash(&self, cco: &str) -> u64 {
        cco_hash(&self.hasher, cco)
    }
}

/// The Cisco.com ID of a user, if any.
fn cco_of(users: &BTreeMap<UserId, User>, id: UserId) -> Option<&str> {
    users.get(&id).and_then(|u| u.cco_id.as_deref())
}

/// The characters of a Cisco.com ID as compared: lowercased one by one.
fn folded(cco: &str) -> impl Iterator<Item = char> + '_ {
    cco.chars().flat_map(char::to_lowercase)
}

/// Whether two Cisco.com IDs are the same ignoring case.
fn same_cco(a: &str, b: &str) -> bool {
    folded(a).eq(folded(b))
}

/// The hash of a Cisco.com ID ignoring case: equal for IDs that [`same_cco`] finds equal.
fn cco_hash(hasher: &RandomState, cco: &str) -> u64 {
    let mut h = hasher.build_hasher();
    for c in folded(cco) {
        h.write_u32(u32::from(c));
    }
    h.finish()
}
