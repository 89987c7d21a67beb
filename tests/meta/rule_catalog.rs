//! The rule catalog that ships with the crate, `docs/RULES.md`, is generated from [`RuleId`]:
//! each rule's code, title and source, whether this version enforces it, the source files that
//! name it (`RuleId::X` in `src/`) and the test files that prove it (a test function whose name
//! contains its lowercase ID followed by `_`). The test fails when the page is stale; run
//! `UPDATE_RULES=1 cargo test --all-features --test all rule_catalog` to write it again.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use smart_accounts::RuleId;

/// Every `.rs` file below `dir`, relative to the crate root, sorted.
fn rust_files(root: &Path, dir: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root.join(dir)];
    while let Some(path) = stack.pop() {
        for entry in std::fs::read_dir(&path).unwrap() {
            let path: PathBuf = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let name = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Whether `text` names `RuleId::CODE` as a whole identifier (not `RuleId::CODE0`).
fn names_rule(text: &str, code: &str) -> bool {
    let needle = format!("RuleId::{code}");
    text.match_indices(&needle).any(|(at, _)| {
        text[at + needle.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric())
    })
}

/// Whether `text` declares a function whose name contains `code_` (lowercase).
fn proves_rule(text: &str, code: &str) -> bool {
    let prefix = format!("{}_", code.to_lowercase());
    text.match_indices("fn ").any(|(at, _)| {
        let before_ok = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let name: String = text[at + 3..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        before_ok && name.to_lowercase().contains(&prefix)
    })
}

fn list(files: &[&str]) -> String {
    if files.is_empty() {
        "—".into()
    } else {
        files
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The catalog page, as generated from the code.
fn catalog(root: &Path) -> String {
    let src = rust_files(root, "src");
    let tests = rust_files(root, "tests");
    let mut sections: BTreeMap<usize, (&str, Vec<String>)> = BTreeMap::new();
    let prefixes = [
        ("SA", "Smart Accounts"),
        ("VA", "Virtual Accounts"),
        ("ROLE", "Roles"),
        ("PTR", "Partners"),
        ("LIC", "Licenses"),
        ("DEV", "Devices"),
        ("Q", "Quotes and orders"),
        ("EV", "Events"),
        ("AGR", "Agreement"),
        ("BP", "Best practices (the advisor)"),
    ];
    for rule in RuleId::ALL {
        let code = rule.code();
        let prefix = code.trim_end_matches(|c: char| c.is_ascii_digit());
        let section = prefixes
            .iter()
            .position(|(p, _)| *p == prefix)
            .unwrap_or(prefixes.len());
        let title = prefixes.get(section).map_or("Other", |(_, t)| *t);
        let enforced_in: Vec<&str> = src
            .iter()
            .filter(|(name, text)| name != "src/rules.rs" && names_rule(text, code))
            .map(|(name, _)| name.as_str())
            .collect();
        // The two meta tests name rules in their own examples.
        let proved_by: Vec<&str> = tests
            .iter()
            .filter(|(name, _)| {
                name != "tests/meta/rule_catalog.rs" && name != "tests/meta/rule_coverage.rs"
            })
            .filter(|(_, text)| proves_rule(text, code))
            .map(|(name, _)| name.as_str())
            .collect();
        let row = format!(
            "| {code} | {} | {} | {} | {} | {} |",
            rule.title().replace('|', "\\|"),
            rule.source().replace('|', "\\|"),
            if rule.is_enforced() { "yes" } else { "no" },
            list(&enforced_in),
            list(&proved_by),
        );
        sections
            .entry(section)
            .or_insert((title, Vec::new()))
            .1
            .push(row);
    }
    let mut out = String::from(
        "# Rule catalog\n\n\
         Every error, event and finding of smart-accounts names one of these rules by its ID \
         (`RuleId`). The page is generated from the code by `tests/meta/rule_catalog.rs`, which fails \
         when it is stale (`UPDATE_RULES=1 cargo test --all-features --test all rule_catalog` \
         writes it again): *enforced in* lists the source files that name the rule \
         (`RuleId::…`), *proved by* the test files with a test named after it. Sources: the \
         numbered seed documents of the project (000–004), public vendor documentation, or \
         *expected* for rules any such system needs.\n",
    );
    for (title, rows) in sections.values() {
        out.push_str(&format!(
            "\n## {title}\n\n| ID | rule | source | enforced | enforced in | proved by |\n| --- | --- | --- | --- | --- | --- |\n"
        ));
        for row in rows {
            out.push_str(row);
            out.push('\n');
        }
    }
    out
}

#[test]
fn the_rule_catalog_page_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = root.join("docs/RULES.md");
    let expected = catalog(root);
    if std::env::var_os("UPDATE_RULES").is_some() {
        std::fs::write(&page, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&page).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/RULES.md is stale: run `UPDATE_RULES=1 cargo test --all-features --test all rule_catalog`"
    );
}

#[test]
fn every_catalog_rule_appears_on_the_page_once() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = catalog(root);
    for rule in RuleId::ALL {
        let row = format!("| {} |", rule.code());
        assert_eq!(page.matches(&row).count(), 1, "{rule}");
    }
}

#[test]
fn rule_names_match_whole_identifiers_only() {
    assert!(names_rule("x = RuleId::SA001;", "SA001"));
    assert!(!names_rule("x = RuleId::SA0010;", "SA001"));
    assert!(proves_rule("fn sa001_works() {}", "SA001"));
    assert!(!proves_rule("fn sa0010_works() {}", "SA001"));
    assert!(!proves_rule("let surfn sa001_x", "SA001"));
}
