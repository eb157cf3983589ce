//! Notifications against local stand-ins (wiremock on 127.0.0.1): Slack's incoming webhook
//! (a rate limit waited out, server errors retried, a refusal kept with Slack's words, the
//! payload's text and blocks) and a generic Standard Webhooks endpoint (signatures checked by
//! an independent implementation in Python as well as by fixloop's own `verify`, one id across
//! retries, 410 Gone disabling the endpoint), and no address or secret in any record, error or
//! `Debug` output.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::{DateTime, Utc};
use fixloop::adapters::notify::{NotifyError, Sink, SlackSink, WebhookSink, send_to_all};
use fixloop::core::notify::{
    Delivery, DeliveryOutcome, DeliveryPolicy, Message, Notification, NotificationKind,
    ReceivedHeaders, SigningSecret, TOLERANCE, VerifyError, verify,
};
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A Slack webhook's path: its secret.
const SLACK_PATH: &str = "/services/T0SECRET1/B0SECRET2/sl4ckS3cretPathXyz";
/// A generic webhook's path and query, holding a token of the receiver's.
const HOOK_PATH: &str = "/hooks/tok3nInThePath";
const HOOK_QUERY: &str = "key=qu3rySecretValue";
const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD+A==";

/// What must appear in no record, error or `Debug` output.
const NEVER: &[&str] = &[
    "sl4ckS3cretPathXyz",
    "T0SECRET1",
    "tok3nInThePath",
    "qu3rySecretValue",
    "C2FVsBQIhrscChlQIMV",
    "127.0.0.1",
];

/// Quick retries, so the tests run fast; the `Retry-After` cap stays above the 1 s asked.
fn policy() -> DeliveryPolicy {
    DeliveryPolicy {
        attempts: 3,
        backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(5),
        timeout: Duration::from_secs(5),
    }
}

fn notification() -> Notification {
    let at = DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z")
        .unwrap()
        .to_utc();
    Notification::new(
        NotificationKind::Fixed,
        "acme/app",
        "tests/test_io.py::test_timeout <fixed> & verified",
        at,
    )
    .with_link("https://github.com/acme/app/pull/7")
    .with_field("Attempts", "2")
}

fn message() -> Message {
    Message::single(notification())
}

fn slack_url(server: &MockServer) -> String {
    format!("{}{SLACK_PATH}", server.uri())
}

fn hook_url(server: &MockServer) -> String {
    format!("{}{HOOK_PATH}?{HOOK_QUERY}", server.uri())
}

async fn answer(server: &MockServer, at: &str, template: ResponseTemplate, times: Option<u64>) {
    let mock = Mock::given(method("POST"))
        .and(path(at))
        .respond_with(template);
    match times {
        Some(n) => mock.up_to_n_times(n).mount(server).await,
        None => mock.mount(server).await,
    }
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in NEVER {
        assert!(!text.contains(secret), "{what} shows `{secret}`: {text}");
    }
}

/// Every way a delivery can be shown: its Display, Debug and JSON.
fn assert_clean(delivery: &Delivery) {
    assert_no_secret("a delivery's Display", &delivery.to_string());
    assert_no_secret("a delivery's Debug", &format!("{delivery:?}"));
    assert_no_secret(
        "a delivery's JSON",
        &serde_json::to_string(delivery).unwrap(),
    );
}

fn header<'a>(request: &'a Request, name: &str) -> &'a str {
    request.headers.get(name).unwrap().to_str().unwrap()
}

/// Python's standard library, apart from fixloop's code, checks a delivery's signature.
fn python_verifies(secret: &str, request: &Request) -> bool {
    const SCRIPT: &str = r#"
import base64, hashlib, hmac, sys
secret, msg_id, timestamp, header = sys.argv[1:5]
body = sys.stdin.buffer.read()
key = base64.b64decode(secret[len("whsec_"):])
signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
ok = any(
    hmac.compare_digest(sig.split(",", 1)[1], expected)
    for sig in header.split(" ")
    if sig.startswith("v1,")
)
print("valid" if ok else "invalid")
"#;
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT, secret])
        .args([
            header(request, "webhook-id"),
            header(request, "webhook-timestamp"),
            header(request, "webhook-signature"),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&request.body)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the Python check failed to run");
    match String::from_utf8_lossy(&out.stdout).trim() {
        "valid" => true,
        "invalid" => false,
        other => panic!("the Python check said {other}"),
    }
}

