//! Pass 1 of the audit: parse every file with `syn` and record the facts the rules need (type
//! definitions, trait impls, functions, calls, sites of interest, `unsafe`).
//!
//! Nothing here decides what is a violation except `unsafe` and files that do not parse; the
//! rules in `rules.rs` work on the facts once every file has been read, because whether a type
//! holds a secret can depend on types defined in other files.
//!
//! Why one file of about 1,000 lines: it is one `syn::visit::Visit` implementation with its
//! scope stack and the token-level helpers that read `macro_rules!` bodies; every `visit_*`
//! method pushes and pops the same scope and records into the same `Facts`, so splitting the
//! visitor would spread one traversal over files without making any part readable alone.

use std::collections::HashMap;

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Attribute, Expr, Fields, Type};

/// Methods and functions that hand out a secret's bytes (`secrecy`'s `ExposeSecret` and
/// `ExposeSecretMut`, and the `into_secret` name some wrappers use).
pub const EXPOSE_METHODS: &[&str] = &["expose_secret", "expose_secret_mut", "into_secret"];

/// Associated functions that build a secret type (`T::new(…)`, `SecretString::from(…)`, …).
pub const CONSTRUCTORS: &[&str] = &[
    "new",
    "from",
    "try_from",
    "from_str",
    "from_env",
    "from_env_var",
    "from_stored",
    "init_with",
    "init_with_mut",
    "try_init_with",
    "try_init_with_mut",
];

/// Methods that read or build the `Authorization` header.
pub const HEADER_METHODS: &[&str] = &[
    "header_value",
    "bearer_header",
    "set_sensitive",
    "authorization",
];

/// Methods that put a header into a map or request.
const HEADER_INSERTERS: &[&str] = &[
    "insert",
    "append",
    "try_insert",
    "try_append",
    "header",
    "entry",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteKind {
    Exposure,
    Construction,
    Header,
}

/// A place in the code: a call, a path, a literal.
#[derive(Debug, Clone)]
pub struct Site {
    pub file: String,
    pub line: usize,
    /// `Type::method` or `function`, or `(module level)`.
    pub function: String,
    /// The innermost function's own name (for call-graph rules).
    pub fn_name: Option<String>,
    pub test: bool,
    pub kind: SiteKind,
    /// For constructions: the type built. For exposures: the method or carrier name.
    pub subject: String,
    /// Human-readable description of the expression.
    pub detail: String,
    /// The `macro_rules!` whose template this site is in.
    pub macro_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FieldFact {
    pub name: Option<String>,
    pub ty: Type,
    pub serde_skip: bool,
    pub variant: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TypeFact {
    pub name: String,
    /// `crates/<name>` (or the first path component): names resolve within a crate first.
    pub krate: String,
    pub file: String,
    pub line: usize,
    pub derives: Vec<String>,
    pub fields: Vec<FieldFact>,
    pub generated: bool,
    pub macro_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ImplFact {
    pub krate: String,
    pub trait_name: String,
    /// Generic arguments of the trait's last segment (`From<AccessToken>` → `AccessToken`).
    pub trait_args: Vec<String>,
    pub self_name: String,
    pub first_method: Option<String>,
    pub file: String,
    pub line: usize,
    pub test: bool,
    pub macro_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FnFact {
    pub name: String,
    pub display: String,
    pub returns_zeroizing: bool,
    pub test: bool,
}

/// A call to a function or method by name, for the carrier rule.
#[derive(Debug, Clone)]
pub struct CallFact {
    pub callee: String,
    pub site: Site,
    pub method: bool,
}

#[derive(Debug, Clone)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub function: String,
    pub message: String,
}

/// Everything pass 1 learned.
#[derive(Debug, Default)]
pub struct Facts {
    pub files: Vec<String>,
    pub types: Vec<TypeFact>,
    pub impls: Vec<ImplFact>,
    pub fns: Vec<FnFact>,
    pub calls: Vec<CallFact>,
    pub sites: Vec<Site>,
    /// `unsafe`, `allow(unsafe_code)` and unparsable files: violations found while scanning.
    pub problems: Vec<Problem>,
    /// Macro invocations: macro name → capitalised identifiers at the top level of its input
    /// (the type names a `macro_rules!` type template is instantiated with).
    pub macro_uses: HashMap<String, Vec<String>>,
    /// Macro bodies or invocations that could not be parsed and were scanned token by token.
    pub token_scanned: usize,
}

pub fn line_of(span: Span) -> usize {
    span.start().line
}

/// Prints tokens compactly: `a . b ()` → `a.b()`.
pub fn compact(tokens: &impl ToTokens) -> String {
    let s = tokens.to_token_stream().to_string();
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = if i > 0 { chars[i - 1] } else { ' ' };
            let next = chars.get(i + 1).copied().unwrap_or(' ');
            if matches!(prev, '.' | '(' | '&' | '!' | ':' | '<' | '[')
                || matches!(
                    next,
                    '.' | '(' | ')' | ',' | ':' | '<' | '>' | '[' | ']' | '?'
                )
            {
                continue;
            }
        }
        out.push(c);
    }
    if out.chars().count() > 90 {
        let cut: String = out.chars().take(87).collect();
        format!("{cut}...")
    } else {
        out
    }
}

/// The identifiers of every path segment in a type, generics included
/// (`Option<Arc<secrecy::SecretString>>` → `Option Arc secrecy SecretString`).
pub fn type_idents(ty: &Type) -> Vec<String> {
    struct Collect(Vec<String>);
    impl<'ast> Visit<'ast> for Collect {
        fn visit_path_segment(&mut self, seg: &'ast syn::PathSegment) {
            self.0.push(seg.ident.to_string());
            visit::visit_path_segment(self, seg);
        }
    }
    let mut c = Collect(Vec::new());
    c.visit_type(ty);
    c.0
}

/// The name of the type an `impl` is for: the last path segment, without generics or `&`.
fn type_name(ty: &Type) -> String {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        Type::Reference(r) => type_name(&r.elem),
        Type::Paren(p) => type_name(&p.elem),
        Type::Group(g) => type_name(&g.elem),
        other => compact(other),
    }
}

fn is_test_attr(attr: &Attribute) -> bool {
    let path = attr.path();
    if path.segments.last().is_some_and(|s| s.ident == "test") {
        return true;
    }
    if path.is_ident("cfg") {
        return tokens_have_ident(&attr.meta.to_token_stream(), "test");
    }
    false
}

fn tokens_have_ident(tokens: &TokenStream, name: &str) -> bool {
    tokens.clone().into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => i == name,
        TokenTree::Group(g) => tokens_have_ident(&g.stream(), name),
        _ => false,
    })
}

