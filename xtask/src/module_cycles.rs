//! Rule 3 of `cargo xtask check-deps`: inside a crate, the top-level modules import each other
//! without cycles, so each module can be read (and split, or moved) on its own terms.
//!
//! An edge `a → b` is any `crate::b` path in a file of module `a` (`src/a.rs` or `src/a/…`),
//! including `use crate::{b, c}` groups and doc links; a `#[cfg(test)] mod tests` at the end of
//! a file is left out, since tests may use anything. Cycles are the strongly connected
//! components with more than one module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};

/// The module graph: module → the modules it names.
pub type Graph = BTreeMap<String, BTreeSet<String>>;

/// Reads the `.rs` files under `src` and returns the cycles among its top-level modules.
pub fn cycles_in(src: &Path) -> Result<Vec<Vec<String>>> {
    let mut files = Vec::new();
    collect(src, src, &mut files)?;
    Ok(cycles(&graph(&files)))
}

fn collect(src: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect(src, &path, out)?;
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path.strip_prefix(src).unwrap_or(&path);
        let Some(first) = rel.components().next() else {
            continue;
        };
        let top = first.as_os_str().to_string_lossy();
        let top = top.strip_suffix(".rs").unwrap_or(&top).to_owned();
        if top == "lib" || top == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        out.push((top, text));
    }
    Ok(())
}

/// Builds the graph from `(top-level module, file text)` pairs.
pub fn graph(files: &[(String, String)]) -> Graph {
    let modules: BTreeSet<&str> = files.iter().map(|(m, _)| m.as_str()).collect();
    let mut edges: Graph = modules
        .iter()
        .map(|m| ((*m).to_owned(), BTreeSet::new()))
        .collect();
    for (module, text) in files {
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
        for target in crate_paths(code) {
            if target != *module && modules.contains(target.as_str()) {
                edges.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    edges
}

/// The first segment of every `crate::x` path, and each name of a `crate::{x, y}` group.
fn crate_paths(code: &str) -> Vec<String> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let preceded_by_ident = rest[..at].chars().next_back().is_some_and(is_ident);
        rest = &rest[at + "crate::".len()..];
        if preceded_by_ident {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for name in group[..end].split(|c: char| !is_ident(c)) {
                if !name.is_empty() {
                    found.push(name.to_owned());
                }
            }
        } else {
            let end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
            if end > 0 {
                found.push(rest[..end].to_owned());
            }
        }
    }
    found
}

/// The strongly connected components of more than one module (Tarjan), each sorted.
pub fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct Walk<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'g>(w: &mut Walk<'g>, node: &'g str) {
        let n = w.index.len();
        w.index.insert(node, n);
        w.low.insert(node, n);
        w.stack.push(node);
        w.on_stack.insert(node);
        let graph = w.graph;
        for next in graph.get(node).into_iter().flatten() {
            let next = next.as_str();
            if !w.index.contains_key(next) {
                visit(w, next);
                let low = w.low[node].min(w.low[next]);
                w.low.insert(node, low);
            } else if w.on_stack.contains(next) {
                let low = w.low[node].min(w.index[next]);
                w.low.insert(node, low);
            }
        }
        if w.low[node] == w.index[node] {
            let mut component = Vec::new();
            while let Some(top) = w.stack.pop() {
                w.on_stack.remove(top);
                component.push(top.to_owned());
                if top == node {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                w.found.push(component);
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !walk.index.contains_key(node.as_str()) {
            visit(&mut walk, node);
        }
    }
    walk.found.sort();
    walk.found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(m, t)| ((*m).to_owned(), (*t).to_owned()))
            .collect()
    }

    #[test]
    fn paths_and_groups_are_edges() {
        let g = graph(&files(&[
            (
                "a",
                "use crate::b::X;\nuse crate::{c, d::Y};\nfn f() { crate::a::g() }",
            ),
            (
                "b",
                "/// see [`Z`](crate::c::Z)\nmod inner { use supercrate::a; }",
            ),
            ("c", ""),
            ("d", ""),
        ]));
        assert_eq!(g["a"], ["b", "c", "d"].map(String::from).into());
        assert_eq!(g["b"], ["c"].map(String::from).into());
    }

    #[test]
    fn a_planted_cycle_is_found_and_tests_do_not_count() {
        let g = graph(&files(&[
            ("app", "use crate::install::handler;"),
            ("install", "use crate::app::App;"),
            (
                "page",
                "pub fn p() {}\n#[cfg(test)]\nmod tests { use crate::app::App; }",
            ),
        ]));
        assert_eq!(
            cycles(&g),
            vec![vec!["app".to_owned(), "install".to_owned()]]
        );
        assert!(g["page"].is_empty());
    }

    #[test]
    fn a_longer_cycle_is_one_component_and_a_chain_is_none() {
        let g = graph(&files(&[
            ("a", "crate::b::f();"),
            ("b", "crate::c::f();"),
            ("c", "crate::a::f();"),
            ("d", "crate::a::f();"),
        ]));
        assert_eq!(cycles(&g), vec![["a", "b", "c"].map(String::from).to_vec()]);
        let chain = graph(&files(&[("a", "crate::b::f();"), ("b", "")]));
        assert!(cycles(&chain).is_empty());
    }
}