/// fixloop's own check of a request, at `now`.
fn our_verify(request: &Request, body: &[u8], now: DateTime<Utc>) -> Result<(), VerifyError> {
    let pairs: Vec<(&str, &str)> = request
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.to_str().unwrap()))
        .collect();
    let headers = ReceivedHeaders::from_pairs(pairs)?;
    verify(
        &SigningSecret::parse(SECRET).unwrap(),
        &headers,
        body,
        now,
        TOLERANCE,
    )
}

fn sent_at(request: &Request) -> DateTime<Utc> {
    let seconds: i64 = header(request, "webhook-timestamp").parse().unwrap();
    DateTime::from_timestamp(seconds, 0).unwrap()
}

#[tokio::test]
async fn slack_rate_limit_is_waited_out_then_delivered() {
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429)
        .insert_header("Retry-After", "1")
        .set_body_string("rate_limited");
    answer(&server, SLACK_PATH, limited, Some(1)).await;
    answer(
        &server,
        SLACK_PATH,
        ResponseTemplate::new(200).set_body_string("ok"),
        None,
    )
    .await;
    let sink = SlackSink::new("ops-slack", &slack_url(&server), policy()).unwrap();

    let delivery = sink.send(&message()).await;

    assert_eq!(delivery.outcome, DeliveryOutcome::Delivered, "{delivery}");
    assert_eq!(delivery.attempts, 2);
    assert_eq!(delivery.status, Some(200));
    assert_eq!(delivery.error, None);
    // The second attempt came after the second Slack asked for, not after the 10 ms backoff.
    assert!(
        delivery.waited_ms >= 1000,
        "waited {} ms",
        delivery.waited_ms
    );
    assert!(delivery.duration_ms >= delivery.waited_ms);
    assert_eq!(delivery.endpoint, "ops-slack");
    assert_eq!(delivery.message_id, message().id());
    assert_eq!(requests(&server).await.len(), 2);
    assert_clean(&delivery);
}

#[tokio::test]
async fn slack_server_errors_are_retried_then_fail() {
    let server = MockServer::start().await;
    answer(
        &server,
        SLACK_PATH,
        ResponseTemplate::new(500).set_body_string("rollup_error"),
        None,
    )
    .await;
    let sink = SlackSink::new("ops-slack", &slack_url(&server), policy()).unwrap();

    let delivery = sink.send(&message()).await;

    assert_eq!(delivery.outcome, DeliveryOutcome::Failed, "{delivery}");
    assert_eq!(delivery.attempts, 3);
    assert_eq!(delivery.status, Some(500));
    assert_eq!(requests(&server).await.len(), 3);
    // Backoff: 10 ms, then 20 ms.
    assert!(delivery.waited_ms >= 30, "waited {} ms", delivery.waited_ms);
    assert_eq!(
        delivery.error.as_deref(),
        Some("Slack answered 500 (rollup_error)")
    );
    assert_clean(&delivery);
}

#[tokio::test]
async fn slack_refusal_is_permanent_after_one_attempt() {
    let server = MockServer::start().await;
    answer(
        &server,
        SLACK_PATH,
        ResponseTemplate::new(400).set_body_string("invalid_payload"),
        None,
    )
    .await;
    let sink = SlackSink::new("ops-slack", &slack_url(&server), policy()).unwrap();

    let delivery = sink.send(&message()).await;

    assert_eq!(delivery.outcome, DeliveryOutcome::Permanent, "{delivery}");
    assert_eq!(delivery.attempts, 1);
    assert_eq!(delivery.status, Some(400));
    assert_eq!(delivery.waited_ms, 0);
    assert!(
        delivery
            .error
            .as_deref()
            .unwrap()
            .contains("invalid_payload")
    );
    assert_eq!(requests(&server).await.len(), 1);
    assert_clean(&delivery);
}

