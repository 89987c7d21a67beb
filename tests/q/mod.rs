//! Q: Smart Account assignment on quotes and orders (Q001–Q010 in `docs/RULES.md`): required
//! lines, kinds of assignment, existence and ownership, the policy calendar, Japan, holds,
//! warnings, complete reports, booked lines and restricted Virtual Accounts; order records
//! (Q011).

mod contract;
mod order_props;
mod orders;
mod props;
mod quotes;
