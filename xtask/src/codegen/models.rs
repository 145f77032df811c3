//! Renders the `models` module: one file per tag whose operations alone use the models in it,
//! and `shared.rs` for the rest (see [`model_file`]).
//!
//! Over 600 lines because about 200 are the unit tests of the schema-to-struct rendering;
//! the rendering itself (roles, struct model, files) is one concern.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::schema::{Def, Field, Models, TsKind, Ty, TypeDef};
use super::HEADER;

/// The serde helper functions of a field: (deserialize_with, serialize_with).
fn helpers(ty: &Ty, optional: bool) -> (Option<&'static str>, Option<&'static str>) {
    let (de, ser) = match ty {
        Ty::Id => (Some("id"), None),
        Ty::IntId => (Some("id"), Some("int_id")),
        Ty::Ids => (Some("ids"), None),
        Ty::IntIds => (Some("ids"), Some("int_ids")),
        Ty::Int => (Some("int"), None),
        Ty::Float => (Some("float"), None),
        Ty::Timestamp(TsKind::Iso) => (None, Some("iso")),
        Ty::Timestamp(TsKind::Unix) => (None, Some("unix")),
        _ => (None, None),
    };
    let pick = |s: Option<&'static str>| -> Option<&'static str> {
        s.map(|s| {
            if !optional {
                return s;
            }
            match s {
                "id" => "opt_id",
                "int_id" => "opt_int_id",
                "int_ids" => "opt_int_ids",
                "ids" => "opt_ids",
                "int" => "opt_int",
                "float" => "opt_float",
                "iso" => "opt_iso",
                "unix" => "opt_unix",
                other => other,
            }
        })
    };
    (pick(de), pick(ser))
}

fn doc_escape(s: &str) -> String {
    s.replace('`', "'")
}

/// Who a struct is for: what users send is strict, what they receive is lenient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Reachable from a request body: required fields are constructor arguments.
    Request,
    /// Only received: defaulted, every field public.
    Response,
}

/// Which generated types are sent, and which of those cannot have a `Default`.
#[derive(Debug, Default)]
pub struct Roles {
    pub request: BTreeSet<String>,
    /// Request structs with at least one required field.
    pub no_default: BTreeSet<String>,
}

impl Roles {
    /// The types reachable from `bodies` (the request body types of the operations).
    pub fn new(models: &Models, bodies: &[String]) -> Self {
        let request = models.closure(bodies);
        let no_default = request
            .iter()
            .filter(|n| match models.types.get(*n).map(|t| &t.def) {
                Some(Def::Struct(fields)) => fields.iter().any(|f| f.required),
                Some(Def::OneOf(_)) => true,
                _ => false,
            })
            .cloned()
            .collect();
        Roles {
            request,
            no_default,
        }
    }

    pub fn role(&self, name: &str) -> Role {
        if self.request.contains(name) {
            Role::Request
        } else {
            Role::Response
        }
    }

    /// Whether a value of `ty` can be defaulted (so a field of it may be absent when decoding).
    pub fn has_default(&self, models: &Models, ty: &Ty) -> bool {
        let mut cur = ty;
        for _ in 0..8 {
            match cur {
                Ty::Named(n) => match models.types.get(n).map(|t| &t.def) {
                    Some(Def::Alias(t)) => cur = t,
                    _ => return !self.no_default.contains(n),
                },
                _ => return true,
            }
        }
        true
    }

    /// Required fields of request structs, and how many of them the constructor takes.
    pub fn required_counts(&self, models: &Models) -> (usize, usize) {
        let mut total = 0;
        let mut enforced = 0;
        for name in &self.request {
            if let Some(Def::Struct(fields)) = models.types.get(name).map(|t| &t.def) {
                let model = StructModel::build(name, fields, Role::Request, self, models);
                total += fields.iter().filter(|f| f.required).count();
                // A required constant is set by `new` itself: enforced too.
                enforced += fields
                    .iter()
                    .zip(&model.fields)
                    .filter(|(f, m)| m.ctor_pos.is_some() || (f.required && m.constant))
                    .count();
            }
        }
        (enforced, total)
    }
}

