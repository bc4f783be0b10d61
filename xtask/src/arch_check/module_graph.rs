//! Which files of a crate import which: the `use crate::…`, `super::…` and `child::…` paths
//! of each file, resolved through re-exports to the file that defines the item, and the
//! cycles among them. Test modules (`#[cfg(test)]`, inline or in files) are left out: tests
//! may use anything. A `pub use` that only re-exports (lib.rs, a folder's mod.rs) is no
//! import of the re-exporting file; callers are sent on to the defining file instead.
//!
//! This reads source text, not the compiler's name resolution: macros that build paths and
//! method calls on types from other files are not seen. It sees every `use` and every
//! written path, which is where layering goes wrong.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context;

/// One file of the crate: its module path and what its code names.
#[derive(Debug, Default)]
struct Module {
    /// Path relative to the crate's `src/`, for messages.
    file: String,
    /// Child modules declared with `mod name;`, and which of them are test-only.
    children: BTreeSet<String>,
    test_children: BTreeSet<String>,
    /// `use` declarations: (is `pub`, the name it binds, the absolute path it names).
    uses: Vec<(bool, String, Vec<String>)>,
    /// Paths written in the code outside `use` declarations, as written.
    paths: Vec<Vec<String>>,
    /// The code without comments, test modules and `use` declarations.
    body: String,
}

/// Reads every `.rs` file under `src` (a crate's source folder) as (path relative to `src`,
/// text).
pub(super) fn read_sources(src: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(src)?.to_string_lossy().replace('\\', "/");
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                out.push((rel, text));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Cycles among the files of one crate, given as (path relative to `src/`, text). Files
/// under a folder named in `units` count as one node (`folder/`). Each cycle found is one
/// message naming its files in import order.
pub(super) fn import_cycles(
    crate_name: &str,
    files: &[(String, String)],
    units: &[&str],
) -> Vec<String> {
    let graph = import_graph(files, units);
    strongly_connected(&graph)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|component| {
            let cycle = a_cycle(&graph, &component);
            let knot = if component.len() + 1 > cycle.len() {
                format!(
                    "; {} files import each other in all: {}",
                    component.len(),
                    component.join(", ")
                )
            } else {
                String::new()
            };
            format!(
                "{crate_name}: files import each other in a cycle: {}{knot} (move the shared \
                 item down into a file that neither imports)",
                cycle.join(" → ")
            )
        })
        .collect()
}

/// The file-level import graph: node → the nodes it imports from (no self-edges).
fn import_graph(files: &[(String, String)], units: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let mut modules: BTreeMap<String, Module> = BTreeMap::new();
    for (rel, text) in files {
        let path = module_path(rel);
        modules.insert(path.clone(), parse_module(rel, &path, text));
    }
    let is_test = |path: &str| -> bool {
        let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        (1..=segs.len()).any(|k| {
            let parent = segs[..k - 1].join("::");
            modules
                .get(&parent)
                .is_some_and(|m| m.test_children.contains(segs[k - 1]))
        })
    };
    let node = |path: &str| -> String {
        let file = &modules[path].file;
        units
            .iter()
            .find(|u| file.starts_with(&format!("{u}/")))
            .map_or_else(|| file.clone(), |u| format!("{u}/"))
    };
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, module) in &modules {
        if is_test(path) {
            continue;
        }
        let from = node(path);
        let targets = graph.entry(from.clone()).or_default();
        let used = module
            .uses
            .iter()
            .filter(|(public, name, _)| !public || name == "*" || mentions(&module.body, name))
            .map(|(_, _, abs)| abs.clone());
        let written = module
            .paths
            .iter()
            .filter_map(|p| absolute(path, module, p, false));
        for abs in used.chain(written) {
            let target = defining_module(&modules, &abs, 0);
            if !is_test(&target) && modules.contains_key(&target) {
                let to = node(&target);
                if to != from {
                    targets.insert(to);
                }
            }
        }
    }
    graph
}

/// `a/b.rs` → `a::b`, `a/mod.rs` → `a`, `lib.rs` → `` (the crate root).
fn module_path(rel: &str) -> String {
    let stem = rel.trim_end_matches(".rs");
    let mut segs: Vec<&str> = stem.split('/').collect();
    if matches!(segs.last(), Some(&"mod" | &"lib" | &"main")) {
        segs.pop();
    }
    segs.join("::")
}

