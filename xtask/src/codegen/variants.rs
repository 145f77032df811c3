//! Request bodies with `oneOf`/`anyOf`: an enum of the alternatives instead of one struct of
//! every field made optional.
//!
//! Each alternative is its own struct (a component alternative keeps its component's name, an
//! inline one is named `{Body}{Variant}`), built from the body's own properties plus the
//! alternative's, with the required fields of both; its inline types are named after it. A
//! property the schema fixes to one value (a discriminator such as `"type": "admin"`) becomes
//! a marker type ([`Def::Const`]) that the struct sets by itself. The enum is
//! `#[serde(untagged)]`: it writes the alternative as is, and decoding tries the alternatives
//! in the spec's order; their structs reject unknown fields and wrong discriminators, so a
//! value decodes into the alternative it was written from. An alternative that is itself a
//! `oneOf` of components becomes a nested enum.
//!
//! Over 600 lines because about 300 are the unit tests of the schema-to-variant mapping.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::{bail, Result};
use serde_json::{json, Map, Value};

use super::naming::{pascal, words};
use super::ops::{Op, Resp};
use super::schema::{
    alts, constraint_only, ref_name, resolve_in, str_enum, Def, Models, Ty, TypeDef,
};

/// One alternative of a [`Def::OneOf`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alt {
    /// The enum variant.
    pub ident: String,
    /// The generated type holding it (a struct, or a nested enum).
    pub ty: String,
    /// Where it comes from, for its doc comment.
    pub origin: String,
}

/// An alternative's struct to define.
struct StructPlan {
    name: String,
    schema: Value,
    origin: String,
    component: bool,
}

#[derive(Default)]
struct Plan {
    enums: BTreeMap<String, (Vec<Alt>, String, bool)>,
    structs: Vec<StructPlan>,
}

/// The schema a body resolves to once `$ref`s and single-alternative wrappers are removed,
/// and whether the spec wrote it with `oneOf`/`anyOf` at all.
fn effective<'a>(schemas: &'a Map<String, Value>, body: &'a Value) -> (&'a Value, bool) {
    let mut s = resolve_in(schemas, body);
    let mut had = alts(s).is_some();
    for _ in 0..8 {
        match alts(s) {
            Some(a) if a.len() == 1 && !has_props(s) => {
                s = resolve_in(schemas, &a[0]);
                had = true;
            }
            _ => break,
        }
    }
    (s, had)
}

fn has_props(s: &Value) -> bool {
    s.get("properties")
        .and_then(Value::as_object)
        .is_some_and(|o| !o.is_empty())
}

/// The schema without its alternatives (and prose), for merging into each alternative.
fn base_of(s: &Value) -> Value {
    let mut b = s.clone();
    if let Some(o) = b.as_object_mut() {
        for k in ["oneOf", "anyOf", "title", "description", "example"] {
            o.remove(k);
        }
    }
    b
}

/// Strips the words every name starts or ends with; `None` when what remains is empty or
/// not unique.
fn distinct(names: &[Vec<String>]) -> Option<Vec<String>> {
    if names.len() < 2 {
        return None;
    }
    let shortest = names.iter().map(Vec::len).min().unwrap_or(0);
    let mut pre = 0;
    while pre < shortest && names.iter().all(|n| n[pre] == names[0][pre]) {
        pre += 1;
    }
    let mut suf = 0;
    while suf < shortest.saturating_sub(pre)
        && names
            .iter()
            .all(|n| n[n.len() - 1 - suf] == names[0][names[0].len() - 1 - suf])
    {
        suf += 1;
    }
    let out: Vec<String> = names
        .iter()
        .map(|n| pascal(&n[pre..n.len() - suf].join("_")))
        .collect();
    let unique: BTreeSet<&String> = out.iter().collect();
    (out.iter().all(|o| !o.is_empty()) && unique.len() == out.len()).then_some(out)
}

