//! `cargo xtask audit`: the token-handling audit.
//!
//! Parses every `.rs` file under `crates/` and `tests/` with `syn` (never grep) and reports:
//!
//! * **exposure sites** — where a secret's bytes leave its type: calls or paths named
//!   `expose_secret`, `expose_secret_mut` or `into_secret` (method, UFCS or fn pointer, also
//!   inside macro invocations); calls to *carriers*, library functions that expose a secret
//!   and return it in a `Zeroizing` buffer (`encode_token_form`, `TokenRequest::form_body`),
//!   followed transitively; impls of `Deref`/`AsRef`/`Borrow`/`ExposeSecret`(+`Mut`) on a
//!   secret type and `impl From<SecretType> for X`. Accessors that return the still-wrapped
//!   secret (`ClientSecret::secret() -> &SecretString`) are not exposures.
//! * **construction sites** of each secret type (`T::new`, `T::from`, `from_env`,
//!   `from_stored`, `.parse::<T>()`, struct literals including `Self { .. }`, and
//!   `SecretString::from` / `SecretBox::new`), library code listed, test code counted.
//! * **Authorization header sites** — `AUTHORIZATION` or `"authorization"` as a header name
//!   (set, removed or compared), `bearer_header`, `.header_value()`, `.set_sensitive()`,
//!   `.authorization()`.
//!
//! and fails on:
//!
//! * a library exposure site whose file and enclosing function are not a row of the
//!   allow-list table in docs/token-handling.md (`| file | function | secret | reason |`), or
//!   a row without a reason;
//! * a type holding a secret that derives `Debug` (unless every secret field is a redacting
//!   type: one with a hand-written `Debug`, or deriving it over redacting types only),
//!   `Display`, `Error` (thiserror's derive writes `Display`), `Serialize` (unless the field is
//!   `#[serde(skip)]`), or `Clone` when a clone would copy a secret into memory that is never
//!   zeroized (see `rules::Ctx::clone_ok`: `Arc`/`Rc`/`Bytes`/`HeaderValue` share one buffer,
//!   `SecretString`/`SecretBox`/`Zeroizing` copies are zeroized, anything else is not), or
//!   that implements `Display` or `Serialize` by hand;
//! * `unsafe` anywhere — blocks, fns, impls, traits, modules, extern blocks, unsafe attributes,
//!   macro bodies — and `allow(unsafe_code)`; a file that does not parse.
//!
//! A type holds a secret when one of its fields mentions `SecretString`, `SecretBox`,
//! `SecretSlice`, `SecretVec`, `Secret`, `Zeroizing`, a known secret type
//! ([`rules::KNOWN_SECRET_TYPES`]) or another type found to hold a secret (to a fixpoint), or
//! is named `*token*`/`*secret*` (outside `generated/`, and not `*_type`, `*_id`, `*_url`, …,
//! nor of a plain numeric or bool type). Types defined in `macro_rules!` bodies are audited from
//! the template, with metavariables replaced by placeholders, and known by the names the macro
//! is invoked with. Types in test code are not audited for derives; `unsafe` is checked
//! everywhere.

mod render;
mod rules;
mod scan;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use syn::visit::Visit;

use render::{render_json, render_text};
use rules::{Analysis, Violation};
use scan::{Facts, Scanner, Site};

/// What to audit.
#[derive(Debug, Clone)]
pub struct Options {
    pub root: PathBuf,
    pub allow_list: PathBuf,
    pub json: bool,
    pub verbose: bool,
}

/// One row of the allow-list table.
#[derive(Debug, Clone)]
pub struct Entry {
    pub file: String,
    pub function: String,
    pub secret: String,
    pub reason: String,
    pub line: usize,
}

/// The audit's result.
#[derive(Debug)]
pub struct Report {
    pub root: PathBuf,
    pub allow_list: PathBuf,
    pub files: usize,
    pub token_scanned: usize,
    pub entries: Vec<Entry>,
    pub analysis: Analysis,
    /// For each exposure (same order as `analysis.exposures`): the allow-list row it matched.
    pub allowed: Vec<Option<usize>>,
    pub violations: Vec<Violation>,
    pub unused_entries: Vec<Entry>,
}

const USAGE: &str = "\
cargo xtask audit [--root DIR] [--allow-list FILE] [--json] [--verbose]

  --root DIR         workspace to audit (default: this workspace); its crates/ and tests/
                     are scanned, or DIR itself if it has neither
  --allow-list FILE  markdown file with the exposure allow-list table
                     (default: DIR/docs/token-handling.md)
  --json             machine-readable report on stdout
  --verbose          also list test-code construction and header sites
";