#[tokio::test]
async fn slack_payload_has_text_and_blocks() {
    let server = MockServer::start().await;
    answer(
        &server,
        SLACK_PATH,
        ResponseTemplate::new(200).set_body_string("ok"),
        None,
    )
    .await;
    let sink = SlackSink::new("ops-slack", &slack_url(&server), policy()).unwrap();

    assert!(sink.send(&message()).await.is_delivered());

    let sent = requests(&server).await;
    assert_eq!(header(&sent[0], "content-type"), "application/json");
    let payload: Value = serde_json::from_slice(&sent[0].body).unwrap();
    let text = payload["text"].as_str().unwrap();
    assert!(text.starts_with("Fixed in acme/app: "), "{text}");
    assert!(text.contains("&lt;fixed&gt; &amp; verified"), "{text}");
    let blocks = payload["blocks"].as_array().unwrap();
    let kinds: Vec<&str> = blocks.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["header", "section", "context"]);
    assert_eq!(blocks[1]["text"]["type"], "mrkdwn");
    assert_eq!(blocks[1]["fields"][0]["text"], "*Attempts*\n2");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_retried_and_its_address_is_not_shown() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}{SLACK_PATH}");
    let sink = SlackSink::new("ops-slack", &url, policy()).unwrap();

    let delivery = sink.send(&message()).await;

    assert_eq!(delivery.outcome, DeliveryOutcome::Failed, "{delivery}");
    assert_eq!(delivery.attempts, 3);
    assert_eq!(delivery.status, None);
    let error = delivery.error.as_deref().unwrap();
    assert!(error.starts_with("cannot reach Slack: "), "{error}");
    assert_clean(&delivery);
}

#[tokio::test]
async fn a_webhook_delivery_is_signed_the_standard_way() {
    let server = MockServer::start().await;
    answer(&server, HOOK_PATH, ResponseTemplate::new(204), None).await;
    let mut sink = WebhookSink::new("audit", &hook_url(&server), SECRET, policy()).unwrap();

    let delivery = sink.send(&message()).await;

    assert_eq!(delivery.outcome, DeliveryOutcome::Delivered, "{delivery}");
    let sent = requests(&server).await;
    let request = &sent[0];
    assert_eq!(header(request, "webhook-id"), message().id());
    let signature = header(request, "webhook-signature");
    assert!(signature.starts_with("v1,"), "{signature}");
    assert!(
        python_verifies(SECRET, request),
        "Python does not accept the signature"
    );
    assert_eq!(our_verify(request, &request.body, Utc::now()), Ok(()));
    let payload: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(payload["type"], "fixloop.fixed");
    assert_eq!(payload["timestamp"], "2026-11-21T10:00:00Z");
    assert_eq!(payload["data"]["id"], message().id());
    assert_eq!(payload["data"]["repository"], "acme/app");
    assert_eq!(
        payload["data"]["link"],
        "https://github.com/acme/app/pull/7"
    );
    assert_clean(&delivery);
}

#[tokio::test]
async fn a_webhook_retry_keeps_the_id_and_signs_each_attempt_afresh() {
    let server = MockServer::start().await;
    answer(&server, HOOK_PATH, ResponseTemplate::new(503), Some(1)).await;
    answer(&server, HOOK_PATH, ResponseTemplate::new(200), None).await;
    let mut sink = WebhookSink::new("audit", &hook_url(&server), SECRET, policy()).unwrap();

    let delivery = sink.send(&message()).await;

    assert_eq!(delivery.outcome, DeliveryOutcome::Delivered, "{delivery}");
    assert_eq!(delivery.attempts, 2);
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(header(&sent[0], "webhook-id"), message().id());
    assert_eq!(header(&sent[1], "webhook-id"), message().id());
    assert_eq!(sent[0].body, sent[1].body);
    assert!(sent_at(&sent[1]) >= sent_at(&sent[0]));
    for request in &sent {
        assert!(python_verifies(SECRET, request));
        assert_eq!(our_verify(request, &request.body, Utc::now()), Ok(()));
    }
    assert_clean(&delivery);
}

#[tokio::test]
async fn a_gone_webhook_is_disabled_until_enabled_again() {
    let server = MockServer::start().await;
    answer(&server, HOOK_PATH, ResponseTemplate::new(410), Some(1)).await;
    answer(&server, HOOK_PATH, ResponseTemplate::new(200), None).await;
    let mut sink = WebhookSink::new("audit", &hook_url(&server), SECRET, policy()).unwrap();

    let gone = sink.send(&message()).await;

    assert_eq!(gone.outcome, DeliveryOutcome::Disabled, "{gone}");
    assert_eq!((gone.attempts, gone.status), (1, Some(410)));
    assert!(sink.is_disabled());
    assert!(gone.error.as_deref().unwrap().contains("410 Gone"));

    let refused = sink.send(&message()).await;
    assert_eq!(refused.outcome, DeliveryOutcome::Disabled);
    assert_eq!((refused.attempts, refused.status), (0, None));
    assert_eq!(
        requests(&server).await.len(),
        1,
        "a disabled endpoint got a request"
    );

    sink.set_disabled(false);
    assert!(sink.send(&message()).await.is_delivered());
    assert_eq!(requests(&server).await.len(), 2);
    assert_clean(&gone);
    assert_clean(&refused);
}

