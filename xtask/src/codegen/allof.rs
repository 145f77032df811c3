//! `allOf` extensions: a schema written as `allOf: [{$ref: base}, {its own properties}]`
//! becomes a struct holding the base in one `#[serde(flatten)]` field, followed by the
//! properties it adds, and dereferencing to the base, instead of repeating the base's fields.
//!
//! Only response structs whose base is a response struct are flattened, and only when every
//! base field reaches the extension unchanged (same JSON name, type and optionality). The
//! base keeps the JSON fields neither declares (its `extra`); the extension has no map of its
//! own, so an unknown field is kept once and written back once.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

use super::models::{cfg_line, FieldModel, Role, Roles, StructModel};
use super::naming::field_ident;
use super::schema::{Def, Field, Models};

/// What the schema walk found and what [`decide`] made of it.
#[derive(Debug, Default)]
pub struct AllOf {
    /// Struct name -> the generated type of its single `allOf` base.
    pub extends: BTreeMap<String, String>,
    /// Extensions that hold their base flattened.
    pub flattened: BTreeMap<String, Base>,
    /// Extensions that repeat their base's fields, with the reason.
    pub kept: BTreeMap<String, String>,
}

/// A base held flattened by an extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// The base's generated type.
    pub ty: String,
    /// The extension's field holding it: the base's name in snake case.
    pub ident: String,
    /// JSON names of the base's fields (not repeated in the extension).
    pub props: BTreeSet<String>,
}

impl AllOf {
    /// Whether `json` of struct `name` is a field of its flattened base.
    pub fn inherits(&self, name: &str, json: &str) -> bool {
        self.flattened
            .get(name)
            .is_some_and(|b| b.props.contains(json))
    }
}

/// The component name of the one `$ref` of a schema's `allOf`, when the other parts only add
/// properties and no `oneOf`/`anyOf` sits beside it.
pub fn single_base(schema: &Value) -> Option<&str> {
    if schema.get("oneOf").is_some() || schema.get("anyOf").is_some() {
        return None;
    }
    let parts = schema.get("allOf")?.as_array()?;
    let mut refs = parts
        .iter()
        .filter_map(|p| p.get("$ref").and_then(Value::as_str));
    let target = refs.next()?.rsplit('/').next()?;
    let plain = |p: &Value| {
        p.get("$ref").is_some()
            || ["allOf", "oneOf", "anyOf"]
                .iter()
                .all(|k| p.get(k).is_none())
    };
    if refs.next().is_some() || !parts.iter().all(plain) || target == "datetime" {
        return None;
    }
    Some(target)
}

/// Whether the struct `name` (an extension of `base`) can hold its base flattened.
pub fn decide(models: &Models, roles: &Roles, name: &str, base: &str) -> Result<Base, String> {
    if roles.role(name) == Role::Request {
        return Err("sent in requests".into());
    }
    if roles.role(base) == Role::Request {
        return Err(format!("its base `{base}` is sent in requests"));
    }
    let struct_fields = |n: &str| match models.types.get(n).map(|t| &t.def) {
        Some(Def::Struct(f)) => Some(f),
        _ => None,
    };
    let Some(own) = struct_fields(name) else {
        return Err("not a struct".into());
    };
    let Some(inherited) = struct_fields(base) else {
        return Err(format!("its base `{base}` is not a struct"));
    };
    for b in inherited {
        let same = own.iter().any(|f| {
            f.json == b.json
                && f.ty == b.ty
                && f.optional == b.optional
                && f.nullable == b.nullable
                && f.boxed == b.boxed
        });
        if !same {
            return Err(format!("redeclares `{}` of `{base}`", b.json));
        }
    }
    if own.len() == inherited.len() {
        return Err(format!("adds no field to `{base}`"));
    }
    if models.closure(&[base.to_string()]).contains(name) {
        return Err(format!("its base `{base}` contains it"));
    }
    let mut ident = field_ident(base);
    while own.iter().any(|f| f.ident == ident) {
        ident.push_str("_base");
    }
    Ok(Base {
        ty: base.to_string(),
        ident,
        props: inherited.iter().map(|f| f.json.clone()).collect(),
    })
}

/// Decides every extension the schema walk found.
pub fn decide_all(models: &Models, roles: &Roles) -> AllOf {
    let mut out = AllOf {
        extends: models.allof.extends.clone(),
        ..AllOf::default()
    };
    for (name, base) in &models.allof.extends {
        match decide(models, roles, name, base) {
            Ok(b) => {
                out.flattened.insert(name.clone(), b);
            }
            Err(why) => {
                out.kept.insert(name.clone(), why);
            }
        }
    }
    out
}

