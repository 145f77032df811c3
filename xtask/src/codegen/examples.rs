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
         //! The examples are read from the spec at test time (see `examples_support`), never copied.\n\n\
         #![allow(unused_imports)]\n\n\
         mod examples_support;\n\nuse examples_support::{{decodes, spec_defect}};\nuse intercom_resources::models;\n\n"
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
