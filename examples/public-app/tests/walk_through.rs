//! The README's public-app command runs to the end: install, contacts, webhook, uninstall.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_readme_command_walks_through_the_whole_flow() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_public-app"))
        .env_remove("INTERCOM_APP_ENCRYPTION_KEY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "stored the token of workspace",
        "contacts on the first page",
        "webhook received: topic contact.user.created",
        "delivered by the sandbox and verified: contact.user.created",
        "forged signature: 401 Unauthorized",
        "deletes nothing: stored = true",
        "deleted = true",
        "done",
    ] {
        assert!(
            stdout.contains(expected),
            "missing `{expected}` in:\n{stdout}"
        );
    }
}