/// The module that defines what `abs` (an absolute path from the crate root) names:
/// the longest prefix that is a file, followed through that file's `use` of the next name.
fn defining_module(modules: &BTreeMap<String, Module>, abs: &[String], depth: usize) -> String {
    let mut found = 0;
    for k in 1..=abs.len() {
        if modules.contains_key(&abs[..k].join("::")) {
            found = k;
        } else {
            break;
        }
    }
    let module = abs[..found].join("::");
    if depth < 16
        && let Some(next) = abs.get(found)
        && let Some((_, _, target)) = modules[&module]
            .uses
            .iter()
            .find(|(_, name, _)| name == next)
    {
        let mut rest = target.clone();
        rest.extend_from_slice(&abs[found + 1..]);
        return defining_module(modules, &rest, depth + 1);
    }
    module
}

/// Whether `name` occurs as a word in `code`.
fn mentions(code: &str, name: &str) -> bool {
    code.match_indices(name).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + name.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn parse_module(rel: &str, path: &str, text: &str) -> Module {
    let code = strip_comments(text);
    let mut module = Module {
        file: rel.to_string(),
        ..Module::default()
    };
    let code = remove_test_blocks(&code);
    let mut body = String::new();
    let mut rest = code.as_str();
    // Items are split at `use` declarations; everything else is body.
    while let Some(at) = find_keyword(rest, "use") {
        let end = rest[at..].find(';').map_or(rest.len(), |e| at + e);
        let head = &rest[..at];
        let public = head.trim_end().ends_with(')') && head.trim_end().contains("pub(")
            || head.trim_end().ends_with("pub");
        for (name, written) in use_tree(rest[at + 3..end].trim()) {
            let abs = absolute(path, &module, &written, true);
            if let Some(abs) = abs {
                module.uses.push((public, name, abs));
            }
        }
        body.push_str(head);
        body.push(' ');
        rest = &rest[(end + 1).min(rest.len())..];
    }
    body.push_str(rest);
    for (attrs, name) in mod_declarations(&body) {
        if is_test_cfg(&attrs) {
            module.test_children.insert(name.clone());
        }
        module.children.insert(name);
    }
    module.paths = written_paths(&body);
    module.body = body;
    module
}

/// `written` (a path in the code of `module`, whose path from the crate root is `here`) from
/// the crate root: `crate::`, `self::`, `super::` or a child module of this file (2018 paths);
/// `None` for other crates. In a `use` (`in_use`) a first segment that is not a known crate
/// root counts as relative too; in other code it may be anything (`Self::new`, a local), so
/// only known children do.
fn absolute(here: &str, module: &Module, written: &[String], in_use: bool) -> Option<Vec<String>> {
    let first = written.first()?;
    let mut base: Vec<String> = if here.is_empty() {
        Vec::new()
    } else {
        here.split("::").map(str::to_string).collect()
    };
    let rest = match first.as_str() {
        "crate" => {
            base.clear();
            &written[1..]
        }
        "self" => &written[1..],
        "super" => {
            let ups = written.iter().take_while(|s| *s == "super").count();
            base.truncate(base.len().saturating_sub(ups));
            &written[ups..]
        }
        // A child module: `mod x;` may come after the `use`, so any lowercase first segment
        // that is not a known crate root is taken as relative; unknown ones resolve to
        // nothing in the crate and are dropped by the caller.
        name if module.children.contains(name) || in_use && !is_external(name) => written,
        _ => return None,
    };
    base.extend(rest.iter().cloned());
    Some(base)
}

/// First path segments that name other crates (`std`, dependencies): any that is not a
/// module of this crate resolves to no file, so only the obvious ones are listed.
fn is_external(name: &str) -> bool {
    matches!(name, "std" | "core" | "alloc") || name.starts_with("::")
}

/// The (bound name, path) pairs of a use tree such as `a::{b, c::{self, d as e}, f::*}`.
fn use_tree(tree: &str) -> Vec<(String, Vec<String>)> {
    let tree: String = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = Vec::new();
    expand(&tree, &mut Vec::new(), &mut out);
    out
}

fn expand(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<(String, Vec<String>)>) {
    let tree = tree.trim().trim_start_matches("::");
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = segments(&tree[..open]);
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let depth = prefix.len();
        prefix.extend(head);
        for part in split_top_level(inner) {
            expand(part, prefix, out);
        }
        prefix.truncate(depth);
        return;
    }
    let (path, alias) = match tree.split_once(" as ") {
        Some((p, a)) => (p, Some(a.trim().to_string())),
        None => (tree, None),
    };
    let mut full = prefix.clone();
    full.extend(segments(path));
    if full.last().is_some_and(|s| s == "self") {
        full.pop();
    }
    if full.is_empty() {
        return;
    }
    let name = alias.unwrap_or_else(|| full.last().cloned().unwrap_or_default());
    if name == "*" {
        full.pop();
    }
    out.push((name, full));
}

fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// `a, b::{c, d}, e` split at the commas outside braces.
fn split_top_level(s: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

/// Byte offset of `word` as a whole word, at an item's start (after `;`, `{`, `}`, `]`,
/// `pub`/`pub(…)` or the start of the text).
fn find_keyword(code: &str, word: &str) -> Option<usize> {
    code.match_indices(word).map(|(i, _)| i).find(|&i| {
        let after = code[i + word.len()..].chars().next();
        if !after.is_some_and(char::is_whitespace) {
            return false;
        }
        let before = code[..i].trim_end();
        let before = before
            .strip_suffix("pub")
            .or_else(|| {
                before
                    .strip_suffix(')')
                    .and_then(|b| b.rfind("pub(").map(|p| &b[..p]))
            })
            .unwrap_or(before)
            .trim_end();
        before.is_empty() || before.ends_with([';', '{', '}', ']'])
    })
}

/// `(attributes, name)` of every `mod name;` in `code`.
fn mod_declarations(code: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = find_keyword(&code[from..], "mod").map(|i| i + from) {
        let after = &code[i + 3..];
        let name: String = after
            .trim_start()
            .chars()
            .take_while(|c| is_ident(*c))
            .collect();
        let tail = after.trim_start()[name.len()..].trim_start();
        if !name.is_empty() && tail.starts_with(';') {
            out.push((attributes_before(code, i), name));
        }
        from = i + 3;
    }
    out
}

/// The `#[…]` attributes written just before byte `at` (and any `pub`).
fn attributes_before(code: &str, at: usize) -> String {
    let mut head = code[..at].trim_end();
    head = head.strip_suffix("pub").unwrap_or(head).trim_end();
    if let Some(b) = head
        .strip_suffix(')')
        .and_then(|h| h.rfind("pub(").map(|p| &h[..p]))
    {
        head = b.trim_end();
    }
    let mut attrs = String::new();
    while head.ends_with(']') {
        let Some(open) = head.rfind("#[") else { break };
        attrs.insert_str(0, &head[open..]);
        head = head[..open].trim_end();
    }
    attrs
}

/// Whether attributes make an item test-only: `cfg(test)`, `cfg(all(test, …))`.
fn is_test_cfg(attrs: &str) -> bool {
    attrs.split("#[").any(|a| {
        let a = a.replace(' ', "");
        a.starts_with("cfg(") && !a.contains("not(test") && mentions(&a, "test")
    })
}

/// `code` without `#[cfg(test)] mod name { … }` blocks.
fn remove_test_blocks(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(i) = find_keyword(rest, "mod") {
        let after = rest[i + 3..].trim_start();
        let name_len = after.chars().take_while(|c| is_ident(*c)).count();
        let tail = after[name_len..].trim_start();
        let open = rest.len() - tail.len();
        if tail.starts_with('{') && is_test_cfg(&attributes_before(rest, i)) {
            let close = matching_brace(rest, open);
            let attr_start = rest[..i].rfind("#[cfg").unwrap_or(i);
            out.push_str(&rest[..attr_start]);
            rest = &rest[close..];
        } else {
            out.push_str(&rest[..i + 3]);
            rest = &rest[i + 3..];
        }
    }
    out.push_str(rest);
    out
}

/// The byte after the `}` that closes the `{` at `open`.
fn matching_brace(code: &str, open: usize) -> usize {
    let mut depth = 0;
    for (i, c) in code[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return open + i + 1;
                }
            }
            _ => {}
        }
    }
    code.len()
}