/// Variant names for the alternatives: component names, else titles, else the required
/// fields only that alternative has, without the words they all share.
pub fn variant_idents(schemas: &Map<String, Value>, alternatives: &[Value]) -> Vec<String> {
    let refs: Option<Vec<Vec<String>>> = alternatives
        .iter()
        .map(|a| {
            a.get("$ref")
                .and_then(Value::as_str)
                .map(|r| words(ref_name(r)))
        })
        .collect();
    if let Some(out) = refs.as_deref().and_then(distinct) {
        return out;
    }
    let titles: Option<Vec<Vec<String>>> = alternatives
        .iter()
        .map(|a| {
            resolve_in(schemas, a)
                .get("title")
                .and_then(Value::as_str)
                .map(words)
        })
        .collect();
    if let Some(out) = titles.as_deref().and_then(distinct) {
        return out;
    }
    let required: Vec<BTreeSet<String>> = alternatives
        .iter()
        .map(|a| {
            resolve_in(schemas, a)
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let own: Vec<String> = required
        .iter()
        .map(|r| {
            let mine: Vec<&str> = r
                .iter()
                .filter(|f| !required.iter().all(|o| o.contains(*f)))
                .map(String::as_str)
                .collect();
            pascal(&mine.join("_"))
        })
        .collect();
    let unique: BTreeSet<&String> = own.iter().collect();
    if own.iter().all(|o| !o.is_empty()) && unique.len() == own.len() {
        return own;
    }
    (1..=alternatives.len())
        .map(|i| format!("Alt{i}"))
        .collect()
}

/// Whether a schema adds neither properties nor required names.
fn adds_nothing(s: &Value) -> bool {
    !has_props(s) && s.get("required").is_none() && s.get("allOf").is_none()
}

/// Whether a schema is a `oneOf`/`anyOf` of object alternatives and nothing else.
fn nested_alternatives(s: &Value) -> bool {
    alts(s).is_some_and(|a| !a.iter().all(constraint_only)) && !has_props(s)
}

impl Plan {
    /// Plans a struct, once.
    fn push_struct(&mut self, plan: StructPlan) {
        if !self.structs.iter().any(|s| s.name == plan.name) {
            self.structs.push(plan);
        }
    }

    /// Plans the enum `name` for `schema`; `inherited` holds the properties and required
    /// names of enclosing bodies that every alternative also takes.
    fn add_enum(
        &mut self,
        models: &Models,
        name: &str,
        schema: &Value,
        origin: &str,
        component: bool,
        inherited: &[Value],
    ) {
        if self.enums.contains_key(name) {
            return;
        }
        let schemas = models.schemas();
        let Some(list) = alts(schema) else { return };
        let mut bases: Vec<Value> = inherited.to_vec();
        let base = base_of(schema);
        if !adds_nothing(&base) {
            bases.push(base);
        }
        let idents = variant_idents(schemas, list);
        let mut out = Vec::new();
        // Reserve the entry first, so a cycle of alternatives stops here.
        self.enums.insert(
            name.to_string(),
            (Vec::new(), origin.to_string(), component),
        );
        for (alt, ident) in list.iter().zip(idents) {
            let resolved = resolve_in(schemas, alt);
            let nested = nested_alternatives(resolved);
            let target = alt
                .get("$ref")
                .and_then(Value::as_str)
                .map(ref_name)
                .and_then(|r| models.component_type(r).map(|t| (r.to_string(), t.clone())));
            let (ty, alt_origin, own) = match target {
                // A component alternative with nothing added keeps its component's name.
                Some((comp, ty)) if bases.is_empty() => (ty, comp, true),
                Some((comp, ty)) => {
                    // The component itself is redefined the same way (so the names of its
                    // old inline types are free for the alternatives).
                    if nested {
                        self.add_enum(models, &ty, resolved, &comp, true, &[]);
                    } else {
                        self.push_struct(StructPlan {
                            name: ty,
                            schema: resolved.clone(),
                            origin: comp,
                            component: true,
                        });
                    }
                    (
                        format!("{name}{ident}"),
                        format!("{origin} ({ident})"),
                        false,
                    )
                }
                None => (
                    format!("{name}{ident}"),
                    format!("{origin} ({ident})"),
                    false,
                ),
            };
            if nested {
                self.add_enum(models, &ty, resolved, &alt_origin, own, &bases);
            } else {
                let mut parts = bases.clone();
                parts.push(resolved.clone());
                self.push_struct(StructPlan {
                    name: ty.clone(),
                    schema: json!({ "allOf": parts }),
                    origin: alt_origin.clone(),
                    component: own,
                });
            }
            out.push(Alt {
                ident,
                ty,
                origin: alt_origin,
            });
        }
        self.enums
            .insert(name.to_string(), (out, origin.to_string(), component));
    }
}

fn response_roots(op: &Op, out: &mut Vec<String>) {
    if let Resp::Json(t) = &op.resp {
        t.named(out);
    }
    for e in &op.examples {
        e.ty.named(out);
    }
}

/// The properties of an alternative, with each one-value string enum marked constant.
fn with_constants(props: BTreeMap<String, Value>, required: Vec<String>) -> Value {
    let mut out = Map::new();
    for (k, v) in props {
        let single = v.get("$ref").is_none()
            && v.get("nullable") != Some(&Value::Bool(true))
            && str_enum(&v).is_some_and(|e| e.len() == 1);
        if single {
            let value = str_enum(&v).and_then(|e| e.into_iter().next());
            let mut c = json!({"type": "string", "x-const": value, "enum": [value]});
            if let Some(e) = v.get("example") {
                c["example"] = e.clone();
            }
            out.insert(k, c);
        } else {
            out.insert(k, v);
        }
    }
    json!({"type": "object", "properties": out, "required": required})
}

/// Types every request body with `oneOf`/`anyOf` as an enum of its alternatives. Runs after
/// the operations are collected (their body types named) and before anything is rendered.
pub fn apply(spec: &Value, ops: &[Op], models: &mut Models) -> Result<()> {
    let schemas = models.schemas();
    let mut plan = Plan::default();
    let mut bodies = BTreeMap::new();
    for op in ops {
        let ptr = format!(
            "/paths/{}/{}/requestBody/content/application~1json/schema",
            op.path.replace('~', "~0").replace('/', "~1"),
            op.method
        );
        let Some(body) = spec.pointer(&ptr) else {
            continue;
        };
        let (schema, had) = effective(schemas, body);
        if !had {
            continue;
        }
        let Some(Ty::Named(name)) = &op.body else {
            bail!("{}: a oneOf/anyOf body without a named type", op.op_id);
        };
        let Some(td) = models.types.get(name) else {
            bail!("{}: body type {name} is not defined", op.op_id);
        };
        let origin = td.origin.clone();
        let component = td.component;
        // Without alternatives left, the body was a single alternative: its struct.
        if alts(schema).is_some() {
            plan.add_enum(models, name, schema, &origin, component, &[]);
        }
        let typed = plan.enums.contains_key(name)
            || matches!(models.types.get(name).map(|t| &t.def), Some(Def::Struct(_)));
        bodies.insert(origin, typed);
    }
    // None of these may be received: responses keep their lenient structs.
    let mut resp = Vec::new();
    for op in ops {
        response_roots(op, &mut resp);
    }
    let received = models.closure(&resp);
    let replaced: BTreeSet<String> = plan
        .enums
        .keys()
        .cloned()
        .chain(plan.structs.iter().map(|s| s.name.clone()))
        .filter(|n| models.types.contains_key(n))
        .collect();
    if let Some(n) = replaced.iter().find(|n| received.contains(*n)) {
        bail!("{n} is both a oneOf alternative sent and a type received");
    }
    // Drop the old definitions and the inline types only they used.
    let before = models.closure(&replaced.iter().cloned().collect::<Vec<_>>());
    for n in &replaced {
        if let Some(td) = models.types.get_mut(n) {
            td.def = Def::Alias(Ty::Value);
        }
    }
    let mut roots: Vec<String> = models
        .types
        .iter()
        .filter(|(_, t)| t.component)
        .map(|(n, _)| n.clone())
        .collect();
    for op in ops {
        roots.extend(super::ops::roots(op));
    }
    let after = models.closure(&roots);
    let orphans: BTreeSet<String> = before
        .into_iter()
        .filter(|n| !replaced.contains(n) && !after.contains(n))
        .filter(|n| models.types.get(n).is_some_and(|t| !t.component))
        .collect();
    models.remove_types(&orphans);
    let converted: BTreeSet<String> = plan.enums.values().map(|(_, o, _)| o.clone()).collect();
    models.stats.merged.retain(|m| !converted.contains(m));
    models.stats.value_fallbacks.retain(|v| {
        !converted
            .iter()
            .any(|o| v.starts_with(&format!("{o}.")) || v.starts_with(&format!("{o} ")))
    });
    for s in &plan.structs {
        if !models.types.contains_key(&s.name) {
            let reserved = models.reserve(&s.name);
            if reserved != s.name {
                bail!("the alternative name {} is taken", s.name);
            }
        }
    }
    for s in plan.structs {
        let (props, required) = models.properties(&s.schema);
        let schema = with_constants(props, required);
        let comp = s.origin.split(' ').next().unwrap_or_default().to_string();
        let def = models.define_own_struct(&s.name, &schema, &s.origin, &comp)?;
        models.types.insert(
            s.name.clone(),
            TypeDef {
                origin: s.origin,
                component: s.component,
                def,
            },
        );
        models.stats.alternatives.insert(s.name);
    }
    for (name, (list, origin, component)) in plan.enums {
        models.types.insert(
            name,
            TypeDef {
                origin,
                component,
                def: Def::OneOf(list),
            },
        );
    }
    models.stats.as_enums = bodies;
    Ok(())
}

/// The marker type of a constant field, if `ty` is one.
pub fn constant_type(models: &Models, ty: &Ty) -> Option<String> {
    match ty {
        Ty::Named(n) => match models.types.get(n).map(|t| &t.def) {
            Some(Def::Const(_)) => Some(n.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Every struct reachable through nested enums from `alts`, with the expression building
/// the outer enum from it (`v` being the struct), e.g. `Self::Contact(Inner::Email(v))`.
fn leaves(models: &Models, alts: &[Alt], wrap: &str, out: &mut Vec<(String, String)>) {
    for a in alts {
        let expr = wrap.replace("{}", &format!("{}({{}})", a.ident));
        match models.types.get(&a.ty).map(|t| &t.def) {
            Some(Def::OneOf(inner)) => {
                let inner_wrap = expr.replace("{}", &format!("{}::{{}}", a.ty));
                leaves(models, inner, &inner_wrap, out);
            }
            _ => out.push((a.ty.clone(), expr.replace("{}", "v"))),
        }
    }
}

/// Renders the enum of a [`Def::OneOf`], and `From` each alternative (nested ones included,
/// when they appear once).
pub fn render_enum(
    out: &mut String,
    name: &str,
    doc: &str,
    cfg: &str,
    alts: &[Alt],
    models: &Models,
) {
    let _ = writeln!(
        out,
        "/// {doc}\n///\n/// Sent in a request: one of the alternatives below, each built with its own \
         `new` and converted with `From` (`{name}::from(x)` or `x.into()`)."
    );
    out.push_str(cfg);
    out.push_str(
        "#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]\n#[serde(untagged)]\n#[non_exhaustive]\n",
    );
    let _ = writeln!(out, "pub enum {name} {{");
    for a in alts {
        let _ = writeln!(
            out,
            "/// The `{}` alternative.\n{}({}),",
            a.origin.replace('`', "'"),
            a.ident,
            a.ty
        );
    }
    out.push_str("}\n\n");
    let mut all = Vec::new();
    leaves(models, alts, "Self::{}", &mut all);
    // An alternative that is itself a nested enum converts too.
    for a in alts {
        if matches!(models.types.get(&a.ty).map(|t| &t.def), Some(Def::OneOf(_))) {
            all.push((a.ty.clone(), format!("Self::{}(v)", a.ident)));
        }
    }
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for (ty, _) in &all {
        *count.entry(ty.as_str()).or_default() += 1;
    }
    for (ty, expr) in &all {
        if count[ty.as_str()] != 1 {
            continue;
        }
        out.push_str(cfg);
        let _ = writeln!(
            out,
            "impl From<{ty}> for {name} {{\nfn from(v: {ty}) -> Self {{\n{expr}\n}}\n}}\n"
        );
    }
}

/// Renders the marker type of a [`Def::Const`].
pub fn render_const(out: &mut String, name: &str, doc: &str, cfg: &str, value: &str) {
    out.push_str(cfg);
    let _ = writeln!(
        out,
        "crate::constant::constant! {{\n/// {doc} Always `{value:?}`: set by the struct holding it.\npub struct {name} = {value:?};\n}}\n"
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::codegen::models::{Role, Roles, StructModel};

    /// A spec with one operation, `POST /reply`, whose body is `body`.
    fn spec(schemas: Value, body: Value) -> Value {
        json!({
            "paths": {"/reply": {"post": {"requestBody": {"content": {"application/json": {"schema": body}}}}}},
            "components": {"schemas": schemas}
        })
    }

    fn op(body: Ty) -> Op {
        Op {
            method: "post".into(),
            path: "/reply".into(),
            op_id: "reply".into(),
            real_op_id: true,
            tag: "Replies".into(),
            name: "reply".into(),
            path_params: Vec::new(),
            query: Vec::new(),
            body: Some(body),
            resp: Resp::Unit,
            paging: None,
            examples: Vec::new(),
        }
    }

    fn reply_schemas() -> Value {
        json!({
            "reply": {"oneOf": [
                {"$ref": "#/components/schemas/contact_reply"},
                {"$ref": "#/components/schemas/admin_reply"}
            ]},
            "contact_reply": {"type": "object", "required": ["type", "email"], "properties": {
                "type": {"type": "string", "enum": ["user"]},
                "email": {"type": "string"},
                "mode": {"type": "string", "enum": ["comment"]}
            }},
            "admin_reply": {"type": "object", "required": ["type", "admin_id", "mode"], "properties": {
                "type": {"type": "string", "enum": ["admin"]},
                "admin_id": {"type": "string"},
                "mode": {"type": "string", "enum": ["comment", "note"]}
            }}
        })
    }

    fn applied(spec: &Value) -> Models<'_> {
        let mut m = Models::new(spec).unwrap();
        let body = m
            .ty_of(
                spec.pointer("/paths/~1reply/post/requestBody/content/application~1json/schema")
                    .unwrap(),
                "ReplyBody",
                None,
                "reply",
            )
            .unwrap();
        apply(spec, &[op(body)], &mut m).unwrap();
        m
    }

    fn fields<'a>(m: &'a Models, name: &str) -> &'a [super::super::schema::Field] {
        match &m.types[name].def {
            Def::Struct(f) => f,
            other => panic!("{name} is {other:?}"),
        }
    }

    #[test]
    fn a_one_of_body_becomes_an_enum_of_its_component_alternatives() {
        let s = spec(
            reply_schemas(),
            json!({"$ref": "#/components/schemas/reply"}),
        );
        let m = applied(&s);
        let Def::OneOf(alts) = &m.types["Reply"].def else {
            panic!("{:?}", m.types["Reply"].def)
        };
        let names: Vec<(&str, &str)> = alts
            .iter()
            .map(|a| (a.ident.as_str(), a.ty.as_str()))
            .collect();
        assert_eq!(
            names,
            [("Contact", "ContactReply"), ("Admin", "AdminReply")]
        );
        assert_eq!(m.stats.as_enums.get("reply"), Some(&true));
        assert!(m.stats.merged.is_empty(), "{:?}", m.stats.merged);
        // Each alternative keeps only its own fields, with its own required ones.
        let admin = fields(&m, "AdminReply");
        let json: Vec<&str> = admin.iter().map(|f| f.json.as_str()).collect();
        assert_eq!(json, ["admin_id", "mode", "type"]);
        assert!(admin.iter().all(|f| f.required));
        // One-value enums are constants named after the alternative owning them.
        let ty = |fs: &[super::super::schema::Field], j: &str| {
            fs.iter().find(|f| f.json == j).unwrap().ty.clone()
        };
        assert_eq!(ty(admin, "type"), Ty::Named("AdminReplyType".into()));
        assert!(matches!(&m.types["AdminReplyType"].def, Def::Const(v) if v == "admin"));
        let contact = fields(&m, "ContactReply");
        assert_eq!(ty(contact, "type"), Ty::Named("ContactReplyType".into()));
        assert_eq!(ty(contact, "mode"), Ty::Named("ContactReplyMode".into()));
        assert!(matches!(&m.types["ContactReplyMode"].def, Def::Const(v) if v == "comment"));
        // The admin's two-value enum is its own type, not shared with the contact.
        assert_eq!(ty(admin, "mode"), Ty::Named("AdminReplyMode".into()));
        assert!(
            matches!(&m.types["AdminReplyMode"].def, Def::Enum(v) if v == &["comment", "note"])
        );
    }

    #[test]
    fn alternatives_render_as_strict_structs_and_an_untagged_enum() {
        let s = spec(
            reply_schemas(),
            json!({"$ref": "#/components/schemas/reply"}),
        );
        let m = applied(&s);
        let roles = Roles::new(&m, &["Reply".to_string()]);
        assert_eq!(roles.role("AdminReply"), Role::Request);
        assert!(roles.no_default.contains("Reply"));
        // `type` (a constant) is enforced by the type; `email`, `admin_id`, `mode` by `new`.
        assert_eq!(roles.required_counts(&m), (5, 5));
        let admin = StructModel::build(
            "AdminReply",
            fields(&m, "AdminReply"),
            Role::Request,
            &roles,
            &m,
        );
        let mut out = String::new();
        admin.render(&mut out, "doc", "");
        assert!(out.contains("#[serde(deny_unknown_fields)]"), "{out}");
        assert!(out.contains("pub type_: AdminReplyType,"), "{out}");
        assert!(
            out.contains("type_: AdminReplyType,\n"),
            "`new` sets the constant: {out}"
        );
        assert!(
            !out.contains("with_type"),
            "no setter for a constant: {out}"
        );
        assert!(
            out.contains(
                "pub fn new(admin_id: impl Into<String>, mode: impl Into<AdminReplyMode>) -> Self"
            ),
            "{out}"
        );
        // Required fields are needed to decode an alternative (no `default`).
        let admin_id = admin.fields.iter().find(|f| f.ident == "admin_id").unwrap();
        assert!(
            !admin_id.serde.iter().any(|s| s == "default"),
            "{:?}",
            admin_id.serde
        );
        let Def::OneOf(alts) = &m.types["Reply"].def else {
            panic!()
        };
        let mut out = String::new();
        render_enum(&mut out, "Reply", "doc", "", alts, &m);
        assert!(out.contains("#[serde(untagged)]"), "{out}");
        assert!(out.contains("Contact(ContactReply),") && out.contains("Admin(AdminReply),"));
        assert!(out.contains("impl From<AdminReply> for Reply"), "{out}");
        let mut out = String::new();
        render_const(&mut out, "AdminReplyType", "doc", "", "admin");
        assert!(
            out.contains("pub struct AdminReplyType = \"admin\";"),
            "{out}"
        );
    }

    #[test]
    fn inline_alternatives_take_the_body_fields_and_their_own_required_ones() {
        let s = spec(
            json!({"event": {"type": "object",
            "properties": {"name": {"type": "string"}, "id": {"type": "string"}, "email": {"type": "string"}},
            "required": ["name"],
            "anyOf": [
                {"title": "id required", "required": ["id"]},
                {"title": "email required", "required": ["email"]}
            ]}}),
            json!({"$ref": "#/components/schemas/event"}),
        );
        let m = applied(&s);
        let Def::OneOf(alts) = &m.types["Event"].def else {
            panic!()
        };
        let names: Vec<(&str, &str)> = alts
            .iter()
            .map(|a| (a.ident.as_str(), a.ty.as_str()))
            .collect();
        assert_eq!(names, [("Id", "EventId"), ("Email", "EventEmail")]);
        let by_id = fields(&m, "EventId");
        let req: Vec<&str> = by_id
            .iter()
            .filter(|f| f.required)
            .map(|f| f.json.as_str())
            .collect();
        assert_eq!(req, ["id", "name"]);
        assert!(by_id.iter().any(|f| f.json == "email" && !f.required));
    }

    #[test]
    fn nested_one_of_alternatives_become_nested_enums() {
        let mut schemas = reply_schemas();
        schemas["contact_reply"] = json!({"oneOf": [
            {"$ref": "#/components/schemas/by_email"},
            {"$ref": "#/components/schemas/by_id"}
        ]});
        schemas["by_email"] = json!({"type": "object", "required": ["email"], "properties": {"email": {"type": "string"}}});
        schemas["by_id"] = json!({"type": "object", "required": ["user_id"], "properties": {"user_id": {"type": "string"}}});
        let s = spec(schemas, json!({"$ref": "#/components/schemas/reply"}));
        let m = applied(&s);
        assert!(matches!(&m.types["ContactReply"].def, Def::OneOf(a) if a.len() == 2));
        let Def::OneOf(alts) = &m.types["Reply"].def else {
            panic!()
        };
        let mut out = String::new();
        render_enum(&mut out, "Reply", "doc", "", alts, &m);
        assert!(out.contains("impl From<ByEmail> for Reply"), "{out}");
        assert!(
            out.contains("Self::Contact(ContactReply::Email(v))"),
            "{out}"
        );
        assert!(out.contains("impl From<ContactReply> for Reply"), "{out}");
    }

    #[test]
    fn variant_names_strip_shared_words() {
        let schemas = Map::new();
        let refs = [
            json!({"$ref": "#/components/schemas/close_conversation_request"}),
            json!({"$ref": "#/components/schemas/open_conversation_request"}),
        ];
        assert_eq!(variant_idents(&schemas, &refs), ["Close", "Open"]);
        let titles = [
            json!({"title": "message_type: `email`."}),
            json!({"title": "message_type: `inapp`."}),
        ];
        assert_eq!(variant_idents(&schemas, &titles), ["Email", "Inapp"]);
        let required = [
            json!({"required": ["id"]}),
            json!({"required": ["user_id"]}),
        ];
        assert_eq!(variant_idents(&schemas, &required), ["Id", "UserId"]);
        let nothing = [json!({}), json!({})];
        assert_eq!(variant_idents(&schemas, &nothing), ["Alt1", "Alt2"]);
    }

    #[test]
    fn a_single_alternative_body_is_that_alternative() {
        let s = spec(
            json!({"update": {"type": "object", "properties": {"name": {"type": "string"}}}}),
            json!({"oneOf": [{"$ref": "#/components/schemas/update"}]}),
        );
        let m = applied(&s);
        assert_eq!(m.stats.as_enums.get("reply:ReplyBody"), None);
        assert_eq!(m.stats.as_enums.values().filter(|t| **t).count(), 1);
        assert!(matches!(&m.types["Update"].def, Def::Struct(_)));
    }
}
