//! Reading secrets (passwords, client secrets, private keys) without ever
//! taking them from the command line: a prompt with no echo on a terminal,
//! otherwise stdin, one secret per line.

use std::io::{IsTerminal, Read};

use crate::exit::Failure;

/// Where secrets come from for one command.
pub struct SecretReader {
    from_stdin: bool,
}

impl SecretReader {
    /// Reads from stdin when asked to or when stdin is not a terminal; else prompts.
    pub fn new(force_stdin: bool) -> Self {
        Self {
            from_stdin: force_stdin || !std::io::stdin().is_terminal(),
        }
    }

    /// Reads one secret: the next line of stdin, or the answer to a prompt
    /// that does not echo. An empty secret is refused.
    pub fn line(&self, what: &str) -> Result<String, Failure> {
        let secret = if self.from_stdin {
            let mut line = String::new();
            let read = std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| Failure::usage(format!("cannot read the {what} from stdin: {e}")))?;
            if read == 0 {
                return Err(Failure::usage(format!("no {what} on stdin")));
            }
            line.trim_end_matches(['\n', '\r']).to_string()
        } else {
            rpassword::prompt_password(format!("{what}: "))
                .map_err(|e| Failure::usage(format!("cannot read the {what}: {e}")))?
        };
        if secret.is_empty() {
            return Err(Failure::usage(format!("the {what} is empty")));
        }
        Ok(secret)
    }

    /// Reads a multi-line secret such as a PEM key: the rest of stdin. It
    /// cannot be typed at a prompt, so a terminal on stdin is refused.
    pub fn rest_of_stdin(&self, what: &str) -> Result<String, Failure> {
        if !self.from_stdin {
            return Err(Failure::usage(format!(
                "pipe the {what} on stdin or give it as a file"
            )));
        }
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::usage(format!("cannot read the {what} from stdin: {e}")))?;
        if text.trim().is_empty() {
            return Err(Failure::usage(format!("no {what} on stdin")));
        }
        Ok(text)
    }
}
