//! Reservations with a code (LIC010): a quantity of a pool kept for a device that cannot report,
//! made and released by its code. Its quantity is part of the pool's reserved quantity; a
//! release without a code takes only what no code holds.

use super::*;
use crate::accounts::account::SmartAccount;

impl SmartAccount {
    /// The reservation with this code (LIC010).
    #[must_use]
    pub fn reservation(&self, code: &ReservationCode) -> Option<&Reservation> {
        self.licenses.coded.get(code)
    }

    /// Every reservation with a code, by code (LIC010).
    pub fn reservations(&self) -> impl Iterator<Item = &Reservation> {
        self.licenses.coded.values()
    }

    /// How much of the pool's reserved quantity no code holds: what a release without a code
    /// may give back.
    pub(crate) fn uncoded_reserved(&self, va: VaId, license: &License) -> u64 {
        let reserved = self.licenses.pool(va, license).map_or(0, |p| p.reserved);
        let coded: u64 = self
            .licenses
            .coded
            .values()
            .filter(|r| r.va == va && r.license == *license)
            .map(|r| r.quantity)
            .fold(0, u64::saturating_add);
        reserved.saturating_sub(coded)
    }

    /// LIC010: reserves under a code not used in this account.
    pub(super) fn reserve_with_code(&mut self, r: &Reservation) -> Result<(), Error> {
        if self.licenses.coded.contains_key(&r.code) {
            return Err(self.code_error(&r.code, "the code is already used in this account"));
        }
        self.reserve(r.va, &r.license, r.quantity)?;
        self.licenses.coded.insert(r.code.clone(), r.clone());
        Ok(())
    }

    /// LIC010: releases the reservation with this code, which must be as recorded.
    pub(super) fn release_by_code(&mut self, r: &Reservation) -> Result<(), Error> {
        match self.licenses.coded.get(&r.code) {
            None => return Err(self.code_error(&r.code, "the account holds no such reservation")),
            Some(held) if held != r => {
                return Err(self.code_error(&r.code, "the release does not match the reservation"));
            }
            Some(_) => {}
        }
        self.licenses.coded.remove(&r.code);
        // The quantity is part of the pool's reserved quantity (checked when it was made or
        // opened), so this release cannot fail; on a hostile state it refuses like any other.
        self.release_reservation(r.va, &r.license, r.quantity)
    }

    /// LIC010: a release without a code takes only reserved licenses no code holds.
    pub(super) fn release_uncoded(
        &mut self,
        va: VaId,
        license: &License,
        quantity: u64,
    ) -> Result<(), Error> {
        let free = self.uncoded_reserved(va, license);
        let coded = self.licenses.pool(va, license).map_or(0, |p| p.reserved) - free;
        if coded > 0 && free < quantity {
            return Err(Error::Insufficient {
                rule: RuleId::LIC010,
                va,
                license: clip(&license.to_string()),
                available: free,
                requested: quantity,
            });
        }
        self.release_reservation(va, license, quantity)
    }

    /// LIC010: a reservation of the opening balance, within its pool's reserved quantity.
    pub(super) fn open_reservation(&mut self, r: &Reservation) -> Result<(), Error> {
        positive(r.quantity, RuleId::LIC010)?;
        self.va_here(r.va, RuleId::LIC010)?;
        if self.licenses.coded.contains_key(&r.code) {
            return Err(self.code_error(&r.code, "the code is listed twice"));
        }
        if self.uncoded_reserved(r.va, &r.license) < r.quantity {
            return Err(self.code_error(
                &r.code,
                "its quantity is more than its pool's reserved quantity not held by other codes",
            ));
        }
        self.licenses.coded.insert(r.code.clone(), r.clone());
        Ok(())
    }

    /// [`Error::ReservationCode`] for `code` in this account.
    pub(crate) fn code_error(&self, code: &ReservationCode, reason: &'static str) -> Error {
        Error::ReservationCode {
            code: clip(code.as_str()),
            sa: self.id,
            reason,
        }
    }
}
