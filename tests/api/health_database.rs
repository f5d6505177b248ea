//! Health follows the database: a server process on a private PostgreSQL
//! reports SERVING, NOT_SERVING while that PostgreSQL is stopped, and SERVING
//! again once it is back.

use std::path::PathBuf;
use std::time::Duration;

use fnosync_server::api::SERVICE_NAMES;
use fnosync_server::MIGRATOR;
use fnosync_tests::{spawn_server_process, TestApp};
use sqlx::PgPool;
use tonic::Streaming;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

/// How long the health status may take to follow the database.
const FOLLOW_LIMIT: Duration = Duration::from_secs(30);

/// A PostgreSQL of this test alone, started with the project's `scripts/postgres.sh`.
struct PrivatePostgres {
    dir: tempfile::TempDir,
    port: u16,
}

impl PrivatePostgres {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        // As root the server runs as `postgres`, which must reach the data directory.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
                .expect("open the temp dir");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("free port")
            .port();
        let postgres = Self { dir, port };
        postgres.run("pg_start");
        postgres
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Runs `pg_start` (same data directory and port) or `pg_stop` (`-m fast`).
    fn run(&self, function: &str) {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/postgres.sh");
        let status = std::process::Command::new("bash")
            .arg("-c")
            .arg(r#"source "$1" && "$2" "$3" "$4""#)
            .arg("postgres-helper")
            .arg(&script)
            .arg(function)
            .arg(self.data_dir())
            .arg(self.port.to_string())
            .status()
            .expect("run scripts/postgres.sh");
        assert!(status.success(), "{function} failed");
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.run("pg_stop");
    }
}

/// Reads the watch stream until it reports `wanted`, failing after `FOLLOW_LIMIT`.
async fn wait_for_status(watch: &mut Streaming<HealthCheckResponse>, wanted: ServingStatus) {
    let reached = tokio::time::timeout(FOLLOW_LIMIT, async {
        loop {
            let update = watch
                .message()
                .await
                .expect("watch update")
                .expect("the watch stays open");
            if update.status == wanted as i32 {
                return;
            }
        }
    })
    .await;
    assert!(
        reached.is_ok(),
        "health did not report {wanted:?} within {FOLLOW_LIMIT:?}"
    );
}

async fn check(health: &mut HealthClient<tonic::transport::Channel>, service: &str) -> i32 {
    health
        .check(HealthCheckRequest {
            service: service.into(),
        })
        .await
        .expect("check")
        .into_inner()
        .status
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn health_is_not_serving_while_the_database_is_down_and_serving_once_it_is_back(
    pool: PgPool,
) {
    // Arrange
    let app = TestApp::spawn_with_workers(pool, 0).await;
    let postgres = PrivatePostgres::start();
    let server = spawn_server_process(
        &app,
        &[
            ("FNOSYNC_DATABASE_URL", &postgres.url()),
            ("FNOSYNC_DB_HEALTH_INTERVAL_MS", "100"),
        ],
    )
    .await;
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", server.address))
        .expect("url")
        .connect()
        .await
        .expect("connect");
    let mut health = HealthClient::new(channel);
    let mut watch = health
        .watch(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("watch")
        .into_inner();
    wait_for_status(&mut watch, ServingStatus::Serving).await;
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&PgPool::connect(&postgres.url()).await.expect("connect"))
        .await
        .expect("migrations");

    // Act
    postgres.run("pg_stop");
    wait_for_status(&mut watch, ServingStatus::NotServing).await;
    let while_down: Vec<i32> = service_statuses(&mut health).await;
    postgres.run("pg_start");

    // Assert
    wait_for_status(&mut watch, ServingStatus::Serving).await;
    assert_eq!(
        applied,
        MIGRATOR.iter().count() as i64,
        "serving before migrations ran"
    );
    assert!(
        while_down
            .iter()
            .all(|s| *s == ServingStatus::NotServing as i32),
        "{while_down:?}"
    );
    assert_eq!(
        check(&mut health, "fnosync.v1.SyncService").await,
        ServingStatus::Serving as i32
    );
}

/// The status of every fnosync service by `Check`.
async fn service_statuses(health: &mut HealthClient<tonic::transport::Channel>) -> Vec<i32> {
    let mut statuses = Vec::new();
    for service in SERVICE_NAMES {
        statuses.push(check(health, service).await);
    }
    statuses
}
