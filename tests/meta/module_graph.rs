//! The files of `src/` depend on one another without a cycle: a reader can learn the crate from
//! the bottom up, and a change to one room never needs a change in a room it does not use.
//!
//! The graph is read from the text of `src/**/*.rs` (`lib.rs`, the facade, left out):
//! - a path `crate::a::b::C` (in a `use` line, grouped or not, or inline), `super::…`, `self::…`
//!   or `child::…` (a module the file declares) is an edge to the file that defines the module
//!   it names; a name the facade re-exports (`crate::Error`) is followed to its defining file;
//! - `impl T` or `impl Trait for T`, with `T` defined in another file, is an edge to that file
//!   (the methods need the type), and every file that calls one of an inherent block's methods
//!   by name (`.name(`, `::name(`) has an edge to the file of the impl (a trait impl's methods
//!   are called through the trait, under names all types share, and are left out). A call by a name that several
//!   types share counts for each of them: a false edge can only add a cycle, never hide one. So
//!   a type may have methods in a room above its own file as long as nothing below calls them.
//!
//! Unit tests (`#[cfg(test)] mod … { … }`) and comments are left out. Run the check alone with
//! `cargo test --all-features --test all module_graph`.

// A reader of source text: it indexes and slices what it has just measured.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One source file: its module path (`["licenses", "license"]`) and its text without comments
/// and unit tests.
struct File {
    name: String,
    module: Vec<String>,
    code: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file below `src/`: `a/b.rs` is `a::b`, `a/mod.rs` is `a`.
fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

/// The text without comment lines, trailing `//` comments and `#[cfg(test)]` modules.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    let mut skip_depth: Option<i64> = None;
    let mut depth = 0i64;
    let mut test_attr = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") || trimmed == "#[cfg(test)]" {
            test_attr = trimmed == "#[cfg(test)]";
            continue;
        }
        let line = match line.find("// ") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        };
        let opens = line.matches('{').count() as i64;
        let closes = line.matches('}').count() as i64;
        if skip_depth.is_none() && test_attr && line.trim_start().starts_with("mod ") {
            skip_depth = Some(depth);
        }
        test_attr = test_attr && line.trim().starts_with("#[");
        depth += opens - closes;
        if let Some(d) = skip_depth {
            if depth <= d && closes > 0 {
                skip_depth = None;
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every path in `code` that starts at one of `roots` (`crate`, `super`, a child module, …),
/// expanded from groups: `crate::a::{b::C, d}` gives `crate::a::b::C` and `crate::a::d`.
fn paths(code: &str, roots: &BTreeSet<String>) -> Vec<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == ':');
        if starts_word && is_ident(chars[i]) {
            let mut j = i;
            while j < chars.len() && is_ident(chars[j]) {
                j += 1;
            }
            let word: String = chars[i..j].iter().collect();
            if roots.contains(&word) && chars.get(j) == Some(&':') && chars.get(j + 1) == Some(&':')
            {
                let (end, found) = path_tail(&chars, j, vec![word]);
                out.extend(found);
                i = end;
                continue;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

/// Reads `::seg::seg::{…}` after `prefix` from `at`; returns where it stopped and the paths.
fn path_tail(chars: &[char], mut at: usize, mut prefix: Vec<String>) -> (usize, Vec<Vec<String>>) {
    let mut out = Vec::new();
    while chars.get(at) == Some(&':') && chars.get(at + 1) == Some(&':') {
        at += 2;
        while chars.get(at).is_some_and(|c| c.is_whitespace()) {
            at += 1;
        }
        if chars.get(at) == Some(&'{') {
            at += 1;
            loop {
                while chars
                    .get(at)
                    .is_some_and(|c| c.is_whitespace() || *c == ',')
                {
                    at += 1;
                }
                match chars.get(at) {
                    None => return (at, out),
                    Some('}') => return (at + 1, out),
                    _ => {}
                }
                let start = at;
                while chars.get(at).is_some_and(|c| is_ident(*c)) {
                    at += 1;
                }
                if start == at {
                    // `*` or something unexpected: the group's prefix itself is used.
                    out.push(prefix.clone());
                    at += 1;
                    continue;
                }
                let mut item = prefix.clone();
                item.push(chars[start..at].iter().collect());
                let (end, found) = path_tail(chars, at, item.clone());
                if found.is_empty() {
                    out.push(item);
                } else {
                    out.extend(found);
                }
                at = end;
                // Skip `as name`.
                while chars.get(at).is_some_and(|c| *c != ',' && *c != '}') {
                    at += 1;
                }
            }
        }
        let start = at;
        while chars.get(at).is_some_and(|c| is_ident(*c)) {
            at += 1;
        }
        if start == at {
            break;
        }
        prefix.push(chars[start..at].iter().collect());
    }
    if prefix.len() > 1 {
        out.push(prefix);
    }
    (at, out)
}

/// The names the facade (`lib.rs`) re-exports, each with the path it stands for.
fn facade(lib: &str) -> BTreeMap<String, Vec<String>> {
    let mut names = BTreeMap::new();
    for statement in lib.split(';') {
        let Some(at) = statement.find("pub use ") else {
            continue;
        };
        let body = format!("crate::{}", &statement[at + "pub use ".len()..]);
        let roots: BTreeSet<String> = ["crate".to_owned()].into();
        for path in paths(&body, &roots) {
            let mut path = path;
            path.remove(0);
            names.insert(path.last().unwrap().clone(), path);
        }
    }
    names
}

/// The file whose module is the longest prefix of `path` (an absolute module path).
fn resolve(
    path: &[String],
    modules: &BTreeMap<Vec<String>, usize>,
    facade: &BTreeMap<String, Vec<String>>,
) -> Option<usize> {
    let mut path = path.to_vec();
    for _ in 0..4 {
        let longest = (1..=path.len())
            .rev()
            .find_map(|n| modules.get(&path[..n]).map(|f| (n, *f)));
        match longest {
            Some((_, file)) => return Some(file),
            None => {
                // A name of the facade: follow it to where it is defined.
                let target = facade.get(path.first()?)?;
                let mut followed = target.clone();
                followed.extend(path.iter().skip(1).cloned());
                path = followed;
            }
        }
    }
    None
}

/// The type an `impl` header is for: `impl<T> Trait for a::Type<T> where …` gives `Type`.
fn impl_target(header: &str) -> Option<String> {
    let mut rest = header.trim_start().strip_prefix("impl")?;
    if rest.starts_with('<') {
        let mut depth = 0;
        let mut cut = 0;
        for (i, c) in rest.char_indices() {
            match c {
                '<' => depth += 1,
                '>' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                cut = i + 1;
                break;
            }
        }
        rest = &rest[cut..];
    } else if !rest.starts_with(' ') {
        return None;
    }
    let rest = rest.split(['{']).next()?;
    let rest = rest.split(" where").next()?;
    let ty = match rest.find(" for ") {
        Some(at) => &rest[at + " for ".len()..],
        None => rest,
    };
    let ty = ty.trim().trim_start_matches('&').trim_start_matches("mut ");
    if ty.starts_with('(') || ty.starts_with('[') {
        return None;
    }
    let ty = ty.split('<').next()?;
    let name = ty.rsplit("::").next()?.trim();
    (!name.is_empty() && name.chars().all(is_ident)).then(|| name.to_owned())
}

/// The names of the functions of the `impl` block that starts at `block[0]`: every `fn` up to
/// the line that closes it (the first line at the header's indentation that starts with `}`).
fn methods_of_block(block: &[&str]) -> Vec<String> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let Some(header) = block.first() else {
        return Vec::new();
    };
    if header.trim_end().ends_with('}') {
        return Vec::new(); // `impl Eq for T {}`
    }
    let mut names = Vec::new();
    for line in &block[1..] {
        if indent(line) == indent(header) && line.trim_start().starts_with('}') {
            break;
        }
        let trimmed = line.trim_start();
        let head = ["pub(crate) ", "pub ", "const ", "async "]
            .iter()
            .fold(trimmed, |rest, p| rest.strip_prefix(p).unwrap_or(rest));
        if let Some(rest) = head.strip_prefix("fn ") {
            let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
            names.push(name);
        }
    }
    names
}

/// The names of the types and traits a file defines.
fn defined_types(code: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in code.lines() {
        let mut words = line.split_whitespace().peekable();
        while let Some(word) = words.next() {
            if matches!(word, "struct" | "enum" | "trait" | "type" | "union") {
                if let Some(next) = words.peek() {
                    let name: String = next.chars().take_while(|c| is_ident(*c)).collect();
                    if !name.is_empty() && line.trim_start().starts_with(['p', 's', 'e', 't', 'u'])
                    {
                        names.insert(name);
                    }
                }
                break;
            }
        }
    }
    names
}

fn load() -> Vec<File> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    rust_files(&root, &mut found);
    found
        .iter()
        .map(|path| {
            let relative = path.strip_prefix(&root).unwrap();
            File {
                name: format!("src/{}", relative.to_string_lossy()),
                module: module_of(relative),
                code: code_of(&std::fs::read_to_string(path).unwrap()),
            }
        })
        .collect()
}

/// The edges of the file graph, each with why it is there.
fn edges(files: &[File]) -> BTreeMap<(usize, usize), String> {
    let lib = files.iter().position(|f| f.module.is_empty()).unwrap();
    let facade = facade(&files[lib].code);
    let modules: BTreeMap<Vec<String>, usize> = files
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != lib)
        .map(|(i, f)| (f.module.clone(), i))
        .collect();
    let defined: Vec<BTreeSet<String>> = files.iter().map(|f| defined_types(&f.code)).collect();
    let mut edges: BTreeMap<(usize, usize), String> = BTreeMap::new();
    for (from, file) in files.iter().enumerate() {
        if from == lib {
            continue;
        }
        let children: BTreeSet<String> = file
            .code
            .lines()
            .filter_map(|l| {
                let l = l.trim();
                let l = l
                    .strip_prefix("pub(crate) ")
                    .or(l.strip_prefix("pub "))
                    .unwrap_or(l);
                l.strip_prefix("mod ")?.strip_suffix(';').map(str::to_owned)
            })
            .collect();
        let mut roots: BTreeSet<String> = children.clone();
        roots.extend(["crate", "super", "self"].map(str::to_owned));
        for path in paths(&file.code, &roots) {
            let absolute: Vec<String> = match path[0].as_str() {
                "crate" => path[1..].to_vec(),
                "super" => {
                    let mut up = file.module.clone();
                    let mut rest = &path[..];
                    while rest.first().is_some_and(|s| s == "super") {
                        up.pop();
                        rest = &rest[1..];
                    }
                    up.extend(rest.iter().cloned());
                    up
                }
                "self" => file.module.iter().chain(&path[1..]).cloned().collect(),
                _ => file.module.iter().chain(&path).cloned().collect(),
            };
            if let Some(to) = resolve(&absolute, &modules, &facade)
                && to != from
            {
                edges
                    .entry((from, to))
                    .or_insert_with(|| format!("uses `{}`", path.join("::")));
            }
        }
        let lines: Vec<&str> = file.code.lines().collect();
        for (at, line) in lines.iter().enumerate() {
            let Some(ty) = impl_target(line) else {
                continue;
            };
            if defined[from].contains(&ty) {
                continue;
            }
            let owners: Vec<usize> = (0..files.len())
                .filter(|&i| i != lib && defined[i].contains(&ty))
                .collect();
            let owners: Vec<usize> = match owners
                .iter()
                .copied()
                .filter(|o| edges.contains_key(&(from, *o)))
                .collect::<Vec<_>>()
            {
                imported if !imported.is_empty() => imported,
                _ => owners,
            };
            for owner in owners {
                edges
                    .entry((from, owner))
                    .or_insert_with(|| format!("has methods of `{ty}`"));
            }
            // Whoever calls one of these methods depends on this file. (The methods of a trait
            // impl are called through the trait, by names every type shares: left out.)
            let inherent = !line.split('{').next().unwrap_or("").contains(" for ");
            let methods = if inherent {
                methods_of_block(&lines[at..])
            } else {
                Vec::new()
            };
            for name in methods {
                let calls = [
                    format!(".{name}("),
                    format!("::{name}("),
                    format!(".{name}::<"),
                ];
                for (caller, other) in files.iter().enumerate() {
                    if caller == from || caller == lib {
                        continue;
                    }
                    if calls.iter().any(|c| other.code.contains(c.as_str())) {
                        edges.entry((caller, from)).or_insert_with(|| {
                            format!("calls `{name}` of `{ty}`, defined in `{}`", file.name)
                        });
                    }
                }
            }
        }
    }
    edges
}

