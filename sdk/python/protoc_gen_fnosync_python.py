#!/usr/bin/env python3
"""protoc plugin that lets `buf generate` produce the fnosync Python SDK.

buf hands a plugin the compiled protos; this plugin passes them to the same
grpc_tools.protoc run as `generate.py` (messages, type stubs, gRPC stubs), so
`buf generate` writes the same files, byte for byte, without a system protoc.
Configured in the repository's `buf.gen.yaml` as a local plugin.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2

import generate


def strip_json_names(message: descriptor_pb2.DescriptorProto) -> None:
    """Clears the JSON names buf fills in, which protoc leaves unset when it parses sources."""
    for field in list(message.field) + list(message.extension):
        field.ClearField("json_name")
    for nested in message.nested_type:
        strip_json_names(nested)


def as_parsed_by_protoc(request: plugin_pb2.CodeGeneratorRequest) -> descriptor_pb2.FileDescriptorSet:
    """Returns the request's files as protoc itself compiles them from `proto/`.

    Their comments stay: the gRPC stubs carry them as docstrings.
    """
    files = descriptor_pb2.FileDescriptorSet()
    for proto in request.proto_file:
        copy = files.file.add()
        copy.CopyFrom(proto)
        for message in copy.message_type:
            strip_json_names(message)
        for extension in copy.extension:
            extension.ClearField("json_name")
    return files


def main() -> None:
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    response = plugin_pb2.CodeGeneratorResponse(
        supported_features=plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    )
    generate.require_pinned_grpc_tools()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        descriptors = work / "descriptors.binpb"
        descriptors.write_bytes(as_parsed_by_protoc(request).SerializeToString())
        out_dir = work / "out"
        generate.run_protoc([f"--descriptor_set_in={descriptors}"], list(request.file_to_generate), out_dir)
        for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
            response.file.add(name=path.relative_to(out_dir).as_posix(), content=path.read_text())
    sys.stdout.buffer.write(response.SerializeToString())


if __name__ == "__main__":
    main()