/// Every `a::b::c` path in `code` whose first segment is not itself after `::`.
fn written_paths(code: &str) -> Vec<Vec<String>> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        let starts = is_ident(c)
            && !c.is_ascii_digit()
            && (i == 0 || !(is_ident(bytes[i - 1] as char) || bytes[i - 1] == b':'));
        if !starts {
            i += 1;
            continue;
        }
        let mut segs = Vec::new();
        let mut j = i;
        loop {
            let len = code[j..]
                .chars()
                .take_while(|c| is_ident(*c))
                .map(char::len_utf8)
                .sum::<usize>();
            if len == 0 {
                break;
            }
            segs.push(code[j..j + len].to_string());
            j += len;
            if code[j..].starts_with("::") && code[j + 2..].starts_with(|c: char| is_ident(c)) {
                j += 2;
            } else {
                break;
            }
        }
        if segs.len() > 1 {
            out.push(segs);
        }
        i = j.max(i + 1);
    }
    out
}

/// `text` without comments, and with string and character literals blanked except for
/// strings that are paths (`"crate::meta::Json"` in a serde attribute), which stay.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && matches!(next, Some('"' | '#')) && !(i > 0 && is_ident(chars[i - 1]))
        {
            let hashes = chars[i + 1..].iter().take_while(|c| **c == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let body_start = i + 2 + hashes;
            let rest: String = chars[body_start..].iter().collect();
            let len = rest.find(&close).map_or(rest.len(), |e| e);
            out.push_str("\"\"");
            i = body_start + rest[..len].chars().count() + close.chars().count();
        } else if c == '"' {
            let mut j = i + 1;
            let mut s = String::new();
            while j < chars.len() && chars[j] != '"' {
                if chars[j] == '\\' {
                    j += 1;
                }
                if let Some(&ch) = chars.get(j) {
                    s.push(ch);
                }
                j += 1;
            }
            let is_path = s.contains("::") && s.chars().all(|c| is_ident(c) || c == ':');
            out.push('"');
            if is_path {
                out.push(' ');
                out.push_str(&s);
                out.push(' ');
            }
            out.push('"');
            i = j + 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'), or a lifetime, which stays.
            let lit = match (next, chars.get(i + 2)) {
                (Some('\\'), _) => chars
                    .get(i + 3..)
                    .and_then(|rest| rest.iter().position(|c| *c == '\''))
                    .map(|p| i + 4 + p),
                (Some(_), Some('\'')) => Some(i + 3),
                _ => None,
            };
            match lit {
                Some(end) => {
                    out.push_str("' '");
                    i = end;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Tarjan's strongly connected components, iteratively (no recursion limit).
fn strongly_connected(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let nodes: Vec<&String> = graph
        .keys()
        .chain(graph.values().flatten())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let index_of: BTreeMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let succ: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            graph
                .get(*n)
                .into_iter()
                .flatten()
                .map(|m| index_of[m.as_str()])
                .collect()
        })
        .collect();
    let n = nodes.len();
    let (mut index, mut low, mut on_stack) = (vec![usize::MAX; n], vec![0; n], vec![false; n]);
    let (mut stack, mut components, mut counter) = (Vec::new(), Vec::new(), 0);
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut next)) = work.last_mut() {
            if *next == 0 {
                index[v] = counter;
                low[v] = counter;
                counter += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = succ[v].get(*next) {
                *next += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(nodes[w].clone());
                    if w == v {
                        break;
                    }
                }
                component.sort();
                components.push(component);
            }
        }
    }
    components
}

/// One cycle through the first node of `component`, as a path that returns to its start.
fn a_cycle(graph: &BTreeMap<String, BTreeSet<String>>, component: &[String]) -> Vec<String> {
    let inside: BTreeSet<&String> = component.iter().collect();
    let start = &component[0];
    // Breadth-first from the start's successors back to the start: the shortest cycle.
    let mut came_from: BTreeMap<&String, &String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for w in graph
            .get(v)
            .into_iter()
            .flatten()
            .filter(|w| inside.contains(w))
        {
            if w == start {
                let mut path = vec![v.clone()];
                let mut at = v;
                while at != start {
                    at = came_from[at];
                    path.push(at.clone());
                }
                path.reverse();
                path.push(start.clone());
                return path;
            }
            if !came_from.contains_key(w) {
                came_from.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    component.to_vec()
}

#[cfg(test)]
mod tests;
