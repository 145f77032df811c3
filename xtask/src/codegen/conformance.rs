//! Renders `crates/resources/tests/operation_cases/cases.rs`: one call per operation, through
//! the generated API, independent of the base URL (the client is the case's argument). The
//! conformance test runs them against `prism mock`, the sandbox's test against the sandbox.
//!
//! Path and query values are chosen here, from the spec: the parameter's `example` (or first
//! of `examples`), else its schema's `example`, `enum[0]` or `default`, else a plausible value
//! for the type and format. Optional query parameters are sent when the spec gives such a
//! value. JSON bodies are not copied: the test reads the operation's request example from the
//! spec at run time (or builds a minimal body from the schema) and decodes it into our type.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use serde_json::Value;

use super::naming::field_ident;
use super::ops::{tag_module, Op, QTy, Resp};
use super::HEADER;

/// Request examples of the spec that break its own schema (so Prism rightly rejects them),
/// and what the test sends instead: (operationId, the example to use instead of the one
/// chosen by [`request_example`], a JSON merge patch (RFC 7386) applied to it, the defect).
const REQUEST_EXAMPLE_FIXES: &[(&str, Option<&str>, Option<&str>, &str)] = &[
    (
        "createMessage",
        None,
        Some(r#"{"message_type": "in_app"}"#),
        "the example paired with the 200 answer, `admin_message_created`, sends \
         `message_type: conversation`, outside the schema's enum (in_app, email, whatsapp); the \
         examples without a `message_type` break the `oneOf`, whose alternatives all require it",
    ),
    (
        "convertVisitor",
        None,
        Some(r#"{"user": {"id": "8a88a590-e1c3-41e2-a502-e0649dbf721c"}}"#),
        "the example's `user` has only `email`; the schema's `anyOf` requires `id` or `user_id`",
    ),
    (
        "createCustomObjectInstances",
        None,
        Some(r#"{"custom_attributes": {"total_amount": "99.99"}}"#),
        "`custom_attributes` values are declared strings; the example's `total_amount` is a number",
    ),
    (
        "updateDataAttribute",
        None,
        Some(r#"{"options": null}"#),
        "the schema's `oneOf` has an unconstrained `other type` alternative, so any body with \
         `options` matches both alternatives and fails `oneOf`; sent without `options`",
    ),
];

fn resolve<'a>(spec: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..8 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => match spec.pointer(r.trim_start_matches('#')) {
                Some(t) => v = t,
                None => return v,
            },
            None => return v,
        }
    }
    v
}

/// The value the spec suggests for a parameter, if any.
fn suggested(spec: &Value, param: &Value) -> Option<Value> {
    if let Some(e) = param.get("example") {
        return Some(e.clone());
    }
    if let Some(e) = param
        .get("examples")
        .and_then(Value::as_object)
        .and_then(|m| m.values().next())
    {
        return Some(
            resolve(spec, e)
                .get("value")
                .cloned()
                .unwrap_or(Value::Null),
        );
    }
    let schema = resolve(spec, param.get("schema")?);
    if let Some(e) = schema.get("example") {
        return Some(e.clone());
    }
    if let Some(e) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find(|v| !v.is_null()))
    {
        return Some(e.clone());
    }
    schema.get("default").cloned()
}

/// A plausible value for a schema with no suggestion.
fn plausible(spec: &Value, schema: &Value, name: &str) -> Value {
    let schema = resolve(spec, schema);
    if let Some(alt) = ["oneOf", "anyOf", "allOf"]
        .iter()
        .find_map(|k| schema.get(*k).and_then(Value::as_array)?.first())
    {
        return plausible(spec, alt, name);
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") => Value::from(schema.get("minimum").and_then(Value::as_i64).unwrap_or(1)),
        Some("number") => Value::from(1.5),
        Some("boolean") => Value::Bool(true),
        Some("array") => Value::Array(vec![plausible(
            spec,
            schema.get("items").unwrap_or(&Value::Null),
            name,
        )]),
        _ => Value::from(
            match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => "2024-01-01T00:00:00Z",
                Some("date") => "2024-01-01",
                Some("email") => "jane@example.com",
                Some("uri" | "url") => "https://example.com/",
                Some("uuid") => "123e4567-e89b-12d3-a456-426614174000",
                _ if name.contains("email") => "jane@example.com",
                _ => "123",
            }
            .to_string(),
        ),
    }
}

fn value_for(spec: &Value, param: &Value, name: &str) -> Value {
    suggested(spec, param)
        .unwrap_or_else(|| plausible(spec, param.get("schema").unwrap_or(&Value::Null), name))
}

