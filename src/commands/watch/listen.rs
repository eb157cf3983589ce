//! GitHub's webhooks (`--listen ADDR`): each delivery's `X-Hub-Signature-256` checked against
//! the secret before anything is read from it, each delivery id taken once (GitHub redelivers),
//! a failed `workflow_run` taken into the store, and the answer given at once (GitHub waits 10
//! seconds at most): the work is done by the watcher's loop, which the delivery wakes. A
//! delivery that never came is found by the sweep, which always runs.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::Notify;

use super::CommandError;
use super::sweep::take;
use crate::adapters::state::WatchStore;
use crate::core::ci::{self, CiEvent};
use crate::core::exit::ExitCode;
use crate::core::watch::WatchConfig;

/// GitHub's largest delivery.
const BODY_LIMIT: usize = 25 << 20;

/// What a delivery handler needs.
struct Hooks {
    config: WatchConfig,
    store: Mutex<WatchStore>,
    secret: Vec<u8>,
    wake: Arc<Notify>,
}

/// Binds `addr` and serves deliveries until the process ends; the address it listens on.
///
/// # Errors
/// No secret is set, or the address cannot be bound.
pub async fn listen(
    addr: &str,
    config: &WatchConfig,
    state: &Path,
    wake: Arc<Notify>,
) -> Result<SocketAddr, CommandError> {
    let var = &config.watch.webhook_secret_env;
    let secret = std::env::var(var).unwrap_or_default();
    if secret.trim().is_empty() {
        return Err(CommandError::new(
            ExitCode::Usage,
            format!("--listen needs the webhooks' secret in {var}"),
        )
        .hint(format!(
            "set {var} to the secret of the repository's (or organisation's) webhook"
        )));
    }
    let store = WatchStore::open(state).map_err(|e| CommandError::new(ExitCode::Io, e.0))?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| CommandError::new(ExitCode::Usage, format!("cannot listen on {addr}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| CommandError::new(ExitCode::Io, format!("{addr}: {e}")))?;
    let hooks = Arc::new(Hooks {
        config: config.clone(),
        store: Mutex::new(store),
        secret: secret.trim().as_bytes().to_vec(),
        wake,
    });
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let hooks = Arc::clone(&hooks);
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let hooks = Arc::clone(&hooks);
                    async move { Ok::<_, hyper::Error>(deliver(&hooks, request).await) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(bound)
}

fn answer(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(format!("{text}\n"))));
    *response.status_mut() = status;
    response
}

async fn deliver(hooks: &Hooks, request: Request<Incoming>) -> Response<Full<Bytes>> {
    if request.method() != hyper::Method::POST {
        return answer(StatusCode::METHOD_NOT_ALLOWED, "deliveries are POSTed");
    }
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (event, delivery, signature) = (
        header("x-github-event"),
        header("x-github-delivery"),
        header("x-hub-signature-256"),
    );
    let Ok(body) = Limited::new(request.into_body(), BODY_LIMIT)
        .collect()
        .await
    else {
        return answer(StatusCode::PAYLOAD_TOO_LARGE, "the delivery is too large");
    };
    let body = body.to_bytes();
    if !signed(&hooks.secret, &body, &signature) {
        return answer(StatusCode::UNAUTHORIZED, "the signature does not match");
    }
    if delivery.is_empty() {
        return answer(StatusCode::BAD_REQUEST, "no X-GitHub-Delivery");
    }
    let taken = {
        let Ok(store) = hooks.store.lock() else {
            return answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the state is unavailable",
            );
        };
        match store.first_delivery(&delivery, &event) {
            Ok(false) => return answer(StatusCode::OK, "already handled"),
            Ok(true) => take_delivery(hooks, &store, &event, &body),
            Err(e) => {
                eprintln!("fixloop watch: delivery {delivery}: {}", e.0);
                return answer(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the state is unavailable",
                );
            }
        }
    };
    hooks.wake.notify_one();
    answer(StatusCode::ACCEPTED, &taken)
}

/// Takes what the delivery brings; what it did, in a line.
fn take_delivery(hooks: &Hooks, store: &WatchStore, event: &str, body: &[u8]) -> String {
    let Ok(payload) = serde_json::from_slice::<Value>(body) else {
        return "not JSON: ignored".into();
    };
    match event {
        "workflow_run" => {
            if payload["action"] != "completed" {
                return "not a completed run: ignored".into();
            }
            let Ok(CiEvent::Run(run)) = ci::parse(Some("workflow_run"), &payload) else {
                return "not a workflow run fixloop can read: ignored".into();
            };
            let Some(repo) = hooks.config.repo(&run.repo).filter(|r| r.enabled) else {
                return format!("{} is not watched: ignored", run.repo);
            };
            match take(store, repo, &run) {
                Ok(true) => format!("run {} taken", run.run_id),
                Ok(false) => format!("run {} left alone", run.run_id),
                Err(e) => {
                    eprintln!("fixloop watch: run {}: {}", run.run_id, e.message);
                    "not taken (the sweep will find it)".into()
                }
            }
        }
        // The sweep finds the suite's failed runs; the delivery only wakes it.
        "check_suite" => "noted; the sweep looks".into(),
        "ping" => "pong".into(),
        other => format!("`{other}` is not fixloop's: ignored"),
    }
}

/// `sha256=<hex of HMAC-SHA256(secret, body)>`, compared in constant time.
fn signed(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Some(expected) = decode_hex(hex) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_githubs() {
        // GitHub's documented example: secret "It's a Secret to Everybody", body
        // "Hello, World!".
        let header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert!(signed(
            b"It's a Secret to Everybody",
            b"Hello, World!",
            header
        ));
        assert!(!signed(
            b"It's a Secret to Everybody",
            b"Hello, World?",
            header
        ));
        assert!(!signed(b"another secret", b"Hello, World!", header));
        assert!(!signed(
            b"It's a Secret to Everybody",
            b"Hello, World!",
            "sha1=00"
        ));
        assert!(!signed(
            b"It's a Secret to Everybody",
            b"Hello, World!",
            "sha256=zz"
        ));
    }
}
