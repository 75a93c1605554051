//! The runtime's layering, checked from its sources: a module imports only
//! from the layers below its own, so no import cycle can form between its
//! folders (docs/ARCHITECTURE.md explains the layers).
//!
//! The check reads every `crate::<module>` path in `runtime/src` outside
//! `#[cfg(test)]` code — `use` lines, paths in code and intra-doc links
//! alike — and knows each top-level module's layer from [`LAYERS`]. Within
//! one top-level module (a folder's files among themselves) anything goes,
//! as Rust's own `super::` reaches do. `lib.rs` is the facade and may name
//! everything.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The top-level modules of `runtime/src`, layer by layer from the bottom.
/// Modules of one layer do not import each other.
const LAYERS: &[&[&str]] = &[
    // vocabulary
    &["error", "clock", "keys", "crypto", "telemetry", "headers"],
    // the wire form of a refusal
    &["respond"],
    // configuration: figment in, checked plain data out
    &["config"],
    // remote key sets
    &["remote"],
    // verification, with no Rocket types
    &["verify"],
    // who a token stands for
    &["identity"],
    // the application's validators
    &["validators"],
    // one request: authentication, authorization
    &["authn", "authz"],
    // the Rocket entry points
    &["guard", "routes"],
    // documents built from the route table
    &["metadata", "openapi"],
    // the OpenID Provider: it reads the route table for its discovery
    &["provider"],
    // the fairing, the test kit, the fuzz targets' entry points
    &["fairing", "testing", "fuzzing"],
];

/// The layer of each top-level module.
fn layer_of() -> BTreeMap<&'static str, usize> {
    LAYERS
        .iter()
        .enumerate()
        .flat_map(|(layer, modules)| modules.iter().map(move |module| (*module, layer)))
        .collect()
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("a readable source folder") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The top-level module a source file belongs to (`verify/cache.rs`:
/// `verify`), or `None` for the facade.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).expect("a file under src");
    let first = relative.components().next()?.as_os_str().to_str()?;
    match first.strip_suffix(".rs") {
        Some("lib") => None,
        Some(module) => Some(module.to_owned()),
        None => Some(first.to_owned()),
    }
}

/// The code of a file before its unit tests: what the crate is built from.
fn without_tests(text: &str) -> &str {
    text.split("#[cfg(test)]").next().unwrap_or(text)
}

/// Each `crate::<name>` a text names, with its line number; a group
/// (`crate::{a, b::c}`) names each of its members.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let ident = |text: &str| -> String {
        text.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    let mut searched = 0;
    while let Some(at) = text[searched..].find("crate::") {
        let start = searched + at;
        searched = start + "crate::".len();
        // `rocket_warden_crate::x` or `$crate::x` are other paths.
        let before = text[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let line = text[..start].matches('\n').count() + 1;
        let rest = &text[searched..];
        match rest.strip_prefix('{') {
            Some(group) => {
                let mut depth = 0;
                let end = group
                    .char_indices()
                    .find(|&(_, c)| {
                        depth += match c {
                            '{' => 1,
                            '}' => -1,
                            _ => 0,
                        };
                        depth < 0
                    })
                    .map_or(group.len(), |(end, _)| end);
                let mut depth = 0;
                let mut member_start = 0;
                for (i, c) in group[..end].char_indices().chain([(end, ',')]) {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            let name = ident(&group[member_start..i]);
                            if !name.is_empty() {
                                found.push((line, name));
                            }
                            member_start = i + 1;
                        }
                        _ => {}
                    }
                }
            }
            None => found.push((line, ident(rest))),
        }
    }
    found
}

/// Every reach from one module into another that the layers forbid.
fn violations() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let layers = layer_of();
    let mut problems = Vec::new();
    for file in sources(&src) {
        let Some(module) = module_of(&src, &file) else {
            continue;
        };
        let shown = file
            .strip_prefix(&src)
            .unwrap_or(&file)
            .display()
            .to_string();
        let Some(&own) = layers.get(module.as_str()) else {
            problems.push(format!("{shown}: module `{module}` has no layer in LAYERS"));
            continue;
        };
        let text = fs::read_to_string(&file).expect("a readable source file");
        for (line, target) in crate_paths(without_tests(&text)) {
            if target == module {
                continue;
            }
            match layers.get(target.as_str()) {
                Some(&layer) if layer < own => {}
                Some(&layer) => problems.push(format!(
                    "{shown}:{line}: `{module}` (layer {own}) reaches `crate::{target}` \
                     (layer {layer}): import only from lower layers"
                )),
                None => problems.push(format!(
                    "{shown}:{line}: `crate::{target}` is not a module: name items by \
                     their module's path, not the crate root's re-exports"
                )),
            }
        }
    }
    problems
}

#[test]
fn modules_import_only_from_lower_layers() {
    let problems = violations();
    assert!(
        problems.is_empty(),
        "layering broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_folder_and_file_of_src_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let layers = layer_of();
    let missing: Vec<_> = sources(&src)
        .iter()
        .filter_map(|file| module_of(&src, file))
        .filter(|module| !layers.contains_key(module.as_str()))
        .collect();
    assert!(missing.is_empty(), "modules without a layer: {missing:?}");
}

#[test]
fn the_check_finds_a_path_that_reaches_up() {
    // The reader the check relies on: it must see `crate::` paths in `use`
    // lines and doc links, and skip paths that only end in `crate::`.
    let text = "use crate::verify::Validator;\n/// see [`x`](crate::fairing::Warden)\n\
                let a = $crate::b; my_crate::c;\nuse crate::{authn, config::{A, B}};";
    let found = crate_paths(text);
    assert_eq!(
        found,
        [
            (1, "verify".to_owned()),
            (2, "fairing".to_owned()),
            (4, "authn".to_owned()),
            (4, "config".to_owned()),
        ]
    );
}