/// One field of a generated struct, with everything needed to print it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldModel {
    pub doc: Vec<String>,
    pub serde: Vec<String>,
    pub ident: String,
    /// The field's Rust type (with `Box` and `Option`).
    pub rust: String,
    /// The type a caller passes: the field type without `Option` and `Box`.
    pub value: String,
    pub boxed: bool,
    /// `Some(i)`: the `i`-th argument of `new`.
    pub ctor_pos: Option<usize>,
    /// The field is an `Option` (a constructor argument passes it as is).
    pub option: bool,
    /// The field is an `intercom_resources::Patch` (absent, null or a value).
    pub patch: bool,
    /// The field's value is fixed by the schema: a marker type the struct sets by itself.
    pub constant: bool,
}

/// A generated struct.
#[derive(Debug, Clone, PartialEq)]
pub struct StructModel {
    pub name: String,
    pub role: Role,
    pub default: bool,
    pub fields: Vec<FieldModel>,
    /// The field that keeps JSON fields the type does not declare (response structs only).
    pub extra: Option<String>,
    /// One alternative of a request enum: decoding rejects fields it does not declare.
    pub deny_unknown: bool,
}

/// The name of the field keeping unknown JSON fields: `extra`, unless a property has that name.
fn extra_ident(fields: &[FieldModel]) -> String {
    let mut ident = "extra".to_string();
    while fields.iter().any(|f| f.ident == ident) {
        ident.push('_');
    }
    ident
}

/// The doc lines of a field: facts from the spec, never its description.
fn field_doc(f: &Field, role: Role) -> Vec<String> {
    let mut lines = vec![format!("JSON `{}`", doc_escape(&f.json))];
    let mut facts = Vec::new();
    if !f.facts.declared.is_empty() {
        facts.push(format!("type {}", doc_escape(&f.facts.declared)));
    }
    facts.push(if f.required { "required" } else { "optional" }.to_string());
    if f.nullable {
        facts.push("nullable".into());
    }
    let _ = role;
    lines[0] = format!("{}: {}.", lines[0], facts.join(", "));
    if !f.facts.enum_values.is_empty() {
        let vals: Vec<String> = f
            .facts
            .enum_values
            .iter()
            .map(|v| format!("`{}`", doc_escape(v)))
            .collect();
        lines.push(format!("One of {}.", vals.join(", ")));
    }
    if let Some(e) = &f.facts.example {
        lines.push(format!("Example: `{}`.", doc_escape(e)));
    }
    lines
}