fn norm(name: &str) -> String {
    name.to_lowercase().replace('_', " ").trim().to_string()
}

/// The request example to send, by name, when the body has named examples: the one named
/// like an example of a 2xx answer, else the first not named like an error answer's example,
/// else the first.
fn request_example(spec: &Value, op: &Op) -> Option<String> {
    let item = spec.get("paths")?.get(&op.path)?.get(&op.method)?;
    let body = resolve(spec, item.get("requestBody")?);
    let names: Vec<&String> = body
        .pointer("/content/application~1json/examples")?
        .as_object()?
        .keys()
        .collect();
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for (status, r) in item.get("responses")?.as_object()? {
        let r = resolve(spec, r);
        let exs = r
            .pointer("/content/application~1json/examples")
            .and_then(Value::as_object);
        for n in exs.into_iter().flat_map(|m| m.keys()) {
            if status.starts_with('2') {
                ok.push(norm(n));
            } else {
                bad.push(norm(n));
            }
        }
    }
    names
        .iter()
        .find(|n| ok.contains(&norm(n)))
        .or_else(|| names.iter().find(|n| !bad.contains(&norm(n))))
        .or(names.first())
        .map(|n| (*n).clone())
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `v` coerced to what the Rust type of a query parameter deserializes from.
fn coerce(ty: &QTy, v: &Value) -> Value {
    match ty {
        QTy::Str | QTy::Named(_) => Value::String(scalar_text(v)),
        QTy::Int => match v {
            Value::Number(n) if n.is_i64() => v.clone(),
            other => Value::from(scalar_text(other).trim().parse::<i64>().unwrap_or(1)),
        },
        QTy::Float => match v {
            Value::Number(_) => v.clone(),
            other => Value::from(scalar_text(other).trim().parse::<f64>().unwrap_or(1.5)),
        },
        QTy::Bool => match v {
            Value::Bool(_) => v.clone(),
            other => Value::Bool(scalar_text(other) != "false"),
        },
        QTy::List(inner) => {
            let items: Vec<Value> = match v {
                Value::Array(a) => a.clone(),
                Value::String(s) => s.split(',').map(|x| Value::from(x.trim())).collect(),
                other => vec![other.clone()],
            };
            Value::Array(items.iter().map(|x| coerce(inner, x)).collect())
        }
        QTy::Flatten(_) => v.clone(),
    }
}

/// A Rust expression of type `ty` (a path usable in the test) holding the JSON `v`.
fn decoded(ty: &str, v: &Value) -> String {
    format!("q::<{ty}>({:?})", v.to_string())
}

fn test_path(ty: &str) -> String {
    ty.replace("crate::", "intercom_resources::")
}

/// The spec's parameter declarations for an operation (path level, then operation level).
fn params<'a>(spec: &'a Value, op: &Op) -> Vec<&'a Value> {
    let item = spec
        .get("paths")
        .and_then(|p| p.get(&op.path))
        .unwrap_or(&Value::Null);
    let mut out: Vec<&Value> = Vec::new();
    for list in [
        item.get("parameters"),
        item.get(&op.method).and_then(|o| o.get("parameters")),
    ] {
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            out.push(resolve(spec, p));
        }
    }
    out
}

fn param<'a>(decls: &[&'a Value], location: &str, name: &str) -> Option<&'a Value> {
    decls
        .iter()
        .rev()
        .find(|p| {
            p.get("in").and_then(Value::as_str) == Some(location)
                && p.get("name").and_then(Value::as_str) == Some(name)
        })
        .copied()
}

/// Whether the spec says something about this parameter's value.
fn has_suggestion(spec: &Value, decl: &Value) -> bool {
    suggested(spec, decl).is_some_and(|v| !v.is_null())
}

