#!/usr/bin/env python3
"""Writes docs/api-reference.md from the comments in proto/.

    python3 scripts/gen-api-reference.py           # rewrites docs/api-reference.md
    python3 scripts/gen-api-reference.py --check   # exit 1 if it is out of date

Compiles proto/ with `python3 -m grpc_tools.protoc --include_source_info
--descriptor_set_out` (pip install grpcio-tools) and reads the comments from
the descriptors. Fails, naming each one, when a service, RPC, message, field,
enum or enum value has no comment.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

try:
    from google.protobuf import descriptor_pb2
except ImportError:
    sys.exit("the API reference needs grpcio-tools: python3 -m pip install grpcio-tools")

REPO_ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = REPO_ROOT / "proto"
REFERENCE = REPO_ROOT / "docs" / "api-reference.md"
PACKAGE = "fnosync.v1"

# Field numbers in descriptor.proto, the steps of a SourceCodeInfo path.
FILE_MESSAGE, FILE_ENUM, FILE_SERVICE = 4, 5, 6
MESSAGE_FIELD, MESSAGE_NESTED, MESSAGE_ENUM, MESSAGE_ONEOF = 2, 3, 4, 8
ENUM_VALUE = 2
SERVICE_METHOD = 2

FDP = descriptor_pb2.FieldDescriptorProto
SCALARS = {
    FDP.TYPE_DOUBLE: "double",
    FDP.TYPE_FLOAT: "float",
    FDP.TYPE_INT64: "int64",
    FDP.TYPE_UINT64: "uint64",
    FDP.TYPE_INT32: "int32",
    FDP.TYPE_FIXED64: "fixed64",
    FDP.TYPE_FIXED32: "fixed32",
    FDP.TYPE_BOOL: "bool",
    FDP.TYPE_STRING: "string",
    FDP.TYPE_BYTES: "bytes",
    FDP.TYPE_UINT32: "uint32",
    FDP.TYPE_SFIXED32: "sfixed32",
    FDP.TYPE_SFIXED64: "sfixed64",
    FDP.TYPE_SINT32: "sint32",
    FDP.TYPE_SINT64: "sint64",
}

AUTH_RS = REPO_ROOT / "server" / "src" / "auth.rs"


@dataclass
class RoleRule:
    """The role each RPC needs, as the table `METHODS` in server/src/auth.rs has it."""

    roles: dict[tuple[str, str], str]

    @classmethod
    def from_server(cls) -> "RoleRule":
        """Reads the table from server/src/auth.rs, so the reference follows the server."""
        source = AUTH_RS.read_text()
        rows = re.findall(r'\(\s*"/([\w.]+)/(\w+)",\s*Needs\((\w+)\),?\s*\)', source)
        if not rows:
            sys.exit(
                f"cannot read the method roles from {AUTH_RS.relative_to(REPO_ROOT)}: "
                "make RoleRule.from_server in scripts/gen-api-reference.py follow its METHODS table"
            )
        return cls(roles={(service, method): role.lower() for service, method, role in rows})

    def required_role(self, service: str, method: str) -> str:
        """Returns the token role an RPC needs."""
        role = self.roles.get((service, method))
        if role is None:
            sys.exit(f"{service}/{method} is not in METHODS of {AUTH_RS.relative_to(REPO_ROOT)}: add it with its role")
        return role


def compile_protos() -> descriptor_pb2.FileDescriptorSet:
    """Compiles proto/ with its comments into a descriptor set."""
    files = sorted(p.relative_to(PROTO_DIR).as_posix() for p in PROTO_DIR.glob("fnosync/**/*.proto"))
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "descriptors.binpb"
        command = [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{PROTO_DIR}",
            "--include_source_info",
            f"--descriptor_set_out={out}",
            *files,
        ]
        completed = subprocess.run(command, capture_output=True, text=True)
        if completed.returncode != 0:
            sys.exit(f"grpc_tools.protoc failed:\n{completed.stderr}")
        return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


@dataclass
class Comments:
    """The comments of one proto file, by SourceCodeInfo path."""

    file: str
    by_path: dict[tuple[int, ...], str]

    @classmethod
    def of(cls, proto: descriptor_pb2.FileDescriptorProto) -> "Comments":
        by_path = {}
        for location in proto.source_code_info.location:
            text = location.leading_comments or location.trailing_comments
            lines = [line.strip() for line in text.strip().splitlines()]
            by_path[tuple(location.path)] = " ".join(line for line in lines if line)
        return cls(proto.name, by_path)

    def get(self, path: tuple[int, ...]) -> str:
        return self.by_path.get(path, "")


class Reference:
    """Builds the Markdown text and collects the elements that lack a comment."""

    def __init__(self, descriptors: descriptor_pb2.FileDescriptorSet) -> None:
        self.files = sorted((f for f in descriptors.file if f.package == PACKAGE), key=lambda f: f.name)
        self.missing: list[str] = []
        self.roles = RoleRule.from_server()
        self.map_entries: dict[str, descriptor_pb2.DescriptorProto] = {}
        for proto in self.files:
            self._index_map_entries(f".{proto.package}", proto.message_type)

    def _index_map_entries(self, scope: str, messages) -> None:
        for message in messages:
            name = f"{scope}.{message.name}"
            if message.options.map_entry:
                self.map_entries[name] = message
            self._index_map_entries(name, message.nested_type)

    def comment(self, comments: Comments, path: tuple[int, ...], what: str) -> str:
        text = comments.get(path)
        if not text:
            self.missing.append(f"proto/{comments.file}: {what} has no comment")
        return text

    def type_link(self, type_name: str) -> str:
        """Links a message or enum of the package to its section; others stay code."""
        prefix = f".{PACKAGE}."
        if type_name.startswith(prefix):
            local = type_name[len(prefix) :]
            return f"[{local}](#{anchor(local)})"
        return f"`{type_name.lstrip('.')}`"

    def field_type(self, field: descriptor_pb2.FieldDescriptorProto) -> str:
        if field.type in (FDP.TYPE_MESSAGE, FDP.TYPE_ENUM):
            entry = self.map_entries.get(field.type_name)
            if entry is not None:
                key, value = entry.field
                return f"map<{self.field_type(key)}, {self.field_type(value)}>"
            base = self.type_link(field.type_name)
        else:
            base = f"`{SCALARS[field.type]}`"
        if field.label == FDP.LABEL_REPEATED:
            return f"repeated {base}"
        if field.proto3_optional:
            return f"optional {base}"
        return base

    def render(self) -> str:
        out = [
            "# fnosync API reference",
            "",
            "<!-- Generated by scripts/gen-api-reference.py from the comments in proto/; do not edit by hand. -->",
            "",
            f"Package `{PACKAGE}`, served over gRPC by `fnosync serve` (default `127.0.0.1:50051`).",
            "Every RPC needs the metadata `authorization: Bearer <token>`; the role column",
            "gives the weakest token role that may call it (`admin` may do everything,",
            "`operator` may also start and cancel syncs, `viewer` only reads). A missing or",
            "unknown token gives `UNAUTHENTICATED`, a too-weak role `PERMISSION_DENIED`,",
            "an invalid request `INVALID_ARGUMENT` with a `google.rpc.BadRequest` detail",
            "naming each bad field. `grpc.health.v1.Health` and server reflection",
            "(`grpc.reflection.v1`, `grpc.reflection.v1alpha`) need no token.",
            "",
            "Call any RPC with grpcurl, which reads the schema through reflection:",
            "",
            "```",
            'grpcurl -plaintext -H "authorization: Bearer $FNOSYNC_TOKEN" -d \'{}\' \\',
            "    127.0.0.1:50051 fnosync.v1.OverviewService/GetOverview",
            "```",
            "",
            "Fields use their proto names in grpcurl's JSON (`account_id`) or their",
            "JSON names (`accountId`); enum values are given by name, timestamps as",
            "RFC 3339 strings.",
            "",
        ]
        out += self.render_services()
        out += self.render_types()
        if self.missing:
            return ""
        return "\n".join(out).rstrip() + "\n"

    def render_services(self) -> list[str]:
        out = ["## Services", ""]
        index = ["| service | file | what it does |", "|---|---|---|"]
        sections: list[str] = []
        for proto in self.files:
            comments = Comments.of(proto)
            for s_index, service in enumerate(proto.service):
                full = f"{PACKAGE}.{service.name}"
                about = self.comment(comments, (FILE_SERVICE, s_index), f"service {service.name}")
                index.append(f"| [{service.name}](#{anchor(service.name)}) | `{proto.name}` | {cell(about)} |")
                sections += [f"### {service.name}", "", f"`{full}` — {about}", ""]
                sections += ["| RPC | request | response | role | what it does |", "|---|---|---|---|---|"]
                for m_index, method in enumerate(service.method):
                    what = self.comment(
                        comments,
                        (FILE_SERVICE, s_index, SERVICE_METHOD, m_index),
                        f"rpc {service.name}.{method.name}",
                    )
                    request = self.type_link(method.input_type)
                    response = self.type_link(method.output_type)
                    if method.client_streaming:
                        request = f"stream {request}"
                    if method.server_streaming:
                        response = f"stream {response}"
                    role = self.roles.required_role(full, method.name)
                    sections.append(f"| `{method.name}` | {request} | {response} | {role} | {cell(what)} |")
                sections.append("")
        return out + index + [""] + sections

    def render_types(self) -> list[str]:
        out = ["## Messages and enums", ""]
        for proto in self.files:
            comments = Comments.of(proto)
            if not proto.message_type and not proto.enum_type:
                continue
            out += [f"### {proto.name}", ""]
            for index, message in enumerate(proto.message_type):
                out += self.render_message(comments, message, (FILE_MESSAGE, index), "")
            for index, enum in enumerate(proto.enum_type):
                out += self.render_enum(comments, enum, (FILE_ENUM, index), "")
        return out

    def render_message(self, comments, message, path, scope) -> list[str]:
        if message.options.map_entry:
            return []
        name = f"{scope}{message.name}"
        about = self.comment(comments, path, f"message {name}")
        out = [f"#### {name}", "", about, ""]
        if message.field:
            out += ["| field | number | type | description |", "|---|---|---|---|"]
        else:
            out += ["No fields.", ""]
        for index, field in enumerate(message.field):
            what = self.comment(comments, path + (MESSAGE_FIELD, index), f"field {name}.{field.name}")
            kind = self.field_type(field)
            if field.HasField("oneof_index") and not field.proto3_optional:
                oneof = message.oneof_decl[field.oneof_index].name
                kind += f", one of `{oneof}`"
            out.append(f"| `{field.name}` | {field.number} | {kind} | {cell(what)} |")
        if message.field:
            out.append("")
        for index, oneof in enumerate(message.oneof_decl):
            synthetic = all(f.proto3_optional for f in message.field if f.HasField("oneof_index") and f.oneof_index == index)
            if synthetic:
                continue
            what = comments.get(path + (MESSAGE_ONEOF, index))
            members = ", ".join(
                f"`{f.name}`" for f in message.field if f.HasField("oneof_index") and f.oneof_index == index
            )
            out += [f"Oneof `{oneof.name}`: at most one of {members} is set. {what}".rstrip(), ""]
        for index, nested in enumerate(message.nested_type):
            out += self.render_message(comments, nested, path + (MESSAGE_NESTED, index), f"{name}.")
        for index, enum in enumerate(message.enum_type):
            out += self.render_enum(comments, enum, path + (MESSAGE_ENUM, index), f"{name}.")
        return out

    def render_enum(self, comments, enum, path, scope) -> list[str]:
        name = f"{scope}{enum.name}"
        about = self.comment(comments, path, f"enum {name}")
        out = [f"#### {name}", "", f"Enum. {about}", "", "| value | number | description |", "|---|---|---|"]
        for index, value in enumerate(enum.value):
            what = self.comment(comments, path + (ENUM_VALUE, index), f"enum value {name}.{value.name}")
            out.append(f"| `{value.name}` | {value.number} | {cell(what)} |")
        return out + [""]


def anchor(heading: str) -> str:
    """Returns the anchor GitHub gives a heading."""
    return re.sub(r"[^a-z0-9 _-]", "", heading.lower()).replace(" ", "-")


def cell(text: str) -> str:
    """Makes text safe inside a Markdown table cell."""
    return text.replace("|", "\\|")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help=f"compare with {REFERENCE.relative_to(REPO_ROOT)}")
    args = parser.parse_args()
    reference = Reference(compile_protos())
    text = reference.render()
    if reference.missing:
        listing = "\n  ".join(reference.missing)
        sys.exit(f"every element of the API needs a comment; these have none:\n  {listing}")
    relative = REFERENCE.relative_to(REPO_ROOT)
    if args.check:
        current = REFERENCE.read_text() if REFERENCE.exists() else ""
        if current != text:
            sys.exit(f"{relative} is out of date with proto/: run python3 scripts/gen-api-reference.py")
        print(f"{relative} matches proto/")
        return
    REFERENCE.write_text(text)
    print(f"wrote {relative}")


if __name__ == "__main__":
    main()
