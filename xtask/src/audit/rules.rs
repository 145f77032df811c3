//! Pass 2 of the audit: decide which types hold secrets, which sites expose or build them, and
//! what is a violation. The rules are documented in `mod.rs` and docs/token-handling.md.
//!
//! Why one file: the passes here (secret types to a fixpoint, then exposures, carriers,
//! constructions, derives and header sites judged against them) share the one `Ctx` of what
//! is known about every type, and each pass reads what the previous one concluded; the facts
//! are gathered in `scan.rs` and the report is rendered in `render.rs`.

use std::collections::{BTreeMap, HashMap, HashSet};

use syn::Type;

use super::scan::{type_idents, Facts, FieldFact, ImplFact, Site, SiteKind, TypeFact};

/// The project's secret newtypes, known by name even where their definition is not scanned
/// (a test crate that only uses them). `Authorization` carries a bearer token in its header
/// value.
pub const KNOWN_SECRET_TYPES: &[&str] = &[
    "AccessToken",
    "OAuthToken",
    "ClientSecret",
    "AuthorizationCode",
    "CsrfState",
    "IdentitySecret",
    "Authorization",
];

/// `secrecy`'s wrappers: a field of one of these makes its type a secret type.
pub const SECRECY_WRAPPERS: &[&str] = &[
    "SecretString",
    "SecretBox",
    "SecretSlice",
    "SecretVec",
    "Secret",
];

/// Types whose `Clone` shares one buffer instead of copying the bytes.
const SHARED: &[&str] = &["Arc", "Rc", "Bytes", "HeaderValue"];

/// A field named `*token*`/`*secret*` is not a secret when its name ends like this…
const NON_SECRET_SUFFIXES: &[&str] = &[
    "_type", "_kind", "_len", "_length", "_count", "_env", "_var", "_header", "_path", "_url",
    "_uri", "_at", "_id", "_name",
];
/// …or when its type is made only of these.
const PLAIN_TYPES: &[&str] = &[
    "bool",
    "char",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "f32",
    "f64",
    "Option",
    "Duration",
    "Instant",
    "SystemTime",
];

/// Traits whose impl on a secret type hands its bytes out.
const EXPOSING_TRAITS: &[&str] = &[
    "Deref",
    "DerefMut",
    "AsRef",
    "AsMut",
    "Borrow",
    "BorrowMut",
    "ExposeSecret",
    "ExposeSecretMut",
];

#[derive(Debug, Clone)]
pub struct Violation {
    pub file: String,
    pub line: usize,
    pub function: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct SecretTypeSummary {
    pub name: String,
    pub file: String,
    pub line: usize,
    pub derives: Vec<String>,
    /// Defined by a `macro_rules!` template, instantiated with these names.
    pub instances: Vec<String>,
    pub primary: bool,
}

#[derive(Debug, Default)]
pub struct Analysis {
    pub exposures: Vec<Site>,
    pub constructions: Vec<Site>,
    pub headers: Vec<Site>,
    pub secret_types: Vec<SecretTypeSummary>,
    pub violations: Vec<Violation>,
}

struct Ctx<'a> {
    /// Type definitions by name (several crates may define the same name).
    types: HashMap<String, Vec<&'a TypeFact>>,
    impls: &'a [ImplFact],
    /// Keys (`crate#Name`) of the types found to hold a secret.
    secret: HashSet<String>,
    debug_memo: HashMap<String, bool>,
    clone_memo: HashMap<String, bool>,
}

fn key(t: &TypeFact) -> String {
    format!("{}#{}", t.krate, t.name)
}

fn field_secret_by_name(f: &FieldFact, generated: bool) -> bool {
    if generated {
        return false;
    }
    let Some(name) = &f.name else { return false };
    let name = name.to_ascii_lowercase();
    if !(name.contains("token") || name.contains("secret")) {
        return false;
    }
    if NON_SECRET_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        return false;
    }
    let idents = type_idents(&f.ty);
    idents.is_empty() || !idents.iter().all(|i| PLAIN_TYPES.contains(&i.as_str()))
}

fn is_wrapper(i: &str) -> bool {
    SECRECY_WRAPPERS.contains(&i) || i == "Zeroizing"
}

