//! What the generated API refuses to compile: a request body without its required fields, and
//! an operation without its required path parameter. The compiler's messages are checked in
//! next to each case (`TRYBUILD=overwrite` regenerates them).

#[test]
fn requests_missing_required_inputs_do_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile_fail/*.rs");
}