pub fn run(args: &[String]) -> Result<()> {
    let mut root = crate::util::root();
    let mut allow_list = None;
    let mut json = false;
    let mut verbose = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--root" => root = PathBuf::from(it.next().context("--root needs a directory")?),
            "--allow-list" => {
                allow_list = Some(PathBuf::from(
                    it.next().context("--allow-list needs a file")?,
                ))
            }
            "--json" => json = true,
            "--verbose" | "-v" => verbose = true,
            "--help" | "-h" => {
                print!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown option `{other}`\n\n{USAGE}"),
        }
    }
    let allow_list = allow_list.unwrap_or_else(|| root.join("docs/token-handling.md"));
    let opts = Options {
        root,
        allow_list,
        json,
        verbose,
    };
    let report = audit(&opts)?;
    if opts.json {
        print!("{}", render_json(&report));
    } else {
        print!("{}", render_text(&report, opts.verbose));
    }
    if report.violations.is_empty() {
        Ok(())
    } else {
        let mut msg = format!("{} violation(s):", report.violations.len());
        for v in &report.violations {
            let _ = write!(
                msg,
                "\n  {}:{} [{}] {}",
                v.file, v.line, v.function, v.message
            );
        }
        bail!(msg)
    }
}

/// Runs the audit over `opts.root`.
pub fn audit(opts: &Options) -> Result<Report> {
    let files = rust_files(&opts.root)?;
    let mut facts = Facts::default();
    for path in &files {
        let rel = path
            .strip_prefix(&opts.root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        facts.files.push(rel.clone());
        let test_file = rel.split('/').any(|c| c == "tests" || c == "benches");
        match syn::parse_file(&text) {
            Ok(file) => Scanner::new(&mut facts, rel, test_file).visit_file(&file),
            Err(e) => facts.problems.push(scan::Problem {
                file: rel,
                line: e.span().start().line,
                function: "(file)".to_owned(),
                message: format!("does not parse, so it cannot be audited: {e}"),
            }),
        }
    }
    let analysis = rules::analyse(&facts);
    let mut violations = analysis.violations.clone();

    let (entries, mut list_problems) = match std::fs::read_to_string(&opts.allow_list) {
        Ok(text) => parse_allow_list(&text),
        Err(e) => (
            Vec::new(),
            vec![format!(
                "cannot read the allow-list {}: {e}",
                opts.allow_list.display()
            )],
        ),
    };
    let shown_list = opts
        .allow_list
        .strip_prefix(&opts.root)
        .unwrap_or(&opts.allow_list)
        .display()
        .to_string();
    for e in &entries {
        if e.reason.trim().is_empty() {
            list_problems.push(format!(
                "{shown_list}:{}: the entry for `{}` in {} gives no reason",
                e.line, e.function, e.file
            ));
        }
    }
    for p in list_problems {
        violations.push(Violation {
            file: shown_list.clone(),
            line: 0,
            function: "(allow-list)".to_owned(),
            message: p,
        });
    }
    let mut used = vec![false; entries.len()];
    let mut allowed = Vec::with_capacity(analysis.exposures.len());
    for site in &analysis.exposures {
        let hit = entries
            .iter()
            .position(|e| !e.reason.trim().is_empty() && entry_matches(e, site));
        if let Some(i) = hit {
            used[i] = true;
        }
        if hit.is_none() && !site.test {
            violations.push(Violation {
                file: site.file.clone(),
                line: site.line,
                function: site.function.clone(),
                message: format!(
                    "exposure site not in the allow-list of {shown_list}: {} — add the row \
                     `| {} | {} | <secret> | <reason> |` or remove the exposure",
                    site.detail, site.file, site.function
                ),
            });
        }
        allowed.push(hit);
    }
    let unused_entries = entries
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(e, _)| e.clone())
        .collect();
    violations.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    Ok(Report {
        root: opts.root.clone(),
        allow_list: opts.allow_list.clone(),
        files: files.len(),
        token_scanned: facts.token_scanned,
        entries,
        analysis,
        allowed,
        violations,
        unused_entries,
    })
}

