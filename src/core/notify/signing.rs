//! The Standard Webhooks signature: what a generic webhook's receiver checks to trust a
//! delivery.
//!
//! The secret is `whsec_` and the base64 of the key (24 to 64 random bytes). A delivery carries
//! `webhook-id` (the message's id, the same on every retry), `webhook-timestamp` (the attempt's
//! time in unix seconds) and `webhook-signature`: `v1,` and the base64 of
//! HMAC-SHA256(key, `{id}.{timestamp}.{body}`), several of them space-separated while a secret
//! is being rotated. A receiver accepts a delivery when one signature matches (compared in
//! constant time) and the timestamp is within a few minutes of its clock.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::model::is_valid_id;

type HmacSha256 = Hmac<Sha256>;

pub const HEADER_ID: &str = "webhook-id";
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
pub const HEADER_SIGNATURE: &str = "webhook-signature";

/// How far a delivery's timestamp may be from the receiver's clock, either way.
pub const TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// What a secret starts with.
const PREFIX: &str = "whsec_";

/// The key's length in bytes, as the specification asks.
const KEY_BYTES: std::ops::RangeInclusive<usize> = 24..=64;

/// The key that signs deliveries to one endpoint. Shown nowhere: its `Debug` says only that
/// it is there, and it has no `Display`.
#[derive(Clone)]
pub struct SigningSecret {
    key: Vec<u8>,
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret([redacted])")
    }
}

/// A secret that cannot be used. The message never holds the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("a signing secret starts with `whsec_`")]
    Prefix,
    #[error("a signing secret is `whsec_` and base64 (it does not decode)")]
    Base64,
    #[error("a signing secret's key is 24 to 64 bytes, this one is {0}")]
    Length(usize),
}

impl SigningSecret {
    /// A secret written as `whsec_<base64 key>`.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text
            .trim()
            .strip_prefix(PREFIX)
            .ok_or(SecretError::Prefix)?;
        let key = STANDARD.decode(encoded).map_err(|_| SecretError::Base64)?;
        Self::from_key(key)
    }

    /// A secret of these key bytes.
    pub fn from_key(key: Vec<u8>) -> Result<Self, SecretError> {
        if !KEY_BYTES.contains(&key.len()) {
            return Err(SecretError::Length(key.len()));
        }
        Ok(Self { key })
    }

    /// The secret as it is given to the receiver: `whsec_<base64 key>`.
    #[must_use]
    pub fn to_whsec(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.key))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
        let mut mac =
            HmacSha256::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The signature of a delivery: `v1,<base64>`.
    #[must_use]
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.mac(id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", STANDARD.encode(tag))
    }
}

/// The three headers of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub id: String,
    pub timestamp: i64,
    pub signature: String,
}

impl SignedHeaders {
    /// The headers for `body` sent at `timestamp` (unix seconds) under message `id`.
    #[must_use]
    pub fn new(secret: &SigningSecret, id: &str, timestamp: i64, body: &[u8]) -> Self {
        Self {
            id: id.to_owned(),
            timestamp,
            signature: secret.sign(id, timestamp, body),
        }
    }

    /// (name, value) of each header.
    #[must_use]
    pub fn pairs(&self) -> [(&'static str, String); 3] {
        [
            (HEADER_ID, self.id.clone()),
            (HEADER_TIMESTAMP, self.timestamp.to_string()),
            (HEADER_SIGNATURE, self.signature.clone()),
        ]
    }
}

/// The headers a receiver got, as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceivedHeaders<'a> {
    pub id: &'a str,
    pub timestamp: &'a str,
    pub signature: &'a str,
}

