//! DEV: devices (DEV001, DEV002 in `docs/RULES.md`): where a device may be registered, and when
//! Smart Licensing Using Policy reporting is due.

mod devices;
