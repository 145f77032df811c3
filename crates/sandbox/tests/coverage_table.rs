//! The README's coverage table (section "Test your own code") agrees with the sandbox's own
//! list of stateful operations, [`intercom_sandbox::stateful_operations`] (which a unit test
//! checks against the routes): every row marked stateful holds stateful operations under each
//! of its paths, no row marked stateless does, and every stateful operation falls under a row
//! marked stateful.
#![allow(clippy::unwrap_used)]

use std::path::Path;

/// The paths (template prefixes) each row of the table stands for, by its first cell. The
/// OAuth routes are outside the API's 231 operations, so that row stands for none.
const ROWS: &[(&str, &[&str])] = &[
    ("admins", &["/admins", "/me"]),
    ("contacts", &["/contacts"]),
    ("companies", &["/companies"]),
    ("tags", &["/tags"]),
    ("conversations", &["/conversations"]),
    (
        "tickets, ticket types, ticket states",
        &["/tickets", "/ticket_types", "/ticket_states"],
    ),
    ("teams, segments", &["/teams", "/segments"]),
    ("articles, help center", &["/articles", "/help_center"]),
    (
        "notes, data events, data attributes",
        &[
            "/contacts/{contact_id}/notes",
            "/events",
            "/data_attributes",
        ],
    ),
    ("OAuth", &[]),
    (
        "messages, data export",
        &[
            "/messages",
            "/export/content",
            "/export/cancel",
            "/download/content",
        ],
    ),
    (
        "subscription types",
        &[
            "/subscription_types",
            "/contacts/{contact_id}/subscriptions",
        ],
    ),
    (
        "visitors, jobs",
        &["/visitors", "/jobs", "/tickets/enqueue"],
    ),
    (
        "everything else (custom objects, news, …)",
        &["/custom_object_instances", "/news"],
    ),
];

fn under(template: &str, prefix: &str) -> bool {
    template == prefix
        || template
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// (first cell, whether the second cell starts with "stateful") of each table row.
fn table() -> Vec<(String, bool)> {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let text = std::fs::read_to_string(&readme).unwrap();
    let mut lines = text
        .lines()
        .map(str::trim)
        .skip_while(|l| *l != "| tag | in the sandbox |")
        .skip(2);
    let mut rows = Vec::new();
    for line in lines.by_ref().take_while(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        rows.push((cells[1].to_owned(), cells[2].starts_with("stateful")));
    }
    assert!(
        !rows.is_empty(),
        "no coverage table in {}",
        readme.display()
    );
    rows
}

#[test]
fn the_readme_coverage_table_matches_the_stateful_operations() {
    let stateful: Vec<(&str, &str)> = intercom_sandbox::stateful_operations().collect();
    assert!(!stateful.is_empty());
    let rows = table();
    let mut problems = Vec::new();
    let mut stateful_prefixes = Vec::new();
    for (label, is_stateful) in &rows {
        let Some((_, prefixes)) = ROWS.iter().find(|(l, _)| l == label) else {
            problems.push(format!(
                "README row `{label}` is not in this test's ROWS: say which paths it stands for"
            ));
            continue;
        };
        for prefix in *prefixes {
            let held = stateful.iter().filter(|(_, t)| under(t, prefix)).count();
            match (is_stateful, held) {
                (true, 0) => problems.push(format!(
                    "README row `{label}` says stateful, but no operation under {prefix} keeps state"
                )),
                (false, n) if n > 0 => problems.push(format!(
                    "README row `{label}` says stateless, but {n} operations under {prefix} keep state"
                )),
                _ => {}
            }
            if *is_stateful {
                stateful_prefixes.push(*prefix);
            }
        }
    }
    for (method, template) in &stateful {
        if !stateful_prefixes.iter().any(|p| under(template, p)) {
            problems.push(format!(
                "{method} {template} keeps state, but no README row marked stateful covers it"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    println!(
        "coverage table: {} rows agree with {} stateful operations",
        rows.len(),
        stateful.len()
    );
}
