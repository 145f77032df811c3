//! Renders `crates/resources/tests/generated_examples.rs`: one test per response example.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use anyhow::{bail, Result};

use super::models::{strip_unknown, Roles};
use super::naming::snake;
use super::ops::Op;
use super::overrides::EXAMPLE_DEFECTS;
use super::schema::Models;
use super::HEADER;

pub struct ExampleStats {
    pub total: usize,
    pub defects: usize,
}

pub fn render(ops: &[Op], models: &Models, roles: &Roles) -> Result<(String, ExampleStats)> {
    let mut out = format!(
        "{HEADER}//! Every response example of the spec decodes into the type the SDK declares for it.\n\
         //! Every request example decodes into the operation's body type and is written back the same.\n\
         //! The examples are read from the spec at test time (see `examples_support`), never copied.\n\n\
         #![allow(unused_imports)]\n\n\
         mod examples_support;\n\nuse examples_support::{{decodes, request_round_trips, request_spec_defect, spec_defect}};\nuse intercom_resources::models;\n\n"
    );
    let mut names = BTreeSet::new();
    let mut total = 0;
    let mut defects = 0;
    let mut used_defects = BTreeSet::new();
    let mut all: Vec<(&Op, &super::ops::Example)> = ops
        .iter()
        .flat_map(|o| o.examples.iter().map(move |e| (o, e)))
        .collect();
    all.sort_by(|a, b| {
        (&a.0.op_id, &a.1.status, &a.1.name).cmp(&(&b.0.op_id, &b.1.status, &b.1.name))
    });
    for (op, ex) in all {
        total += 1;
        let base = format!("{}_{}_{}", snake(&op.op_id), ex.status, snake(&ex.name));
        let mut name = base.clone();
        let mut n = 2;
        while !names.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        let feature = super::ops::tag_module(&op.tag);
        let ty = ex
            .ty
            .rust("models::")
            .replace("crate::", "intercom_resources::");
        let strip = strip_unknown(models, roles, &ex.ty, "models::")
            .replace("crate::", "intercom_resources::");
        let defect = EXAMPLE_DEFECTS.iter().find(|(m, p, s, e, _)| {
            *m == op.method && *p == op.path && *s == ex.status && *e == ex.name
        });
        match defect {
            Some(d) => {
                defects += 1;
                used_defects.insert((d.0, d.1, d.2, d.3));
                let _ = writeln!(
                    out,
                    "#[cfg(feature = {feature:?})]\n#[test]\nfn {name}() {{\nspec_defect::<{ty}>({:?}, {:?}, {:?}, {:?}, {:?}, {strip});\n}}\n",
                    op.method, op.path, ex.status, ex.name, d.4
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "#[cfg(feature = {feature:?})]\n#[test]\nfn {name}() {{\ndecodes::<{ty}>({:?}, {:?}, {:?}, {:?}, {strip});\n}}\n",
                    op.method, op.path, ex.status, ex.name
                );
            }
        }
    }
    for d in EXAMPLE_DEFECTS {
        if !used_defects.contains(&(d.0, d.1, d.2, d.3)) {
            bail!(
                "example override {} {} {} {} matches no example",
                d.0,
                d.1,
                d.2,
                d.3
            );
        }
    }
    Ok((out, ExampleStats { total, defects }))
}