/// The cycles of the graph: one shortest cycle through each strongly connected group of files.
fn cycles(n: usize, edges: &BTreeMap<(usize, usize), String>) -> Vec<Vec<usize>> {
    let next = |a: usize| edges.keys().filter(move |(f, _)| *f == a).map(|(_, t)| *t);
    let mut seen_in_cycle = BTreeSet::new();
    let mut out = Vec::new();
    for start in 0..n {
        if seen_in_cycle.contains(&start) {
            continue;
        }
        // Breadth-first search for the shortest way back to `start`.
        let mut parent: BTreeMap<usize, usize> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut back = None;
        while let Some(a) = queue.pop_front() {
            for b in next(a) {
                if b == start {
                    back = Some(a);
                    break;
                }
                if b != start && !parent.contains_key(&b) {
                    parent.insert(b, a);
                    queue.push_back(b);
                }
            }
            if back.is_some() {
                break;
            }
        }
        if let Some(mut at) = back {
            let mut cycle = vec![start];
            let mut tail = vec![at];
            while let Some(&p) = parent.get(&at) {
                if p == start {
                    break;
                }
                tail.push(p);
                at = p;
            }
            tail.reverse();
            cycle.extend(tail);
            seen_in_cycle.extend(cycle.iter().copied());
            out.push(cycle);
        }
    }
    out
}