impl<'a> ReceivedHeaders<'a> {
    /// The three headers out of a request's (name, value) pairs; names match in any case.
    pub fn from_pairs(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, VerifyError> {
        let (mut id, mut timestamp, mut signature) = (None, None, None);
        for (name, value) in pairs {
            if name.eq_ignore_ascii_case(HEADER_ID) {
                id = Some(value);
            } else if name.eq_ignore_ascii_case(HEADER_TIMESTAMP) {
                timestamp = Some(value);
            } else if name.eq_ignore_ascii_case(HEADER_SIGNATURE) {
                signature = Some(value);
            }
        }
        Ok(Self {
            id: id.ok_or(VerifyError::Missing(HEADER_ID))?,
            timestamp: timestamp.ok_or(VerifyError::Missing(HEADER_TIMESTAMP))?,
            signature: signature.ok_or(VerifyError::Missing(HEADER_SIGNATURE))?,
        })
    }
}

/// Why a delivery is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the `{0}` header is missing")]
    Missing(&'static str),
    #[error("the `webhook-id` header is not an id (letters, digits, `_`, `-`)")]
    BadId,
    #[error("the `webhook-timestamp` header is not unix seconds")]
    BadTimestamp,
    #[error("the delivery is too old (its timestamp is {0} s behind the clock)")]
    TooOld(u64),
    #[error("the delivery is from the future (its timestamp is {0} s ahead of the clock)")]
    TooNew(u64),
    #[error("no signature matches")]
    Mismatch,
}

/// Whether `body` with these headers was signed with `secret` and sent within `tolerance` of
/// `now`. Any one of the space-separated `v1` signatures may match; others (`v1a`) are
/// skipped.
pub fn verify(
    secret: &SigningSecret,
    headers: &ReceivedHeaders<'_>,
    body: &[u8],
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    if !is_valid_id(headers.id) {
        return Err(VerifyError::BadId);
    }
    let text = headers.timestamp.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::BadTimestamp);
    }
    let timestamp: i64 = text.parse().map_err(|_| VerifyError::BadTimestamp)?;
    let skew = now.timestamp().saturating_sub(timestamp);
    let allowed = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    if skew > allowed {
        return Err(VerifyError::TooOld(skew.unsigned_abs()));
    }
    if skew < -allowed {
        return Err(VerifyError::TooNew(skew.unsigned_abs()));
    }
    let mac = secret.mac(headers.id, timestamp, body);
    let matched = headers
        .signature
        .split(' ')
        .filter_map(|one| one.strip_prefix("v1,"))
        .filter_map(|encoded| STANDARD.decode(encoded).ok())
        // `verify_slice` compares in constant time.
        .any(|tag| mac.clone().verify_slice(&tag).is_ok());
    if matched {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vector computed apart from this code, with Python's standard library:
    ///
    /// ```text
    /// import base64, hashlib, hmac
    /// key = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    /// msg = b'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}'
    /// "v1," + base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()
    /// ```
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(TIMESTAMP, 0).unwrap()
    }

    fn secret() -> SigningSecret {
        SigningSecret::parse(SECRET).unwrap()
    }

    fn received<'a>(timestamp: &'a str, signature: &'a str) -> ReceivedHeaders<'a> {
        ReceivedHeaders {
            id: ID,
            timestamp,
            signature,
        }
    }

    #[test]
    fn the_signature_matches_an_independent_computation() {
        assert_eq!(secret().sign(ID, TIMESTAMP, BODY), SIGNATURE);
        let headers = SignedHeaders::new(&secret(), ID, TIMESTAMP, BODY);
        assert_eq!(
            headers.pairs(),
            [
                ("webhook-id", ID.to_owned()),
                ("webhook-timestamp", "1614265330".to_owned()),
                ("webhook-signature", SIGNATURE.to_owned()),
            ]
        );
        assert_eq!(secret().to_whsec(), SECRET);
    }

    #[test]
    fn a_signed_delivery_verifies_and_any_listed_signature_may_match() {
        let ts = TIMESTAMP.to_string();
        assert_eq!(
            verify(&secret(), &received(&ts, SIGNATURE), BODY, now(), TOLERANCE),
            Ok(())
        );
        let rotated = format!("v1a,abc v1,Zm9v {SIGNATURE}");
        assert_eq!(
            verify(&secret(), &received(&ts, &rotated), BODY, now(), TOLERANCE),
            Ok(())
        );
    }

    #[test]
    fn a_changed_body_id_key_or_signature_is_refused() {
        let ts = TIMESTAMP.to_string();
        let tampered = br#"{"test": 2432232315}"#;
        assert_eq!(
            verify(
                &secret(),
                &received(&ts, SIGNATURE),
                tampered,
                now(),
                TOLERANCE
            ),
            Err(VerifyError::Mismatch)
        );
        let other_id = ReceivedHeaders {
            id: "msg_other",
            ..received(&ts, SIGNATURE)
        };
        assert_eq!(
            verify(&secret(), &other_id, BODY, now(), TOLERANCE),
            Err(VerifyError::Mismatch)
        );
        let other_key = SigningSecret::from_key(vec![7; 32]).unwrap();
        assert_eq!(
            verify(
                &other_key,
                &received(&ts, SIGNATURE),
                BODY,
                now(),
                TOLERANCE
            ),
            Err(VerifyError::Mismatch)
        );
        for bad in [
            "",
            "v1,",
            "v1,!!!",
            "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            &SIGNATURE.replace("v1,", "v1a,"),
        ] {
            assert_eq!(
                verify(&secret(), &received(&ts, bad), BODY, now(), TOLERANCE),
                Err(VerifyError::Mismatch),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_timestamp_outside_the_tolerance_is_refused() {
        let sign = |ts: i64| secret().sign(ID, ts, BODY);
        let check = |ts: i64| {
            let text = ts.to_string();
            let signature = sign(ts);
            verify(
                &secret(),
                &received(&text, &signature),
                BODY,
                now(),
                TOLERANCE,
            )
        };
        assert_eq!(check(TIMESTAMP - 300), Ok(()));
        assert_eq!(check(TIMESTAMP + 300), Ok(()));
        assert_eq!(check(TIMESTAMP - 301), Err(VerifyError::TooOld(301)));
        assert_eq!(check(TIMESTAMP + 301), Err(VerifyError::TooNew(301)));
        for bad in ["", "-5", "1e9", "16142653300000000000000", " "] {
            assert_eq!(
                verify(&secret(), &received(bad, SIGNATURE), BODY, now(), TOLERANCE),
                Err(VerifyError::BadTimestamp),
                "{bad}"
            );
        }
        let dotted = ReceivedHeaders {
            id: "msg.1",
            ..received("1614265330", SIGNATURE)
        };
        assert_eq!(
            verify(&secret(), &dotted, BODY, now(), TOLERANCE),
            Err(VerifyError::BadId)
        );
    }

    #[test]
    fn headers_are_found_in_any_case_and_a_missing_one_is_named() {
        let pairs = [
            ("Webhook-Id", ID),
            ("WEBHOOK-TIMESTAMP", "1"),
            ("content-type", "application/json"),
            ("webhook-signature", "v1,x"),
        ];
        let headers = ReceivedHeaders::from_pairs(pairs).unwrap();
        assert_eq!((headers.id, headers.timestamp), (ID, "1"));
        assert_eq!(
            ReceivedHeaders::from_pairs([("webhook-id", ID), ("webhook-timestamp", "1")]),
            Err(VerifyError::Missing("webhook-signature"))
        );
    }

    #[test]
    fn a_bad_secret_is_refused_without_showing_it() {
        assert_eq!(
            SigningSecret::parse("MfKQ9r8G").err(),
            Some(SecretError::Prefix)
        );
        assert_eq!(
            SigningSecret::parse("whsec_%%%").err(),
            Some(SecretError::Base64)
        );
        assert_eq!(
            SigningSecret::parse("whsec_c2hvcnQ=").err(),
            Some(SecretError::Length(5))
        );
        assert_eq!(format!("{:?}", secret()), "SigningSecret([redacted])");
        for error in [
            SecretError::Prefix,
            SecretError::Base64,
            SecretError::Length(5),
        ] {
            assert!(!error.to_string().contains("MfKQ"));
        }
    }
}
