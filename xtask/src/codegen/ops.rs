//! Collects the operations of the spec and renders one module per tag.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use super::naming::{field_ident, pascal, singular, snake, words};
use super::overrides::{Paging, Style, METHOD_NAMES, PAGINATION, SYNTHETIC_OPERATION_IDS};
use super::schema::{Def, Models, Ty};
use super::HEADER;

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];
const DOCS_BASE: &str =
    "https://developers.intercom.com/docs/references/2.16/rest-api/api.intercom.io";

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
    fn arg(&self) -> String {
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
    pub summary: String,
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
        if self.query.iter().any(|q| !q.required && !q.from_path) {
            Some(format!("{}Params", pascal(&self.name)))
        } else {
            None
        }
    }

    /// Whether the method has a short form without its (all optional) query parameters, the
    /// full one being `{name}_with`.
    pub fn has_short_form(&self) -> bool {
        self.paging.is_none()
            && self.params_struct().is_some()
            && self.query.iter().all(|q| !q.required || q.from_path)
    }
}

pub fn tag_module(tag: &str) -> String {
    snake(tag)
}

pub fn tag_type(tag: &str) -> String {
    pascal(tag)
}

fn tag_slug(tag: &str) -> String {
    words(tag).join("-")
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

fn doc_text(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or_default()
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .trim()
        .to_string()
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
                summary: op
                    .get("summary")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
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
fn roots(op: &Op) -> Vec<String> {
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

fn path_format(op: &Op, owned: bool) -> String {
    // Builds `format!("/contacts/{}", encode_path_segment(contact_id))`.
    let mut tpl = String::new();
    let mut args = Vec::new();
    let mut rest = op.path.as_str();
    let mut i = 0;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e);
        tpl.push_str(&rest[..start]);
        tpl.push_str("{}");
        let p = &op.path_params[i];
        if p.int && !owned {
            args.push(format!("encode_path_segment(&{}.to_string())", p.ident));
        } else {
            args.push(format!("encode_path_segment({})", p.ident));
        }
        i += 1;
        rest = &rest[(end + 1).min(rest.len())..];
    }
    tpl.push_str(rest);
    format!("format!({tpl:?}, {})", args.join(", "))
}

/// The expression that builds the request; `owned` when path params are `&str` already.
fn request_expr(op: &Op, owned: bool, params_var: &str, body_var: &str, options: &str) -> String {
    let mut e = format!(
        "ApiRequest::new(Method::{}, {:?})",
        op.method.to_uppercase(),
        op.path
    );
    if !op.path_params.is_empty() {
        let _ = write!(e, ".path({})", path_format(op, owned));
    }
    let in_struct = op.params_struct().is_some();
    for q in &op.query {
        if q.from_path {
            let _ = write!(e, ".query({:?}, {})", q.json, q.ident);
            continue;
        }
        let access = if in_struct {
            format!("{params_var}.{}", q.ident)
        } else {
            q.ident.clone()
        };
        match (&q.ty, q.required) {
            (QTy::Flatten(names), _) => {
                for n in names {
                    let _ = write!(e, ".query_opt({n:?}, {access}_{}.as_ref())", field_ident(n));
                }
            }
            (QTy::List(_), true) => {
                let _ = write!(e, ".query({:?}, crate::query::csv(&{access}))", q.json);
            }
            (QTy::List(_), false) => {
                let _ = write!(
                    e,
                    ".query_opt({:?}, {access}.as_deref().map(crate::query::csv))",
                    q.json
                );
            }
            (_, true) => {
                let r = if in_struct {
                    format!("&{access}")
                } else {
                    access.clone()
                };
                let _ = write!(e, ".query({:?}, {r})", q.json);
            }
            (_, false) => {
                let _ = write!(e, ".query_opt({:?}, {access}.as_ref())", q.json);
            }
        }
    }
    if op.body.is_some() {
        let _ = write!(e, ".json({body_var})");
    }
    match op.resp {
        Resp::Bytes => e.push_str(".accept(\"application/octet-stream\")"),
        Resp::Text => e.push_str(".accept(\"text/plain\")"),
        _ => {}
    }
    let _ = write!(e, ".options({options}.clone())");
    e
}

fn resp_type(op: &Op) -> String {
    match &op.resp {
        Resp::Json(t) => t.rust("models::"),
        Resp::Unit => "()".into(),
        Resp::Text => "String".into(),
        Resp::Bytes => "bytes::Bytes".into(),
        Resp::Redirect => "crate::Redirect".into(),
    }
}

fn doc_header(out: &mut String, op: &Op) {
    let _ = writeln!(out, "/// `{} {}`", op.method.to_uppercase(), op.path);
    let _ = writeln!(out, "///");
    if op.real_op_id {
        let _ = writeln!(
            out,
            "/// operationId `{}`: {}",
            op.op_id,
            doc_text(&op.summary)
        );
        let _ = writeln!(out, "///");
        let _ = writeln!(
            out,
            "/// [API reference]({DOCS_BASE}/{}/{})",
            tag_slug(&op.tag),
            op.op_id.to_lowercase()
        );
    } else {
        let _ = writeln!(
            out,
            "/// No operationId in the spec (named `{}` here): {}",
            op.op_id,
            doc_text(&op.summary)
        );
        let _ = writeln!(out, "///");
        let _ = writeln!(
            out,
            "/// [API reference]({DOCS_BASE}/{})",
            tag_slug(&op.tag)
        );
    }
}

/// One argument of a generated method: its name and its Rust type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub name: String,
    pub ty: String,
}

