//! Licence keys of the connector: a JSON document naming licensee and expiry,
//! signed with Ed25519. Format: `FNOSYNC1.<base64url payload>.<base64url signature>`.
//! The server holds only the public key; `fnosync license issue` signs.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::NaiveDate;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::crypto::{decode_key, encode_key};

const KEY_PREFIX: &str = "FNOSYNC1";

/// Days before expiry from which renewal is due.
pub const RENEWAL_WINDOW_DAYS: i64 = 30;

/// What a licence key says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseClaims {
    /// Identifier of the licence.
    pub license_id: String,
    /// Who holds the licence.
    pub licensee: String,
    /// Last valid day (UTC).
    pub expiry_date: NaiveDate,
}

/// Why a licence key was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LicenseError {
    /// The text is not a licence key.
    #[error("license key is malformed: {0}")]
    Malformed(String),
    /// The signature does not verify against the configured public key.
    #[error("license key signature does not verify against the configured public key")]
    BadSignature,
    /// No public key is configured.
    #[error("no license public key is configured (FNOSYNC_LICENSE_PUBLIC_KEY)")]
    NoPublicKey,
}

/// Verifies licence keys against the vendor's public key.
#[derive(Clone, Debug)]
pub struct LicenseVerifier {
    key: Option<VerifyingKey>,
}

impl LicenseVerifier {
    /// Builds a verifier from the configured public key (base64 or hex), if any.
    pub fn new(public_key: Option<&str>) -> Result<Self, String> {
        let key = match public_key {
            None => None,
            Some(text) => {
                let bytes =
                    decode_key(text).map_err(|e| format!("FNOSYNC_LICENSE_PUBLIC_KEY {e}"))?;
                Some(VerifyingKey::from_bytes(&bytes).map_err(|e| {
                    format!("FNOSYNC_LICENSE_PUBLIC_KEY is not an Ed25519 key: {e}")
                })?)
            }
        };
        Ok(Self { key })
    }

    /// Checks the signature of `license_key` and returns its claims.
    pub fn verify(&self, license_key: &str) -> Result<LicenseClaims, LicenseError> {
        let key = self.key.as_ref().ok_or(LicenseError::NoPublicKey)?;
        let mut parts = license_key.trim().split('.');
        let (Some(prefix), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(LicenseError::Malformed(
                "expected three dot-separated parts".into(),
            ));
        };
        if prefix != KEY_PREFIX {
            return Err(LicenseError::Malformed(format!(
                "must start with {KEY_PREFIX}."
            )));
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .ok()
            .and_then(|bytes| Signature::from_slice(&bytes).ok())
            .ok_or_else(|| LicenseError::Malformed("signature is not valid base64url".into()))?;
        key.verify(payload.as_bytes(), &signature)
            .map_err(|_| LicenseError::BadSignature)?;
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| LicenseError::Malformed("payload is not valid base64url".into()))?;
        serde_json::from_slice(&json)
            .map_err(|e| LicenseError::Malformed(format!("payload is not a licence document: {e}")))
    }
}

/// Signs licence keys; used by `fnosync license issue`, tests and the demo.
pub struct LicenseIssuer {
    key: SigningKey,
}

impl LicenseIssuer {
    /// Generates a new signing key pair.
    pub fn generate() -> Self {
        Self {
            key: SigningKey::generate(&mut rand::rngs::OsRng),
        }
    }

