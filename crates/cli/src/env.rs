//! Secrets come from environment variables named on the command line (`--token-env`,
//! `--secret-env`, `--client-secret-env`). A user may paste the secret itself there by
//! mistake, so a name that cannot be a variable's is refused without being shown.

use crate::fail::Failure;

/// The longest name accepted. Real names are far shorter; tokens are longer.
pub const MAX_NAME_LEN: usize = 64;

/// True for `[A-Za-z_][A-Za-z0-9_]*` of at most [`MAX_NAME_LEN`] bytes: the names a POSIX
/// shell can export.
pub fn is_variable_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    let Some(first) = bytes.next() else {
        return false;
    };
    name.len() <= MAX_NAME_LEN
        && (first.is_ascii_alphabetic() || first == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `name` when it is an environment-variable name; otherwise a usage error that names the
/// option (`flag`) but never repeats what was given, which may be a pasted secret.
pub fn checked_name<'a>(flag: &str, name: &'a str) -> Result<&'a str, Failure> {
    if is_variable_name(name) {
        Ok(name)
    } else {
        Err(Failure::usage(format!(
            "{flag} takes the name of an environment variable (letters, digits and '_', not \
             starting with a digit, at most {MAX_NAME_LEN} characters), not a secret; what was \
             given is not shown in case it is one"
        )))
    }
}

/// The value of the variable named by `flag`'s `name`; a missing or non-Unicode variable is
/// a credentials failure that names the variable (never its value).
pub fn read(flag: &str, name: &str) -> Result<String, Failure> {
    let name = checked_name(flag, name)?;
    std::env::var(name).map_err(|_| {
        Failure::credentials(format!(
            "environment variable {name} is not set (or not Unicode)"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names_are_shell_names_of_sensible_length() {
        for ok in [
            "INTERCOM_ACCESS_TOKEN",
            "_x",
            "a1",
            "A",
            &"N".repeat(MAX_NAME_LEN),
        ] {
            assert!(is_variable_name(ok), "{ok}");
        }
        for bad in [
            "",
            "1ABC",
            "A-B",
            "has space",
            "tok=",
            "dG9rOmFkbWluLXRva2VuLXZhbHVlLTEyMzQ1Njc4OTA=",
            "ÄBC",
            "A\u{1b}",
            &"N".repeat(MAX_NAME_LEN.saturating_add(1)),
        ] {
            assert!(!is_variable_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_refused_name_is_not_repeated() {
        let pasted = "dG9rOnNlY3JldC12YWx1ZQ==";
        let failure = checked_name("--token-env", pasted).expect_err("not a name");
        let text = failure.to_string();
        assert!(
            text.contains("--token-env") && !text.contains(pasted),
            "{text}"
        );
        assert_eq!(failure.code(), crate::fail::USAGE);
    }
}