#[tokio::test]
async fn a_tampered_body_or_an_old_timestamp_is_rejected() {
    let server = MockServer::start().await;
    answer(&server, HOOK_PATH, ResponseTemplate::new(200), None).await;
    let mut sink = WebhookSink::new("audit", &hook_url(&server), SECRET, policy()).unwrap();
    assert!(sink.send(&message()).await.is_delivered());
    let request = &requests(&server).await[0];

    let mut tampered = request.body.clone();
    let at = tampered.iter().position(|b| *b == b'7').unwrap();
    tampered[at] = b'8';
    assert_eq!(
        our_verify(request, &tampered, Utc::now()),
        Err(VerifyError::Mismatch)
    );
    let mut forged = request.clone();
    forged.body = tampered;
    assert!(
        !python_verifies(SECRET, &forged),
        "Python accepted a changed body"
    );

    let later = sent_at(request) + chrono::TimeDelta::seconds(301);
    assert_eq!(
        our_verify(request, &request.body, later),
        Err(VerifyError::TooOld(301))
    );
    let earlier = sent_at(request) - chrono::TimeDelta::seconds(301);
    assert_eq!(
        our_verify(request, &request.body, earlier),
        Err(VerifyError::TooNew(301))
    );
}

#[tokio::test]
async fn no_address_or_secret_shows_in_a_record_an_error_or_debug() {
    let server = MockServer::start().await;
    // Endpoints that echo what they got: their address, its path and query, a secret.
    let slack_echo = format!("no_service for {} ({SLACK_PATH})", slack_url(&server));
    let hook_echo = format!(
        "cannot take {} ({HOOK_PATH}, {HOOK_QUERY}) signed with {SECRET}",
        hook_url(&server)
    );
    answer(
        &server,
        SLACK_PATH,
        ResponseTemplate::new(404).set_body_string(slack_echo),
        None,
    )
    .await;
    answer(
        &server,
        HOOK_PATH,
        ResponseTemplate::new(500).set_body_string(hook_echo),
        None,
    )
    .await;
    let slack = SlackSink::new("ops-slack", &slack_url(&server), policy()).unwrap();
    let hook = WebhookSink::new("audit", &hook_url(&server), SECRET, policy()).unwrap();
    assert_no_secret("a Slack sink's Debug", &format!("{slack:?}"));
    assert_no_secret("a webhook sink's Debug", &format!("{hook:?}"));

    let mut sinks = [Sink::Slack(slack), Sink::Webhook(hook)];
    assert_no_secret("the sinks' Debug", &format!("{sinks:?}"));
    let deliveries = send_to_all(&mut sinks, &message()).await;
    assert_eq!(deliveries.len(), 2);
    assert_eq!(deliveries[0].outcome, DeliveryOutcome::Permanent);
    assert!(
        deliveries[0]
            .error
            .as_deref()
            .unwrap()
            .contains("no_service")
    );
    assert_eq!(deliveries[1].outcome, DeliveryOutcome::Failed);
    for delivery in &deliveries {
        assert_clean(delivery);
    }

    // Refusals to make a sink name the endpoint, never its address or secret.
    let errors: Vec<NotifyError> = vec![
        SlackSink::new("ops-slack", "hooks.example/sl4ckS3cretPathXyz", policy()).unwrap_err(),
        SlackSink::new("ops-slack", "ftp://127.0.0.1/sl4ckS3cretPathXyz", policy()).unwrap_err(),
        WebhookSink::new(
            "audit",
            &hook_url(&server),
            "C2FVsBQIhrscChlQIMV+b5sSY",
            policy(),
        )
        .unwrap_err(),
        WebhookSink::new(
            "audit",
            &hook_url(&server),
            "whsec_C2FVsBQIhrscChlQIMV",
            policy(),
        )
        .unwrap_err(),
    ];
    for error in errors {
        assert_no_secret("an error", &error.to_string());
        assert_no_secret("an error's Debug", &format!("{error:?}"));
        let step: fixloop::core::error::StepError = error.into();
        assert_no_secret("a step error", &format!("{step:?}"));
    }
}