impl<'a> Ctx<'a> {
    /// The definition `name` refers to from `krate`: the same crate's first, else any.
    fn resolve(&self, name: &str, krate: &str) -> Option<&'a TypeFact> {
        let defs = self.types.get(name)?;
        defs.iter()
            .find(|t| t.krate == krate)
            .or_else(|| defs.first())
            .copied()
    }

    /// Whether the identifier `name`, used in `krate`, names a type that holds a secret.
    fn secret_ident(&self, name: &str, krate: &str) -> bool {
        if KNOWN_SECRET_TYPES.contains(&name) {
            return true;
        }
        self.resolve(name, krate)
            .is_some_and(|t| self.secret.contains(&key(t)))
    }

    fn mentions_secret(&self, ty: &Type, krate: &str) -> bool {
        type_idents(ty)
            .iter()
            .any(|i| is_wrapper(i) || self.secret_ident(i, krate))
    }

    /// `(field, secret only because of its name)` for each field of `t` that holds a secret.
    fn secret_fields<'t>(&self, t: &'t TypeFact) -> Vec<(&'t FieldFact, bool)> {
        let known = KNOWN_SECRET_TYPES.contains(&t.name.as_str());
        t.fields
            .iter()
            .filter_map(|f| {
                if known || self.mentions_secret(&f.ty, &t.krate) {
                    Some((f, false))
                } else if field_secret_by_name(f, t.generated) {
                    Some((f, true))
                } else {
                    None
                }
            })
            .collect()
    }

    fn has_impl(&self, trait_name: &str, t: &TypeFact) -> bool {
        self.impls.iter().any(|i| {
            !i.test && i.trait_name == trait_name && i.self_name == t.name && i.krate == t.krate
        })
    }

    /// Whether `Debug` of the type `name` (used in `krate`) keeps its secrets out of the
    /// output: a hand-written `Debug`, or a derived one over redacting fields only. Types not
    /// defined in the scanned code (the known secret types, used from a test crate) are
    /// audited where they are defined.
    fn redacting(&mut self, name: &str, krate: &str) -> bool {
        let Some(t) = self.resolve(name, krate) else {
            return true;
        };
        let k = key(t);
        if let Some(&v) = self.debug_memo.get(&k) {
            return v;
        }
        self.debug_memo.insert(k.clone(), true); // cycle guard
        let v = if self.has_impl("Debug", t) || !t.derives.iter().any(|d| d == "Debug") {
            true
        } else {
            let fields = self.secret_fields(t);
            fields
                .iter()
                .all(|(f, by_name)| self.debug_ok(&f.ty, *by_name, &t.krate))
        };
        self.debug_memo.insert(k, v);
        v
    }

    /// A derived `Debug` may print a secret field only if every secret type in it redacts
    /// itself; `secrecy`'s wrappers and `Zeroizing` do not count (`Zeroizing` prints its
    /// content; the project wants `Type([REDACTED])`), nor does a field secret by its name.
    fn debug_ok(&mut self, ty: &Type, by_name: bool, krate: &str) -> bool {
        if by_name {
            return false;
        }
        let idents = type_idents(ty);
        if idents.iter().any(|i| is_wrapper(i)) {
            return false;
        }
        idents
            .iter()
            .filter(|i| self.secret_ident(i, krate))
            .collect::<Vec<_>>()
            .into_iter()
            .all(|i| self.redacting(i, krate))
    }

    fn clone_type_ok(&mut self, name: &str, krate: &str) -> bool {
        let Some(t) = self.resolve(name, krate) else {
            return true;
        };
        let k = key(t);
        if let Some(&v) = self.clone_memo.get(&k) {
            return v;
        }
        self.clone_memo.insert(k.clone(), true);
        let v = if t.derives.iter().any(|d| d == "Clone") {
            let fields = self.secret_fields(t);
            fields
                .iter()
                .all(|(f, by_name)| self.clone_ok(&f.ty, *by_name, &t.krate))
        } else {
            true
        };
        self.clone_memo.insert(k, v);
        v
    }

    /// Whether cloning a value of `ty` leaves no unzeroized copy of a secret: the buffer is
    /// shared (`Arc`, `Rc`, `Bytes`, `HeaderValue`), or the copy is itself zeroizing
    /// (`SecretString`/`SecretBox`/`Zeroizing`), or it is a secret type whose own `Clone`
    /// passes this rule. A field that is secret only by its name (`token: String`) never passes.
    fn clone_ok(&mut self, ty: &Type, by_name: bool, krate: &str) -> bool {
        match ty {
            Type::Reference(_) => true,
            Type::Paren(p) => self.clone_ok(&p.elem, by_name, krate),
            Type::Group(g) => self.clone_ok(&g.elem, by_name, krate),
            Type::Array(a) => self.clone_ok(&a.elem, by_name, krate),
            Type::Slice(s) => self.clone_ok(&s.elem, by_name, krate),
            Type::Tuple(t) => t.elems.iter().all(|e| {
                if by_name || self.mentions_secret(e, krate) {
                    self.clone_ok(e, by_name, krate)
                } else {
                    true
                }
            }),
            Type::Path(p) => {
                let Some(seg) = p.path.segments.last() else {
                    return !by_name;
                };
                let x = seg.ident.to_string();
                if SHARED.contains(&x.as_str()) || is_wrapper(&x) {
                    return true;
                }
                if self.secret_ident(&x, krate) {
                    return self.clone_type_ok(&x, krate);
                }
                let args: Vec<Type> = match &seg.arguments {
                    syn::PathArguments::AngleBracketed(a) => a
                        .args
                        .iter()
                        .filter_map(|g| match g {
                            syn::GenericArgument::Type(t) => Some(t.clone()),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                if args.is_empty() {
                    return !by_name;
                }
                args.iter().all(|a| {
                    if by_name || self.mentions_secret(a, krate) {
                        self.clone_ok(a, by_name, krate)
                    } else {
                        true
                    }
                })
            }
            _ => !by_name,
        }
    }
}

fn field_label(f: &FieldFact) -> String {
    let ty = super::scan::compact(&f.ty);
    let name = f.name.clone().unwrap_or_else(|| "<tuple field>".to_owned());
    match &f.variant {
        Some(v) => format!("`{v}::{name}: {ty}`"),
        None => format!("`{name}: {ty}`"),
    }
}

/// Instantiated template types and impls, and `(macro, template) → names`.
type Instances = (
    Vec<TypeFact>,
    Vec<ImplFact>,
    HashMap<(String, String), Vec<String>>,
);

/// Expands `macro_rules!` type templates (`$name`) into the names the macro is invoked with.
fn instantiate(facts: &Facts) -> Instances {
    let mut types = Vec::new();
    let mut impls = Vec::new();
    let mut instances: HashMap<(String, String), Vec<String>> = HashMap::new();
    let names_for = |m: &str| -> Vec<String> {
        let mut v: Vec<String> = facts.macro_uses.get(m).cloned().unwrap_or_default();
        v.retain(|n| n != "Self");
        v.sort();
        v.dedup();
        v
    };
    for t in &facts.types {
        if let (Some(m), true) = (&t.macro_name, t.name.starts_with('$')) {
            let names = names_for(m);
            for n in &names {
                let mut c = t.clone();
                c.name = n.clone();
                types.push(c);
            }
            instances.insert((m.clone(), t.name.clone()), names);
        }
    }
    for i in &facts.impls {
        if let (Some(m), true) = (&i.macro_name, i.self_name.starts_with('$')) {
            for n in names_for(m) {
                let mut c = i.clone();
                c.self_name = n;
                impls.push(c);
            }
        }
    }
    (types, impls, instances)
}

pub fn analyse(facts: &Facts) -> Analysis {
    let (inst_types, inst_impls, instances) = instantiate(facts);
    let all_types: Vec<&TypeFact> = facts.types.iter().chain(inst_types.iter()).collect();
    let all_impls: Vec<ImplFact> = facts.impls.iter().cloned().chain(inst_impls).collect();

    let mut by_name: HashMap<String, Vec<&TypeFact>> = HashMap::new();
    for t in all_types.iter().filter(|t| !t.name.starts_with('$')) {
        by_name.entry(t.name.clone()).or_default().push(*t);
    }
    let mut ctx = Ctx {
        types: by_name,
        impls: &all_impls,
        secret: HashSet::new(),
        debug_memo: HashMap::new(),
        clone_memo: HashMap::new(),
    };

    // Fixpoint: a type holding a secret type holds a secret.
    loop {
        let mut added = false;
        for t in &all_types {
            if t.name.starts_with('$') || ctx.secret.contains(&key(t)) {
                continue;
            }
            if KNOWN_SECRET_TYPES.contains(&t.name.as_str()) || !ctx.secret_fields(t).is_empty() {
                ctx.secret.insert(key(t));
                added = true;
            }
        }
        if !added {
            break;
        }
    }

    // A secret type wraps a secret directly (a `secrecy` wrapper field) or is a known one;
    // other holders (an app config holding a `ClientSecret`) are not listed as constructions.
    let is_primary = |t: &TypeFact| {
        KNOWN_SECRET_TYPES.contains(&t.name.as_str())
            || t.fields.iter().any(|f| {
                type_idents(&f.ty)
                    .iter()
                    .any(|i| SECRECY_WRAPPERS.contains(&i.as_str()))
            })
    };

    let mut out = Analysis::default();
    let mut primary: HashSet<String> = KNOWN_SECRET_TYPES.iter().map(|s| (*s).to_owned()).collect();

    // Type checks, on the definitions as written (templates once, not per instance).
    for t in &facts.types {
        let fields = ctx.secret_fields(t);
        if fields.is_empty() && !KNOWN_SECRET_TYPES.contains(&t.name.as_str()) {
            continue;
        }
        let prim = is_primary(t);
        let inst = t
            .macro_name
            .as_ref()
            .and_then(|m| instances.get(&(m.clone(), t.name.clone())))
            .cloned()
            .unwrap_or_default();
        if prim {
            primary.insert(t.name.clone());
            primary.extend(inst.iter().cloned());
        }
        out.secret_types.push(SecretTypeSummary {
            name: t.name.clone(),
            file: t.file.clone(),
            line: t.line,
            derives: t.derives.clone(),
            instances: inst,
            primary: prim,
        });
        let shown = match &t.macro_name {
            Some(m) => format!("{} (in macro_rules! {m})", t.name),
            None => t.name.clone(),
        };
        let mut violation = |message: String| {
            out.violations.push(Violation {
                file: t.file.clone(),
                line: t.line,
                function: shown.clone(),
                message,
            });
        };
        for d in &t.derives {
            match d.as_str() {
                "Debug" => {
                    for (f, by_name) in &fields {
                        if !ctx.debug_ok(&f.ty, *by_name, &t.krate) {
                            violation(format!(
                                "`{shown}` holds a secret and derives Debug, which would print field {} \
                                 (only the project's redacting types may be printed by a derived Debug); \
                                 write `impl Debug` printing `{}([REDACTED])`",
                                field_label(f),
                                t.name
                            ));
                        }
                    }
                }
                "Display" => violation(format!(
                    "`{shown}` holds a secret and derives Display; secret types have no Display"
                )),
                "Error" => violation(format!(
                    "`{shown}` holds a secret and derives Error, which implements Display from its \
                     #[error] messages; keep secrets out of error types"
                )),
                "Serialize" => {
                    for (f, _) in &fields {
                        if !f.serde_skip {
                            violation(format!(
                                "`{shown}` holds a secret and derives Serialize, which would write field {} \
                                 (mark it #[serde(skip)] or drop the derive)",
                                field_label(f)
                            ));
                        }
                    }
                }
                "Clone" => {
                    for (f, by_name) in &fields {
                        if !ctx.clone_ok(&f.ty, *by_name, &t.krate) {
                            violation(format!(
                                "`{shown}` holds a secret and derives Clone, which would copy field {} into \
                                 memory that is never zeroized; hold it as Arc<SecretString> (shared) or in \
                                 SecretString/SecretBox/Zeroizing",
                                field_label(f)
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    // Manual Display / Serialize impls; exposing trait impls.
    for i in &facts.impls {
        if i.test {
            continue;
        }
        let holds = if i.self_name.starts_with('$') {
            facts.types.iter().any(|t| {
                t.name == i.self_name
                    && t.macro_name == i.macro_name
                    && !ctx.secret_fields(t).is_empty()
            })
        } else {
            ctx.secret_ident(&i.self_name, &i.krate)
        };
        if !holds {
            // `impl From<Secret> for String` also hands the bytes out.
            if i.trait_name == "From" && i.trait_args.iter().any(|a| primary.contains(a)) {
                out.exposures.push(impl_site(
                    i,
                    &format!("impl From<{}> for {}", i.trait_args.join(", "), i.self_name),
                ));
            }
            continue;
        }
        let function = format!("impl {} for {}", i.trait_name, i.self_name);
        match i.trait_name.as_str() {
            "Display" | "Serialize" => out.violations.push(Violation {
                file: i.file.clone(),
                line: i.line,
                function,
                message: format!(
                    "`{}` holds a secret and implements {}; secret types have no Display and no Serialize",
                    i.self_name, i.trait_name
                ),
            }),
            t if EXPOSING_TRAITS.contains(&t) && (primary.contains(&i.self_name) || i.self_name.starts_with('$')) => {
                out.exposures.push(impl_site(i, &function));
            }
            _ => {}
        }
    }

    // Exposure sites: direct calls, then carriers (library functions that expose a secret
    // and return it in a `Zeroizing` buffer) and their callers, to a fixpoint.
    out.exposures.extend(
        facts
            .sites
            .iter()
            .filter(|s| s.kind == SiteKind::Exposure)
            .cloned(),
    );
    let mut carriers: HashSet<String> = HashSet::new();
    loop {
        let exposing_fns: HashSet<&str> = out
            .exposures
            .iter()
            .filter(|s| !s.test)
            .map(|s| s.function.as_str())
            .collect();
        let new: Vec<String> = facts
            .fns
            .iter()
            .filter(|f| !f.test && f.returns_zeroizing && exposing_fns.contains(f.display.as_str()))
            .map(|f| f.name.clone())
            .filter(|n| !carriers.contains(n))
            .collect();
        if new.is_empty() {
            break;
        }
        for name in new {
            for c in facts.calls.iter().filter(|c| c.callee == name) {
                if c.site.fn_name.as_deref() == Some(name.as_str()) {
                    continue; // recursion
                }
                let mut s = c.site.clone();
                s.kind = SiteKind::Exposure;
                s.detail = format!(
                    "calls {}{name}(), which returns the secret's bytes in a Zeroizing buffer",
                    if c.method { "." } else { "" }
                );
                out.exposures.push(s);
            }
            carriers.insert(name);
        }
    }
    out.exposures
        .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    out.exposures
        .dedup_by(|a, b| a.file == b.file && a.line == b.line && a.subject == b.subject);

    // Construction sites of primary secret types and secrecy wrappers.
    for s in facts
        .sites
        .iter()
        .filter(|s| s.kind == SiteKind::Construction)
    {
        let subject = s.subject.as_str();
        if subject.starts_with('$') {
            // `Self { .. }` inside a template: which template depends on the macro.
            let names: Vec<String> = instances
                .iter()
                .filter(|((m, n), _)| n == subject && s.macro_name.as_deref() == Some(m.as_str()))
                .flat_map(|(_, v)| v.iter().cloned())
                .collect();
            if !names.is_empty() && names.iter().any(|n| primary.contains(n)) {
                let mut c = s.clone();
                c.subject = names.join(" | ");
                out.constructions.push(c);
            }
        } else if primary.contains(subject) || SECRECY_WRAPPERS.contains(&subject) {
            out.constructions.push(s.clone());
        }
    }
    out.constructions
        .sort_by(|a, b| (&a.subject, &a.file, a.line).cmp(&(&b.subject, &b.file, b.line)));

    out.headers = facts
        .sites
        .iter()
        .filter(|s| s.kind == SiteKind::Header)
        .cloned()
        .collect();
    out.headers
        .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    out.headers
        .dedup_by(|a, b| a.file == b.file && a.line == b.line && a.detail == b.detail);

    for p in &facts.problems {
        out.violations.push(Violation {
            file: p.file.clone(),
            line: p.line,
            function: p.function.clone(),
            message: p.message.clone(),
        });
    }
    out
}

fn impl_site(i: &ImplFact, function: &str) -> Site {
    let f = match &i.first_method {
        Some(m) => format!("{}::{m}", i.self_name),
        None => function.to_owned(),
    };
    Site {
        file: i.file.clone(),
        line: i.line,
        function: f,
        fn_name: i.first_method.clone(),
        test: i.test,
        kind: SiteKind::Exposure,
        subject: i.trait_name.clone(),
        detail: format!("{function} hands out the secret's value"),
        macro_name: i.macro_name.clone(),
    }
}

/// Construction sites grouped by type: `type → (library sites, test count)`.
pub fn constructions_by_type(sites: &[Site]) -> BTreeMap<String, (Vec<&Site>, usize)> {
    let mut map: BTreeMap<String, (Vec<&Site>, usize)> = BTreeMap::new();
    for s in sites {
        let e = map.entry(s.subject.clone()).or_default();
        if s.test {
            e.1 += 1;
        } else {
            e.0.push(s);
        }
    }
    map
}