/// A flattened base is compiled whenever its extension is: its features widen to include
/// the extension's (or it is always compiled when the extension is).
pub fn widen_gates(gates: &mut BTreeMap<String, Vec<String>>, allof: &AllOf) {
    for (name, base) in &allof.flattened {
        let Some(base_gate) = gates.get(&base.ty).cloned() else {
            continue;
        };
        match gates.get(name) {
            None => {
                gates.remove(&base.ty);
            }
            Some(own) => {
                let mut all: BTreeSet<String> = base_gate.into_iter().collect();
                all.extend(own.iter().cloned());
                gates.insert(base.ty.clone(), all.into_iter().collect());
            }
        }
    }
}

/// Renders an extension: its base flattened, its own fields, `Deref`/`DerefMut` to the base,
/// and a `Deserialize` that decodes in one pass.
///
/// A derived `Deserialize` with the base `#[serde(flatten)]` would buffer the whole object
/// once for the extension and again for the base's own unknown-field map (every nested value
/// copied twice). The generated impl instead hands the object's map to the base, taking the
/// extension's own fields out of the stream on the way ([`render_deserialize`]), so each value
/// is decoded once and what neither declares stays in the base's `extra`, once.
#[allow(clippy::too_many_arguments)]
pub fn render(
    out: &mut String,
    name: &str,
    fields: &[Field],
    base: &Base,
    doc: &str,
    cfg: &str,
    roles: &Roles,
    models: &Models,
) {
    let mut model = StructModel::build(name, fields, Role::Response, roles, models);
    let own: Vec<(&Field, FieldModel)> = fields
        .iter()
        .zip(std::mem::take(&mut model.fields))
        .filter(|(f, _)| !base.props.contains(&f.json))
        .collect();
    model.fields = own.iter().map(|(_, m)| m.clone()).collect();
    // The base's `extra` keeps the fields neither declares.
    model.extra = None;
    let mut text = String::new();
    model.render(&mut text, doc, cfg);
    let text = text.replacen(
        "serde::Serialize, serde::Deserialize)]",
        "serde::Serialize)]",
        1,
    );
    let head = format!("pub struct {name} {{\n");
    let field = format!(
        "/// The `{ty}` this extends: its fields are this object's, read through `Deref`; it \
         also keeps the JSON fields neither declares.\n#[serde(flatten)]\npub {ident}: {ty},\n",
        ty = base.ty,
        ident = base.ident
    );
    out.push_str(&text.replacen(&head, &format!("{head}{field}"), 1));
    let _ = writeln!(
        out,
        "{cfg}impl std::ops::Deref for {name} {{\ntype Target = {ty};\n\
         fn deref(&self) -> &{ty} {{\n&self.{ident}\n}}\n}}\n\n\
         {cfg}impl std::ops::DerefMut for {name} {{\n\
         fn deref_mut(&mut self) -> &mut {ty} {{\n&mut self.{ident}\n}}\n}}\n",
        ty = base.ty,
        ident = base.ident
    );
    let checked = if model.default {
        render_deserialize(out, name, &own, base, cfg)
    } else {
        Err(format!(
            "`{name}` has no `Default`, which its one-pass decoding starts from: keep it \
             unflattened"
        ))
    };
    if let Err(why) = checked {
        // A generator bug or a new spec shape, found at `cargo xtask codegen` time.
        panic!("{why}");
    }
}