fn rust_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = ["crates", "tests"]
        .iter()
        .map(|d| root.join(d))
        .filter(|d| d.is_dir())
        .collect();
    if dirs.is_empty() {
        if !root.is_dir() {
            bail!("{} is not a directory", root.display());
        }
        dirs.push(root.to_path_buf());
    }
    let mut out = Vec::new();
    while let Some(dir) = dirs.pop() {
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?;
        for entry in entries {
            let entry = entry?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let ft = entry.file_type()?;
            if ft.is_dir() {
                if !(name.starts_with('.') || name == "target" || name == "node_modules") {
                    dirs.push(path);
                }
            } else if ft.is_file() && name.ends_with(".rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn clean_cell(s: &str) -> String {
    s.trim().replace('`', "").trim().to_owned()
}

/// Normalises a function name for matching: no spaces, no generics, no `()`/`fn `/`impl `,
/// `<T as Trait>::f` → `T::f`.
fn norm_fn(s: &str) -> String {
    let mut s = s.trim().trim_start_matches("fn ").trim().to_owned();
    if let Some(rest) = s.strip_prefix('<') {
        if let Some((ty, tail)) = rest.split_once(" as ") {
            if let Some((_, after)) = tail.split_once(">::") {
                s = format!("{ty}::{after}");
            }
        }
    }
    let mut out = String::new();
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            ' ' => {}
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.trim_end_matches("()").to_owned()
}

/// Reads every markdown table whose header has `file`, `function` and `reason` columns.
pub fn parse_allow_list(text: &str) -> (Vec<Entry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let mut cols: Option<(usize, usize, Option<usize>, usize)> = None;
    let mut found = false;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if !t.starts_with('|') {
            cols = None;
            continue;
        }
        let cells: Vec<String> = t.trim_matches('|').split('|').map(clean_cell).collect();
        if cells
            .iter()
            .all(|c| c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
        {
            continue;
        }
        let lower: Vec<String> = cells.iter().map(|c| c.to_ascii_lowercase()).collect();
        let find = |name: &str| lower.iter().position(|c| c == name);
        if let (Some(f), Some(func), Some(r)) = (find("file"), find("function"), find("reason")) {
            cols = Some((f, func, find("secret"), r));
            found = true;
            continue;
        }
        if let Some((f, func, secret, r)) = cols {
            let get = |i: usize| cells.get(i).cloned().unwrap_or_default();
            for function in get(func)
                .split([',', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                entries.push(Entry {
                    file: get(f),
                    function: function.to_owned(),
                    secret: secret.map(get).unwrap_or_default(),
                    reason: get(r),
                    line: n + 1,
                });
            }
        }
    }
    if !found {
        problems.push(
            "no allow-list table found (a markdown table with columns `file | function | secret | reason`)"
                .to_owned(),
        );
    }
    (entries, problems)
}

fn entry_matches(e: &Entry, site: &Site) -> bool {
    let file = e.file.trim_start_matches("./");
    let file_ok =
        !file.is_empty() && (site.file == file || site.file.ends_with(&format!("/{file}")));
    file_ok && norm_fn(&e.function) == norm_fn(&site.function)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_table_is_parsed_with_backticks_and_several_functions() {
        let text = "intro\n\n| file | function | secret | reason |\n|---|---|---|---|\n\
                    | `crates/a/src/h.rs` | `bearer_header`, `Foo::bar()` | token | the header |\n\
                    | x.rs | baz |  |  |\n\nafter\n| a | b |\n";
        let (entries, problems) = parse_allow_list(text);
        assert!(problems.is_empty(), "{problems:?}");
        let got: Vec<(&str, &str, &str)> = entries
            .iter()
            .map(|e| (e.file.as_str(), e.function.as_str(), e.reason.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("crates/a/src/h.rs", "bearer_header", "the header"),
                ("crates/a/src/h.rs", "Foo::bar()", "the header"),
                ("x.rs", "baz", ""),
            ]
        );
    }

    #[test]
    fn missing_table_is_reported() {
        let (entries, problems) = parse_allow_list("# nothing here\n| a | b |\n|-|-|\n| 1 | 2 |\n");
        assert!(entries.is_empty());
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn function_names_are_normalised() {
        assert_eq!(norm_fn("fn bearer_header()"), "bearer_header");
        assert_eq!(norm_fn("<Client<A> as Trait>::send"), "Client::send");
        assert_eq!(norm_fn("Client<A>::send"), "Client::send");
    }

    #[test]
    fn file_match_is_on_path_components() {
        let site = Site {
            file: "crates/auth-types/src/header.rs".into(),
            line: 1,
            function: "bearer_header".into(),
            fn_name: None,
            test: false,
            kind: scan::SiteKind::Exposure,
            subject: String::new(),
            detail: String::new(),
            macro_name: None,
        };
        let entry = |file: &str| Entry {
            file: file.into(),
            function: "bearer_header".into(),
            secret: String::new(),
            reason: "r".into(),
            line: 1,
        };
        assert!(entry_matches(
            &entry("crates/auth-types/src/header.rs"),
            &site
        ));
        assert!(entry_matches(&entry("auth-types/src/header.rs"), &site));
        assert!(entry_matches(&entry("header.rs"), &site));
        assert!(!entry_matches(&entry("der.rs"), &site));
        assert!(!entry_matches(&entry(""), &site));
    }
}