/// The files reachable from `a` that reach back to it: its strongly connected group.
fn knot(n: usize, edges: &BTreeMap<(usize, usize), String>, a: usize) -> Vec<usize> {
    let reach = |from: usize| {
        let mut seen = BTreeSet::from([from]);
        let mut stack = vec![from];
        while let Some(x) = stack.pop() {
            for (_, t) in edges.keys().filter(|(f, _)| *f == x) {
                if seen.insert(*t) {
                    stack.push(*t);
                }
            }
        }
        seen
    };
    let forward = reach(a);
    (0..n)
        .filter(|b| forward.contains(b) && reach(*b).contains(&a))
        .collect()
}

fn describe(files: &[File], edges: &BTreeMap<(usize, usize), String>, cycle: &[usize]) -> String {
    let mut text = String::new();
    for (i, from) in cycle.iter().enumerate() {
        let to = cycle[(i + 1) % cycle.len()];
        text.push_str(&format!(
            "\n  {} -> {} ({})",
            files[*from].name,
            files[to].name,
            edges[&(*from, to)]
        ));
    }
    text
}

/// Files allowed to stay in a cycle: none. The knot of the flat layout (issue 12) is untied;
/// a new cycle fails this test with one of its cycles spelled out, edge by edge.
const KNOWN_KNOT: &[&str] = &[];

