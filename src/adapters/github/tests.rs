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