impl StructModel {
    pub fn build(name: &str, fields: &[Field], role: Role, roles: &Roles, models: &Models) -> Self {
        let mut out = Vec::new();
        for f in fields {
            // A field fixed to one value is always sent and set by `new`.
            if let Some(marker) = super::variants::constant_type(models, &f.ty) {
                let mut serde = Vec::new();
                if f.ident != f.json {
                    serde.push(format!("rename = {:?}", f.json));
                }
                if !f.required {
                    serde.push("default".into());
                }
                out.push(FieldModel {
                    doc: field_doc(f, role),
                    serde,
                    ident: f.ident.clone(),
                    rust: marker.clone(),
                    value: marker,
                    boxed: false,
                    ctor_pos: None,
                    option: false,
                    patch: false,
                    constant: true,
                });
                continue;
            }
            // A request field the spec requires is always sent (as `null` when nullable and
            // `None`); an optional one only when set.
            let send_always = role == Role::Request && f.required;
            let option = f.optional;
            let (de, ser) = if f.boxed {
                (None, None)
            } else {
                helpers(&f.ty, option)
            };
            let mut serde = Vec::new();
            if f.ident != f.json {
                serde.push(format!("rename = {:?}", f.json));
            }
            // An optional request field the spec lets be null: absent, null or a value.
            // (Fields written through a serde helper keep `Option`.)
            if role == Role::Request
                && f.nullable
                && !f.required
                && ser.is_none()
                && !f.boxed
                && !super::overrides::NOT_PATCH.contains(&f.json.as_str())
            {
                serde.push("default".into());
                serde.push("skip_serializing_if = \"crate::Patch::is_absent\"".into());
                let value = f.ty.rust("");
                out.push(FieldModel {
                    doc: field_doc(f, role),
                    serde,
                    ident: f.ident.clone(),
                    rust: format!("crate::Patch<{value}>"),
                    value,
                    boxed: false,
                    ctor_pos: None,
                    option: false,
                    patch: true,
                    constant: false,
                });
                continue;
            }
            // An alternative of a request enum needs its required fields when decoding, so a
            // value decodes into the alternative it was written from.
            let needed = send_always && !option && models.stats.alternatives.contains(name);
            if role == Role::Request && !needed && (option || roles.has_default(models, &f.ty)) {
                serde.push("default".into());
            }
            if option && !send_always {
                serde.push("skip_serializing_if = \"Option::is_none\"".into());
            }
            if let Some(de) = de {
                serde.push(format!("deserialize_with = \"crate::lenient::{de}\""));
            }
            if let Some(ser) = ser {
                serde.push(format!("serialize_with = \"crate::lenient::{ser}\""));
            }
            let value = f.ty.rust("");
            let mut rust = if f.boxed {
                format!("Box<{value}>")
            } else {
                value.clone()
            };
            if option {
                rust = format!("Option<{rust}>");
            }
            out.push(FieldModel {
                doc: field_doc(f, role),
                serde,
                ident: f.ident.clone(),
                rust,
                value,
                boxed: f.boxed,
                ctor_pos: if send_always { f.required_pos } else { None },
                option,
                patch: false,
                constant: false,
            });
        }
        let default = match role {
            Role::Response => true,
            Role::Request => !roles.no_default.contains(name),
        };
        let extra = (role == Role::Response).then(|| extra_ident(&out));
        StructModel {
            name: name.to_string(),
            role,
            default,
            fields: out,
            extra,
            deny_unknown: role == Role::Request && models.stats.alternatives.contains(name),
        }
    }

    /// Constructor arguments, in the order the spec lists the required fields.
    fn ctor_args(&self) -> Vec<&FieldModel> {
        let mut args: Vec<&FieldModel> = self
            .fields
            .iter()
            .filter(|f| f.ctor_pos.is_some())
            .collect();
        args.sort_by_key(|f| f.ctor_pos);
        args
    }

    pub fn render(&self, out: &mut String, doc: &str, cfg: &str) {
        let _ = writeln!(out, "/// {doc}");
        if self.role == Role::Request {
            let args = self.ctor_args();
            if args.is_empty() {
                out.push_str(
                    "///\n/// Sent in a request; build it with `new()` and the `with_*` setters.\n",
                );
            } else {
                let names: Vec<String> = args.iter().map(|f| format!("`{}`", f.ident)).collect();
                let _ = writeln!(
                    out,
                    "///\n/// Sent in a request; `new({})` takes the required fields, the `with_*` setters the others.",
                    names.join(", ")
                );
            }
        }
        out.push_str(cfg);
        let derive = if self.default {
            "Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize"
        } else {
            "Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize"
        };
        let _ = writeln!(out, "#[derive({derive})]\n#[non_exhaustive]");
        if self.role == Role::Response {
            out.push_str("#[serde(default)]\n");
        }
        if self.deny_unknown {
            out.push_str("#[serde(deny_unknown_fields)]\n");
        }
        let _ = writeln!(out, "pub struct {} {{", self.name);
        for f in &self.fields {
            for line in &f.doc {
                let _ = writeln!(out, "/// {line}");
            }
            if !f.serde.is_empty() {
                let _ = writeln!(out, "#[serde({})]", f.serde.join(", "));
            }
            let _ = writeln!(out, "pub {}: {},", f.ident, f.rust);
        }
        if let Some(extra) = &self.extra {
            out.push_str(
                "/// JSON fields the spec does not declare here, kept as received and written back \
                 when serialized.\n#[serde(flatten)]\n",
            );
            let _ = writeln!(
                out,
                "pub {extra}: serde_json::Map<String, serde_json::Value>,"
            );
        }
        out.push_str("}\n\n");
        if self.role == Role::Request {
            self.render_impl(out, cfg);
        }
    }