/// The one-pass `Deserialize` of an extension (see [`render`]).
///
/// The decoding itself is written once, in the resources' `extension.rs`; what is generated
/// per extension is its `Extension` impl: the base type, the name the visitor gives (error
/// messages and the sandbox's sampler see the extension, as with a derived impl), and
/// `own_field`, which decodes an own field's value when its key comes by (through its
/// `deserialize_with` when it has one). A serde attribute this does not know fails the
/// generator instead of being dropped.
fn render_deserialize(
    out: &mut String,
    name: &str,
    own: &[(&Field, FieldModel)],
    base: &Base,
    cfg: &str,
) -> Result<(), String> {
    // The attribute that changes how an own field decodes: `deserialize_with` (lenient ids,
    // numbers, timestamps). `rename` is the JSON key matched below; the rest is for
    // serializing or what a missing key already gives (`default`).
    let mut with = Vec::new();
    for (f, m) in own {
        let mut path = None;
        for a in &m.serde {
            if let Some(p) = a.strip_prefix("deserialize_with = ") {
                path = Some(p.trim_matches('"').to_string());
            } else if !(a.starts_with("skip_serializing_if")
                || a.starts_with("serialize_with")
                || a.starts_with("rename")
                || a == "default")
            {
                return Err(format!(
                    "`{name}.{}` needs `#[serde({a})]`, which the one-pass decoding of \
                     extensions does not apply: teach `allof::render_deserialize` or keep \
                     `{name}` unflattened",
                    f.json
                ));
            }
        }
        with.push(path);
    }
    let (ty, ident) = (&base.ty, &base.ident);
    let _ = write!(
        out,
        "{cfg}impl crate::extension::Extension for {name} {{\n\
         type Base = {ty};\n\
         const EXPECTING: &'static str = \"struct {name}\";\n\
         fn set_base(&mut self, base: {ty}) {{\nself.{ident} = base;\n}}\n\
         fn own_field<'de, A: serde::de::MapAccess<'de>>(\n\
         &mut self,\nkey: &str,\nmap: &mut A,\n) -> Result<bool, A::Error> {{\n\
         match key {{\n"
    );
    for ((f, m), with) in own.iter().zip(&with) {
        match with {
            None => {
                let _ = writeln!(out, "{:?} => self.{} = map.next_value()?,", f.json, m.ident);
            }
            Some(path) => {
                let _ = writeln!(
                    out,
                    "{json:?} => {{\nstruct With({rust});\n\
                     impl<'de> serde::Deserialize<'de> for With {{\n\
                     fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {{\n\
                     {path}(d).map(With)\n}}\n}}\n\
                     self.{ident} = map.next_value::<With>()?.0;\n}}",
                    json = f.json,
                    rust = m.rust,
                    ident = m.ident
                );
            }
        }
    }
    let _ = write!(
        out,
        "_ => return Ok(false),\n}}\nOk(true)\n}}\n}}\n\n\
         {cfg}impl<'de> serde::Deserialize<'de> for {name} {{\n\
         fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{\n\
         crate::extension::deserialize(deserializer)\n}}\n}}\n\n"
    );
    Ok(())
}

/// `flattened_base(type, callback)`: calls back with the flattened base type of an
/// extension. Tools building values from the types alone (the sandbox's sampler) cannot see
/// through `#[serde(flatten)]` (the base's fields reach it as untyped values), so they build
/// the base on its own through this.
pub fn flattened_base_fn(models: &Models, gates: &BTreeMap<String, Vec<String>>) -> String {
    let mut out = String::from(
        "\n/// Called back with a generated model's type (see [`flattened_base`]).\n\
         #[doc(hidden)]\npub trait WithModel {\n\
         /// What the callback gives.\ntype Output;\n\
         /// The callback, with the model as `T`.\n\
         fn with<T: serde::de::DeserializeOwned + serde::Serialize + Default>(self) -> Self::Output;\n}\n\n\
         /// Calls `w` with the base type an extension (by its Rust name) holds flattened.\n\
         #[doc(hidden)]\npub fn flattened_base<W: WithModel>(type_name: &str, w: W) -> Option<W::Output> {\n\
         match type_name {\n",
    );
    for (name, base) in &models.allof.flattened {
        let cfg = cfg_line(gates.get(name));
        let _ = writeln!(out, "{cfg}{name:?} => Some(w.with::<{}>()),", base.ty);
    }
    out.push_str("_ => {\nlet _ = w;\nNone\n}\n}\n}\n");
    out
}

