//! Compile-fail tests: the typestate keeps an unauthenticated client from sending.
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test -p intercom-transport
//! --test compile_fail` after a deliberate change to the diagnostics, and review the diff.

#[test]
fn unauthenticated_clients_cannot_send() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}

/// The committed expectations must keep naming the missing authentication, so regenerating
/// them after the diagnostic was lost (for example `#[diagnostic::on_unimplemented]` removed
/// from `Authenticated`) fails here.
#[test]
fn expected_output_names_the_missing_token() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let generic = read("generic_requires_authenticated.stderr");
    assert!(generic.contains(
        "this Intercom client has no token attached: `Unauthenticated` is not an authenticated state"
    ));
    assert!(generic.contains("attach a token first"));
    assert!(
        generic.contains("requests can only be sent by a `Client<Private>` or a `Client<OAuth>`")
    );
    for method_call in [
        "execute_unauthenticated.stderr",
        "send_unauthenticated.stderr",
    ] {
        assert!(
            read(method_call).contains("`Unauthenticated: Authenticated`"),
            "{method_call} must name the unmet `Authenticated` bound"
        );
    }
}
