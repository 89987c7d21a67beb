//! Helpers for the tests of snapshots that must be refused: where an account or a Virtual Account
//! sits in a snapshot, and the checks every refusal passes (the rule, the path, a short message).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[cfg(feature = "serde")]
use smart_accounts::fixtures::World;
use smart_accounts::{AccountSnapshot, Directory, RuleId, SaId, Snapshot, SnapshotError, VaId};

/// Index of an account in the snapshot.
pub fn acc(snap: &Snapshot, sa: SaId) -> usize {
    snap.accounts.iter().position(|a| a.id == sa).unwrap()
}

/// Index of a VA in an account snapshot.
pub fn vi(a: &AccountSnapshot, va: VaId) -> usize {
    a.vas.iter().position(|v| v.id == va).unwrap()
}

/// Loads `snap`, which must be refused for `rule` at `path`, with a short message that starts
/// with both.
pub fn snapshot_refused(snap: Snapshot, rule: RuleId, path: &str) -> SnapshotError {
    let err = Directory::from_snapshot(snap).expect_err("the snapshot must be refused");
    assert_eq!(err.rule(), rule, "{err}");
    assert_eq!(err.path(), path, "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("{path}: {}", rule.code())),
        "message `{text}`"
    );
    assert!(text.len() < 400, "message too long: {} bytes", text.len());
    err
}

#[cfg(feature = "serde")]
/// The fixture world as JSON.
pub fn json(w: &World) -> String {
    serde_json::to_string(&w.dir).unwrap()
}

#[cfg(feature = "serde")]
/// Loads `text`, which must be refused with a short message; returns the message.
pub fn json_refused(text: &str) -> String {
    let snap_err = serde_json::from_str::<Snapshot>(text).err();
    let dir_err = serde_json::from_str::<Directory>(text).expect_err("the JSON must be refused");
    if let Some(e) = snap_err {
        assert!(e.to_string().contains("line"), "{e}");
    }
    let message = dir_err.to_string();
    assert!(
        message.len() < 400,
        "message too long: {} bytes",
        message.len()
    );
    message
}

/// The snapshot of account `sa`, to edit.
pub fn account_mut(snap: &mut Snapshot, sa: SaId) -> &mut AccountSnapshot {
    snap.accounts.iter_mut().find(|a| a.id == sa).unwrap()
}

/// Loads a snapshot that must be refused for `rule` at an item of `field`.
pub fn license_snapshot_refused(snap: Snapshot, rule: RuleId, field: &str) {
    let err = Directory::from_snapshot(snap).expect_err("the snapshot must be refused");
    assert_eq!(err.rule(), rule, "{err}");
    assert!(
        err.path().contains(&format!(".licenses.{field}[")),
        "path `{}` does not name a {field} item ({err})",
        err.path()
    );
    assert!(err.to_string().contains(rule.code()), "{err}");
}

/// Loads `snap`, which must be refused for `rule` at exactly `path`, with `needle` in the
/// message.
pub fn load_refused(snap: Snapshot, path: &str, rule: RuleId, needle: &str) {
    let err = Directory::from_snapshot(snap).expect_err("the snapshot must be refused");
    assert_eq!(err.path(), path, "{err}");
    assert_eq!(err.rule(), rule, "{err}");
    assert!(err.to_string().contains(needle), "{err}");
}