#[test]
fn the_files_of_src_depend_on_each_other_without_a_cycle() {
    let files = load();
    let edges = edges(&files);
    let mut reported: BTreeSet<usize> = BTreeSet::new();
    let mut in_known_knot: BTreeSet<&str> = BTreeSet::new();
    let mut report = Vec::new();
    for cycle in cycles(files.len(), &edges) {
        let group = knot(files.len(), &edges, cycle[0]);
        if group.iter().any(|f| reported.contains(f)) {
            continue;
        }
        reported.extend(group.iter().copied());
        let names: Vec<&str> = group.iter().map(|f| files[*f].name.as_str()).collect();
        if names.iter().all(|n| KNOWN_KNOT.contains(n)) {
            in_known_knot.extend(names.iter().copied());
            continue;
        }
        report.push(format!(
            "a knot of {} files ({}), for example this cycle:{}",
            names.len(),
            names.join(", "),
            describe(&files, &edges, &cycle)
        ));
    }
    let new_knots = !report.is_empty();
    for name in KNOWN_KNOT {
        if !new_knots && !in_known_knot.contains(name) {
            report.push(format!(
                "{name} is no longer in a cycle: take it off KNOWN_KNOT"
            ));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}

/// The functions of `src/` longer than [`LONGEST`] lines (comments and unit tests left out),
/// as `file: name`.
fn long_functions(files: &[File]) -> Vec<String> {
    let mut long = Vec::new();
    for file in files {
        let lines: Vec<&str> = file.code.lines().collect();
        for (at, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            let head = ["pub(crate) ", "pub ", "const ", "async "]
                .iter()
                .fold(trimmed, |rest, p| rest.strip_prefix(p).unwrap_or(rest));
            let Some(rest) = head.strip_prefix("fn ") else {
                continue;
            };
            let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
            let close = format!("{}}}", " ".repeat(indent));
            let Some(end) = lines[at..].iter().position(|l| {
                l.trim_end() == close
                    || l.trim_end().ends_with(';') && l.trim_start().starts_with("fn ")
            }) else {
                continue;
            };
            if end + 1 > LONGEST {
                long.push(format!("{}: {name}", file.name));
            }
        }
    }
    long
}

/// The longest a function of `src/` may be, in lines of code: a longer one is a list of steps
/// that wants names (a long `match` becomes a table of contents, one function per arm).
const LONGEST: usize = 80;

/// The functions still longer than [`LONGEST`]: `plan_license` is a table of contents whose
/// every arm is one call (rustfmt writes each command's fields one a line, and a `match` split in
/// two would need an arm that cannot be reached). The list may only shrink.
const KNOWN_LONG: &[&str] = &["src/licenses/planning.rs: plan_license"];

#[test]
fn no_function_of_src_is_longer_than_80_lines_but_the_listed_ones() {
    let long = long_functions(&load());
    let mut report: Vec<String> = long
        .iter()
        .filter(|f| !KNOWN_LONG.contains(&f.as_str()))
        .map(|f| format!("{f} is longer than {LONGEST} lines: give its steps names"))
        .collect();
    report.extend(
        KNOWN_LONG
            .iter()
            .filter(|k| !long.iter().any(|f| f == *k))
            .map(|k| format!("{k} is no longer long: take it off KNOWN_LONG")),
    );
    assert!(report.is_empty(), "{}", report.join("\n"));
}

#[test]
fn the_graph_reader_sees_uses_groups_impls_and_the_facade() {
    let roots: BTreeSet<String> = ["crate".to_owned()].into();
    let found = paths(
        "use crate::a::{b::C, d::{E, F as G}};\nlet x = crate::h::I;",
        &roots,
    );
    let found: Vec<String> = found.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        found,
        [
            "crate::a::b::C",
            "crate::a::d::E",
            "crate::a::d::F",
            "crate::h::I"
        ]
    );
    assert_eq!(
        impl_target("impl<'a> Trait<'a> for x::Y<'a> {").as_deref(),
        Some("Y")
    );
    assert_eq!(
        impl_target("impl Directory {").as_deref(),
        Some("Directory")
    );
    assert_eq!(impl_target("impl Vacant for (OrgId, bool) {"), None);
    let names = facade("pub use a::{B, c::D};\npub use e::f;");
    assert_eq!(names["D"], ["a", "c", "D"]);
    assert_eq!(names["f"], ["e", "f"]);
    assert_eq!(
        code_of("a\n#[cfg(test)]\nmod tests {\n  x\n}\nb // c\n"),
        "a\nb \n"
    );
}

#[test]
fn a_method_defined_in_a_room_above_its_type_and_called_below_is_a_cycle() {
    let file = |name: &str, module: &[&str], code: &str| File {
        name: name.to_owned(),
        module: module.iter().map(|m| (*m).to_owned()).collect(),
        code: code.to_owned(),
    };
    let lib = file("src/lib.rs", &[], "mod a;\nmod b;\n");
    let below = file(
        "src/a.rs",
        &["a"],
        "pub struct T;\nfn f(t: &T) { t.helper(); }\n",
    );
    let above = file(
        "src/b.rs",
        &["b"],
        "use crate::a::T;\nimpl T {\n    pub fn helper(&self) {}\n}\n",
    );
    let called = edges(&[lib, below, above]);
    assert!(called.contains_key(&(2, 1)), "the impl needs its type");
    assert!(
        called.contains_key(&(1, 2)),
        "a call by name reaches the impl"
    );
    assert_eq!(cycles(3, &called).len(), 1);

    let lib = file("src/lib.rs", &[], "mod a;\nmod b;\n");
    let below = file("src/a.rs", &["a"], "pub struct T;\n");
    let above = file(
        "src/b.rs",
        &["b"],
        "use crate::a::T;\nimpl T {\n    pub fn helper(&self) {}\n}\n",
    );
    let uncalled = edges(&[lib, below, above]);
    assert!(cycles(3, &uncalled).is_empty(), "{uncalled:?}");
}