/// Request examples that contradict their own schema: (operationId, example name, defect).
/// The generated test asserts that decoding still fails, so a fixed spec is noticed.
const REQUEST_EXAMPLE_DEFECTS: &[(&str, &str, &str)] = &[
    ("attachContactToACompany", "bad_request", "the example body is `null`, not an object"),
    ("createArticle", "bad_request", "the required `author_id` is missing"),
    ("createCollection", "bad_request", "the required `name` is missing"),
    (
        "createDataAttribute",
        "too_few_options_for_list",
        "the required `name`, `model` and `data_type` are missing and `description` is not declared",
    ),
    (
        "createInternalArticle",
        "bad_request",
        "the required `author_id` and `owner_id` are missing",
    ),
    ("createInternalArticle", "internal_article_created", "`locale` is not declared"),
    (
        "createMessage",
        "admin_whatsapp_message_created",
        "`locale` is not declared and `to.phone` is a number where a string is declared",
    ),
    (
        "createMessage",
        "lead_message_created",
        "no alternative matches: `message_type` and `to` are missing and `referer` is not declared",
    ),
    (
        "createMessage",
        "no_body_supplied_for_email_message",
        "an example of a rejected request: the `email` alternative's required `body` is missing",
    ),
    (
        "createMessage",
        "no_body_supplied_for_message",
        "an example of a rejected request: required fields of every alternative are missing",
    ),
    (
        "createMessage",
        "user_message_created",
        "no alternative matches: `message_type` and `to` are missing and `referer` is not declared",
    ),
    ("createNote", "admin_not_found", "`contact_id` (a path parameter) is not a body field"),
    ("createNote", "contact_not_found", "`contact_id` (a path parameter) is not a body field"),
    ("createNote", "successful_response", "`contact_id` (a path parameter) is not a body field"),
    ("createOrUpdateCompany", "bad_request", "`test` is not declared"),
    ("createTag", "invalid_parameters", "`test` is not declared"),
    ("detachContactFromConversation", "contact_not_found", "`customer` is not declared"),
    ("detachContactFromConversation", "conversation_not_found", "`customer` is not declared"),
    (
        "detachContactFromConversation",
        "detach_a_contact_from_a_group_conversation",
        "`customer` is not declared",
    ),
    ("detachContactFromConversation", "last_customer", "`customer` is not declared"),
    (
        "replyConversation",
        "contact_quick_reply_reply",
        "a contact reply with `message_type: quick_reply`; a contact's reply declares only `comment`",
    ),
    ("UpdateCompany", "bad_request", "`test` is not declared"),
    (
        "updateDataAttribute",
        "too_few_options_in_list",
        "`options` is an object where a list is declared and `description` is not declared",
    ),
];

/// One test per request example of the spec (JSON bodies), appended to the examples test.
pub fn render_requests(spec: &serde_json::Value, ops: &[Op]) -> Result<(String, usize)> {
    let mut out = String::new();
    let mut names = BTreeSet::new();
    let mut used = BTreeSet::new();
    let mut total = 0;
    let mut sorted: Vec<&Op> = ops.iter().collect();
    sorted.sort_by(|a, b| a.op_id.cmp(&b.op_id));
    for op in sorted {
        let Some(body) = &op.body else { continue };
        let ptr = format!(
            "/paths/{}/{}/requestBody/content/application~1json/examples",
            op.path.replace('~', "~0").replace('/', "~1"),
            op.method
        );
        let Some(exs) = spec.pointer(&ptr).and_then(serde_json::Value::as_object) else {
            continue;
        };
        let feature = super::ops::tag_module(&op.tag);
        let ty = body
            .rust("models::")
            .replace("crate::", "intercom_resources::");
        for ex in exs.keys() {
            total += 1;
            let base = format!("{}_request_{}", snake(&op.op_id), snake(ex));
            let mut name = base.clone();
            let mut n = 2;
            while !names.insert(name.clone()) {
                name = format!("{base}_{n}");
                n += 1;
            }
            let defect = REQUEST_EXAMPLE_DEFECTS
                .iter()
                .find(|(id, e, _)| *id == op.op_id && e == ex);
            match defect {
                Some(d) => {
                    used.insert((d.0, d.1));
                    let _ = writeln!(
                        out,
                        "#[cfg(feature = {feature:?})]\n#[test]\nfn {name}() {{\nrequest_spec_defect::<{ty}>({:?}, {:?}, {ex:?}, {:?});\n}}\n",
                        op.method, op.path, d.2
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "#[cfg(feature = {feature:?})]\n#[test]\nfn {name}() {{\nrequest_round_trips::<{ty}>({:?}, {:?}, {ex:?});\n}}\n",
                        op.method, op.path
                    );
                }
            }
        }
    }
    for d in REQUEST_EXAMPLE_DEFECTS {
        if !used.contains(&(d.0, d.1)) {
            bail!(
                "request example override {} {} matches no example",
                d.0,
                d.1
            );
        }
    }
    Ok((out, total))
}
