//! Arbitrary bytes as a JSON snapshot: loading never panics, and a snapshot that loads
//! round-trips (serialize, load again, equal).
#![no_main]

use libfuzzer_sys::fuzz_target;
use smart_accounts::Directory;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = serde_json::from_slice::<Directory>(data) else {
        return;
    };
    let json = serde_json::to_vec(&dir).expect("a loaded directory serializes");
    let again: Directory = serde_json::from_slice(&json).expect("a serialized directory loads");
    assert_eq!(dir, again, "snapshot round trip changed the directory");
});