    fn render_impl(&self, out: &mut String, cfg: &str) {
        out.push_str(cfg);
        let _ = writeln!(out, "impl {} {{", self.name);
        let args = self.ctor_args();
        let params: Vec<String> = args
            .iter()
            .map(|f| {
                if f.option {
                    format!("{}: {}", f.ident, f.rust)
                } else {
                    format!("{}: impl Into<{}>", f.ident, f.value)
                }
            })
            .collect();
        out.push_str("/// A value with the required fields set and every other field absent.\n");
        let _ = writeln!(out, "pub fn new({}) -> Self {{\nSelf {{", params.join(", "));
        for f in &self.fields {
            let v = match (f.ctor_pos.is_some(), f.option, f.boxed) {
                (false, _, _) if f.patch => "crate::Patch::Absent".to_string(),
                (false, _, _) if f.constant => f.value.clone(),
                (false, _, _) => "None".to_string(),
                (true, true, _) => f.ident.clone(),
                (true, false, true) => format!("Box::new({}.into())", f.ident),
                (true, false, false) => format!("{}.into()", f.ident),
            };
            if v == f.ident {
                let _ = writeln!(out, "{},", f.ident);
            } else {
                let _ = writeln!(out, "{}: {v},", f.ident);
            }
        }
        out.push_str("}\n}\n");
        for f in self
            .fields
            .iter()
            .filter(|f| f.ctor_pos.is_none() && !f.constant)
        {
            let setter = format!(
                "with_{}",
                f.ident.trim_start_matches("r#").trim_end_matches('_')
            );
            let wrapped = if f.patch {
                "crate::Patch::Value(value.into())"
            } else if f.boxed {
                "Some(Box::new(value.into()))"
            } else {
                "Some(value.into())"
            };
            let _ = writeln!(
                out,
                "/// Sets `{}`.\npub fn {setter}(mut self, value: impl Into<{}>) -> Self {{\nself.{} = {wrapped};\nself\n}}",
                f.ident, f.value, f.ident
            );
            if f.patch {
                let _ = writeln!(
                    out,
                    "/// Sends `{}` as `null`, clearing it.\npub fn clear_{}(mut self) -> Self {{\nself.{} = crate::Patch::Null;\nself\n}}",
                    f.ident,
                    f.ident.trim_start_matches("r#").trim_end_matches('_'),
                    f.ident
                );
            }
        }
        out.push_str("}\n\n");
    }
}

/// `declared_fields(type)`: the JSON names a response struct declares. Such a struct
/// deserializes through `deserialize_map` (its unknown fields are flattened into `extra`), so
/// serde no longer hands a deserializer its field list; tools that build values from the
/// types alone (the sandbox's sampler) read it here, with the type's name as a `'static`
/// string (serde's `expecting` text only gives a borrowed one).
fn declared_fields(models: &Models, roles: &Roles) -> String {
    let mut out = String::from(
        "\n/// The name and JSON field names of a response model, by its Rust name (`\"Contact\"`);\n\
         /// an extension's flattened base's fields are the base's (see [`flattened_base`]).\n\
         #[doc(hidden)]\npub fn declared_fields(type_name: &str) -> Option<(&'static str, &'static [&'static str])> {\n\
         Some(match type_name {\n",
    );
    for (name, td) in &models.types {
        if let Def::Struct(fields) = &td.def {
            if roles.role(name) == Role::Response {
                let names: Vec<String> = fields
                    .iter()
                    .filter(|f| !models.allof.inherits(name, &f.json))
                    .map(|f| format!("{:?}", f.json))
                    .collect();
                let _ = writeln!(out, "{name:?} => ({name:?}, &[{}]),", names.join(", "));
            }
        }
    }
    out.push_str("_ => return None,\n})\n}\n");
    out
}

