//! Renders `crates/fuzz-targets/src/generated_models.rs`: every type a generated operation
//! decodes a JSON answer into (its success answer and its documented error answers), so the
//! `models` fuzz target covers each response model and stays current with the spec.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::ops::{Op, Resp};
use super::HEADER;

pub fn render(ops: &[Op]) -> String {
    let mut types = BTreeSet::new();
    for op in ops {
        if let Resp::Json(ty) = &op.resp {
            types.insert(ty.rust("models::"));
        }
        for example in &op.examples {
            types.insert(example.ty.rust("models::"));
        }
    }
    let mut out = format!(
        "{HEADER}//! Every type a generated operation decodes a JSON answer into (success and \
         documented error answers), for the `models` fuzz target.\n\n\
         use intercom_resources::models;\n\n\
         /// `(type, check)` for each response type, sorted by type.\n\
         pub(crate) const RESPONSE_TYPES: &[(&str, crate::Target)] = &[\n"
    );
    for ty in &types {
        let ty = ty.replace("crate::", "intercom_resources::");
        let _ = writeln!(out, "({ty:?}, super::check::<{ty}>),");
    }
    out.push_str("];\n");
    out
}
