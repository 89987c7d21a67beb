//! One module per subcommand.

pub(crate) mod advise;
pub(crate) mod check;
pub(crate) mod dot;
pub(crate) mod events;
pub(crate) mod snapshot;
pub(crate) mod store;
pub(crate) mod validate;
pub(crate) mod who_can;
