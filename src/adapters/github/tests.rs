use super::*;

#[test]
fn remote_urls() {
    let want = Some(("github.com".to_owned(), "acme".to_owned(), "app".to_owned()));
    assert_eq!(remote_repo("https://github.com/acme/app.git"), want);
    assert_eq!(remote_repo("git@github.com:acme/app.git"), want);
    assert_eq!(remote_repo("ssh://git@github.com/acme/app"), want);
    assert_eq!(
        remote_repo("https://x-access-token:abc@github.com/acme/app"),
        want
    );
    assert_eq!(remote_repo("/tmp/origin.git"), None);
    assert_eq!(api_base("github.com"), "https://api.github.com");
    assert_eq!(api_base("ghe.acme.dev"), "https://ghe.acme.dev/api/v3");
}

#[test]
fn the_token_never_prints() {
    let t = Token {
        value: "ghp_secretsecretsecret".into(),
        source: "GITHUB_TOKEN".into(),
    };
    assert!(!format!("{t:?}").contains("secret"));
}

#[tokio::test]
async fn the_client_shows_no_token() {
    let token = Token {
        value: "ghp_secretsecretsecret".into(),
        source: "GITHUB_TOKEN".into(),
    };
    let client = GitHub::new("https://api.github.com", Some(token)).unwrap();
    assert!(!format!("{client:?}").contains("secret"));
}

#[tokio::test]
async fn a_bad_api_address_or_token_is_an_input_error() {
    use crate::core::event::FailureClass;
    for api in ["api.github.com", "https://exa mple.com/api/v3"] {
        let error = GitHub::new(api, None).unwrap_err();
        assert_eq!(error.class, FailureClass::Input, "{api}: {error:?}");
        assert!(error.with_hints().contains("--github-api-url"), "{error:?}");
    }
    // A token pasted with a line break in it would make octocrab panic.
    let token = Token {
        value: "ghp_secret\nsecret".into(),
        source: "GH_TOKEN".into(),
    };
    let error = GitHub::new("https://api.github.com", Some(token)).unwrap_err();
    assert_eq!(error.class, FailureClass::Input);
    assert!(error.message.contains("GH_TOKEN") && !error.message.contains("secret"));
}
