//! VA: Virtual Accounts (VA001–VA007 in `docs/RULES.md`): depth, number, names, moves, deletion,
//! visibility of names to partners, and restriction.

mod tree;