fn derives(attrs: &[Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("derive") {
            continue;
        }
        if let Ok(paths) =
            attr.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
        {
            for p in paths {
                if let Some(seg) = p.segments.last() {
                    out.push(seg.ident.to_string());
                }
            }
        }
    }
    out
}

fn serde_skip(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("serde")
            && (tokens_have_ident(&a.meta.to_token_stream(), "skip")
                || tokens_have_ident(&a.meta.to_token_stream(), "skip_serializing"))
    })
}

fn returns_zeroizing(output: &syn::ReturnType) -> bool {
    match output {
        syn::ReturnType::Default => false,
        syn::ReturnType::Type(_, ty) => type_idents(ty).iter().any(|i| i == "Zeroizing"),
    }
}

#[derive(Clone)]
enum Scope {
    Impl(String),
    Trait(String),
    Fn(String),
}

pub struct Scanner<'f> {
    facts: &'f mut Facts,
    file: String,
    generated: bool,
    test_depth: usize,
    scopes: Vec<Scope>,
    macro_name: Option<String>,
}

impl<'f> Scanner<'f> {
    pub fn new(facts: &'f mut Facts, file: String, test_file: bool) -> Self {
        let generated = file.split('/').any(|c| c == "generated");
        Scanner {
            facts,
            file,
            generated,
            test_depth: usize::from(test_file),
            scopes: Vec::new(),
            macro_name: None,
        }
    }

    fn test(&self) -> bool {
        self.test_depth > 0
    }

    fn function(&self) -> (String, Option<String>) {
        let Some(pos) = self.scopes.iter().rposition(|s| matches!(s, Scope::Fn(_))) else {
            return match self.scopes.last() {
                Some(Scope::Impl(t)) | Some(Scope::Trait(t)) => (format!("{t} (impl)"), None),
                _ => ("(module level)".to_owned(), None),
            };
        };
        let Scope::Fn(name) = &self.scopes[pos] else {
            return ("(module level)".to_owned(), None);
        };
        let display = match pos.checked_sub(1).map(|p| &self.scopes[p]) {
            Some(Scope::Impl(t)) | Some(Scope::Trait(t)) => format!("{t}::{name}"),
            _ => name.clone(),
        };
        (display, Some(name.clone()))
    }

