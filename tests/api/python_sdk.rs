//! The Python SDK and the API reference, both generated from `proto/`: the
//! guide's example flow driven by a Python script through the SDK against the
//! real server, and the committed generated files checked against the protos.
//! Without python3 and grpcio the Python tests say they are skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fnosync_client::proto;
use fnosync_sandbox::salesforce::{auth, fields as sf};
use fnosync_server::MIGRATOR;
use fnosync_tests::{TestApp, FNO_PASSWORD};
use serde_json::{json, Value};
use sqlx::PgPool;

/// How long the example flow may take before the test gives up on it.
const EXAMPLE_FLOW_LIMIT: Duration = Duration::from_secs(180);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_path_buf()
}

/// Returns why python3 cannot import `modules` here, or `None` when it can.
fn python_unavailable(modules: &str) -> Option<String> {
    let probe = std::process::Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .output();
    match probe {
        Err(error) => Some(format!("python3 cannot be run ({error})")),
        Ok(output) if !output.status.success() => Some(format!(
            "python3 cannot import {modules} (python3 -m pip install grpcio grpcio-tools): {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )),
        Ok(_) => None,
    }
}

/// Runs a Python script of the repository and fails the test with its output unless it succeeds.
fn run_python_check(script: &str, args: &[&str]) {
    let output = std::process::Command::new("python3")
        .arg(repo_root().join(script))
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "{script} {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_python_sdk_configures_the_server_and_syncs_the_guide_example(pool: PgPool) {
    if let Some(reason) = python_unavailable("grpc, google.protobuf") {
        eprintln!("skipped: the Python SDK example flow needs Python with grpcio: {reason}");
        return;
    }
    // Arrange: a server with nothing configured, and the seeded sandboxes.
    let app = TestApp::spawn(pool).await;
    let account_id = app.demo_account_id();
    let license_key = app.license_key(
        "Python SDK Corp",
        chrono::Utc::now().date_naive() + chrono::Duration::days(365),
    );
    let mut script = tokio::process::Command::new("python3");
    script
        .arg(repo_root().join("sdk/python/tests/example_flow.py"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("FNOSYNC_SERVER", app.url())
        .env("FNOSYNC_TOKEN", &app.admin_token)
        .env("SALESFORCE_URL", app.salesforce.url())
        .env("SALESFORCE_CLIENT_ID", auth::DEFAULT_CLIENT_ID)
        .env("SALESFORCE_CLIENT_SECRET", auth::DEFAULT_CLIENT_SECRET)
        .env("SALESFORCE_USER_NAME", auth::DEFAULT_USERNAME)
        .env(
            "SALESFORCE_PASSWORD",
            format!("{}{}", auth::DEFAULT_PASSWORD, auth::DEFAULT_SECURITY_TOKEN),
        )
        .env("FNO_URL", app.fno.url())
        .env("FNO_USER_NAME", fnosync_sandbox::fno::seed::DEFAULT_USER)
        .env("FNO_PASSWORD", FNO_PASSWORD)
        .env("FNOSYNC_LICENSE_KEY", &license_key)
        .env("ACCOUNT_ID", &account_id)
        .kill_on_drop(true);

    // Act
    let output = tokio::time::timeout(EXAMPLE_FLOW_LIMIT, script.output())
        .await
        .expect("the example flow ends in time")
        .expect("run python3");

    // Assert: the script's own checks passed and it reports the entitlement.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let report: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|error| panic!("no JSON report ({error}):\n{stdout}\n{stderr}"));
    assert_eq!(report["state"], "SYNC_RUN_STATE_COMPLETED", "{report}");
    let entitlement_id = report["entitlement_id"]
        .as_str()
        .expect("entitlement id")
        .to_string();

    // The server was configured by the script, and the run is what it says.
    let viewer = app.viewer().await;
    let status = viewer
        .admin()
        .get_connection_status(proto::GetConnectionStatusRequest {})
        .await
        .expect("connection status")
        .into_inner();
    for connection in [status.fno, status.salesforce] {
        assert_eq!(
            connection.expect("connection").state,
            proto::ConnectionState::Verified as i32
        );
    }
    let run = viewer
        .sync()
        .get_sync_run(proto::GetSyncRunRequest {
            run_id: report["run_id"].as_str().expect("run id").into(),
        })
        .await
        .expect("run")
        .into_inner()
        .run
        .expect("run");
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert_eq!(run.account_id, account_id);

    // FNO has the entitlement the logs name, and Salesforce has its ID back.
    let entitlement = app
        .fno
        .store()
        .entitlement(&entitlement_id)
        .expect("the entitlement of the log exists in FNO");
    assert_eq!(entitlement.sold_to.as_deref(), Some(account_id.as_str()));
    assert_eq!(entitlement.line_items.len(), 1);
    assert_eq!(
        entitlement.line_items[0].part_number.as_deref(),
        Some("SF01demo")
    );
    let opportunity = app
        .salesforce
        .find("Opportunity", "Name", &json!("SF-TestOpportunity"))
        .into_iter()
        .next()
        .expect("opportunity");
    assert_eq!(
        opportunity[sf::ENTITLEMENT_ID].as_str(),
        Some(entitlement_id.as_str())
    );
}

#[test]
fn the_committed_python_sdk_is_generated_from_the_current_protos() {
    if let Some(reason) = python_unavailable("grpc_tools") {
        eprintln!("skipped: checking the generated Python SDK needs grpcio-tools: {reason}");
        return;
    }
    run_python_check("sdk/python/generate.py", &["--check"]);
}

#[test]
fn buf_generate_writes_the_same_python_sdk_as_the_generation_script() {
    if let Some(reason) = python_unavailable("grpc_tools") {
        eprintln!("skipped: buf generate runs grpcio-tools: {reason}");
        return;
    }
    let Ok(buf) = std::process::Command::new("buf").arg("--version").output() else {
        eprintln!("skipped: buf is not installed");
        return;
    };
    assert!(buf.status.success(), "buf --version failed");
    let out = tempfile::tempdir().expect("temp dir");

    let generated = std::process::Command::new("buf")
        .arg("generate")
        .arg("--output")
        .arg(out.path())
        .current_dir(repo_root())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run buf generate");

    assert!(
        generated.status.success(),
        "buf generate failed: {}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let committed = tree_of(&repo_root().join("sdk/python/fnosync"));
    let from_buf = tree_of(&out.path().join("sdk/python/fnosync"));
    assert!(!committed.is_empty(), "no generated code is committed");
    assert_eq!(
        from_buf.keys().collect::<Vec<_>>(),
        committed.keys().collect::<Vec<_>>()
    );
    for (path, content) in &committed {
        assert!(from_buf[path] == *content, "{path} differs");
    }
}

/// Returns every file under `root` by relative path, Python caches left out.
fn tree_of(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.file_name().is_some_and(|name| name == "__pycache__") {
                continue;
            }
            if path.is_dir() {
                folders.push(path);
            } else {
                let relative = path.strip_prefix(root).expect("under root");
                let content = std::fs::read(&path).expect("read generated file");
                files.insert(relative.to_string_lossy().into_owned(), content);
            }
        }
    }
    files
}

#[test]
fn the_api_reference_is_generated_from_the_current_proto_comments() {
    if let Some(reason) = python_unavailable("grpc_tools") {
        eprintln!("skipped: checking the API reference needs grpcio-tools: {reason}");
        return;
    }
    run_python_check("scripts/gen-api-reference.py", &["--check"]);
}

#[test]
fn the_api_reference_gives_each_rpc_the_role_the_server_requires() {
    // Arrange
    let reference =
        std::fs::read_to_string(repo_root().join("docs/api-reference.md")).expect("reference");

    // Act: the rows of each service's RPC table, `| `Method` | request | response | role | … |`.
    let services_section = reference
        .split("\n## ")
        .find(|section| section.starts_with("Services"))
        .expect("a Services section");
    let mut service = String::new();
    let mut documented = Vec::new();
    for line in services_section.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            service = heading.to_string();
        } else if line.starts_with("| `") && line.split('|').count() == 7 {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let method = cells[1].trim_matches('`').to_string();
            documented.push((service.clone(), method, cells[4].to_string()));
        }
    }

    // Assert
    for name in fnosync_server::api::SERVICE_NAMES {
        let short = name.trim_start_matches("fnosync.v1.");
        assert!(
            documented.iter().any(|(s, _, _)| s == short),
            "{short} has no RPC in the reference"
        );
    }
    for (service, method, role) in &documented {
        let path = format!("/fnosync.v1.{service}/{method}");
        let required = fnosync_server::auth::required_role(&path).expect("a role is needed");
        assert_eq!(
            role,
            required.as_str(),
            "{path}: the reference's role differs from server/src/auth.rs; make required_role \
             in scripts/gen-api-reference.py agree and regenerate the reference"
        );
    }
}
