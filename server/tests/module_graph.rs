//! The server's modules depend on each other in one direction only: this
//! reads every `crate::` and `super::` path in `server/src` (tests left out)
//! and fails on a cycle between two files, or between two top-level modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path, e.g. `["fno", "soap"]`.
type Module = Vec<String>;

fn source_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            source_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The module a file holds: `fno/soap.rs` is `fno::soap`, `fno/mod.rs` is `fno`.
fn module_of(root: &Path, file: &Path) -> Module {
    let relative = file.strip_prefix(root).expect("a file under the root");
    let mut parts: Module = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The file's code: without comments and without its inline test module.
fn code_of(text: &str) -> String {
    let code = text
        .find("#[cfg(test)]\nmod tests")
        .map_or(text, |at| &text[..at]);
    code.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Expands `a::{b, c::{d}}` into `a::b` and `a::c::d`.
fn expand(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    match tree.find('{') {
        None => out.push(format!("{prefix}{tree}")),
        Some(open) => {
            let head = &tree[..open];
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(&inner[start..i], &format!("{prefix}{head}"), out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            if !inner[start..].trim().is_empty() {
                expand(&inner[start..], &format!("{prefix}{head}"), out);
            }
        }
    }
}

/// Every path the code names from `crate::` or `super::`.
fn paths_in(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let after = &rest[at + 4..];
        let Some(end) = after.find(';') else { break };
        let tree = &after[..end];
        if tree.starts_with("crate::") || tree.starts_with("super::") {
            expand(&tree.replace(char::is_whitespace, ""), "", &mut paths);
        }
        rest = &after[end..];
    }
    for anchor in ["crate::", "super::"] {
        let mut rest = code;
        while let Some(at) = rest.find(anchor) {
            let tail: String = rest[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            paths.push(tail);
            rest = &rest[at + anchor.len()..];
        }
    }
    paths
}

/// The known module a path points into: its longest prefix that is a module.
fn resolve(from: &Module, path: &str, modules: &BTreeSet<Module>) -> Option<Module> {
    let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: Module = match segments.first() {
        Some(&"crate") => Vec::new(),
        Some(&"super") => {
            let mut base = from.clone();
            while segments.first() == Some(&"super") {
                base.pop();
                segments.remove(0);
            }
            segments.insert(0, "super");
            base
        }
        _ => return None,
    };
    for segment in segments.iter().skip(1) {
        let mut next = base.clone();
        next.push(segment.to_string());
        if !modules.contains(&next) {
            break;
        }
        base = next;
    }
    (!base.is_empty()).then_some(base)
}

fn find_cycle(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        node: &Module,
        edges: &BTreeMap<Module, BTreeSet<Module>>,
        state: &mut BTreeMap<Module, u8>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        state.insert(node.clone(), 1);
        stack.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                0 => {
                    if let Some(cycle) = visit(next, edges, state, stack) {
                        return Some(cycle);
                    }
                }
                1 => {
                    let at = stack.iter().position(|m| m == next).unwrap_or(0);
                    let mut cycle = stack[at..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in edges.keys() {
        if state.get(node).copied().unwrap_or(0) == 0 {
            if let Some(cycle) = visit(node, edges, &mut state, &mut Vec::new()) {
                return Some(cycle);
            }
        }
    }
    None
}

fn shown(cycle: &[Module]) -> String {
    cycle
        .iter()
        .map(|m| m.join("::"))
        .collect::<Vec<_>>()
        .join(" -> ")
}

/// The dependencies between the server's files, and between its top-level modules.
fn graphs() -> (
    BTreeMap<Module, BTreeSet<Module>>,
    BTreeMap<Module, BTreeSet<Module>>,
) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&root, &mut files);
    files.retain(|f| !f.to_string_lossy().ends_with("_tests.rs"));
    let modules: BTreeSet<Module> = files.iter().map(|f| module_of(&root, f)).collect();
    let (mut by_file, mut by_top) = (BTreeMap::new(), BTreeMap::new());
    for file in &files {
        let from = module_of(&root, file);
        let text = std::fs::read_to_string(file).expect("read a source file");
        for path in paths_in(&code_of(&text)) {
            let Some(to) = resolve(&from, &path, &modules) else {
                continue;
            };
            // A module's own children are its parts, not its dependencies.
            if to.starts_with(&from) || from.starts_with(&to) {
                continue;
            }
            by_file
                .entry(from.clone())
                .or_insert_with(BTreeSet::new)
                .insert(to.clone());
            if let (Some(a), Some(b)) = (from.first(), to.first()) {
                if a != b {
                    by_top
                        .entry(vec![a.clone()])
                        .or_insert_with(BTreeSet::new)
                        .insert(vec![b.clone()]);
                }
            }
        }
    }
    (by_file, by_top)
}

#[test]
fn no_two_files_depend_on_each_other() {
    let (by_file, _) = graphs();
    assert!(by_file.len() > 50, "the source files were read");
    if let Some(cycle) = find_cycle(&by_file) {
        panic!(
            "the server's files depend on each other in a cycle: {}",
            shown(&cycle)
        );
    }
}

#[test]
fn no_two_top_level_modules_depend_on_each_other() {
    let (_, by_top) = graphs();
    assert!(
        by_top
            .get(&vec!["api".to_string()])
            .is_some_and(|deps| deps.contains(&vec!["sync".to_string()])),
        "api depends on sync"
    );
    if let Some(cycle) = find_cycle(&by_top) {
        panic!(
            "the server's modules depend on each other in a cycle: {}",
            shown(&cycle)
        );
    }
}

#[test]
fn a_cycle_is_found() {
    let edge = |a: &str, b: &str| (vec![a.to_string()], BTreeSet::from([vec![b.to_string()]]));
    let cyclic = BTreeMap::from([edge("a", "b"), edge("b", "c"), edge("c", "a")]);
    assert_eq!(
        find_cycle(&cyclic).map(|c| shown(&c)).as_deref(),
        Some("a -> b -> c -> a")
    );
    let acyclic = BTreeMap::from([edge("a", "b"), edge("b", "c")]);
    assert_eq!(find_cycle(&acyclic), None);
}