impl Arg {
    fn new(name: impl Into<String>, ty: impl Into<String>) -> Self {
        Arg {
            name: name.into(),
            ty: ty.into(),
        }
    }

    /// `name: Type`, for a signature.
    fn decl(&self) -> String {
        format!("{}: {}", self.name, self.ty)
    }
}

fn decls(args: &[Arg]) -> String {
    args.iter().map(Arg::decl).collect::<Vec<_>>().join(", ")
}

fn names(args: &[Arg]) -> String {
    args.iter()
        .map(|a| a.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Arguments of the public method (after `&self`).
fn method_args(op: &Op) -> Vec<Arg> {
    let mut args = Vec::new();
    for p in &op.path_params {
        if p.int {
            args.push(Arg::new(&p.ident, "impl std::fmt::Display"));
        } else {
            args.push(Arg::new(&p.ident, "&str"));
        }
    }
    if let Some(b) = &op.body {
        args.push(Arg::new("body", format!("&{}", b.rust("models::"))));
    }
    match op.params_struct() {
        Some(ps) => args.push(Arg::new("params", format!("&{ps}"))),
        None => {
            for q in op.query.iter().filter(|q| !q.from_path) {
                args.push(Arg::new(&q.ident, q.ty.arg()));
            }
        }
    }
    args
}

fn render_params_struct(out: &mut String, op: &Op, tag_ty: &str) {
    let Some(ps) = op.params_struct() else { return };
    let _ = writeln!(out, "/// Query parameters of [`{tag_ty}::{}`].", op.name);
    out.push_str("#[derive(Debug, Clone, Default, PartialEq)]\n");
    let _ = writeln!(out, "pub struct {ps} {{");
    for q in op.query.iter().filter(|q| !q.from_path) {
        match &q.ty {
            QTy::Flatten(names) => {
                for n in names {
                    let _ = writeln!(
                        out,
                        "/// The `{n}` query parameter (one of the `{}` alternatives).",
                        q.json
                    );
                    let _ = writeln!(out, "pub {}_{}: Option<String>,", q.ident, field_ident(n));
                }
            }
            t => {
                let _ = writeln!(
                    out,
                    "/// The `{}` query parameter{}.",
                    q.json,
                    if q.required { " (required)" } else { "" }
                );
                if q.required {
                    let _ = writeln!(out, "pub {}: {},", q.ident, t.rust());
                } else {
                    let _ = writeln!(out, "pub {}: Option<{}>,", q.ident, t.rust());
                }
            }
        }
    }
    out.push_str("}\n\n");
}

/// Item type and whether the items field is optional, for a paginated page type.
pub struct PageImpl {
    pub page: String,
    pub items: Option<(String, String, bool)>,
    /// Features (tag modules) of the operations paginating with this page type.
    pub features: BTreeSet<String>,
}

fn page_item(models: &Models, page: &Ty, items: &str) -> Result<(String, String, bool)> {
    let Ty::Named(n) = page else {
        bail!("paginated response {page:?} is not a named type")
    };
    let mut name = n.clone();
    for _ in 0..4 {
        match models.types.get(&name).map(|t| &t.def) {
            Some(Def::Alias(Ty::Named(t))) => name = t.clone(),
            Some(Def::Struct(fields)) => {
                let f = fields
                    .iter()
                    .find(|f| f.json == items)
                    .with_context(|| format!("{name} has no items field `{items}`"))?;
                let Ty::Vec(inner) = &f.ty else {
                    bail!("{name}.{items} is not a list")
                };
                return Ok((f.ident.clone(), inner.rust("models::"), f.optional));
            }
            _ => bail!("{name} is not a struct"),
        }
    }
    bail!("alias chain too long at {n}")
}

fn render_pagination(
    out: &mut String,
    op: &Op,
    models: &Models,
    pages: &mut BTreeMap<String, PageImpl>,
) -> Result<()> {
    let Some(pg) = op.paging else { return Ok(()) };
    let Resp::Json(page_ty) = &op.resp else {
        bail!("{} paginates but is not JSON", op.op_id)
    };
    let page = page_ty.rust("models::");
    let item = match pg.items {
        Some(items) => Some(page_item(models, page_ty, items)?),
        None => None,
    };
    pages
        .entry(page.clone())
        .or_insert_with(|| PageImpl {
            page: page.clone(),
            items: item.clone(),
            features: BTreeSet::new(),
        })
        .features
        .insert(tag_module(&op.tag));
    let name = &op.name;
    let ps = op.params_struct();
    let has = |f: &str| op.query.iter().any(|q| q.json == f && !q.required) && ps.is_some();
    let (style_fn, var, ty, check) = match pg.style {
        Style::Cursor => (
            "cursor",
            "starting_after",
            "Option<String>",
            "starting_after",
        ),
        Style::NextCursor => ("next_cursor", "cursor", "Option<String>", "cursor"),
        Style::Scroll => ("scroll", "scroll_param", "Option<String>", "scroll_param"),
        Style::Pages => ("pages", "page", "i64", "page"),
        Style::Search => ("search", "cursor", "Option<String>", ""),
    };
    if !check.is_empty() && !has(check) {
        bail!(
            "{} paginates by `{check}` but has no such optional query parameter",
            op.op_id
        );
    }
    if pg.style == Style::Search && op.body.is_none() {
        bail!("{} is a search without a body", op.op_id);
    }
    // Arguments and captures.
    let args = method_args(op);
    let mut sig_args: Vec<Arg> = Vec::new();
    let mut captures = Vec::new();
    let mut call_args = vec!["&options".to_string()];
    for p in &op.path_params {
        sig_args.push(if p.int {
            Arg::new(&p.ident, "impl std::fmt::Display")
        } else {
            Arg::new(&p.ident, "&str")
        });
        captures.push(format!("let {0} = {0}.to_string();", p.ident));
        call_args.push(format!("&{}", p.ident));
    }
    let mut body_arg = String::new();
    if let Some(b) = &op.body {
        sig_args.push(Arg::new("body", format!("&{}", b.rust("models::"))));
        captures.push("let body = body.clone();".into());
        body_arg = "&body".into();
    }
    if let Some(ps) = &ps {
        sig_args.push(Arg::new("params", format!("&{ps}")));
        captures.push("let params = params.clone();".into());
    }
    debug_assert_eq!(args.len(), sig_args.len());
    let _ = ps;
    let first = match pg.style {
        Style::Pages => "params.page.unwrap_or(1)".to_string(),
        Style::Search => {
            "body.pagination.as_ref().and_then(|p| p.starting_after.clone())".to_string()
        }
        _ => format!("params.{var}.clone()"),
    };
    let mut build = String::new();
    match pg.style {
        Style::Search => {
            build.push_str("let mut body = body.clone();\n");
            build.push_str("let mut pagination = body.pagination.take().unwrap_or_default();\n");
            build.push_str("pagination.starting_after = cursor;\n");
            build.push_str("body.pagination = Some(pagination);\n");
        }
        Style::Pages => {
            build.push_str("let mut params = params.clone();\n");
            build.push_str("params.page = Some(page);\n");
        }
        _ => {
            build.push_str("let mut params = params.clone();\n");
            let _ = writeln!(build, "params.{var} = {var};");
        }
    }
    if op.params_struct().is_some() {
        call_args.push("&params".into());
    }
    if !body_arg.is_empty() {
        call_args.push(body_arg);
    }
    let items_key = match pg.items {
        Some(k) => format!("Some({k:?})"),
        None => "None".into(),
    };
    let styledoc = match pg.style {
        Style::Cursor => "following `pages.next.starting_after`",
        Style::NextCursor => "following `next_cursor` while `has_more`",
        Style::Scroll => "following `scroll_param` until a page comes back empty",
        Style::Pages => "requesting `page` 1, 2, … until `total_pages`",
        Style::Search => "following `pages.next.starting_after` in the body's `pagination`",
    };
    let _ = writeln!(
        out,
        "/// Every page of [`Self::{name}`], {styledoc}; `per_page` is kept."
    );
    let _ = writeln!(
        out,
        "pub fn {name}_pages(&self, {}) -> crate::pagination::PageStream<{page}> {{",
        decls(&sig_args)
    );
    let _ = writeln!(out, "let options = self.options.clone();");
    for c in &captures {
        let _ = writeln!(out, "{c}");
    }
    let _ = writeln!(
        out,
        "let first: {ty} = {first};\ncrate::pagination::{style_fn}(self.client.clone(), {items_key}, first, move |{var}| {{\n{build}{name}_request({})\n}})\n}}\n",
        call_args.join(", ")
    );
    if let Some((_, item_ty, _)) = &item {
        let _ = writeln!(
            out,
            "/// Every item of [`Self::{name}`], across pages (see [`Self::{name}_pages`])."
        );
        let _ = writeln!(
            out,
            "pub fn {name}_all(&self, {}) -> crate::pagination::ItemStream<{item_ty}> {{\ncrate::pagination::items(self.{name}_pages({}))\n}}\n",
            decls(&sig_args),
            names(&sig_args)
        );
    }
    Ok(())
}

/// The private request builder of a paginated operation.
fn render_request_fn(out: &mut String, op: &Op) {
    let mut args = vec!["options: &RequestOptions".to_string()];
    for p in &op.path_params {
        args.push(format!("{}: &str", p.ident));
    }
    if let Some(ps) = op.params_struct() {
        args.push(format!("params: &{ps}"));
    }
    if let Some(b) = &op.body {
        args.push(format!("body: &{}", b.rust("models::")));
    }
    let _ = writeln!(
        out,
        "fn {}_request({}) -> ApiRequest {{\n{}\n}}\n",
        op.name,
        args.join(", "),
        request_expr(op, true, "params", "body", "options")
    );
}

fn render_method(out: &mut String, op: &Op) {
    let args = method_args(op);
    let ret = resp_type(op);
    // Operations whose query parameters are all optional get a short form without them.
    let short = op.has_short_form();
    let full_name = if short {
        format!("{}_with", op.name)
    } else {
        op.name.clone()
    };
    if short {
        let short_args = &args[..args.len() - 1];
        doc_header(out, op);
        let _ = writeln!(
            out,
            "///\n/// To pass query parameters, use [`Self::{full_name}`]."
        );
        let _ = writeln!(
            out,
            "pub async fn {}(&self{}{}) -> Result<{ret}, Error> {{\nself.{full_name}({}{}&Default::default()).await\n}}\n",
            op.name,
            if short_args.is_empty() { "" } else { ", " },
            decls(short_args),
            names(short_args),
            if short_args.is_empty() { "" } else { ", " },
        );
        let _ = writeln!(
            out,
            "/// [`Self::{}`] with query parameters (`{} {}`).",
            op.name,
            op.method.to_uppercase(),
            op.path
        );
    } else {
        doc_header(out, op);
    }
    let _ = writeln!(
        out,
        "pub async fn {full_name}(&self{}{}) -> Result<{ret}, Error> {{",
        if args.is_empty() { "" } else { ", " },
        decls(&args)
    );
    let req = if op.paging.is_some() {
        let mut call = vec!["&self.options".to_string()];
        for p in &op.path_params {
            if p.int {
                call.push(format!("&{}.to_string()", p.ident));
            } else {
                call.push(p.ident.clone());
            }
        }
        if op.params_struct().is_some() {
            call.push("params".into());
        }
        if op.body.is_some() {
            call.push("body".into());
        }
        format!("{}_request({})", op.name, call.join(", "))
    } else {
        request_expr(op, false, "params", "body", "self.options")
    };
    let _ = writeln!(out, "let request = {req};");
    match op.resp {
        Resp::Json(_) => out.push_str("self.client.send(request).await\n"),
        Resp::Unit => out.push_str("self.client.execute(request).await.map(drop)\n"),
        Resp::Text => {
            out.push_str("let raw = self.client.execute(request).await?;\nOk(raw.text())\n")
        }
        Resp::Bytes => out.push_str("Ok(self.client.execute(request).await?.body)\n"),
        Resp::Redirect => out.push_str("crate::redirect::fetch(self.client, request).await\n"),
    }
    out.push_str("}\n\n");
}

/// (file name inside `generated/`, contents) for the tag modules and `mod.rs`.
pub fn render(ops: &[Op], models: &Models) -> Result<Vec<(String, String)>> {
    let mut by_tag: BTreeMap<String, Vec<&Op>> = BTreeMap::new();
    for op in ops {
        by_tag.entry(op.tag.clone()).or_default().push(op);
    }
    let mut files = Vec::new();
    let mut pages: BTreeMap<String, PageImpl> = BTreeMap::new();
    for (tag, tops) in &by_tag {
        let module = tag_module(tag);
        let ty = tag_type(tag);
        let mut out = format!(
            "{HEADER}//! Operations tagged `{tag}` ({} operations).\n\n",
            tops.len()
        );
        let uses_encode = tops.iter().any(|o| !o.path_params.is_empty());
        let uses_models = tops.iter().any(|o| {
            matches!(o.resp, Resp::Json(Ty::Named(_)) | Resp::Json(Ty::Vec(_)))
                || o.body.is_some()
                || o.query
                    .iter()
                    .any(|q| matches!(q.ty, QTy::Named(_) | QTy::List(_)))
        });
        let uses_options = tops.iter().any(|o| o.paging.is_some());
        out.push_str("use http::Method;\nuse intercom_auth_types::Authenticated;\n");
        let mut tr = vec!["ApiRequest", "Error"];
        if uses_encode {
            tr.insert(0, "encode_path_segment");
        }
        if uses_options {
            tr.push("RequestOptions");
        }
        let _ = writeln!(out, "use intercom_transport::{{{}}};", tr.join(", "));
        if uses_models {
            out.push_str("\nuse crate::models;\n");
        }
        out.push('\n');
        let _ = writeln!(
            out,
            "crate::group::resource_group! {{\n/// Operations tagged `{tag}`: `client.{module}()` (see [`crate::IntercomApi`]).\n{ty}\n}}\n"
        );
        for op in tops {
            render_params_struct(&mut out, op, &ty);
        }
        let _ = writeln!(out, "impl<A: Authenticated> {ty}<'_, A> {{");
        for op in tops {
            render_method(&mut out, op);
            render_pagination(&mut out, op, models, &mut pages)?;
        }
        out.push_str("}\n\n");
        for op in tops.iter().filter(|o| o.paging.is_some()) {
            render_request_fn(&mut out, op);
        }
        files.push((format!("{module}.rs"), out));
    }
    // Page trait impls.
    let mut p = format!("{HEADER}//! [`crate::pagination::Page`] for the page types of paginated operations.\n\nuse crate::models;\n\n");
    for pi in pages.values() {
        if let Some((field, item, optional)) = &pi.items {
            let take = if *optional {
                format!("self.{field}.unwrap_or_default()")
            } else {
                format!("self.{field}")
            };
            let features: Vec<String> = pi.features.iter().cloned().collect();
            let _ = writeln!(
                p,
                "{}impl crate::pagination::Page for {} {{\ntype Item = {item};\nfn into_items(self) -> Vec<Self::Item> {{\n{take}\n}}\n}}\n",
                super::models::cfg_line(Some(&features)),
                pi.page
            );
        }
    }
    files.push(("pages.rs".into(), p));
    // mod.rs with the extension trait.
    let mut m = format!(
        "{HEADER}//! Generated from the Intercom OpenAPI description 2.16: models and one module per tag.\n\n\
         use intercom_auth_types::Authenticated;\nuse intercom_transport::Client;\n\npub mod models;\nmod pages;\n"
    );
    for tag in by_tag.keys() {
        let md = tag_module(tag);
        let _ = writeln!(m, "#[cfg(feature = {md:?})]\npub mod {md};");
    }
    m.push_str(
        "\n/// Every operation of the API, grouped by tag, on any authenticated [`Client`].\n\
         ///\n/// Bring it into scope with `use intercom_resources::IntercomApi;`, then call\n\
         /// `client.contacts().get(id)`, `client.tickets().create(&body)` and so on.\n\
         pub trait IntercomApi<A: Authenticated> {\n",
    );
    for (tag, tops) in &by_tag {
        let _ = writeln!(
            m,
            "/// Operations tagged `{tag}` ({} operations; cargo feature `{}`).\n#[cfg(feature = {:?})]\nfn {}(&self) -> {}::{}<'_, A>;",
            tops.len(),
            tag_module(tag),
            tag_module(tag),
            tag_module(tag),
            tag_module(tag),
            tag_type(tag)
        );
    }
    m.push_str("}\n\nimpl<A: Authenticated> IntercomApi<A> for Client<A> {\n");
    for tag in by_tag.keys() {
        let (md, ty) = (tag_module(tag), tag_type(tag));
        let _ = writeln!(
            m,
            "#[cfg(feature = {md:?})]\nfn {md}(&self) -> {md}::{ty}<'_, A> {{\n{md}::{ty}::new(self)\n}}"
        );
    }
    m.push_str("}\n");
    files.push(("mod.rs".into(), m));
    Ok(files)
}
