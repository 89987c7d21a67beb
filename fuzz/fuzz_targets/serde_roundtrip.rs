//! Property: arbitrary public values (commands, license commands, events, changes, decisions,
//! quotes, rule IDs, role and action sets, users, ...) serialize to JSON and read back equal,
//! and display without panicking.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;
use smart_accounts::{
    Acceptance, ActionSet, Actor, Binding, Change, Command, Decision, Entity, Event, Holder,
    Identifier, NewUser, Organization, Quote, Reason, RecordedActor, RoleSet, RuleId, Stage,
    Target, User, Via,
};

#[derive(Debug, Arbitrary)]
enum Value {
    Command(Command),
    Event(Event),
    Change(Change),
    RecordedActor(RecordedActor),
    Actor(Actor),
    Target(Target),
    Decision(Decision),
    Reason(Reason),
    Via(Via),
    Holder(Holder),
    RuleId(RuleId),
    Entity(Entity),
    Binding(Binding),
    Acceptance(Acceptance),
    Identifier(Identifier),
    NewUser(NewUser),
    Organization(Organization),
    User(User),
    ActionSet(ActionSet),
    RoleSet(RoleSet),
    Quote(Quote),
    Stage(Stage),
}

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_string(value).expect("a public value serializes");
    let back: T = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("{value:?} serialized as {json} does not load: {e}"));
    assert_eq!(&back, value, "JSON round trip through {json}");
}

fuzz_target!(|value: Value| {
    match &value {
        Value::Command(v) => round_trip(v),
        Value::Event(v) => round_trip(v),
        Value::Change(v) => round_trip(v),
        Value::RecordedActor(v) => round_trip(v),
        Value::Actor(v) => {
            round_trip(v);
            let _ = v.to_string();
        }
        Value::Target(v) => {
            round_trip(v);
            let _ = v.to_string();
        }
        Value::Decision(v) => {
            round_trip(v);
            let _ = v.to_string();
        }
        Value::Reason(v) => round_trip(v),
        Value::Via(v) => {
            round_trip(v);
            let _ = v.to_string();
        }
        Value::Holder(v) => round_trip(v),
        Value::RuleId(v) => {
            round_trip(v);
            assert_eq!(
                v.code().parse::<RuleId>().ok(),
                Some(*v),
                "code parses back"
            );
        }
        Value::Entity(v) => {
            round_trip(v);
            let _ = v.to_string();
        }
        Value::Binding(v) => round_trip(v),
        Value::Acceptance(v) => round_trip(v),
        Value::Identifier(v) => {
            round_trip(v);
            let _ = v.to_string();
        }
        Value::NewUser(v) => round_trip(v),
        Value::Organization(v) => round_trip(v),
        Value::User(v) => round_trip(v),
        Value::ActionSet(v) => round_trip(v),
        Value::Quote(v) => round_trip(v),
        Value::Stage(v) => round_trip(v),
        Value::RoleSet(v) => {
            round_trip(v);
            let _ = v.to_string();
        }
    }
});
