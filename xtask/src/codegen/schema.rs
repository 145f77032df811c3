//! Maps the spec's component schemas (and inline schemas met on the way) to Rust types.
//!
//! Over 600 lines because the mapping (alternatives merged, properties typed, cycles boxed) is
//! one walk over the schemas sharing one cache of inline names; split, each part would need it.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Result};
use serde_json::{json, Map, Value};

use super::naming::{field_ident, pascal, type_ident, variant_ident};
use super::overrides::{FIELD_TYPES, INLINE_TYPE_NAMES};

/// How a timestamp is written back when serialized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TsKind {
    /// Declared integer: Unix seconds.
    Unix,
    /// Declared string: ISO 8601.
    Iso,
    /// Either (the `datetime` schema): as received.
    Any,
}

/// A Rust type for a schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    Named(String),
    Str,
    /// An id declared as a string (exposed as `String`, accepts numbers).
    Id,
    /// An id declared as an integer (exposed as `String`, written as a number when numeric).
    IntId,
    /// A list of ids declared as strings.
    Ids,
    /// A list of ids declared as integers (written as numbers when numeric).
    IntIds,
    Int,
    Float,
    Bool,
    Timestamp(TsKind),
    Value,
    Map,
    Vec(Box<Ty>),
    /// A list element that may be null.
    Nullable(Box<Ty>),
    Dict(Box<Ty>),
    /// A hand-written type, by path.
    Custom(String),
}

impl Ty {
    /// The generated types this type mentions directly.
    pub fn named(&self, out: &mut Vec<String>) {
        match self {
            Ty::Named(n) => out.push(n.clone()),
            Ty::Vec(t) | Ty::Nullable(t) | Ty::Dict(t) => t.named(out),
            _ => {}
        }
    }

    /// The Rust type; `models` is the path prefix of the models module (`""` inside it).
    pub fn rust(&self, models: &str) -> String {
        match self {
            Ty::Named(n) => format!("{models}{n}"),
            Ty::Str | Ty::Id | Ty::IntId => "String".into(),
            Ty::Ids | Ty::IntIds => "Vec<String>".into(),
            Ty::Int => "i64".into(),
            Ty::Float => "f64".into(),
            Ty::Bool => "bool".into(),
            Ty::Timestamp(_) => "crate::lenient::Timestamp".into(),
            Ty::Value => "serde_json::Value".into(),
            Ty::Map => "serde_json::Map<String, serde_json::Value>".into(),
            Ty::Vec(t) => format!("Vec<{}>", t.rust(models)),
            Ty::Nullable(t) => format!("Option<{}>", t.rust(models)),
            Ty::Dict(t) => format!("std::collections::BTreeMap<String, {}>", t.rust(models)),
            Ty::Custom(p) => p.clone(),
        }
    }
}

#[derive(Debug)]
pub struct Field {
    pub json: String,
    pub ident: String,
    pub ty: Ty,
    /// `Option` in the Rust type: not required, or nullable.
    pub optional: bool,
    /// Listed in the schema's `required`.
    pub required: bool,
    /// The schema lets the value be `null`.
    pub nullable: bool,
    /// Position in the schema's `required` list (constructor argument order).
    pub required_pos: Option<usize>,
    /// Facts about the property for its doc comment.
    pub facts: Facts,
    pub boxed: bool,
}

/// What the spec says about a property, besides its type: used for docs, never its prose.
#[derive(Debug, Default, Clone)]
pub struct Facts {
    /// `type` (and `format`) as declared, e.g. `string (date-time)`.
    pub declared: String,
    /// Allowed values of a string enum.
    pub enum_values: Vec<String>,
    /// The spec's example value, as compact JSON.
    pub example: Option<String>,
}

impl Facts {
    fn of(s: &Value, resolved: &Value) -> Self {
        let pick = |k: &str| s.get(k).or_else(|| resolved.get(k));
        let ty = pick("type").and_then(Value::as_str).unwrap_or_default();
        let declared = match (ty, pick("format").and_then(Value::as_str)) {
            ("", _) => match s.get("$ref").and_then(Value::as_str) {
                Some(r) => format!("`{}` schema", ref_name(r)),
                None => String::new(),
            },
            (t, Some(f)) => format!("{t} ({f})"),
            (t, None) => t.to_string(),
        };
        let enum_values = pick("enum")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let example = s
            .get("example")
            .map(|e| e.to_string())
            .filter(|e| e.len() <= 120);
        Facts {
            declared,
            enum_values,
            example,
        }
    }
}