    /// Loads a signing key from its 32-byte seed (base64 or hex).
    pub fn from_private_key(text: &str) -> Result<Self, String> {
        let seed = decode_key(text).map_err(|e| format!("private key {e}"))?;
        Ok(Self {
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// Returns the private key seed, base64-encoded.
    pub fn private_key(&self) -> String {
        encode_key(&self.key.to_bytes())
    }

    /// Returns the public key, base64-encoded (the value of `FNOSYNC_LICENSE_PUBLIC_KEY`).
    pub fn public_key(&self) -> String {
        encode_key(&self.key.verifying_key().to_bytes())
    }

    /// Signs a licence key for `claims`.
    pub fn issue(&self, claims: &LicenseClaims) -> String {
        let json = serde_json::to_vec(claims).expect("licence claims always serialize");
        let payload = URL_SAFE_NO_PAD.encode(json);
        let signature = self.key.sign(payload.as_bytes());
        format!(
            "{KEY_PREFIX}.{payload}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        )
    }
}

/// The standing of a verified licence on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LicenseStanding {
    /// Days from `today` until the expiry date; negative once expired.
    pub days_left: i64,
    /// Past the expiry date.
    pub expired: bool,
    /// Within the renewal window (or expired).
    pub renewal_due: bool,
}

/// Computes how a licence expiring on `expiry_date` stands on `today`.
pub fn standing(expiry_date: NaiveDate, today: NaiveDate) -> LicenseStanding {
    let days_left = (expiry_date - today).num_days();
    LicenseStanding {
        days_left,
        expired: days_left < 0,
        renewal_due: days_left <= RENEWAL_WINDOW_DAYS,
    }
}

/// How the stored licence stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LicenseState {
    /// No key was entered.
    Missing,
    /// The stored key does not verify.
    Invalid,
    /// Past its expiry date.
    Expired,
    /// Syncs may run.
    Valid,
}

/// The licence checked on a day: its state, what to tell the user, and its
/// standing when it verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenseCheck {
    /// The state.
    pub state: LicenseState,
    /// Why it is not valid, or a renewal reminder; empty otherwise.
    pub message: String,
    /// Days left and renewal, when the key verified.
    pub standing: Option<LicenseStanding>,
}

/// Checks the stored key (`None`: none entered) and its expiry date on `today`.
pub fn check(
    verifier: &LicenseVerifier,
    stored: Option<(&str, NaiveDate)>,
    today: NaiveDate,
) -> LicenseCheck {
    let Some((key, expiry_date)) = stored else {
        return LicenseCheck {
            state: LicenseState::Missing,
            message: "no licence key entered; submit one with SubmitLicenseKey".into(),
            standing: None,
        };
    };
    if let Err(error) = verifier.verify(key) {
        return LicenseCheck {
            state: LicenseState::Invalid,
            message: error.to_string(),
            standing: None,
        };
    }
    let standing = standing(expiry_date, today);
    let (state, message) = if standing.expired {
        (
            LicenseState::Expired,
            format!("the licence expired on {expiry_date}; submit a renewed key"),
        )
    } else if standing.renewal_due {
        (
            LicenseState::Valid,
            format!(
                "the licence expires in {} days; renew it",
                standing.days_left
            ),
        )
    } else {
        (LicenseState::Valid, String::new())
    };
    LicenseCheck {
        state,
        message,
        standing: Some(standing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> LicenseClaims {
        LicenseClaims {
            license_id: "LIC-1".into(),
            licensee: "Acme Corp".into(),
            expiry_date: NaiveDate::from_ymd_opt(2027, 3, 1).expect("date"),
        }
    }

    #[test]
    fn issued_key_verifies_with_the_matching_public_key() {
        let issuer = LicenseIssuer::generate();
        let verifier = LicenseVerifier::new(Some(&issuer.public_key())).expect("key");
        assert_eq!(verifier.verify(&issuer.issue(&claims())), Ok(claims()));
    }

    #[test]
    fn key_signed_by_another_issuer_is_refused() {
        let verifier =
            LicenseVerifier::new(Some(&LicenseIssuer::generate().public_key())).expect("key");
        let key = LicenseIssuer::generate().issue(&claims());
        assert_eq!(verifier.verify(&key), Err(LicenseError::BadSignature));
    }

    #[test]
    fn tampered_payload_is_refused() {
        let issuer = LicenseIssuer::generate();
        let verifier = LicenseVerifier::new(Some(&issuer.public_key())).expect("key");
        let key = issuer.issue(&claims());
        let mut forged = claims();
        forged.expiry_date = NaiveDate::from_ymd_opt(2099, 1, 1).expect("date");
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).expect("json"));
        let parts: Vec<&str> = key.split('.').collect();
        let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(verifier.verify(&tampered), Err(LicenseError::BadSignature));
    }

    #[test]
    fn renewal_is_due_from_thirty_days_before_expiry() {
        let expiry = NaiveDate::from_ymd_opt(2027, 3, 31).expect("date");
        let day = |m, d| NaiveDate::from_ymd_opt(2027, m, d).expect("date");
        assert!(!standing(expiry, day(2, 28)).renewal_due);
        assert!(standing(expiry, day(3, 1)).renewal_due);
        assert!(!standing(expiry, day(3, 31)).expired);
        assert!(standing(expiry, NaiveDate::from_ymd_opt(2027, 4, 1).expect("date")).expired);
    }
}