    fn site(&mut self, line: usize, kind: SiteKind, subject: &str, detail: String) {
        let (function, fn_name) = self.function();
        self.facts.sites.push(Site {
            file: self.file.clone(),
            line,
            function,
            fn_name,
            test: self.test(),
            kind,
            subject: subject.to_owned(),
            detail,
            macro_name: self.macro_name.clone(),
        });
    }

    fn call(&mut self, callee: &str, line: usize, method: bool) {
        let (function, fn_name) = self.function();
        self.facts.calls.push(CallFact {
            callee: callee.to_owned(),
            method,
            site: Site {
                file: self.file.clone(),
                line,
                function,
                fn_name,
                test: self.test(),
                kind: SiteKind::Exposure,
                subject: callee.to_owned(),
                detail: String::new(),
                macro_name: self.macro_name.clone(),
            },
        });
    }

    fn problem(&mut self, line: usize, message: String) {
        let (function, _) = self.function();
        self.facts.problems.push(Problem {
            file: self.file.clone(),
            line,
            function,
            message,
        });
    }

    fn unsafe_found(&mut self, line: usize, what: &str) {
        self.problem(
            line,
            format!("`unsafe` {what}: the workspace forbids unsafe code (invariant 5)"),
        );
    }

    fn with_fn<F: FnOnce(&mut Self)>(&mut self, name: String, test: bool, body: F) {
        self.scopes.push(Scope::Fn(name));
        if test {
            self.test_depth += 1;
        }
        body(self);
        if test {
            self.test_depth -= 1;
        }
        self.scopes.pop();
    }

    fn record_fn(&mut self, sig: &syn::Signature) {
        let name = sig.ident.to_string();
        let display = match self.scopes.last() {
            Some(Scope::Impl(t)) | Some(Scope::Trait(t)) => format!("{t}::{name}"),
            _ => name.clone(),
        };
        self.facts.fns.push(FnFact {
            name,
            display,
            returns_zeroizing: returns_zeroizing(&sig.output),
            test: self.test(),
        });
        if let Some(u) = &sig.unsafety {
            self.unsafe_found(line_of(u.span), &format!("fn `{}`", sig.ident));
        }
    }

    fn record_type(
        &mut self,
        name: String,
        line: usize,
        attrs: &[Attribute],
        fields: Vec<FieldFact>,
    ) {
        if self.test() || self.generated {
            // Types in test code are not shipped, and generated models are API data (their
            // `Serialize` is the point): their derives are not audited.
            return;
        }
        self.facts.types.push(TypeFact {
            name: display_name(&name),
            krate: krate_of(&self.file),
            file: self.file.clone(),
            line,
            derives: derives(attrs),
            fields,
            generated: self.generated,
            macro_name: self.macro_name.clone(),
        });
    }

