//! The login index of users (SA004): the user with a Cisco.com ID (ignoring case) or an email.
//!
//! Each index stores only user identifiers and finds the key in the user record it names
//! ([`FoldedIndex`]), so a login is stored once, in its user, instead of once more per index: at
//! 200,000 users the two sorted maps this replaces held about 32 MiB of copied keys (issue 16).

use std::collections::BTreeMap;

use crate::base::folded::FoldedIndex;
use crate::base::ids::UserId;
use crate::base::text::Email;
use crate::directory::people::User;

/// The users by Cisco.com ID (compared ignoring case) and by email (normalised to lowercase
/// when parsed, so ignoring case changes nothing there).
#[derive(Debug, Clone, Default)]
pub(crate) struct Logins {
    cco_ids: FoldedIndex<UserId>,
    emails: FoldedIndex<UserId>,
}

impl Logins {
    /// The user whose Cisco.com ID is `cco`, ignoring case.
    pub(crate) fn by_cco_id(
        &self,
        users: &BTreeMap<UserId, std::sync::Arc<User>>,
        cco: &str,
    ) -> Option<UserId> {
        self.cco_ids.find(cco, cco_of(users))
    }

    /// The user with this email.
    pub(crate) fn by_email(
        &self,
        users: &BTreeMap<UserId, std::sync::Arc<User>>,
        email: &Email,
    ) -> Option<UserId> {
        self.emails.find(email.as_str(), email_of(users))
    }

    /// Indexes `user`. Every user already indexed must be in `users` (the indexes find their
    /// keys there when they grow); `user` itself need not be yet. A login another user holds
    /// is not indexed again: registration refuses it before.
    pub(crate) fn insert(&mut self, users: &BTreeMap<UserId, std::sync::Arc<User>>, user: &User) {
        if let Some(cco) = &user.cco_id {
            self.cco_ids.insert(user.id, cco, cco_of(users));
        }
        self.emails
            .insert(user.id, user.email.as_str(), email_of(users));
    }
}

/// A user's Cisco.com ID, if any.
fn cco_of<'a>(
    users: &'a BTreeMap<UserId, std::sync::Arc<User>>,
) -> impl Fn(UserId) -> Option<&'a str> {
    move |id| users.get(&id).and_then(|u| u.cco_id.as_deref())
}

/// A user's email.
fn email_of<'a>(
    users: &'a BTreeMap<UserId, std::sync::Arc<User>>,
) -> impl Fn(UserId) -> Option<&'a str> {
    move |id| users.get(&id).map(|u| u.email.as_str())
}
