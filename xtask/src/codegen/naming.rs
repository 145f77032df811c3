//! Identifier conventions: snake_case, PascalCase, keyword escaping, enum variant names.

/// Rust keywords (strict and reserved, 2021 edition) that cannot be used as plain identifiers.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Splits a name into lowercase words: camelCase, PascalCase (acronyms included), spaces,
/// hyphens, dots and underscores are word boundaries.
pub fn words(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

pub fn snake(s: &str) -> String {
    words(s).join("_")
}

/// PascalCase; an underscore separates two words when both sides are digits (`2.16` → `2_16`).
pub fn pascal(s: &str) -> String {
    let mut out = String::new();
    for w in words(s) {
        let starts_digit = w.starts_with(|c: char| c.is_ascii_digit());
        if starts_digit && out.ends_with(|c: char| c.is_ascii_digit()) {
            out.push('_');
        }
        let mut cs = w.chars();
        if let Some(f) = cs.next() {
            out.push(f.to_ascii_uppercase());
            out.extend(cs);
        }
    }
    out
}

pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// A field or parameter identifier for a JSON name.
pub fn field_ident(json: &str) -> String {
    let mut s = snake(json);
    if s.is_empty() {
        s = "value".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("n{s}");
    }
    if is_keyword(&s) {
        s.push('_');
    }
    s
}

/// A type name for a schema or context name.
pub fn type_ident(s: &str) -> String {
    let mut p = pascal(s);
    if p.is_empty() {
        p = "Anonymous".into();
    }
    if p.starts_with(|c: char| c.is_ascii_digit()) {
        p = format!("T{p}");
    }
    p
}

/// An enum variant name for a string value.
pub fn variant_ident(value: &str) -> String {
    let sym = match value {
        "=" => Some("Eq"),
        "!=" => Some("Ne"),
        "<" => Some("Lt"),
        "<=" => Some("Le"),
        ">" => Some("Gt"),
        ">=" => Some("Ge"),
        "~" => Some("Contains"),
        "!~" => Some("NotContains"),
        "^" => Some("StartsWith"),
        "$" => Some("EndsWith"),
        "" => Some("Empty"),
        _ => None,
    };
    if let Some(s) = sym {
        return s.to_string();
    }
    let mut p = pascal(value);
    if p.is_empty() {
        p = "Symbol".into();
    }
    if p.starts_with(|c: char| c.is_ascii_digit()) {
        p = format!("V{p}");
    }
    p
}

/// English singular of a lowercase word, good enough to compare tag nouns.
pub fn singular(w: &str) -> String {
    if let Some(stem) = w.strip_suffix("ies") {
        format!("{stem}y")
    } else if w.ends_with("ss") {
        w.to_string()
    } else if let Some(stem) = w.strip_suffix('s') {
        stem.to_string()
    } else {
        w.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(snake("RetrieveACompanyById"), "retrieve_a_company_by_id");
        assert_eq!(
            snake("getWhatsAppMessageStatus"),
            "get_whats_app_message_status"
        );
        assert_eq!(snake("IP Allowlist"), "ip_allowlist");
        assert_eq!(pascal("conversation.list"), "ConversationList");
        assert_eq!(variant_ident("2.16"), "V2_16");
        assert_eq!(variant_ident("news-item"), "NewsItem");
        assert_eq!(field_ident("type"), "type_");
    }
}