    fn header_name_arg(expr: &Expr) -> Option<String> {
        match expr {
            Expr::Path(p)
                if p.path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "AUTHORIZATION") =>
            {
                Some("AUTHORIZATION".to_owned())
            }
            Expr::Lit(l) => match &l.lit {
                syn::Lit::Str(s) if s.value().eq_ignore_ascii_case("authorization") => {
                    Some(format!("{:?}", s.value()))
                }
                _ => None,
            },
            Expr::Reference(r) => Self::header_name_arg(&r.expr),
            _ => None,
        }
    }

    /// Parses a macro invocation's input as comma-separated expressions and visits them; if
    /// that fails (patterns, `;`-separated forms, items), scans its tokens.
    fn visit_macro_input(&mut self, mac: &syn::Macro) {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let upper: Vec<String> = mac
            .tokens
            .clone()
            .into_iter()
            .filter_map(|tt| match tt {
                TokenTree::Ident(i)
                    if i.to_string().starts_with(|c: char| c.is_ascii_uppercase()) =>
                {
                    Some(i.to_string())
                }
                _ => None,
            })
            .collect();
        self.facts
            .macro_uses
            .entry(name.clone())
            .or_default()
            .extend(upper);
        match mac.parse_body_with(Punctuated::<Expr, syn::Token![,]>::parse_terminated) {
            Ok(exprs) => {
                for e in &exprs {
                    self.visit_expr(e);
                }
            }
            Err(_) => {
                if let Ok(block) = syn::parse2::<syn::Block>(braced(mac.tokens.clone())) {
                    self.visit_block(&block);
                } else {
                    self.facts.token_scanned += 1;
                    self.scan_tokens(&mac.tokens, &name);
                }
            }
        }
    }

    /// Last resort for token streams `syn` cannot parse: looks at identifiers and literals.
    fn scan_tokens(&mut self, tokens: &TokenStream, macro_name: &str) {
        for tt in tokens.clone() {
            match tt {
                TokenTree::Group(g) => self.scan_tokens(&g.stream(), macro_name),
                TokenTree::Ident(i) => {
                    let s = i.to_string();
                    let line = line_of(i.span());
                    if s == "unsafe" {
                        self.unsafe_found(line, &format!("inside macro `{macro_name}!`"));
                    } else if EXPOSE_METHODS.contains(&s.as_str()) {
                        self.site(
                            line,
                            SiteKind::Exposure,
                            &s,
                            format!("`{s}` inside `{macro_name}!` (token match)"),
                        );
                    } else if matches!(
                        s.as_str(),
                        "AUTHORIZATION" | "bearer_header" | "header_value" | "set_sensitive"
                    ) {
                        self.site(
                            line,
                            SiteKind::Header,
                            &s,
                            format!("`{s}` inside `{macro_name}!` (token match)"),
                        );
                    }
                }
                TokenTree::Literal(l) => {
                    if l.to_string().eq_ignore_ascii_case("\"authorization\"") {
                        self.site(
                            line_of(l.span()),
                            SiteKind::Header,
                            "\"authorization\"",
                            format!("\"authorization\" inside `{macro_name}!` (token match)"),
                        );
                    }
                }
                TokenTree::Punct(_) => {}
            }
        }
    }

    /// `macro_rules!` definitions: each transcriber is parsed as items (or statements) with
    /// its metavariables replaced by placeholders (`$name` → `__mv_name`, `$vis` → nothing),
    /// so type templates and impls inside macros are audited like ordinary code.
    fn visit_macro_rules(&mut self, name: &str, tokens: &TokenStream) {
        let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
        let mut i = 0;
        let saved = self.macro_name.replace(name.to_owned());
        while i < trees.len() {
            let TokenTree::Group(matcher) = &trees[i] else {
                i += 1;
                continue;
            };
            // matcher `=>` transcriber
            let Some(TokenTree::Group(transcriber)) = trees.get(i + 3) else {
                i += 1;
                continue;
            };
            let mut frags = HashMap::new();
            matcher_fragments(&matcher.stream(), &mut frags);
            let body = substitute(transcriber.stream(), &frags);
            if let Ok(file) = syn::parse2::<syn::File>(body.clone()) {
                self.visit_file(&file);
            } else if let Ok(block) = syn::parse2::<syn::Block>(braced(body.clone())) {
                self.visit_block(&block);
            } else {
                self.facts.token_scanned += 1;
                self.scan_tokens(&body, name);
            }
            i += 4;
        }
        self.macro_name = saved;
    }
}

/// The crate a file belongs to: `crates/auth-types/src/x.rs` → `crates/auth-types`.
pub fn krate_of(file: &str) -> String {
    let parts: Vec<&str> = file.split('/').collect();
    match parts.as_slice() {
        ["crates", name, ..] => format!("crates/{name}"),
        [first, _, ..] => (*first).to_owned(),
        _ => String::new(),
    }
}

/// `__mv_name` (a metavariable placeholder) is shown as `$name`.
pub fn display_name(name: &str) -> String {
    name.replace("__mv_", "$")
}

fn braced(tokens: TokenStream) -> TokenStream {
    TokenTree::Group(Group::new(Delimiter::Brace, tokens)).into()
}

/// `$name:ident` pairs of a matcher.
fn matcher_fragments(tokens: &TokenStream, out: &mut HashMap<String, String>) {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (i, tt) in trees.iter().enumerate() {
        match tt {
            TokenTree::Group(g) => matcher_fragments(&g.stream(), out),
            TokenTree::Punct(p) if p.as_char() == '$' => {
                if let (
                    Some(TokenTree::Ident(name)),
                    Some(TokenTree::Punct(colon)),
                    Some(TokenTree::Ident(frag)),
                ) = (trees.get(i + 1), trees.get(i + 2), trees.get(i + 3))
                {
                    if colon.as_char() == ':' {
                        out.insert(name.to_string(), frag.to_string());
                    }
                }
            }
            _ => {}
        }
    }
}