#[derive(Debug)]
pub enum Def {
    Struct(Vec<Field>),
    Enum(Vec<String>),
    Alias(Ty),
    /// One of several alternatives (a request body's `oneOf`/`anyOf`): see `variants.rs`.
    OneOf(Vec<super::variants::Alt>),
    /// A field whose value the schema fixes (a one-value enum, such as a discriminator).
    Const(String),
}

#[derive(Debug)]
pub struct TypeDef {
    /// Where the type comes from, for its doc comment: `contact` or `contact.location`.
    pub origin: String,
    /// Whether it is a component schema (as opposed to an inline one).
    pub component: bool,
    pub def: Def,
}

#[derive(Default, Debug)]
pub struct Stats {
    /// Schemas whose `oneOf`/`anyOf` alternatives were merged into one struct.
    pub merged: BTreeSet<String>,
    /// Places that fell back to `serde_json::Value`.
    pub value_fallbacks: BTreeSet<String>,
    /// Request bodies the spec writes with `oneOf`/`anyOf` (their origins), and whether each
    /// is typed as its alternatives (an enum of them, or the only one).
    pub as_enums: BTreeMap<String, bool>,
    /// The structs that are one alternative of such an enum.
    pub alternatives: BTreeSet<String>,
}

pub struct Models<'s> {
    schemas: &'s Map<String, Value>,
    pub types: BTreeMap<String, TypeDef>,
    comp: BTreeMap<String, String>,
    used: BTreeSet<String>,
    cache: BTreeMap<String, String>,
    /// Prefix of the inline-type cache keys: inline types met while it is set are named
    /// after the type being defined, not shared with identical schemas elsewhere.
    scope: String,
    pub stats: Stats,
    /// Structs built on one `allOf` base, and which of them hold it flattened.
    pub allof: super::allof::AllOf,
}

#[derive(Default)]
struct Acc {
    props: BTreeMap<String, Value>,
    /// In the order the spec lists them, without repeats.
    required: Vec<String>,
}

pub(super) fn resolve_in<'a>(schemas: &'a Map<String, Value>, mut s: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match s.get("$ref").and_then(Value::as_str) {
            Some(r) => match schemas.get(ref_name(r)) {
                Some(t) => s = t,
                None => return s,
            },
            None => return s,
        }
    }
    s
}

pub(super) fn ref_name(r: &str) -> &str {
    r.rsplit('/').next().unwrap_or(r)
}

pub(super) fn alts(schema: &Value) -> Option<&Vec<Value>> {
    schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
}

fn is_idish(prop: Option<&str>) -> bool {
    prop.is_some_and(|p| p == "id" || p.ends_with("_id"))
}

fn is_atish(prop: Option<&str>) -> bool {
    prop.is_some_and(|p| p.ends_with("_at"))
}

pub(super) fn str_enum(schema: &Value) -> Option<Vec<String>> {
    let vals = schema.get("enum")?.as_array()?;
    if schema.get("type").is_some_and(|t| t != "string") {
        return None;
    }
    let out: Vec<String> = vals
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    if out.is_empty() || vals.iter().any(|v| !v.is_null() && !v.is_string()) {
        return None;
    }
    Some(out)
}

/// A schema that only restates which properties are required (`anyOf: [{required: [..]}]`).
pub(super) fn constraint_only(s: &Value) -> bool {
    s.as_object().is_some_and(|o| {
        o.keys()
            .all(|k| matches!(k.as_str(), "required" | "title" | "description"))
    })
}

impl<'s> Models<'s> {
    pub fn new(spec: &'s Value) -> Result<Self> {
        let Some(schemas) = spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        else {
            bail!("the spec has no components.schemas");
        };
        let mut m = Models {
            schemas,
            types: BTreeMap::new(),
            comp: BTreeMap::new(),
            used: BTreeSet::new(),
            cache: BTreeMap::new(),
            scope: String::new(),
            stats: Stats::default(),
            allof: super::allof::AllOf::default(),
        };
        for name in schemas.keys() {
            let rust = m.unique(&type_ident(name));
            m.comp.insert(name.clone(), rust);
        }
        for (name, schema) in schemas {
            let rust = m.comp[name].clone();
            let def = m.define(&rust, schema, name, name)?;
            m.types.insert(
                rust,
                TypeDef {
                    origin: name.clone(),
                    component: true,
                    def,
                },
            );
        }
        Ok(m)
    }

