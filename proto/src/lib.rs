//! The fnosync gRPC API, generated from `proto/fnosync/v1` at build time.
//! Nothing here is written by hand except this wrapper.

#![allow(clippy::all, missing_docs)]

/// Version 1 of the API, package `fnosync.v1`.
pub mod v1 {
    tonic::include_proto!("fnosync.v1");
}

/// The encoded `FileDescriptorSet` of every fnosync proto file, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/fnosync_descriptor.bin"));
