//! What the generated API refuses to compile: a request body without its required fields, an
//! operation without its required path parameter, a field of another `oneOf` alternative and a
//! discriminator set by hand. The compiler's messages are checked in
//! next to each case (`TRYBUILD=overwrite` regenerates them).

#[test]
fn requests_missing_required_inputs_do_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile_fail/*.rs");
}
