//! The audit's report, as text for people (`cargo xtask audit`) and as JSON for tools
//! (`--json`): the exposure, construction and Authorization-header sites, the secret types and
//! the violations of a [`Report`].

use std::fmt::Write as _;

use super::rules::constructions_by_type;
use super::scan::Site;
use super::Report;

fn loc(s: &Site) -> String {
    format!("{}:{}", s.file, s.line)
}

fn table(rows: &[[String; 3]]) -> String {
    let w0 = rows.iter().map(|r| r[0].len()).max().unwrap_or(0);
    let w1 = rows.iter().map(|r| r[1].len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in rows {
        let _ = writeln!(out, "  {:w0$}  {:w1$}  {}", r[0], r[1], r[2]);
    }
    out
}

pub fn render_text(r: &Report, verbose: bool) -> String {
    let a = &r.analysis;
    let mut o = String::new();
    let _ = writeln!(o, "token-handling audit of {}", r.root.display());
    let _ = writeln!(
        o,
        "{} files parsed with syn ({} macro bodies scanned token by token); allow-list: {} ({} entries)",
        r.files,
        r.token_scanned,
        r.allow_list.display(),
        r.entries.len()
    );

    let lib: Vec<(usize, &Site)> = a
        .exposures
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.test)
        .collect();
    let test: Vec<&Site> = a.exposures.iter().filter(|s| s.test).collect();
    let _ = writeln!(
        o,
        "\n== Exposure sites: {} in library code, {} in test code ==",
        lib.len(),
        test.len()
    );
    let rows: Vec<[String; 3]> = lib
        .iter()
        .map(|(i, s)| {
            let status = match r.allowed[*i].and_then(|e| r.entries.get(e)) {
                Some(e) if e.secret.is_empty() => "allowed".to_owned(),
                Some(e) => format!("allowed: {}", e.secret),
                None => "NOT ALLOWED".to_owned(),
            };
            [
                loc(s),
                s.function.clone(),
                format!("{}  [{status}]", s.detail),
            ]
        })
        .collect();
    o.push_str(&table(&rows));
    if !test.is_empty() {
        let _ = writeln!(o, "  test code (not subject to the allow-list):");
        let rows: Vec<[String; 3]> = test
            .iter()
            .map(|s| [loc(s), s.function.clone(), s.detail.clone()])
            .collect();
        o.push_str(&table(&rows));
    }

    let by_type = constructions_by_type(&a.constructions);
    let lib_n: usize = by_type.values().map(|v| v.0.len()).sum();
    let test_n: usize = by_type.values().map(|v| v.1).sum();
    let _ = writeln!(
        o,
        "\n== Construction sites: {lib_n} in library code, {test_n} in test code =="
    );
    for (ty, (sites, tests)) in &by_type {
        let _ = writeln!(
            o,
            "  {ty}: {} in library code, {tests} in test code",
            sites.len()
        );
        let rows: Vec<[String; 3]> = sites
            .iter()
            .map(|s| {
                [
                    format!("  {}", loc(s)),
                    s.function.clone(),
                    s.detail.clone(),
                ]
            })
            .collect();
        o.push_str(&table(&rows));
        if verbose {
            let rows: Vec<[String; 3]> = a
                .constructions
                .iter()
                .filter(|s| s.test && &s.subject == ty)
                .map(|s| {
                    [
                        format!("  {}", loc(s)),
                        s.function.clone(),
                        format!("{} (test)", s.detail),
                    ]
                })
                .collect();
            o.push_str(&table(&rows));
        }
    }

    let lib_h: Vec<&Site> = a.headers.iter().filter(|s| !s.test).collect();
    let test_h = a.headers.len() - lib_h.len();
    let _ = writeln!(
        o,
        "\n== Authorization header sites: {} in library code, {test_h} in test code ==",
        lib_h.len()
    );
    let rows: Vec<[String; 3]> = a
        .headers
        .iter()
        .filter(|s| verbose || !s.test)
        .map(|s| {
            let t = if s.test { " (test)" } else { "" };
            [loc(s), s.function.clone(), format!("{}{t}", s.detail)]
        })
        .collect();
    o.push_str(&table(&rows));

    let _ = writeln!(
        o,
        "\n== Types holding a secret: {} ==",
        a.secret_types.len()
    );
    let rows: Vec<[String; 3]> = a
        .secret_types
        .iter()
        .map(|t| {
            let mut name = t.name.clone();
            match t.instances.len() {
                0 => {}
                1..=4 => {
                    let _ = write!(name, " = {}", t.instances.join(", "));
                }
                n => {
                    let _ = write!(name, " = {}, ... ({n} names)", t.instances[..3].join(", "));
                }
            }
            let kind = if t.primary {
                "secret type"
            } else {
                "holds one"
            };
            [
                format!("{}:{}", t.file, t.line),
                name,
                format!("{kind}; derives [{}]", t.derives.join(", ")),
            ]
        })
        .collect();
    o.push_str(&table(&rows));

    if !r.unused_entries.is_empty() {
        let _ = writeln!(
            o,
            "\n== Allow-list entries matching no exposure site (stale?): {} ==",
            r.unused_entries.len()
        );
        for e in &r.unused_entries {
            let _ = writeln!(o, "  line {}: {} | {}", e.line, e.file, e.function);
        }
    }

    let _ = writeln!(o, "\n== Violations: {} ==", r.violations.len());
    for v in &r.violations {
        let _ = writeln!(
            o,
            "  {}:{}  [{}]  {}",
            v.file, v.line, v.function, v.message
        );
    }
    if r.violations.is_empty() {
        let _ = writeln!(o, "  none: audit passed");
    }
    o
}

fn js(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn site_json(s: &Site, extra: &str) -> String {
    format!(
        "{{\"file\":{},\"line\":{},\"function\":{},\"test\":{},\"subject\":{},\"detail\":{}{extra}}}",
        js(&s.file),
        s.line,
        js(&s.function),
        s.test,
        js(&s.subject),
        js(&s.detail)
    )
}

pub fn render_json(r: &Report) -> String {
    let a = &r.analysis;
    let exposures: Vec<String> = a
        .exposures
        .iter()
        .zip(&r.allowed)
        .map(|(s, al)| site_json(s, &format!(",\"allowed\":{}", al.is_some())))
        .collect();
    let constructions: Vec<String> = a.constructions.iter().map(|s| site_json(s, "")).collect();
    let headers: Vec<String> = a.headers.iter().map(|s| site_json(s, "")).collect();
    let violations: Vec<String> = r
        .violations
        .iter()
        .map(|v| {
            format!(
                "{{\"file\":{},\"line\":{},\"function\":{},\"message\":{}}}",
                js(&v.file),
                v.line,
                js(&v.function),
                js(&v.message)
            )
        })
        .collect();
    format!(
        "{{\"ok\":{},\"files\":{},\"exposures\":[{}],\"constructions\":[{}],\"authorization_header\":[{}],\"violations\":[{}]}}\n",
        r.violations.is_empty(),
        r.files,
        exposures.join(","),
        constructions.join(","),
        headers.join(","),
        violations.join(",")
    )
}
