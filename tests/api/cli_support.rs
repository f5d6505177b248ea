//! Running `fnosyncctl` and the client crate's examples as subprocesses for
//! the CLI tests: output capture, stdin, JSON parsing, and where the
//! example binaries are.

use std::path::PathBuf;
use std::process::Stdio;

use fnosync_tests::{workspace_binary, TestApp};
use tokio::io::AsyncWriteExt;

/// What one `fnosyncctl` run printed and returned.
#[derive(Debug)]
pub struct CtlOutput {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl CtlOutput {
    /// Parses stdout as exactly one JSON object.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("one JSON object expected ({e}): {self:?}"))
    }

    /// Parses stdout as one JSON object per line.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON object per line"))
            .collect()
    }
}

/// Runs `fnosyncctl --server <app> --token <token> <args>` with `stdin`.
pub async fn ctl_with_stdin(app: &TestApp, token: &str, args: &[&str], stdin: &str) -> CtlOutput {
    let mut child = tokio::process::Command::new(workspace_binary("fnosyncctl"))
        .args(["--server", &app.url(), "--token", token])
        .args(args)
        .env_remove("FNOSYNC_CA_CERT")
        .env_remove("FNOSYNC_CLIENT_CERT")
        .env_remove("FNOSYNC_CLIENT_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("run fnosyncctl");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.as_bytes())
        .await
        .expect("write stdin");
    drop(input);
    let output = child.wait_with_output().await.expect("fnosyncctl output");
    CtlOutput {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `fnosyncctl` as `token` with an empty stdin.
pub async fn ctl(app: &TestApp, token: &str, args: &[&str]) -> CtlOutput {
    ctl_with_stdin(app, token, args, "").await
}

/// Returns the path of an example of the client crate, failing the test with
/// what to build when it is missing.
pub fn workspace_example(name: &str) -> PathBuf {
    let bin_dir = workspace_binary("fnosyncctl")
        .parent()
        .expect("binary folder")
        .to_path_buf();
    let path = bin_dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace --bins --examples` first",
        path.display()
    );
    path
}