/// The call expression (without `.await`) for one operation.
fn call(spec: &Value, op: &Op) -> Result<String> {
    let decls = params(spec, op);
    let module = tag_module(&op.tag);
    let mut args: Vec<String> = Vec::new();
    for p in &op.path_params {
        let decl = param(&decls, "path", &p.json);
        let v = match decl {
            Some(d) => value_for(spec, d, &p.json),
            None => Value::from("123"),
        };
        if p.int {
            let n = match &v {
                Value::Number(n) => n.to_string(),
                other => scalar_text(other).parse::<i64>().unwrap_or(123).to_string(),
            };
            args.push(format!("n({:?}, {:?}, {n})", op.op_id, p.json));
        } else {
            args.push(format!(
                "&p({:?}, {:?}, {:?})",
                op.op_id,
                p.json,
                scalar_text(&v)
            ));
        }
    }
    if let Some(b) = &op.body {
        let ty = test_path(&b.rust("models::"));
        let fix = REQUEST_EXAMPLE_FIXES.iter().find(|f| f.0 == op.op_id);
        let example = fix
            .and_then(|f| f.1.map(str::to_owned))
            .or_else(|| request_example(spec, op));
        let patch = fix.and_then(|f| f.2);
        args.push(format!(
            "&body::<{ty}>({:?}, {:?}, {:?}, {example:?}, {patch:?})?",
            op.op_id, op.method, op.path
        ));
    }
    // Required query parameters are arguments; optional ones are setters of the call.
    let mut setters = String::new();
    for q in op.query.iter().filter(|q| !q.from_path) {
        let decl = param(&decls, "query", &q.json);
        let required = op.required_query().any(|r| r.json == q.json);
        let declared_required = decl
            .and_then(|d| d.get("required"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let send = required || declared_required || decl.is_some_and(|d| has_suggestion(spec, d));
        if !send {
            continue;
        }
        let decl = decl.with_context(|| format!("{}: no {}", op.op_id, q.json))?;
        match &q.ty {
            QTy::Flatten(names) => {
                // The first alternative's required property (or the first property).
                let schema = resolve(spec, decl.get("schema").unwrap_or(&Value::Null));
                let first = ["oneOf", "anyOf"]
                    .iter()
                    .find_map(|k| schema.get(*k).and_then(Value::as_array)?.first())
                    .map(|a| resolve(spec, a));
                let pick = first
                    .and_then(|a| a.pointer("/required/0"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .or_else(|| names.first().cloned())
                    .context("an object query parameter without properties")?;
                let value = match &first.and_then(|a| a.pointer(&format!("/properties/{pick}"))) {
                    Some(s) => plausible(spec, s, &pick),
                    None => Value::from("123"),
                };
                let _ = write!(
                    setters,
                    ".{}_{}(p({:?}, {:?}, {:?}))",
                    q.ident,
                    field_ident(&pick),
                    op.op_id,
                    format!("{}.{pick}", q.json),
                    scalar_text(&value)
                );
            }
            ty if required => {
                let v = coerce(ty, &value_for(spec, decl, &q.json));
                args.push(match ty {
                    QTy::Str => format!("&p({:?}, {:?}, {:?})", op.op_id, q.json, scalar_text(&v)),
                    QTy::Int | QTy::Float | QTy::Bool => v.to_string(),
                    ty => format!("&{}", decoded(&test_path(&ty.rust()), &v)),
                });
            }
            ty => {
                let v = coerce(ty, &value_for(spec, decl, &q.json));
                let _ = write!(
                    setters,
                    ".{}({})",
                    q.ident,
                    decoded(&test_path(&ty.rust()), &v)
                );
            }
        }
    }
    Ok(format!(
        "c.{module}().with_options(o).{}({}){setters}",
        op.name,
        args.join(", ")
    ))
}

pub fn render(spec: &Value, ops: &[Op]) -> Result<String> {
    let mut out = format!(
        "{HEADER}//! One call per operation through the generated API, sorted by operationId, for any\n\
         //! base URL (see `mod.rs`). Path values go through `p`/`n` so a runner can replace them;\n\
         //! bodies are read from the spec at run time.\n\n\
         use super::{{body, json, n, other, p, q, redirect, Case}};\n\
         use intercom_resources::{{models, IntercomApi}};\n\n\
         /// One call per operation, sorted by operationId.\n\
         pub fn cases() -> Vec<Case> {{\nvec![\n"
    );
    for f in REQUEST_EXAMPLE_FIXES {
        if !ops.iter().any(|o| o.op_id == f.0) {
            anyhow::bail!("request example fix for {} matches no operation", f.0);
        }
    }
    let mut sorted: Vec<&Op> = ops.iter().collect();
    sorted.sort_by(|a, b| a.op_id.cmp(&b.op_id));
    for op in sorted {
        if let Some(f) = REQUEST_EXAMPLE_FIXES.iter().find(|f| f.0 == op.op_id) {
            let _ = writeln!(out, "// Request example fixed (spec defect): {}", f.3);
        }
        let wrap = match op.resp {
            Resp::Json(_) => "json",
            Resp::Redirect => "redirect",
            Resp::Unit | Resp::Text | Resp::Bytes => "other",
        };
        let _ = writeln!(
            out,
            "Case {{ op: {:?}, method: {:?}, path: {:?}, call: |c, o| Box::pin(async move {{ Ok({wrap}({}.await?)) }}) }},",
            op.op_id,
            op.method.to_uppercase(),
            op.path,
            call(spec, op)?
        );
    }
    out.push_str("]\n}\n");
    Ok(out)
}