/// The `--report` lines.
pub fn report(models: &Models) {
    let a = &models.allof;
    println!("allOf extensions flattened: {}", a.flattened.len());
    for (name, b) in &a.flattened {
        println!(
            "  flattened: {name} (base {}, {} fields)",
            b.ty,
            b.props.len()
        );
    }
    println!("allOf extensions repeating their base: {}", a.kept.len());
    for (name, why) in &a.kept {
        println!("  kept: {name}: {why}");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(schemas: Value) -> Value {
        json!({"components": {"schemas": schemas}})
    }

    fn decided(s: &Value, requests: &[&str]) -> AllOf {
        let m = Models::new(s).unwrap();
        let bodies: Vec<String> = requests.iter().map(|r| r.to_string()).collect();
        let roles = Roles::new(&m, &bodies);
        decide_all(&m, &roles)
    }

    fn base_and(extra: Value) -> Value {
        json!({"base": {"type": "object", "properties": {
            "id": {"type": "string"}, "name": {"type": "string", "nullable": true}
        }}, "ext": extra})
    }

    #[test]
    fn an_extension_adding_fields_holds_its_base_flattened() {
        let s = spec(base_and(json!({"allOf": [
            {"$ref": "#/components/schemas/base"},
            {"type": "object", "properties": {"count": {"type": "integer"}}}
        ]})));
        let a = decided(&s, &[]);
        let b = &a.flattened["Ext"];
        assert_eq!(b.ty, "Base");
        assert_eq!(b.ident, "base");
        assert_eq!(b.props, ["id", "name"].map(String::from).into());
        assert!(a.inherits("Ext", "id") && !a.inherits("Ext", "count"));
        // Properties beside the `allOf` count as the extension's own too.
        let s = spec(base_and(json!({
            "allOf": [{"$ref": "#/components/schemas/base"}],
            "properties": {"deleted": {"type": "boolean"}}
        })));
        assert!(decided(&s, &[]).flattened.contains_key("Ext"));
    }

    #[test]
    fn extensions_that_change_or_only_repeat_their_base_keep_their_fields() {
        // `name` redeclared as required and not nullable: the base's field type differs.
        let s = spec(base_and(json!({"allOf": [
            {"$ref": "#/components/schemas/base"},
            {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
        ]})));
        let a = decided(&s, &[]);
        assert!(a.flattened.is_empty());
        assert_eq!(a.kept["Ext"], "redeclares `name` of `Base`");
        // Nothing added.
        let s = spec(base_and(
            json!({"allOf": [{"$ref": "#/components/schemas/base"}]}),
        ));
        assert_eq!(decided(&s, &[]).kept["Ext"], "adds no field to `Base`");
        // Sent in a request.
        let s = spec(base_and(json!({"allOf": [
            {"$ref": "#/components/schemas/base"},
            {"type": "object", "properties": {"count": {"type": "integer"}}}
        ]})));
        assert_eq!(decided(&s, &["Ext"]).kept["Ext"], "sent in requests");
        assert!(decided(&s, &["Base"]).kept["Ext"].contains("is sent in requests"));
    }

    #[test]
    fn only_one_plain_ref_makes_a_base() {
        let two = json!({"allOf": [{"$ref": "#/a"}, {"$ref": "#/b"}]});
        assert_eq!(single_base(&two), None);
        let alts = json!({"allOf": [{"$ref": "#/a"}], "oneOf": [{"type": "object"}]});
        assert_eq!(single_base(&alts), None);
        let nested = json!({"allOf": [{"$ref": "#/a"}, {"anyOf": [{"type": "object"}]}]});
        assert_eq!(single_base(&nested), None);
        let ok = json!({"allOf": [{"$ref": "#/components/schemas/a"}, {"properties": {}}]});
        assert_eq!(single_base(&ok), Some("a"));
    }

    #[test]
    fn rendered_extension_has_no_own_unknown_field_map_and_derefs() {
        let s = spec(base_and(json!({"allOf": [
            {"$ref": "#/components/schemas/base"},
            {"type": "object", "properties": {"count": {"type": "integer"}}}
        ]})));
        let mut m = Models::new(&s).unwrap();
        let roles = Roles::new(&m, &[]);
        m.allof = decide_all(&m, &roles);
        let Def::Struct(fields) = &m.types["Ext"].def else {
            panic!("a struct")
        };
        let mut out = String::new();
        render(
            &mut out,
            "Ext",
            fields,
            &m.allof.flattened["Ext"],
            "doc",
            "",
            &roles,
            &m,
        );
        assert!(out.contains("#[serde(flatten)]\npub base: Base,"), "{out}");
        assert!(out.contains("pub count: Option<i64>"), "{out}");
        assert!(!out.contains("pub id:"), "{out}");
        assert!(!out.contains("pub extra"), "{out}");
        assert!(out.contains("impl std::ops::DerefMut for Ext"), "{out}");
        // One-pass decoding: the base decodes the object, the own fields come out of its map.
        assert!(
            !out.contains("serde::Deserialize)]\n#[non_exhaustive]"),
            "{out}"
        );
        assert!(
            out.contains("impl<'de> serde::Deserialize<'de> for Ext"),
            "{out}"
        );
        assert!(
            out.contains("impl crate::extension::Extension for Ext"),
            "{out}"
        );
        assert!(
            out.contains("crate::extension::deserialize(deserializer)"),
            "{out}"
        );
        assert!(
            out.contains("const EXPECTING: &'static str = \"struct Ext\";"),
            "{out}"
        );
        assert!(out.contains("self.base = base;"), "{out}");
        // A lenient own field decodes through its `deserialize_with`.
        assert!(
            out.contains("\"count\" => {\nstruct With(Option<i64>);"),
            "{out}"
        );
        assert!(
            out.contains("crate::lenient::opt_int(d).map(With)"),
            "{out}"
        );
        assert!(
            out.contains("self.count = map.next_value::<With>()?.0;"),
            "{out}"
        );
    }
}
