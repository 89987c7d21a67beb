//! Smart Account requests and activation (SA001–SA009): who may ask for which kind of
//! account, the domain and email identifiers that name one account only, and the first SA
//! Admin's activation. Planned as methods of `Directory`, called only by the dispatch above.

use crate::accounts::account::check_account_name;
use crate::accounts::kinds::{AccountKind, AccountStatus, Identifier};
use crate::base::error::{Entity, Error};
use crate::base::ids::{SaId, UserId, VaId};
use crate::base::limits::clip;
use crate::base::text::Domain;
use crate::directory::Directory;
use crate::directory::people::{OrgKind, User};
use crate::events::event::Change;
use crate::events::streams::FreshIds;
use crate::roles::matrix::{Action, Actor, Inheritance, Role, Target};
use crate::rules::RuleId;
use jiff::civil::Date;

impl Directory {
    pub(crate) fn plan_request(
        &self,
        actor: &Actor,
        (kind, name, domain, contact): (AccountKind, &str, Option<String>, UserId),
        fresh: &FreshIds,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let requester = self.acting_user(actor)?;
        let contact_user = self.users.get(&contact).ok_or(Error::NotFound {
            rule: RuleId::SA004,
            entity: Entity::User(contact),
        })?;
        if contact_user.cco_id.is_none() {
            return Err(Error::MissingCcoId { user: contact });
        }
        let identifier = match kind {
            AccountKind::LimitedUse => {
                if domain.is_some() {
                    return Err(Error::InvalidDomain {
                        value: domain.map(|d| clip(&d)).unwrap_or_default(),
                        reason: "a limited use smart account is identified by its contact's email, not a domain",
                    });
                }
                let identifier = Identifier::Email(contact_user.email.clone());
                self.check_identifier(kind, &identifier, contact)?;
                identifier
            }
            AccountKind::Customer | AccountKind::PartnerHolding => {
                self.domain_identifier(kind, domain, requester, (contact, contact_user))?
            }
        };
        let name = if name.trim().is_empty() {
            identifier.to_string()
        } else {
            name.to_owned()
        };
        check_account_name(&name)?;
        let sa = self.fresh_sa(fresh.account)?;
        let default_va = self.fresh_va(fresh.va)?;
        let status = if requester == contact {
            AccountStatus::Active
        } else {
            AccountStatus::Pending
        };
        let mut changes = vec![Change::AccountCreated {
            kind,
            name,
            identifier,
            owner: contact_user.org,
            contact,
            status,
            default_va,
        }];
        if status == AccountStatus::Active {
            changes.push(admin_for(contact));
        }
        Ok((sa, changes))
    }

    /// SA003, SA004, SA007: the domain that names a new Customer or Partner Holding account
    /// requested by `requester` for `contact`: valid, free, not public, matching the contact's
    /// email, and for a holding account asked by and for a partner or distributor.
    pub(crate) fn domain_identifier(
        &self,
        kind: AccountKind,
        domain: Option<String>,
        requester: UserId,
        (contact, contact_user): (UserId, &User),
    ) -> Result<Identifier, Error> {
        let org_kind = self.orgs.get(&contact_user.org).map(|o| o.kind);
        let Some(domain) = domain else {
            return Err(Error::InvalidDomain {
                value: String::new(),
                reason: "this kind of smart account needs a domain",
            });
        };
        let domain = Domain::parse(&domain)?;
        self.check_identifier(kind, &Identifier::Domain(domain.clone()), contact)?;
        if !domain.is_within(contact_user.email.domain()) {
            return Err(Error::EmailDomainMismatch {
                user: contact,
                email: contact_user.email.to_string(),
                domain: domain.to_string(),
            });
        }
        if kind == AccountKind::PartnerHolding {
            let requester_seller = self
                .users
                .get(&requester)
                .and_then(|u| self.orgs.get(&u.org))
                .is_some_and(|o| o.kind.is_seller());
            if !requester_seller || !org_kind.is_some_and(OrgKind::is_seller) {
                return Err(Error::Holding {
                    user: if requester_seller { contact } else { requester },
                    reason: "a partner holding account is requested by and for a partner or distributor organization",
                });
            }
        }
        Ok(Identifier::Domain(domain))
    }