    pub fn component_count(&self) -> usize {
        self.comp.len()
    }

    fn unique(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut n = 2;
        while self.used.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.used.insert(name.clone());
        name
    }

    fn resolve<'a>(&self, s: &'a Value) -> &'a Value
    where
        's: 'a,
    {
        resolve_in(self.schemas, s)
    }

    /// Whether a schema becomes a struct.
    fn objecty(&self, s: &Value) -> bool {
        let s = self.resolve(s);
        if s.get("properties")
            .is_some_and(|p| p.as_object().is_some_and(|o| !o.is_empty()))
        {
            return true;
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            if all.iter().any(|p| self.objecty(p)) {
                return true;
            }
        }
        if let Some(a) = alts(s) {
            if a.iter().all(constraint_only) {
                return s.get("type").is_some_and(|t| t == "object");
            }
            return a.iter().all(|x| constraint_only(x) || self.objecty(x));
        }
        false
    }

    fn is_datetime_pattern(&self, a: &[Value]) -> bool {
        a.len() == 2
            && a.iter()
                .any(|x| x.get("type").is_some_and(|t| t == "string"))
            && a.iter()
                .any(|x| x.get("type").is_some_and(|t| t == "integer"))
    }

    /// The definition of a named type for `schema`.
    fn define(&mut self, name: &str, schema: &Value, origin: &str, comp: &str) -> Result<Def> {
        if schema.get("$ref").is_some() {
            return Ok(Def::Alias(self.ty_of(schema, name, None, comp)?));
        }
        if self.objecty(schema) {
            return self.define_struct(name, schema, origin, comp);
        }
        if let Some(vals) = str_enum(schema) {
            return Ok(Def::Enum(vals));
        }
        let ty = self.ty_of(schema, &format!("{name}Value"), None, comp)?;
        Ok(Def::Alias(ty))
    }

    fn collect(&mut self, schema: &Value, acc: &mut Acc, origin: &str, depth: usize) {
        if depth > 16 {
            return;
        }
        let s = resolve_in(self.schemas, schema);
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for part in all {
                self.collect(part, acc, origin, depth + 1);
            }
        }
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            for (k, v) in props {
                acc.props.insert(k.clone(), v.clone());
            }
        }
        if let Some(req) = s.get("required").and_then(Value::as_array) {
            for r in req.iter().filter_map(Value::as_str) {
                if !acc.required.iter().any(|x| x == r) {
                    acc.required.push(r.to_owned());
                }
            }
        }
        if let Some(a) = alts(s) {
            if a.iter().all(constraint_only) {
                return;
            }
            self.stats.merged.insert(origin.to_string());
            for alt in a {
                let mut sub = Acc::default();
                self.collect(alt, &mut sub, origin, depth + 1);
                for (k, v) in sub.props {
                    let merged = match acc.props.get(&k) {
                        None => v,
                        Some(old) => self.merge_prop(old, &v),
                    };
                    acc.props.insert(k, merged);
                }
            }
        }
    }

    /// Two alternatives declare the same property: keep one schema for it.
    fn merge_prop(&self, a: &Value, b: &Value) -> Value {
        if a == b {
            return a.clone();
        }
        if let (Some(x), Some(y)) = (str_enum(a), str_enum(b)) {
            let mut vals = x;
            for v in y {
                if !vals.contains(&v) {
                    vals.push(v);
                }
            }
            let mut out = a.clone();
            out["enum"] = json!(vals);
            return out;
        }
        let (ra, rb) = (self.resolve(a), self.resolve(b));
        if a.get("$ref").is_some() || b.get("$ref").is_some() {
            if a.get("$ref") == b.get("$ref") {
                return a.clone();
            }
            return json!({"x-conflict": true});
        }
        if ra.get("type").is_some() && ra.get("type") == rb.get("type") {
            let t = ra.get("type").and_then(Value::as_str).unwrap_or_default();
            if matches!(t, "string" | "integer" | "boolean" | "number") {
                let mut out = ra.clone();
                if let Some(o) = out.as_object_mut() {
                    o.remove("enum");
                }
                return out;
            }
            if t == "array" && ra.get("items") == rb.get("items") {
                return a.clone();
            }
        }
        json!({"x-conflict": true})
    }

    fn define_struct(
        &mut self,
        name: &str,
        schema: &Value,
        origin: &str,
        comp: &str,
    ) -> Result<Def> {
        let mut acc = Acc::default();
        self.collect(schema, &mut acc, origin, 0);
        let mut fields = Vec::new();
        let mut idents = BTreeSet::new();
        for (json_name, pschema) in &acc.props {
            let custom = FIELD_TYPES
                .iter()
                .find(|(s, p, _)| *s == comp && p == json_name)
                .map(|(_, _, t)| Ty::Custom((*t).to_string()));
            let ty = match custom {
                Some(t) => t,
                None => {
                    let ctx = format!("{name}{}", pascal(json_name));
                    let sub_origin = format!("{origin}.{json_name}");
                    self.ty_of_at(pschema, &ctx, Some(json_name), comp, &sub_origin)?
                }
            };
            let resolved = self.resolve(pschema);
            let nullable = pschema.get("nullable") == Some(&Value::Bool(true))
                || resolved.get("nullable") == Some(&Value::Bool(true))
                || pschema
                    .get("enum")
                    .and_then(Value::as_array)
                    .is_some_and(|e| e.iter().any(Value::is_null));
            let required_pos = acc.required.iter().position(|r| r == json_name);
            let required = required_pos.is_some();
            let optional = nullable || !required;
            let mut ident = field_ident(json_name);
            let base = ident.clone();
            let mut n = 2;
            while idents.contains(&ident) {
                ident = format!("{base}_{n}");
                n += 1;
            }
            idents.insert(ident.clone());
            fields.push(Field {
                json: json_name.clone(),
                ident,
                ty,
                optional,
                required,
                nullable,
                required_pos,
                facts: Facts::of(pschema, resolved),
                boxed: false,
            });
        }
        if fields.is_empty() {
            return Ok(Def::Alias(Ty::Map));
        }
        if let Some(base) = super::allof::single_base(schema).and_then(|b| self.comp.get(b)) {
            self.allof.extends.insert(name.to_string(), base.clone());
        }
        Ok(Def::Struct(fields))
    }

    /// The type of a property or other inline schema.
    pub fn ty_of(&mut self, s: &Value, ctx: &str, prop: Option<&str>, comp: &str) -> Result<Ty> {
        let origin = format!("{comp}:{ctx}");
        self.ty_of_at(s, ctx, prop, comp, &origin)
    }

    fn named_inline(
        &mut self,
        s: &Value,
        ctx: &str,
        origin: &str,
        comp: &str,
        enum_: bool,
    ) -> Result<Ty> {
        let key = format!("{}{}{}", self.scope, if enum_ { "E" } else { "S" }, s);
        if let Some(n) = self.cache.get(&key) {
            return Ok(Ty::Named(n.clone()));
        }
        let derived = type_ident(ctx);
        let base = INLINE_TYPE_NAMES
            .iter()
            .find(|(from, _)| *from == derived)
            .map_or(derived.clone(), |(_, to)| (*to).to_string());
        let name = self.unique(&base);
        self.cache.insert(key, name.clone());
        let def = if enum_ {
            Def::Enum(str_enum(s).unwrap_or_default())
        } else {
            self.define_struct(&name, s, origin, comp)?
        };
        self.types.insert(
            name.clone(),
            TypeDef {
                origin: origin.to_string(),
                component: false,
                def,
            },
        );
        Ok(Ty::Named(name))
    }

    fn ty_of_at(
        &mut self,
        s: &Value,
        ctx: &str,
        prop: Option<&str>,
        comp: &str,
        origin: &str,
    ) -> Result<Ty> {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let target = ref_name(r);
            if target == "datetime" {
                return Ok(Ty::Timestamp(TsKind::Any));
            }
            let Some(n) = self.comp.get(target) else {
                bail!("unknown $ref {r}");
            };
            // A property named `type` that points at a plain string enum stays a string.
            return Ok(Ty::Named(n.clone()));
        }
        if let Some(value) = s.get("x-const").and_then(Value::as_str) {
            let name = self.unique(&type_ident(ctx));
            self.types.insert(
                name.clone(),
                TypeDef {
                    origin: origin.to_string(),
                    component: false,
                    def: Def::Const(value.to_string()),
                },
            );
            return Ok(Ty::Named(name));
        }
        if s.get("x-conflict").is_some() {
            self.stats
                .value_fallbacks
                .insert(format!("{origin} (alternatives disagree)"));
            return Ok(Ty::Value);
        }
        let has_all = s.get("allOf").and_then(Value::as_array);
        let has_alts = alts(s);
        let has_props = s
            .get("properties")
            .is_some_and(|p| p.as_object().is_some_and(|o| !o.is_empty()));
        if has_all.is_some() || has_alts.is_some() {
            if let (Some(all), None, false) = (has_all, has_alts, has_props) {
                if all.len() == 1 {
                    return self.ty_of_at(&all[0], ctx, prop, comp, origin);
                }
            }
            if let (None, Some(a), false) = (has_all, has_alts, has_props) {
                if a.len() == 1 {
                    return self.ty_of_at(&a[0], ctx, prop, comp, origin);
                }
                if self.is_datetime_pattern(a) {
                    return Ok(Ty::Timestamp(TsKind::Any));
                }
            }
            if self.objecty(s) {
                return self.named_inline(s, ctx, origin, comp, false);
            }
            if has_alts.is_some() {
                self.stats
                    .value_fallbacks
                    .insert(format!("{origin} (oneOf/anyOf of non-objects)"));
                return Ok(Ty::Value);
            }
        }
        if str_enum(s).is_some() {
            if prop == Some("type") {
                return Ok(Ty::Str);
            }
            return self.named_inline(s, ctx, origin, comp, true);
        }
        let format = s.get("format").and_then(Value::as_str).unwrap_or_default();
        let ts_format = matches!(format, "date-time" | "timestamp");
        match s.get("type").and_then(Value::as_str) {
            Some("string") => Ok(if ts_format {
                Ty::Timestamp(TsKind::Iso)
            } else if is_idish(prop) {
                Ty::Id
            } else if is_atish(prop) {
                Ty::Timestamp(TsKind::Any)
            } else {
                Ty::Str
            }),
            Some("integer") => Ok(if ts_format || is_atish(prop) {
                Ty::Timestamp(TsKind::Unix)
            } else if is_idish(prop) {
                Ty::IntId
            } else {
                Ty::Int
            }),
            Some("number") => Ok(Ty::Float),
            Some("boolean") => Ok(Ty::Bool),
            Some("array") => {
                let items = s.get("items").cloned().unwrap_or(Value::Null);
                let scalar_items = matches!(
                    self.resolve(&items).get("type").and_then(Value::as_str),
                    Some("string" | "integer")
                ) && str_enum(self.resolve(&items)).is_none();
                if prop.is_some_and(|p| p.ends_with("_ids")) && scalar_items {
                    let int =
                        self.resolve(&items).get("type").and_then(Value::as_str) == Some("integer");
                    return Ok(if int { Ty::IntIds } else { Ty::Ids });
                }
                let item_ctx = format!("{ctx}Item");
                let mut item =
                    self.ty_of_at(&items, &item_ctx, None, comp, &format!("{origin}[]"))?;
                if items.get("nullable") == Some(&Value::Bool(true)) {
                    item = Ty::Nullable(Box::new(item));
                }
                Ok(Ty::Vec(Box::new(item)))
            }
            _ if has_props => self.named_inline(s, ctx, origin, comp, false),
            Some("object") => match s.get("additionalProperties") {
                Some(ap) if ap.as_object().is_some_and(|o| !o.is_empty()) => {
                    let v = self.ty_of_at(
                        ap,
                        &format!("{ctx}Value"),
                        None,
                        comp,
                        &format!("{origin}{{}}"),
                    )?;
                    // Maps of scalars (custom attributes) are kept as JSON: Intercom sends
                    // numbers and booleans where the spec says string.
                    if matches!(v, Ty::Str | Ty::Int | Ty::Float | Ty::Bool | Ty::Value) {
                        return Ok(Ty::Map);
                    }
                    Ok(Ty::Dict(Box::new(v)))
                }
                // A free-form object: any JSON, since its structure "varies".
                _ => Ok(Ty::Value),
            },
            _ => {
                if s.as_object().is_some_and(|o| !o.is_empty())
                    && !s.as_object().is_some_and(|o| {
                        o.keys().all(|k| {
                            matches!(k.as_str(), "description" | "example" | "nullable" | "title")
                        })
                    })
                {
                    self.stats
                        .value_fallbacks
                        .insert(format!("{origin} (untyped schema)"));
                }
                Ok(Ty::Value)
            }
        }
    }

    /// The component schemas, by name.
    pub(super) fn schemas(&self) -> &'s Map<String, Value> {
        self.schemas
    }

    /// The Rust name of a component schema.
    pub(super) fn component_type(&self, name: &str) -> Option<&String> {
        self.comp.get(name)
    }

    /// A type name not used yet, reserved.
    pub(super) fn reserve(&mut self, base: &str) -> String {
        self.unique(base)
    }

    /// Drops generated types (their names become free again, and cached inline schemas
    /// naming them are forgotten).
    pub(super) fn remove_types(&mut self, names: &BTreeSet<String>) {
        for n in names {
            self.types.remove(n);
            self.used.remove(n);
        }
        self.cache.retain(|_, v| !names.contains(v));
    }

    /// Properties and required names of an object schema, through `allOf` and `$ref`s.
    pub(super) fn properties(&mut self, schema: &Value) -> (BTreeMap<String, Value>, Vec<String>) {
        let mut acc = Acc::default();
        self.collect(schema, &mut acc, "", 0);
        self.stats.merged.remove("");
        (acc.props, acc.required)
    }

    /// Defines the struct `name` for `schema`, its inline types named after it.
    pub(super) fn define_own_struct(
        &mut self,
        name: &str,
        schema: &Value,
        origin: &str,
        comp: &str,
    ) -> Result<Def> {
        self.scope = format!("{name}:");
        let def = self.define_struct(name, schema, origin, comp);
        self.scope.clear();
        def
    }

    /// Every generated type reachable from `roots`.
    pub fn closure(&self, roots: &[String]) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = roots.to_vec();
        while let Some(n) = stack.pop() {
            if !seen.insert(n.clone()) {
                continue;
            }
            match self.types.get(&n).map(|t| &t.def) {
                Some(Def::Struct(fields)) => {
                    for f in fields {
                        f.ty.named(&mut stack);
                    }
                }
                Some(Def::Alias(t)) => t.named(&mut stack),
                Some(Def::OneOf(alts)) => stack.extend(alts.iter().map(|a| a.ty.clone())),
                _ => {}
            }
        }
        seen
    }

    /// Marks struct fields that need a `Box` to break a cycle of direct containment.
    pub fn box_cycles(&mut self) {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (name, td) in &self.types {
            let e = edges.entry(name.clone()).or_default();
            match &td.def {
                Def::Struct(fields) => {
                    for f in fields {
                        if let Ty::Named(t) = &f.ty {
                            e.insert(t.clone());
                        }
                    }
                }
                Def::Alias(Ty::Named(t)) => {
                    e.insert(t.clone());
                }
                _ => {}
            }
        }
        let reaches = |from: &str, to: &str| -> bool {
            let mut seen = BTreeSet::new();
            let mut stack = vec![from.to_string()];
            while let Some(n) = stack.pop() {
                if n == to {
                    return true;
                }
                if !seen.insert(n.clone()) {
                    continue;
                }
                if let Some(next) = edges.get(&n) {
                    stack.extend(next.iter().cloned());
                }
            }
            false
        };
        let mut to_box = Vec::new();
        for (name, td) in &self.types {
            if let Def::Struct(fields) = &td.def {
                for (i, f) in fields.iter().enumerate() {
                    if let Ty::Named(t) = &f.ty {
                        if reaches(t, name) {
                            to_box.push((name.clone(), i));
                        }
                    }
                }
            }
        }
        for (name, i) in to_box {
            if let Some(TypeDef {
                def: Def::Struct(fields),
                ..
            }) = self.types.get_mut(&name)
            {
                fields[i].boxed = true;
            }
        }
    }

    /// Variant identifiers for enum values, unique within the enum.
    pub fn variants(values: &[String]) -> Vec<(String, String)> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for v in values {
            let base = variant_ident(v);
            let mut id = base.clone();
            let mut n = 2;
            while seen.contains(&id) || id == "Other" {
                id = format!("{base}{n}");
                n += 1;
            }
            seen.insert(id.clone());
            out.push((id, v.clone()));
        }
        out
    }
}
