//! Compiles `fnosync/v1/*.proto` with protox (no system protoc) into Rust
//! types, tonic clients and servers, and a file descriptor set for reflection;
//! and Salesforce's `salesforce/pubsub_api.proto` (package `eventbus.v1`).

use std::path::PathBuf;

/// Messages with a password, a key or a token in them.
const SECRET_MESSAGES: [&str; 3] = [
    ".fnosync.v1.SetFnoConnectionRequest",
    ".fnosync.v1.SetSalesforceConnectionRequest",
    ".fnosync.v1.CreateApiTokenResponse",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_dir = PathBuf::from("fnosync/v1");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&proto_dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "proto"))
        .collect();
    files.sort();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    println!("cargo:rerun-if-changed=fnosync/v1");

    let descriptors = protox::compile(&files, ["."])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let descriptor_bytes = prost::Message::encode_to_vec(&descriptors);
    std::fs::write(out_dir.join("fnosync_descriptor.bin"), descriptor_bytes)?;

    // Messages that carry secrets get a Debug of their own (src/lib.rs) that
    // leaves them out.
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .skip_debug(SECRET_MESSAGES)
        .compile_fds(descriptors)?;

    // Salesforce's Pub/Sub API, compiled as Salesforce publishes it.
    let pubsub = PathBuf::from("salesforce/pubsub_api.proto");
    println!("cargo:rerun-if-changed={}", pubsub.display());
    let pubsub_descriptors = protox::compile([&pubsub], ["salesforce"])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds(pubsub_descriptors)?;
    Ok(())
}