    /// Whether `identifier` may name a new account of `kind` in this directory, for requests
    /// and snapshots alike: Customer and Partner Holding accounts are named by a domain that is
    /// not public (SA005) and not taken (SA003); Limited Use accounts by the email of `contact`,
    /// whose domain is public, one account per email (SA005).
    pub(crate) fn check_identifier(
        &self,
        kind: AccountKind,
        identifier: &Identifier,
        contact: UserId,
    ) -> Result<(), Error> {
        match (identifier, kind) {
            (Identifier::Domain(domain), AccountKind::Customer | AccountKind::PartnerHolding) => {
                if self.config.is_public_domain(domain) {
                    return Err(Error::PublicDomain {
                        domain: domain.to_string(),
                    });
                }
                if let Some(existing) = self.domains.get(&domain.search_key()) {
                    return Err(Error::DomainTaken {
                        domain: domain.to_string(),
                        existing: *existing,
                    });
                }
            }
            (Identifier::Email(email), AccountKind::LimitedUse) => {
                if !self.config.is_public_domain(email.domain()) {
                    return Err(Error::NotPublicEmail {
                        user: contact,
                        email: email.to_string(),
                    });
                }
                if let Some(existing) = self.lu_emails.get(email) {
                    return Err(Error::EmailTaken {
                        email: email.to_string(),
                        existing: *existing,
                    });
                }
            }
            // A mismatched pairing (SA001) cannot come from a command; snapshots refuse it.
            _ => {}
        }
        Ok(())
    }

    /// SA007: customers are never given a role on a Partner Holding account (commands and
    /// snapshots alike).
    pub(crate) fn check_holding_role(&self, kind: AccountKind, user: UserId) -> Result<(), Error> {
        let customer = self
            .users
            .get(&user)
            .and_then(|u| self.orgs.get(&u.org))
            .is_some_and(|o| !o.kind.is_seller());
        if kind == AccountKind::PartnerHolding && customer {
            return Err(Error::Holding {
                user,
                reason: "customers cannot hold a role on a partner holding account",
            });
        }
        Ok(())
    }

    /// SA008: the account's authorised contact activates it and becomes its first SA Admin.
    pub(crate) fn plan_activation(
        &self,
        actor: &Actor,
        sa: SaId,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let user = self.acting_user(actor)?;
        let account = self.account(sa).ok_or(Error::NotFound {
            rule: RuleId::SA008,
            entity: Entity::Account(sa),
        })?;
        account.still_pending("only a pending request is activated")?;
        if account.contact != user {
            return Err(Error::NotContact {
                sa,
                user,
                contact: account.contact,
            });
        }
        Ok((sa, vec![Change::AccountActivated, admin_for(user)]))
    }
}

fn admin_for(user: UserId) -> Change {
    Change::RoleAssigned {
        user,
        va: None,
        role: Role::SaAdmin,
        inheritance: Inheritance::AccountAndChildren,
    }
}

impl Directory {
    /// SA001: an SA Admin renames an Active account.
    pub(crate) fn plan_rename(
        &self,
        actor: &Actor,
        on: Date,
        sa: SaId,
        name: String,
    ) -> Result<(SaId, Vec<Change>), Error> {
        self.active_account(sa, RuleId::SA001)?;
        self.require(actor, on, Action::EditAccount, Target::Account(sa))?;
        Ok((sa, vec![Change::AccountRenamed { name }]))
    }

    /// SA002: the default designation moves to another Virtual Account of an Active account.
    pub(crate) fn plan_default_va(
        &self,
        actor: &Actor,
        on: Date,
        va: VaId,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let (account, _) = self.va_in_active(va, RuleId::SA002)?;
        self.require(actor, on, Action::EditAccount, Target::Account(account.id))?;
        Ok((account.id, vec![Change::DefaultVaMoved { va }]))
    }

    /// AGR001: an SA Admin or Approver accepts the Smart Licensing agreement.
    pub(crate) fn plan_agreement(
        &self,
        actor: &Actor,
        on: Date,
        sa: SaId,
    ) -> Result<(SaId, Vec<Change>), Error> {
        self.active_account(sa, RuleId::AGR001)?;
        let by = self.require(actor, on, Action::AcceptAgreement, Target::Account(sa))?;
        Ok((sa, vec![Change::AgreementAccepted { by }]))
    }
}
