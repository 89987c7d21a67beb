//! Registering organizations and users (SA004, EV005): changes of the directory's own stream,
//! checked when planned and again when a replica applies them.

use crate::accounts::kinds::Identifier;
use crate::base::error::Error;
use crate::base::ids::{OrgId, SaId, UserId};
use crate::base::limits::{MAX_NAME, check_name, clip};
use crate::directory::people::{NewUser, OrgKind, Organization};
use crate::directory::{Directory, next_id};
use crate::events::streams::{DirectoryChange, FreshIds, Planned, StreamId};
use crate::rules::RuleId;

impl Directory {
    /// Plans [`crate::Command::RegisterOrganization`].
    pub(crate) fn plan_organization(
        &self,
        name: &str,
        kind: OrgKind,
        fresh: &FreshIds,
    ) -> Result<Planned, Error> {
        let name = check_org_name(name)?;
        let id = match fresh.organization {
            Some(id) => id,
            None => OrgId::new(next_id(self.next_org, "organization")?),
        };
        let organization = Organization { id, name, kind };
        let change = DirectoryChange::OrganizationRegistered { organization };
        self.check_directory_change(&change)?;
        Ok(Planned::Directory(change))
    }

    /// Plans [`crate::Command::RegisterUser`].
    pub(crate) fn plan_user(&self, new: NewUser, fresh: &FreshIds) -> Result<Planned, Error> {
        let id = match fresh.user {
            Some(id) => id,
            None => UserId::new(next_id(self.next_user, "user")?),
        };
        let user = self.validate_user(id, new)?;
        let change = DirectoryChange::UserRegistered {
            user: std::sync::Arc::new(user),
        };
        self.check_directory_change(&change)?;
        Ok(Planned::Directory(change))
    }

    /// Whether a change of the directory's stream fits the directory as it is: a fresh
    /// identifier, a valid name or user (SA004), an identifier no other account holds (SA003,
    /// SA005). Checked when planned, when committed and when a replica applies it.
    pub(crate) fn check_directory_change(&self, change: &DirectoryChange) -> Result<(), Error> {
        match change {
            DirectoryChange::OrganizationRegistered { organization } => {
                let id = organization.id;
                if id.get() == 0 || self.orgs.contains_key(&id) {
                    return Err(Error::IdentifierInUse {
                        what: "organization",
                        id: id.get(),
                    });
                }
                check_org_name(&organization.name).map(|_| ())
            }
            DirectoryChange::UserRegistered { user } => {
                if user.id.get() == 0 || self.users.contains_key(&user.id) {
                    return Err(Error::IdentifierInUse {
                        what: "user",
                        id: user.id.get(),
                    });
                }
                let new = NewUser {
                    cco_id: user.cco_id.as_deref().map(str::to_owned),
                    email: user.email.to_string(),
                    org: user.org,
                    kind: user.kind,
                };
                let checked = self.validate_user(user.id, new)?;
                if checked != **user {
                    return Err(Error::Stream {
                        stream: StreamId::Directory,
                        seq: 0,
                        reason: format!(
                            "the user {} is recorded in a form registering would not give (a Cisco.com ID not trimmed?)",
                            user.email
                        ),
                    });
                }
                Ok(())
            }
            DirectoryChange::IdentifierClaimed { sa, identifier } => {
                match self.holder_of(identifier) {
                    Some(holder) if holder != *sa => Err(Error::DomainTaken {
                        domain: identifier.to_string(),
                        existing: holder,
                    }),
                    _ => Ok(()),
                }
            }
            // A closed request releases what it holds; when a replica re-checks a run in which
            // the closing event came first, it holds it no longer (SA010).
            DirectoryChange::IdentifierReleased { sa, identifier } => {
                match self.holder_of(identifier) {
                    Some(holder) if holder != *sa => Err(Error::AccountRequest {
                        sa: *sa,
                        status: self.account(*sa).map_or("unknown", |a| a.status.as_str()),
                        reason: "it releases an identifier another account holds",
                    }),
                    _ => Ok(()),
                }
            }
            // A claim or a release is refused when another account holds the device. The
            // device's own account may already hold it (or no longer hold it) when a replica
            // re-checks a run of events in which the registration (or removal) came first; the
            // account's own events are re-checked against DEV001 in any case.
            DirectoryChange::DeviceClaimed { sa, device }
            | DirectoryChange::DeviceReleased { sa, device } => match self.devices.get(device) {
                Some(holder) if holder != sa => Err(Error::DuplicateDevice {
                    device: device.to_string(),
                    sa: *holder,
                }),
                _ => Ok(()),
            },
            DirectoryChange::Order(change) => self.check_order_change(change),
        }
    }

    /// The account that holds `identifier`, if one does.
    fn holder_of(&self, identifier: &Identifier) -> Option<SaId> {
        match identifier {
            Identifier::Domain(d) => self.domains.get(&d.search_key()).copied(),
            Identifier::Email(e) => self.lu_emails.get(e).copied(),
        }
    }

    /// Applies a change of the directory's stream that [`Directory::check_directory_change`]
    /// accepted. A claim or release changes no index: the account's event in its own stream,
    /// committed with it, does.
    pub(crate) fn apply_directory_change(&mut self, change: &DirectoryChange) {
        match change {
            DirectoryChange::OrganizationRegistered { organization } => {
                self.next_org = self.next_org.max(organization.id.get());
                self.orgs.insert(organization.id, organization.clone());
            }
            DirectoryChange::UserRegistered { user } => {
                self.next_user = self.next_user.max(user.id.get());
                self.index_user(user);
                self.users.insert(user.id, user.clone());
            }
            DirectoryChange::IdentifierClaimed { .. }
            | DirectoryChange::IdentifierReleased { .. }
            | DirectoryChange::DeviceClaimed { .. }
            | DirectoryChange::DeviceReleased { .. } => {}
            DirectoryChange::Order(change) => self.apply_order_change(change),
        }
    }
}

/// An organization's name, checked (SA007).
fn check_org_name(name: &str) -> Result<String, Error> {
    check_name(name, MAX_NAME).map_err(|reason| Error::InvalidName {
        rule: RuleId::SA007,
        field: "organization name",
        value: clip(name),
        reason,
    })
}
