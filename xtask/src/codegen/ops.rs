//! Collects the operations of the spec (what each takes and returns); `ops_render.rs` writes
//! one module per tag from them, `ops_docs.rs` their documentation.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use super::naming::{field_ident, pascal, singular, snake, words};
use super::overrides::{Paging, METHOD_NAMES, PAGINATION, SYNTHETIC_OPERATION_IDS};
use super::schema::{Models, Ty};

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

/// What an operation returns on success.
#[derive(Debug, Clone)]
pub enum Resp {
    Json(Ty),
    Unit,
    Text,
    Bytes,
    Redirect,
}

#[derive(Debug, Clone)]
pub enum QTy {
    Str,
    Int,
    Float,
    Bool,
    Named(String),
    List(Box<QTy>),
    /// An object parameter exploded into one query parameter per property (all optional).
    Flatten(Vec<String>),
}

impl QTy {
    pub fn rust(&self) -> String {
        match self {
            QTy::Str => "String".into(),
            QTy::Int => "i64".into(),
            QTy::Float => "f64".into(),
            QTy::Bool => "bool".into(),
            QTy::Named(n) => format!("models::{n}"),
            QTy::List(t) => format!("Vec<{}>", t.rust()),
            QTy::Flatten(_) => String::new(),
        }
    }
    pub fn arg(&self) -> String {
        match self {
            QTy::Str => "&str".into(),
            QTy::Named(n) => format!("&models::{n}"),
            QTy::List(t) => format!("&[{}]", t.rust()),
            other => other.rust(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct QParam {
    pub json: String,
    pub ident: String,
    pub ty: QTy,
    pub required: bool,
    /// Also declared as a path parameter (a spec defect): sent in both places from one argument.
    pub from_path: bool,
}

#[derive(Debug, Clone)]
pub struct PathParam {
    pub json: String,
    pub ident: String,
    pub int: bool,
}

#[derive(Debug, Clone)]
pub struct Example {
    pub status: String,
    pub name: String,
    pub ty: Ty,
}

#[derive(Debug)]
pub struct Op {
    pub method: String,
    pub path: String,
    pub op_id: String,
    pub real_op_id: bool,
    pub tag: String,
    pub name: String,
    pub path_params: Vec<PathParam>,
    pub query: Vec<QParam>,
    pub body: Option<Ty>,
    pub resp: Resp,
    pub paging: Option<&'static Paging>,
    pub examples: Vec<Example>,
}

impl Op {
    pub fn params_struct(&self) -> Option<String> {
        if self.optional_query().next().is_some() {
            Some(format!("{}Params", pascal(&self.name)))
        } else {
            None
        }
    }

    /// Query parameters that are arguments of the method (required, not from the path; an
    /// object exploded into alternatives is always set through setters).
    pub fn required_query(&self) -> impl Iterator<Item = &QParam> {
        self.query
            .iter()
            .filter(|q| q.required && !q.from_path && !matches!(q.ty, QTy::Flatten(_)))
    }

    /// Query parameters that are setters of the builder.
    pub fn optional_query(&self) -> impl Iterator<Item = &QParam> {
        self.query
            .iter()
            .filter(|q| !q.from_path && (!q.required || matches!(q.ty, QTy::Flatten(_))))
    }
}

pub fn tag_module(tag: &str) -> String {
    snake(tag)
}

pub fn tag_type(tag: &str) -> String {
    pascal(tag)
}

fn method_name(tag: &str, op_id: &str) -> String {
    if let Some((_, n)) = METHOD_NAMES.iter().find(|(id, _)| *id == op_id) {
        return (*n).to_string();
    }
    let mut w = words(op_id);
    if let Some(first) = w.first_mut() {
        match first.as_str() {
            "show" | "retrieve" | "find" => *first = "get".into(),
            "lis" => *first = "list".into(),
            _ => {}
        }
    }
    let noun: Vec<String> = words(tag).iter().map(|x| singular(x)).collect();
    let n = noun.len();
    const CONNECTORS: &[&str] = &["to", "from", "for", "a", "an", "of", "the", "on", "in"];
    if w.len() > n {
        for i in 1..=w.len() - n {
            let matches = w[i..i + n]
                .iter()
                .zip(&noun)
                .all(|(a, b)| singular(a) == *b);
            if !matches {
                continue;
            }
            let at_end = i + n == w.len();
            if i == 1 {
                w.drain(i..i + n);
                break;
            }
            if at_end && CONNECTORS.contains(&w[i - 1].as_str()) {
                w.truncate(i);
                while w.len() > 1 && w.last().is_some_and(|l| CONNECTORS.contains(&l.as_str())) {
                    w.pop();
                }
                break;
            }
        }
    }
    w.join("_")
}

fn resolve_response<'a>(spec: &'a Value, r: &'a Value) -> &'a Value {
    match r.get("$ref").and_then(Value::as_str) {
        Some(p) => spec.pointer(&p.replacen('#', "", 1)).unwrap_or(r),
        None => r,
    }
}

fn query_ty(models: &mut Models, schema: &Value, ctx: &str) -> Result<QTy> {
    let s = schema;
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        if e.iter().all(|v| v.is_string() || v.is_null())
            && s.get("type").is_none_or(|t| t == "string")
        {
            return match models.ty_of(s, ctx, None, "query")? {
                Ty::Named(n) => Ok(QTy::Named(n)),
                _ => Ok(QTy::Str),
            };
        }
    }
    Ok(match s.get("type").and_then(Value::as_str) {
        Some("integer") => QTy::Int,
        Some("number") => QTy::Float,
        Some("boolean") => QTy::Bool,
        Some("array") => {
            let items = s.get("items").cloned().unwrap_or(Value::Null);
            QTy::List(Box::new(query_ty(models, &items, &format!("{ctx}Item"))?))
        }
        Some("object") => {
            let mut names = BTreeSet::new();
            if let Some(p) = s.get("properties").and_then(Value::as_object) {
                names.extend(p.keys().cloned());
            }
            for key in ["oneOf", "anyOf"] {
                for alt in s.get(key).and_then(Value::as_array).into_iter().flatten() {
                    if let Some(p) = alt.get("properties").and_then(Value::as_object) {
                        names.extend(p.keys().cloned());
                    }
                }
            }
            QTy::Flatten(names.into_iter().collect())
        }
        _ => QTy::Str,
    })
}

fn ptype(t: &str) -> QTy {
    match t {
        "i64" => QTy::Int,
        "bool" => QTy::Bool,
        _ => QTy::Str,
    }
}

/// Reads every operation, registering inline body/response/parameter types in `models`.
pub fn collect(spec: &Value, models: &mut Models) -> Result<Vec<Op>> {
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .context("the spec has no paths")?;
    let mut ops = Vec::new();
    for (path, item) in paths {
        let path_level: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let (op_id, real) = match op.get("operationId").and_then(Value::as_str) {
                Some(id) => (id.to_string(), true),
                None => match SYNTHETIC_OPERATION_IDS
                    .iter()
                    .find(|(m, p, _)| m == method && p == path)
                {
                    Some((_, _, id)) => ((*id).to_string(), false),
                    None => bail!("{method} {path} has no operationId and no synthetic one"),
                },
            };
            let tag = op
                .pointer("/tags/0")
                .and_then(Value::as_str)
                .with_context(|| format!("{op_id} has no tag"))?
                .to_string();
            let opp = pascal(&op_id);
            let mut params: Vec<Value> = path_level.clone();
            params.extend(
                op.get("parameters")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            );
            // Path parameters, in template order.
            let mut path_params = Vec::new();
            let mut rest = path.as_str();
            while let Some(start) = rest.find('{') {
                let end = rest[start..]
                    .find('}')
                    .map(|e| start + e)
                    .context("unclosed {")?;
                let name = &rest[start + 1..end];
                let decl = params.iter().find(|p| {
                    p.get("in") == Some(&Value::from("path"))
                        && p.get("name") == Some(&Value::from(name))
                });
                let int = decl
                    .and_then(|d| d.pointer("/schema/type"))
                    .is_some_and(|t| t == "integer");
                path_params.push(PathParam {
                    json: name.to_string(),
                    ident: field_ident(name),
                    int,
                });
                rest = &rest[end + 1..];
            }
            let paging = PAGINATION
                .iter()
                .find(|p| p.method == *method && p.path == path);
            let mut query = Vec::new();
            for p in &params {
                if p.get("in") != Some(&Value::from("query")) {
                    continue;
                }
                let name = p
                    .get("name")
                    .and_then(Value::as_str)
                    .context("param without name")?;
                let schema = p.get("schema").cloned().unwrap_or(Value::Null);
                let ty = query_ty(models, &schema, &format!("{opp}{}", pascal(name)))?;
                query.push(QParam {
                    json: name.to_string(),
                    ident: field_ident(name),
                    ty,
                    required: p.get("required") == Some(&Value::Bool(true)),
                    from_path: path_params.iter().any(|pp| pp.json == name),
                });
            }
            if let Some(pg) = paging {
                for (name, t) in pg.add_params {
                    if !query.iter().any(|q| q.json == *name) {
                        query.push(QParam {
                            json: (*name).into(),
                            ident: field_ident(name),
                            ty: ptype(t),
                            required: false,
                            from_path: false,
                        });
                    }
                }
            }
            let body = match op.pointer("/requestBody/content/application~1json/schema") {
                Some(s) => Some(models.ty_of(s, &format!("{opp}Body"), None, &op_id)?),
                None => None,
            };
            let responses = op
                .get("responses")
                .and_then(Value::as_object)
                .context("no responses")?;
            let success = responses
                .keys()
                .find(|k| k.starts_with('2') || k.starts_with('3'))
                .or_else(|| responses.keys().find(|k| *k == "default"))
                .cloned()
                .context("no success response")?;
            let sresp = resolve_response(spec, &responses[&success]);
            let content = sresp.get("content").and_then(Value::as_object);
            let resp = if success.starts_with('3') {
                Resp::Redirect
            } else if path.starts_with("/download/") {
                Resp::Bytes
            } else if let Some(s) = content
                .and_then(|c| c.get("application/json"))
                .and_then(|c| c.get("schema"))
            {
                Resp::Json(models.ty_of(s, &format!("{opp}Response"), None, &op_id)?)
            } else if content.is_some_and(|c| c.contains_key("text/plain")) {
                Resp::Text
            } else {
                Resp::Unit
            };
            let mut examples = Vec::new();
            for (status, r) in responses {
                let r = resolve_response(spec, r);
                let Some(json) = r.pointer("/content/application~1json") else {
                    continue;
                };
                let Some(exs) = json.get("examples").and_then(Value::as_object) else {
                    continue;
                };
                let ty = if *status == success {
                    match &resp {
                        Resp::Json(t) => t.clone(),
                        _ => Ty::Value,
                    }
                } else {
                    match json.get("schema") {
                        Some(s) => models.ty_of(
                            s,
                            &format!("{opp}Status{}", pascal(status)),
                            None,
                            &op_id,
                        )?,
                        None => Ty::Value,
                    }
                };
                for name in exs.keys() {
                    examples.push(Example {
                        status: status.clone(),
                        name: name.clone(),
                        ty: ty.clone(),
                    });
                }
            }
            ops.push(Op {
                method: (*method).to_string(),
                path: path.clone(),
                name: method_name(&tag, &op_id),
                op_id,
                real_op_id: real,
                tag,
                path_params,
                query,
                body,
                resp,
                paging,
                examples,
            });
        }
    }
    // Unique method names within a tag.
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for op in &ops {
        *seen.entry((op.tag.clone(), op.name.clone())).or_default() += 1;
    }
    for op in &mut ops {
        if seen[&(op.tag.clone(), op.name.clone())] > 1 {
            op.name = snake(&op.op_id);
        }
    }
    let mut check = BTreeSet::new();
    for op in &ops {
        if !check.insert((op.tag.clone(), op.name.clone())) {
            bail!("duplicate method name {} in tag {}", op.name, op.tag);
        }
    }
    for pg in PAGINATION {
        if !ops
            .iter()
            .any(|o| o.method == pg.method && o.path == pg.path)
        {
            bail!(
                "pagination override for {} {} matches no operation",
                pg.method,
                pg.path
            );
        }
    }
    ops.sort_by(|a, b| (&a.tag, &a.name).cmp(&(&b.tag, &b.name)));
    Ok(ops)
}

/// The generated types an operation mentions (bodies, responses, parameters, examples).
pub(crate) fn roots(op: &Op) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(b) = &op.body {
        b.named(&mut out);
    }
    if let Resp::Json(t) = &op.resp {
        t.named(&mut out);
    }
    for q in &op.query {
        let mut t = &q.ty;
        while let QTy::List(inner) = t {
            t = inner;
        }
        if let QTy::Named(n) = t {
            out.push(n.clone());
        }
    }
    for e in &op.examples {
        e.ty.named(&mut out);
    }
    out
}

/// The named types of the request bodies.
pub fn body_types(ops: &[Op]) -> Vec<String> {
    let mut out = Vec::new();
    for op in ops {
        if let Some(b) = &op.body {
            b.named(&mut out);
        }
    }
    out
}

/// For each model type that only some tags need: the features (tag modules) that need it.
/// Types no operation needs stay always compiled, with everything they mention.
pub fn gates(ops: &[Op], models: &Models) -> BTreeMap<String, Vec<String>> {
    let mut per_tag: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for op in ops {
        per_tag
            .entry(tag_module(&op.tag))
            .or_default()
            .extend(roots(op));
    }
    let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (feature, r) in &per_tag {
        for t in models.closure(r) {
            users.entry(t).or_default().insert(feature.clone());
        }
    }
    let unused: Vec<String> = models
        .types
        .keys()
        .filter(|t| !users.contains_key(*t))
        .cloned()
        .collect();
    let always = models.closure(&unused);
    users
        .into_iter()
        .filter(|(t, f)| !always.contains(t) && f.len() < per_tag.len())
        .map(|(t, f)| (t, f.into_iter().collect()))
        .collect()
}

/// The cargo features: one per tag module.
pub fn features(ops: &[Op]) -> Vec<String> {
    let set: BTreeSet<String> = ops.iter().map(|o| tag_module(&o.tag)).collect();
    set.into_iter().collect()
}
