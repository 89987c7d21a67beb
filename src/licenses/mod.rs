//! Licenses and devices (LIC, DEV): the license and device types with the changes on one
//! account, and the directory-side planning of license commands.

pub mod license;
pub(crate) mod planning;