/// Replaces metavariables by placeholders that keep the code parseable, and expands each
/// repetition `$( … ) sep? op` once.
fn substitute(tokens: TokenStream, frags: &HashMap<String, String>) -> TokenStream {
    let mut out: Vec<TokenTree> = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(tt) = iter.next() {
        match tt {
            TokenTree::Punct(p) if p.as_char() == '$' => match iter.peek().cloned() {
                Some(TokenTree::Ident(id)) => {
                    iter.next();
                    let name = id.to_string();
                    if name == "crate" {
                        out.push(Ident::new("crate", id.span()).into());
                        continue;
                    }
                    match frags.get(&name).map(String::as_str) {
                        Some("vis") | Some("item") => {}
                        Some("block") => {
                            out.push(Group::new(Delimiter::Brace, TokenStream::new()).into())
                        }
                        Some("lifetime") => {
                            out.push(
                                proc_macro2::Punct::new('\'', proc_macro2::Spacing::Joint).into(),
                            );
                            out.push(Ident::new("__mv", id.span()).into());
                        }
                        _ => out.push(Ident::new(&format!("__mv_{name}"), id.span()).into()),
                    }
                }
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                    iter.next();
                    out.extend(substitute(g.stream(), frags));
                    let is_op = |t: &TokenTree| matches!(t, TokenTree::Punct(p) if matches!(p.as_char(), '*' | '+' | '?'));
                    match iter.peek() {
                        Some(t) if is_op(t) => {
                            iter.next();
                        }
                        Some(_) => {
                            iter.next();
                            if iter.peek().is_some_and(is_op) {
                                iter.next();
                            }
                        }
                        None => {}
                    }
                }
                _ => out.push(TokenTree::Punct(p)),
            },
            TokenTree::Group(g) => {
                let mut ng = Group::new(g.delimiter(), substitute(g.stream(), frags));
                ng.set_span(g.span());
                out.push(ng.into());
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

fn fields_of(fields: &Fields, variant: Option<&str>) -> Vec<FieldFact> {
    fields
        .iter()
        .map(|f| FieldFact {
            name: f.ident.as_ref().map(ToString::to_string),
            ty: f.ty.clone(),
            serde_skip: serde_skip(&f.attrs),
            variant: variant.map(str::to_owned),
        })
        .collect()
}

impl<'ast> Visit<'ast> for Scanner<'_> {
    fn visit_file(&mut self, file: &'ast syn::File) {
        if file.attrs.iter().any(is_test_attr) {
            self.test_depth += 1;
            visit::visit_file(self, file);
            self.test_depth -= 1;
        } else {
            visit::visit_file(self, file);
        }
    }

    fn visit_attribute(&mut self, attr: &'ast Attribute) {
        let path = attr.path();
        if (path.is_ident("allow") || path.is_ident("expect") || path.is_ident("warn"))
            && tokens_have_ident(&attr.meta.to_token_stream(), "unsafe_code")
        {
            self.problem(
                line_of(attr.span()),
                format!(
                    "`#[{}(unsafe_code)]` lifts the workspace's `forbid(unsafe_code)`",
                    compact(path)
                ),
            );
        }
        // Unsafe attributes (`#[unsafe(no_mangle)]`, edition 2024).
        if path.is_ident("unsafe") {
            self.unsafe_found(line_of(attr.span()), "attribute");
        }
        visit::visit_attribute(self, attr);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        let test = m.attrs.iter().any(is_test_attr);
        if let Some(u) = &m.unsafety {
            self.unsafe_found(line_of(u.span), "module");
        }
        if test {
            self.test_depth += 1;
        }
        visit::visit_item_mod(self, m);
        if test {
            self.test_depth -= 1;
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let test = f.attrs.iter().any(is_test_attr);
        let saved = std::mem::take(&mut self.scopes);
        self.with_fn(f.sig.ident.to_string(), test, |s| {
            s.record_fn(&f.sig);
            visit::visit_item_fn(s, f);
        });
        self.scopes = saved;
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let test = f.attrs.iter().any(is_test_attr);
        self.record_fn(&f.sig);
        self.with_fn(f.sig.ident.to_string(), test, |s| {
            visit::visit_impl_item_fn(s, f)
        });
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        self.record_fn(&f.sig);
        self.with_fn(f.sig.ident.to_string(), false, |s| {
            visit::visit_trait_item_fn(s, f)
        });
    }

    fn visit_item_impl(&mut self, imp: &'ast syn::ItemImpl) {
        let self_name = display_name(&type_name(&imp.self_ty));
        if let Some(u) = &imp.unsafety {
            self.unsafe_found(line_of(u.span), &format!("impl for `{self_name}`"));
        }
        let test = imp.attrs.iter().any(is_test_attr);
        if test {
            self.test_depth += 1;
        }
        if let Some((_, path, _)) = &imp.trait_ {
            if let Some(seg) = path.segments.last() {
                let trait_args = match &seg.arguments {
                    syn::PathArguments::AngleBracketed(a) => a
                        .args
                        .iter()
                        .filter_map(|g| match g {
                            syn::GenericArgument::Type(t) => Some(display_name(&type_name(t))),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                let first_method = imp.items.iter().find_map(|i| match i {
                    syn::ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
                    _ => None,
                });
                self.facts.impls.push(ImplFact {
                    krate: krate_of(&self.file),
                    trait_name: seg.ident.to_string(),
                    trait_args,
                    self_name: self_name.clone(),
                    first_method,
                    file: self.file.clone(),
                    line: line_of(imp.impl_token.span),
                    test: self.test(),
                    macro_name: self.macro_name.clone(),
                });
            }
        }
        let saved = std::mem::replace(&mut self.scopes, vec![Scope::Impl(self_name)]);
        visit::visit_item_impl(self, imp);
        self.scopes = saved;
        if test {
            self.test_depth -= 1;
        }
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        if let Some(u) = &t.unsafety {
            self.unsafe_found(line_of(u.span), &format!("trait `{}`", t.ident));
        }
        let saved = std::mem::replace(&mut self.scopes, vec![Scope::Trait(t.ident.to_string())]);
        visit::visit_item_trait(self, t);
        self.scopes = saved;
    }

    fn visit_item_foreign_mod(&mut self, m: &'ast syn::ItemForeignMod) {
        self.unsafe_found(
            line_of(m.abi.extern_token.span),
            "extern block (calling foreign functions is unsafe)",
        );
        visit::visit_item_foreign_mod(self, m);
    }

    fn visit_expr_unsafe(&mut self, e: &'ast syn::ExprUnsafe) {
        self.unsafe_found(line_of(e.unsafe_token.span), "block");
        visit::visit_expr_unsafe(self, e);
    }

    fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
        let fields = fields_of(&s.fields, None);
        self.record_type(
            s.ident.to_string(),
            line_of(s.ident.span()),
            &s.attrs,
            fields,
        );
        visit::visit_item_struct(self, s);
    }

    fn visit_item_enum(&mut self, e: &'ast syn::ItemEnum) {
        let mut fields = Vec::new();
        for v in &e.variants {
            fields.extend(fields_of(&v.fields, Some(&v.ident.to_string())));
        }
        self.record_type(
            e.ident.to_string(),
            line_of(e.ident.span()),
            &e.attrs,
            fields,
        );
        visit::visit_item_enum(self, e);
    }

    fn visit_item_union(&mut self, u: &'ast syn::ItemUnion) {
        let fields = u
            .fields
            .named
            .iter()
            .map(|f| FieldFact {
                name: f.ident.as_ref().map(ToString::to_string),
                ty: f.ty.clone(),
                serde_skip: false,
                variant: None,
            })
            .collect();
        self.record_type(
            u.ident.to_string(),
            line_of(u.ident.span()),
            &u.attrs,
            fields,
        );
        visit::visit_item_union(self, u);
    }

    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        if m.mac.path.is_ident("macro_rules") {
            let name = m
                .ident
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            self.visit_macro_rules(&name, &m.mac.tokens);
        } else {
            self.visit_macro_input(&m.mac);
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_macro_input(mac);
    }

    fn visit_expr_method_call(&mut self, e: &'ast syn::ExprMethodCall) {
        let method = e.method.to_string();
        let line = line_of(e.method.span());
        self.call(&method, line, true);
        if EXPOSE_METHODS.contains(&method.as_str()) {
            self.site(
                line,
                SiteKind::Exposure,
                &method,
                format!("{}.{method}()", compact(&e.receiver)),
            );
        }
        if HEADER_METHODS.contains(&method.as_str()) {
            let args: Vec<String> = e.args.iter().map(compact).collect();
            self.site(
                line,
                SiteKind::Header,
                &method,
                format!("{}.{method}({})", compact(&e.receiver), args.join(", ")),
            );
        }
        if method == "parse" {
            if let Some(turbofish) = &e.turbofish {
                for arg in &turbofish.args {
                    if let syn::GenericArgument::Type(t) = arg {
                        let ty = type_name(t);
                        self.site(
                            line,
                            SiteKind::Construction,
                            &ty,
                            format!("{}.parse::<{ty}>()", compact(&e.receiver)),
                        );
                    }
                }
            }
        }
        // `headers.insert(AUTHORIZATION, v)`: one site for the whole call.
        let mut header_args = Vec::new();
        for arg in &e.args {
            if let Some(name) = Self::header_name_arg(arg) {
                header_args.push(name);
            }
        }
        if let Some(name) = header_args.first() {
            let verb = if HEADER_INSERTERS.contains(&method.as_str()) {
                "sets"
            } else if method == "remove" {
                "removes"
            } else {
                "uses"
            };
            self.site(
                line,
                SiteKind::Header,
                "AUTHORIZATION",
                format!(
                    "{verb} the header: {}.{method}({name}, ...)",
                    compact(&e.receiver)
                ),
            );
        }
        for attr in &e.attrs {
            self.visit_attribute(attr);
        }
        self.visit_expr(&e.receiver);
        for arg in &e.args {
            if Self::header_name_arg(arg).is_none() {
                self.visit_expr(arg);
            }
        }
    }

    fn visit_expr_call(&mut self, e: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*e.func {
            if let Some(seg) = p.path.segments.last() {
                self.call(&seg.ident.to_string(), line_of(seg.ident.span()), false);
            }
        }
        visit::visit_expr_call(self, e);
    }

    fn visit_expr_path(&mut self, e: &'ast syn::ExprPath) {
        let segs: Vec<String> = e
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let Some(last) = segs.last() else { return };
        let line = e
            .path
            .segments
            .last()
            .map(|s| line_of(s.ident.span()))
            .unwrap_or_default();
        if EXPOSE_METHODS.contains(&last.as_str()) {
            self.site(
                line,
                SiteKind::Exposure,
                last,
                format!("{} (path)", compact(&e.path)),
            );
        } else if last == "bearer_header" {
            self.site(
                line,
                SiteKind::Header,
                last,
                format!("calls {}", compact(&e.path)),
            );
        } else if last == "AUTHORIZATION" {
            self.site(
                line,
                SiteKind::Header,
                last,
                "uses the header name AUTHORIZATION".to_owned(),
            );
        }
        if segs.len() >= 2 && CONSTRUCTORS.contains(&last.as_str()) {
            let ty = display_name(&segs[segs.len() - 2]);
            let ty = if ty == "Self" {
                self.current_impl().unwrap_or(ty)
            } else {
                ty
            };
            self.site(line, SiteKind::Construction, &ty, format!("{}::{last}", ty));
        }
        visit::visit_expr_path(self, e);
    }

    fn visit_expr_struct(&mut self, e: &'ast syn::ExprStruct) {
        if let Some(seg) = e.path.segments.last() {
            let mut ty = display_name(&seg.ident.to_string());
            if ty == "Self" {
                ty = self.current_impl().unwrap_or(ty);
            }
            self.site(
                line_of(seg.ident.span()),
                SiteKind::Construction,
                &ty,
                format!("{ty} {{ .. }} (struct literal)"),
            );
        }
        visit::visit_expr_struct(self, e);
    }

    fn visit_lit_str(&mut self, s: &'ast syn::LitStr) {
        if s.value().eq_ignore_ascii_case("authorization") {
            self.site(
                line_of(s.span()),
                SiteKind::Header,
                "\"authorization\"",
                format!("header name literal {:?}", s.value()),
            );
        }
    }
}

impl Scanner<'_> {
    fn current_impl(&self) -> Option<String> {
        self.scopes.iter().rev().find_map(|s| match s {
            Scope::Impl(t) => Some(t.clone()),
            _ => None,
        })
    }
}
