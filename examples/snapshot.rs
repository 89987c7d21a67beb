//! Prints the fixture directory as a JSON snapshot: a starting point for a directory file of
//! your own, and the seed of the snapshot fuzz target.
//!
//! Run with `cargo run --example snapshot > directory.json`. Loading it back
//! (`serde_json::from_str::<Directory>`) validates everything again.

use smart_accounts::{Directory, fixtures};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let world = fixtures::world()?;
    let json = serde_json::to_string_pretty(&world.dir)?;
    let back: Directory = serde_json::from_str(&json)?;
    if back != world.dir {
        return Err("the snapshot did not load back to the same directory".into());
    }
    println!("{json}");
    Ok(())
}