/// For the examples test: a closure taking a decoded value of `ty` and clearing the fields
/// that keep unknown JSON (so what remains is what matched the declared fields).
pub fn strip_unknown(models: &Models, roles: &Roles, ty: &Ty, prefix: &str) -> String {
    let mut cur = ty;
    for _ in 0..8 {
        match cur {
            Ty::Named(n) => match models.types.get(n).map(|t| &t.def) {
                Some(Def::Alias(t)) => cur = t,
                Some(Def::Struct(_)) if roles.role(n) == Role::Response => {
                    return format!("|mut v: {}| {{ v.extra.clear(); v }}", ty.rust(prefix));
                }
                _ => break,
            },
            Ty::Vec(inner) => {
                if let Ty::Named(n) = inner.as_ref() {
                    if matches!(models.types.get(n).map(|t| &t.def), Some(Def::Struct(_)))
                        && roles.role(n) == Role::Response
                    {
                        return format!(
                            "|mut v: {}| {{ v.iter_mut().for_each(|x| x.extra.clear()); v }}",
                            ty.rust(prefix)
                        );
                    }
                }
                break;
            }
            _ => break,
        }
    }
    format!("|v: {}| v", ty.rust(prefix))
}

/// `#[cfg(...)]` for an item used by the tags (features) in `tags`; empty when always on.
pub fn cfg_line(tags: Option<&Vec<String>>) -> String {
    match tags {
        None => String::new(),
        Some(t) if t.len() == 1 => format!("#[cfg(feature = {:?})]\n", t[0]),
        Some(t) => {
            let list: Vec<String> = t.iter().map(|f| format!("feature = {f:?}")).collect();
            format!("#[cfg(any({}))]\n", list.join(", "))
        }
    }
}

fn render_type(
    out: &mut String,
    name: &str,
    td: &TypeDef,
    gate: Option<&Vec<String>>,
    roles: &Roles,
    models: &Models,
) {
    let cfg = cfg_line(gate);
    let doc = if td.component {
        format!("The `{}` schema.", td.origin)
    } else {
        format!("Inline schema at `{}`.", doc_escape(&td.origin))
    };
    match &td.def {
        Def::Struct(fields) => match models.allof.flattened.get(name) {
            Some(base) => super::allof::render(out, name, fields, base, &doc, &cfg, roles, models),
            None => {
                let model = StructModel::build(name, fields, roles.role(name), roles, models);
                model.render(out, &doc, &cfg);
            }
        },
        Def::Enum(values) => {
            out.push_str(&cfg);
            out.push_str("crate::lenient::open_enum! {\n");
            let _ = writeln!(out, "/// {doc} Unknown values are kept in `Other`.");
            let _ = writeln!(out, "pub enum {name} {{");
            for (variant, value) in Models::variants(values) {
                let _ = writeln!(out, "{variant} = {value:?},");
            }
            out.push_str("}\n}\n\n");
        }
        Def::OneOf(alts) => super::variants::render_enum(out, name, &doc, &cfg, alts, models),
        Def::Const(value) => super::variants::render_const(out, name, &doc, &cfg, value),
        Def::Alias(ty) => {
            let _ = writeln!(out, "/// {doc}");
            out.push_str(&cfg);
            let _ = writeln!(out, "pub type {name} = {};", ty.rust(""));
            out.push('\n');
        }
    }
}

/// The file of a model inside `models/`, and what the file's doc says it holds: a model used
/// by the operations of one tag only (its feature gate names one feature) goes into that tag's
/// file (`contacts.rs`); one used by several tags, or by none, into `shared.rs`. A model's
/// file therefore depends only on which operations reach it, not on the other schemas' names:
/// adding an unrelated schema moves nothing.
pub fn model_file(gate: Option<&Vec<String>>) -> (String, String) {
    match gate.map(Vec::as_slice) {
        Some([tag]) => (
            tag.clone(),
            format!("Models used only by the operations of the `{tag}` feature's tag."),
        ),
        _ => (
            "shared".to_string(),
            "Models used by the operations of several tags, or of none.".to_string(),
        ),
    }
}

