//! Encryption of stored secrets with ChaCha20-Poly1305 under the master key.
//! Each secret gets a fresh random nonce; the associated data binds a
//! ciphertext to the row it belongs to, so it cannot be moved to another.

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use secrecy::{ExposeSecret, SecretString};

/// The key length of ChaCha20-Poly1305 and of Ed25519 keys, in bytes.
pub const KEY_LEN: usize = 32;

/// Decodes a 32-byte key given as base64 (standard or URL-safe) or as hex.
pub fn decode_key(text: &str) -> Result<[u8; KEY_LEN], String> {
    let text = text.trim();
    let bytes = if text.len() == KEY_LEN * 2 && text.chars().all(|c| c.is_ascii_hexdigit()) {
        hex::decode(text).map_err(|e| format!("invalid hex: {e}"))?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text))
            .map_err(|_| "must be 32 bytes in base64 or hex".to_string())?
    };
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("must be 32 bytes, got {}", b.len()))
}

/// Encodes a 32-byte key as standard base64.
pub fn encode_key(key: &[u8; KEY_LEN]) -> String {
    base64::engine::general_purpose::STANDARD.encode(key)
}

/// Generates a random 32-byte key, base64-encoded.
pub fn generate_key() -> String {
    let key = ChaCha20Poly1305::generate_key(&mut OsRng);
    encode_key(&key.into())
}

/// A sealed secret: the nonce and the ciphertext with its tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    /// The 12-byte nonce.
    pub nonce: Vec<u8>,
    /// Ciphertext followed by the 16-byte tag.
    pub ciphertext: Vec<u8>,
}

/// Encrypts and decrypts secrets under the master key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// Builds the box from the configured master key.
    pub fn from_master_key(master_key: &SecretString) -> Result<Self, String> {
        let key = decode_key(master_key.expose_secret())
            .map_err(|e| format!("FNOSYNC_MASTER_KEY {e}"))?;
        Ok(Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        })
    }

    /// Encrypts `plaintext`, bound to `context` (e.g. the connection's system).
    pub fn seal(&self, plaintext: &[u8], context: &str) -> anyhow::Result<Sealed> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plaintext,
            aad: context.as_bytes(),
        };
        let ciphertext = self
            .cipher
            .encrypt(&nonce, payload)
            .map_err(|_| anyhow::anyhow!("failed to encrypt secret"))?;
        Ok(Sealed {
            nonce: nonce.to_vec(),
            ciphertext,
        })
    }

    /// Decrypts a sealed secret; fails when the key, the context or the bytes differ.
    pub fn open(&self, sealed: &Sealed, context: &str) -> anyhow::Result<Vec<u8>> {
        if sealed.nonce.len() != 12 {
            anyhow::bail!("stored nonce has the wrong length");
        }
        let payload = Payload {
            msg: &sealed.ciphertext,
            aad: context.as_bytes(),
        };
        self.cipher
            .decrypt(Nonce::from_slice(&sealed.nonce), payload)
            .map_err(|_| {
                anyhow::anyhow!("failed to decrypt secret: wrong master key or tampered data")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret_box() -> SecretBox {
        SecretBox::from_master_key(&SecretString::from(generate_key())).expect("valid key")
    }

    #[test]
    fn sealed_secret_opens_with_the_same_context() {
        let sb = secret_box();
        let sealed = sb.seal(b"hunter2", "fno").expect("seal");
        assert_ne!(sealed.ciphertext, b"hunter2");
        assert_eq!(sb.open(&sealed, "fno").expect("open"), b"hunter2");
    }

    #[test]
    fn sealed_secret_does_not_open_in_another_context_or_with_another_key() {
        let sb = secret_box();
        let sealed = sb.seal(b"hunter2", "fno").expect("seal");
        assert!(sb.open(&sealed, "salesforce").is_err());
        assert!(secret_box().open(&sealed, "fno").is_err());
    }

    #[test]
    fn keys_decode_from_base64_and_hex_and_refuse_wrong_lengths() {
        let key = [7u8; KEY_LEN];
        assert_eq!(decode_key(&encode_key(&key)), Ok(key));
        assert_eq!(decode_key(&hex::encode(key)), Ok(key));
        assert!(decode_key("c2hvcnQ=").is_err());
    }
}
