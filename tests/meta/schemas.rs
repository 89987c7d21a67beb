//! The JSON Schemas of the contract (`docs/schemas/*.schema.json`, feature `schemars`): generated
//! from the types, checked in, and a test that fails when they drift
//! (`UPDATE_SCHEMAS=1 cargo test --all-features --test all schemas` rewrites them). The fixture
//! world's snapshot, its events, every sample quote and its report validate against them (a
//! small validator of the keywords schemars emits: `$ref`, `type`, `properties`, `required`,
//! `additionalProperties`, `items`, `enum`, `const`, `oneOf`, `anyOf`, `allOf`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use schemars::{JsonSchema, schema_for};
use serde_json::Value;
use smart_accounts::fixtures::quotes::samples;
use smart_accounts::{Command, PolicyCalendar, Quote, Report, Snapshot, StreamEvent, validate};

use crate::common::world;

fn schema<T: JsonSchema>() -> Value {
    serde_json::to_value(schema_for!(T)).unwrap()
}

/// Every schema of the contract, by file name.
fn schemas() -> Vec<(&'static str, Value)> {
    vec![
        ("quote", schema::<Quote>()),
        ("report", schema::<Report>()),
        ("command", schema::<Command>()),
        ("event", schema::<StreamEvent>()),
        ("snapshot", schema::<Snapshot>()),
    ]
}

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("docs/schemas/{name}.schema.json"))
}

#[test]
fn schemas_in_docs_are_generated_from_the_types() {
    let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
    let mut stale = Vec::new();
    for (name, schema) in schemas() {
        let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
        if update {
            std::fs::create_dir_all(path(name).parent().unwrap()).unwrap();
            std::fs::write(path(name), &text).unwrap();
        }
        if std::fs::read_to_string(path(name)).ok().as_deref() != Some(text.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "stale schemas {stale:?}: run UPDATE_SCHEMAS=1 cargo test --all-features --test all schemas"
    );
}

/// Why `value` (at `at`) does not match `schema`, resolving `$ref`s in `root`.
fn check(root: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let Some(schema) = schema.as_object() else {
        return Ok(()); // `true`
    };
    if let Some(Value::String(r)) = schema.get("$ref") {
        let name = r.trim_start_matches("#/$defs/");
        let target = &root["$defs"][name];
        assert!(!target.is_null(), "{at}: dangling $ref {r}");
        check(root, target, value, at)?;
    }
    if let Some(ty) = schema.get("type") {
        let types: Vec<&str> = match ty {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => false,
        });
        if !ok {
            return Err(format!("{at}: {value} is not of type {ty}"));
        }
    }
    if let Some(Value::Array(options)) = schema.get("enum")
        && !options.contains(value)
    {
        return Err(format!("{at}: {value} is none of {options:?}"));
    }
    if let Some(c) = schema.get("const")
        && c != value
    {
        return Err(format!("{at}: {value} is not {c}"));
    }
    if let Some(Value::Array(all)) = schema.get("allOf") {
        for s in all {
            check(root, s, value, at)?;
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(options)) = schema.get(key) {
            let matching = options
                .iter()
                .filter(|s| check(root, s, value, at).is_ok())
                .count();
            if matching == 0 || (key == "oneOf" && matching > 1) {
                return Err(format!("{at}: {value} matches {matching} of {key}"));
            }
        }
    }
    if let Some(object) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(Value::Array(required)) = schema.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    return Err(format!("{at}: required property `{name}` missing"));
                }
            }
        }
        for (name, v) in object {
            match properties.and_then(|p| p.get(name)) {
                Some(s) => check(root, s, v, &format!("{at}.{name}"))?,
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) if properties.is_some() => {
                        return Err(format!("{at}: property `{name}` not allowed"));
                    }
                    Some(extra @ Value::Object(_)) => {
                        check(root, extra, v, &format!("{at}.{name}"))?;
                    }
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, v) in array.iter().enumerate() {
            check(root, items, v, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

fn validates(schema: &Value, value: &impl serde::Serialize) -> Result<(), String> {
    check(schema, schema, &serde_json::to_value(value).unwrap(), "")
}

#[test]
fn schemas_accept_the_fixture_snapshot_its_events_the_sample_quotes_and_their_reports() {
    let w = world();
    let all: std::collections::BTreeMap<_, _> = schemas().into_iter().collect();
    let snapshot = w.dir.to_snapshot();
    validates(&all["snapshot"], &snapshot).unwrap();
    let mut events = 0;
    for account in &snapshot.accounts {
        for event in &account.events {
            validates(&all["event"], &StreamEvent::Account(event.clone())).unwrap();
            events += 1;
        }
    }
    for event in w.dir.directory_events().iter() {
        validates(&all["event"], &StreamEvent::Directory(event)).unwrap();
        events += 1;
    }
    assert!(events > 20, "{events}");
    let calendar = PolicyCalendar::default();
    for s in samples(&w).unwrap() {
        validates(&all["quote"], &s.quote).unwrap_or_else(|e| panic!("{}: {e}", s.name));
        let report = validate(&w.dir, &s.quote, s.stage, s.date, &calendar);
        validates(&all["report"], &report).unwrap_or_else(|e| panic!("{}: {e}", s.name));
    }
}

/// The validator above is not vacuous: values that break the schemas are refused.
#[test]
fn schemas_refuse_what_the_types_refuse() {
    let w = world();
    let quote = schema::<Quote>();
    let good = serde_json::to_value(&samples(&w).unwrap()[0].quote).unwrap();
    check(&quote, &quote, &good, "").unwrap();
    let breaks: [fn(&mut Value); 4] = [
        |v| v["lines"][0]["colour"] = "red".into(),
        |v| v["lines"][0]["quantity"] = "ten".into(),
        |v| {
            v.as_object_mut().unwrap().remove("lines");
        },
        |v| v["lines"][0]["requirement"] = "sometimes".into(),
    ];
    for break_it in breaks {
        let mut v = good.clone();
        break_it(&mut v);
        assert!(check(&quote, &quote, &v, "").is_err(), "{v}");
    }
    let command = schema::<Command>();
    assert!(check(&command, &command, &serde_json::json!({"nonsense": {}}), "").is_err());
}