/// (file name inside `models/`, contents) pairs; `mod.rs` included.
/// `gates`: the features a type needs (any of); types absent from it are always compiled.
pub fn render(
    models: &Models,
    gates: &BTreeMap<String, Vec<String>>,
    roles: &Roles,
) -> Vec<(String, String)> {
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for (name, td) in &models.types {
        let (file, what) = model_file(gates.get(name));
        let file = files.entry(format!("{file}.rs")).or_insert_with(|| {
            format!("{HEADER}//! {what}\n\n#[allow(unused_imports)]\nuse super::*;\n\n")
        });
        render_type(file, name, td, gates.get(name), roles, models);
    }
    let mut modrs = format!(
        "{HEADER}//! One type per component schema of the spec, plus the inline objects and enums they\n\
         //! contain. Response structs decode leniently (missing fields defaulted, unknown fields kept\n\
         //! in `extra` and written back when serialized); enums are open (unknown values kept in\n\
         //! `Other`).\n\n"
    );
    for f in files.keys() {
        let m = f.trim_end_matches(".rs");
        let _ = writeln!(modrs, "mod {m};\npub use {m}::*;");
    }
    modrs.push_str(&declared_fields(models, roles));
    modrs.push_str(&super::allof::flattened_base_fn(models, gates));
    let mut out = vec![("mod.rs".to_string(), modrs)];
    out.extend(files);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(schemas: serde_json::Value) -> serde_json::Value {
        json!({"components": {"schemas": schemas}})
    }

    fn fields<'a>(m: &'a Models, name: &str) -> &'a [Field] {
        match &m.types[name].def {
            Def::Struct(f) => f,
            other => panic!("{name} is not a struct: {other:?}"),
        }
    }

    #[test]
    fn scalar_properties_map_to_rust_types() {
        let s = spec(json!({"thing": {"type": "object", "properties": {
            "name": {"type": "string"},
            "count": {"type": "integer"},
            "ratio": {"type": "number"},
            "ok": {"type": "boolean"},
            "owner_id": {"type": "integer"},
            "created_at": {"type": "integer", "format": "date-time"},
            "tag_ids": {"type": "array", "items": {"type": "string"}},
            "kind": {"type": "string", "enum": ["a", "b"]}
        }}}));
        let m = Models::new(&s).unwrap();
        let f = fields(&m, "Thing");
        let ty = |json: &str| f.iter().find(|x| x.json == json).unwrap().ty.clone();
        assert_eq!(ty("name"), Ty::Str);
        assert_eq!(ty("count"), Ty::Int);
        assert_eq!(ty("ratio"), Ty::Float);
        assert_eq!(ty("ok"), Ty::Bool);
        assert_eq!(ty("owner_id"), Ty::IntId);
        assert_eq!(ty("created_at"), Ty::Timestamp(TsKind::Unix));
        assert_eq!(ty("tag_ids"), Ty::Ids);
        assert_eq!(ty("kind"), Ty::Named("ThingKind".into()));
        assert!(matches!(&m.types["ThingKind"].def, Def::Enum(v) if v == &["a", "b"]));
    }

    #[test]
    fn required_fields_keep_spec_order_and_nullability() {
        let s = spec(
            json!({"req": {"type": "object", "required": ["zeta", "alpha", "maybe"],
            "properties": {
                "alpha": {"type": "string"},
                "zeta": {"type": "integer"},
                "maybe": {"type": "string", "nullable": true},
                "extra": {"type": "string"}
            }}}),
        );
        let m = Models::new(&s).unwrap();
        let f = fields(&m, "Req");
        let get = |json: &str| f.iter().find(|x| x.json == json).unwrap();
        assert_eq!(get("zeta").required_pos, Some(0));
        assert_eq!(get("alpha").required_pos, Some(1));
        assert!(get("maybe").required && get("maybe").nullable && get("maybe").optional);
        assert!(!get("extra").required && get("extra").optional);
    }

    #[test]
    fn request_structs_take_required_fields_in_new_and_have_no_default() {
        let s = spec(json!({
            "body": {"type": "object", "required": ["zeta", "inner"], "properties": {
                "zeta": {"type": "integer"},
                "inner": {"$ref": "#/components/schemas/inner"},
                "note": {"type": "string"}
            }},
            "inner": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string"}
            }},
            "loose": {"type": "object", "properties": {"x": {"type": "string"}}}
        }));
        let m = Models::new(&s).unwrap();
        let roles = Roles::new(&m, &["Body".to_string()]);
        assert_eq!(roles.role("Body"), Role::Request);
        assert_eq!(
            roles.role("Inner"),
            Role::Request,
            "nested bodies are requests"
        );
        assert_eq!(roles.role("Loose"), Role::Response);
        assert_eq!(roles.required_counts(&m), (3, 3));
        let body = StructModel::build("Body", fields(&m, "Body"), Role::Request, &roles, &m);
        assert!(!body.default);
        let mut out = String::new();
        body.render(&mut out, "doc", "");
        assert!(
            out.contains("pub fn new(zeta: impl Into<i64>, inner: impl Into<Inner>) -> Self"),
            "{out}"
        );
        assert!(
            out.contains("pub fn with_note(mut self, value: impl Into<String>) -> Self"),
            "{out}"
        );
        assert!(out.contains("#[non_exhaustive]"));
        assert!(!out.contains("Default"), "{out}");
        // The nested required struct has no Default, so its field cannot be defaulted.
        let inner = body.fields.iter().find(|f| f.ident == "inner").unwrap();
        assert!(!inner.serde.iter().any(|s| s == "default"));
        let loose = StructModel::build("Loose", fields(&m, "Loose"), Role::Response, &roles, &m);
        let mut out = String::new();
        loose.render(&mut out, "doc", "");
        assert!(out.contains("Default") && out.contains("#[serde(default)]"));
        assert!(!out.contains("pub fn new"));
    }

    #[test]
    fn models_are_filed_by_the_one_tag_using_them_else_shared() {
        let one = vec!["contacts".to_string()];
        let two = vec!["contacts".to_string(), "tags".to_string()];
        assert_eq!(model_file(Some(&one)).0, "contacts");
        assert_eq!(model_file(Some(&two)).0, "shared");
        assert_eq!(model_file(None).0, "shared");
        // A schema's file follows the operations reaching it, whatever its name.
        let s = spec(json!({
            "zebra": {"type": "object", "properties": {"x": {"type": "string"}}},
            "aardvark": {"type": "object", "properties": {"y": {"type": "string"}}}
        }));
        let m = Models::new(&s).unwrap();
        let gates: BTreeMap<String, Vec<String>> = [("Zebra".to_string(), one.clone())].into();
        let files = render(&m, &gates, &Roles::default());
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["mod.rs", "contacts.rs", "shared.rs"]);
        assert!(files[1].1.contains("pub struct Zebra"));
        assert!(files[2].1.contains("pub struct Aardvark"));
        assert!(files[0].1.contains("mod contacts;\npub use contacts::*;"));
    }

    #[test]
    fn field_docs_state_facts_not_prose() {
        let s = spec(
            json!({"t": {"type": "object", "required": ["when"], "properties": {
                "when": {"type": "integer", "format": "date-time", "description": "PROSE", "example": 1700000000},
                "mode": {"type": "string", "enum": ["on", "off"], "nullable": true}
            }}}),
        );
        let m = Models::new(&s).unwrap();
        let roles = Roles::default();
        let model = StructModel::build("T", fields(&m, "T"), Role::Response, &roles, &m);
        let docs: Vec<String> = model.fields.iter().flat_map(|f| f.doc.clone()).collect();
        let all = docs.join("\n");
        assert!(
            all.contains("JSON `when`: type integer (date-time), required."),
            "{all}"
        );
        assert!(all.contains("Example: `1700000000`."), "{all}");
        assert!(
            all.contains("JSON `mode`: type string, optional, nullable."),
            "{all}"
        );
        assert!(all.contains("One of `on`, `off`."), "{all}");
        assert!(!all.contains("PROSE"));
    }
}
