//! Renders the `models` module: one file per initial letter of the type names.

use std::collections::BTreeMap;
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

pub fn render_field(out: &mut String, f: &Field, models_prefix: &str) {
    let _ = writeln!(out, "/// The `{}` property.", doc_escape(&f.json));
    let mut attrs: Vec<String> = Vec::new();
    if f.ident != f.json {
        attrs.push(format!("rename = {:?}", f.json));
    }
    let (de, ser) = if f.boxed {
        (None, None)
    } else {
        helpers(&f.ty, f.optional)
    };
    if f.optional {
        attrs.push("skip_serializing_if = \"Option::is_none\"".into());
    }
    if let Some(de) = de {
        attrs.push(format!("deserialize_with = \"crate::lenient::{de}\""));
    }
    if let Some(ser) = ser {
        attrs.push(format!("serialize_with = \"crate::lenient::{ser}\""));
    }
    if !attrs.is_empty() {
        let _ = writeln!(out, "#[serde({})]", attrs.join(", "));
    }
    let mut ty = f.ty.rust(models_prefix);
    if f.boxed {
        ty = format!("Box<{ty}>");
    }
    if f.optional {
        ty = format!("Option<{ty}>");
    }
    let _ = writeln!(out, "pub {}: {ty},", f.ident);
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

fn render_type(out: &mut String, name: &str, td: &TypeDef, gate: Option<&Vec<String>>) {
    let cfg = cfg_line(gate);
    let doc = if td.component {
        format!("The `{}` schema.", td.origin)
    } else {
        format!("Inline schema at `{}`.", doc_escape(&td.origin))
    };
    match &td.def {
        Def::Struct(fields) => {
            let _ = writeln!(out, "/// {doc}");
            out.push_str(&cfg);
            out.push_str("#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]\n#[serde(default)]\n");
            let _ = writeln!(out, "pub struct {name} {{");
            for f in fields {
                render_field(out, f, "");
            }
            out.push_str("}\n\n");
        }
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
        Def::Alias(ty) => {
            let _ = writeln!(out, "/// {doc}");
            out.push_str(&cfg);
            let _ = writeln!(out, "pub type {name} = {};", ty.rust(""));
            out.push('\n');
        }
    }
}

/// (file name inside `models/`, contents) pairs; `mod.rs` included.
/// The file of a type: its initial letter, or its first word when the letter's file would be
/// large (more than [`SPLIT_LETTER_ABOVE`] types) and the word has [`OWN_FILE_FROM`] types or more.
const SPLIT_LETTER_ABOVE: usize = 100;
const OWN_FILE_FROM: usize = 15;

fn first_word(name: &str) -> String {
    let mut w = String::new();
    for (i, c) in name.chars().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            break;
        }
        w.push(c.to_ascii_lowercase());
    }
    w
}

fn letter(name: &str) -> char {
    name.chars()
        .next()
        .map(|c| c.to_ascii_lowercase())
        .unwrap_or('x')
}

/// `gates`: the features a type needs (any of); types absent from it are always compiled.
pub fn render(models: &Models, gates: &BTreeMap<String, Vec<String>>) -> Vec<(String, String)> {
    let mut per_letter: BTreeMap<char, usize> = BTreeMap::new();
    let mut per_word: BTreeMap<String, usize> = BTreeMap::new();
    for name in models.types.keys() {
        *per_letter.entry(letter(name)).or_default() += 1;
        *per_word.entry(first_word(name)).or_default() += 1;
    }
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for (name, td) in &models.types {
        let l = letter(name);
        let word = first_word(name);
        let (file, what) =
            if per_letter[&l] > SPLIT_LETTER_ABOVE && per_word[&word] >= OWN_FILE_FROM {
                let mut w = word.clone();
                if super::naming::is_keyword(&w) {
                    w.push('_');
                }
                (
                    w,
                    format!(
                        "whose names start with the word `{}`",
                        super::naming::pascal(&word)
                    ),
                )
            } else {
                (
                    l.to_string(),
                    format!("whose names start with `{}`", l.to_ascii_uppercase()),
                )
            };
        let file = files.entry(format!("{file}.rs")).or_insert_with(|| {
            format!("{HEADER}//! Models {what}.\n\n#[allow(unused_imports)]\nuse super::*;\n\n")
        });
        render_type(file, name, td, gates.get(name));
    }
    let mut modrs = format!(
        "{HEADER}//! One type per component schema of the spec, plus the inline objects and enums they\n\
         //! contain. Structs decode leniently (unknown fields ignored, missing fields defaulted);\n\
         //! enums are open (unknown values kept in `Other`).\n\n"
    );
    for f in files.keys() {
        let m = f.trim_end_matches(".rs");
        let _ = writeln!(modrs, "mod {m};\npub use {m}::*;");
    }
    let mut out = vec![("mod.rs".to_string(), modrs)];
    out.extend(files);
    out
}
