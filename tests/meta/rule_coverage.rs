//! Every enforced rule (`RuleId::ENFORCED`, the only list of them) has at least one test whose
//! function name contains its lowercase ID followed by `_`, e.g. `fn sa003_...`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice
)]

use std::path::Path;

use smart_accounts::RuleId;

/// The names of the functions declared in Rust source text (`fn name`), lowercase.
fn function_names(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = source;
    while let Some(pos) = rest.find("fn ") {
        let before_ok = rest[..pos]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        rest = &rest[pos + 3..];
        if !before_ok {
            continue;
        }
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            names.push(name.to_lowercase());
        }
    }
    names
}

#[test]
fn every_enforced_rule_has_a_test_named_after_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut names = Vec::new();
    // The section folders (`tests/sa/`, `tests/ptr/`, ...) and the files in them.
    let mut stack = vec![dir.clone()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                names.extend(function_names(&std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    assert!(
        !names.is_empty(),
        "no test functions found in {}",
        dir.display()
    );
    let missing: Vec<&str> = RuleId::ENFORCED
        .iter()
        .map(|r| r.code())
        .filter(|code| {
            let prefix = format!("{}_", code.to_lowercase());
            !names.iter().any(|n| n.contains(&prefix))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "enforced rules without a test whose name contains `<id>_`: {}",
        missing.join(", ")
    );
}

#[test]
fn function_names_are_found_and_substrings_of_other_words_are_not() {
    let names =
        function_names("fn sa003_a() {}\n    pub fn Role002_b(x: u8)\nlet surfn x; // fn\n");
    assert_eq!(names, vec!["sa003_a", "role002_b"]);
    // ROLE001 must not be satisfied by a test named after ROLE0010 or similar.
    assert!(!"role0010_x".contains("role001_"));
}

#[test]
fn enforced_rules_are_catalog_rules_without_duplicates() {
    let mut seen = std::collections::BTreeSet::new();
    for rule in RuleId::ENFORCED {
        assert!(RuleId::ALL.contains(rule));
        assert!(seen.insert(*rule), "{rule} listed twice");
        assert_eq!(rule.code().parse::<RuleId>().unwrap(), *rule);
        assert!(rule.is_enforced());
    }
}

/// Every rule of the catalog is enforced by this version, the ones issue 15 added or amended
/// (SA010, SA011, LIC011, Q011) included: a caller may read any rule ID on an error as checked.
#[test]
fn every_catalog_rule_is_enforced_including_q011() {
    for code in ["SA010", "SA011", "LIC011", "Q011"] {
        assert!(code.parse::<RuleId>().unwrap().is_enforced(), "{code}");
    }
    let open: Vec<RuleId> = RuleId::ALL
        .iter()
        .copied()
        .filter(|r| !r.is_enforced())
        .collect();
    assert!(open.is_empty(), "not enforced: {open:?}");
}
