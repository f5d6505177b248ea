"""Connects to a fnosync server: one gRPC channel, a stub for every service,
and the bearer token sent as `authorization: Bearer <token>` on every call."""

from __future__ import annotations

import collections
import os
from typing import Any, Optional, Sequence, Tuple
from urllib.parse import urlsplit

import grpc

from fnosync.v1 import (
    admin_pb2_grpc,
    filter_pb2_grpc,
    logs_pb2_grpc,
    mapping_pb2_grpc,
    overview_pb2_grpc,
    product_pb2_grpc,
    schedule_pb2_grpc,
    sync_pb2_grpc,
)

DEFAULT_SERVER = "http://127.0.0.1:50051"


class _CallDetails(
    collections.namedtuple(
        "_CallDetails",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    """The details of one call, with the metadata replaced."""


class BearerTokenInterceptor(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds `authorization: Bearer <token>` to the metadata of every call."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("a fnosync token is required (fnosync token create, or FNOSYNC_TOKEN)")
        self._header = ("authorization", f"Bearer {token}")

    def _with_token(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        # A token given with the call itself replaces the client's.
        metadata = list(details.metadata or [])
        if not any(key == "authorization" for key, _ in metadata):
            metadata.append(self._header)
        return _CallDetails(
            details.method,
            details.timeout,
            metadata,
            details.credentials,
            getattr(details, "wait_for_ready", None),
            getattr(details, "compression", None),
        )

    def intercept_unary_unary(self, continuation, client_call_details, request):
        return continuation(self._with_token(client_call_details), request)

    def intercept_unary_stream(self, continuation, client_call_details, request):
        return continuation(self._with_token(client_call_details), request)

    def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        return continuation(self._with_token(client_call_details), request_iterator)

    def intercept_stream_stream(self, continuation, client_call_details, request_iterator):
        return continuation(self._with_token(client_call_details), request_iterator)


class FnosyncClient:
    """The stubs of every fnosync service, sharing one authenticated channel.

    Use it as a context manager, or call `close()`, to close the channel.
    """

    def __init__(self, channel: grpc.Channel) -> None:
        self.channel = channel
        #: Remote sites, connections, licence, Salesforce schema and page layouts.
        self.admin = admin_pb2_grpc.AdminServiceStub(channel)
        #: Field mappings and custom attributes.
        self.mapping = mapping_pb2_grpc.MappingServiceStub(channel)
        #: The sync filters.
        self.filters = filter_pb2_grpc.FilterServiceStub(channel)
        #: Products, their readiness and the include flag.
        self.products = product_pb2_grpc.ProductServiceStub(channel)
        #: The scheduled sync `FNOSyncBatch`.
        self.schedules = schedule_pb2_grpc.ScheduleServiceStub(channel)
        #: Sync runs: start, follow, list, cancel.
        self.sync = sync_pb2_grpc.SyncServiceStub(channel)
        #: The transaction logs: list, show, tail.
        self.logs = logs_pb2_grpc.TransactionLogServiceStub(channel)
        #: Licence, connections, schedule, last run and recent counts.
        self.overview = overview_pb2_grpc.OverviewServiceStub(channel)

    def close(self) -> None:
        """Closes the channel; calls in flight are cancelled."""
        self.channel.close()

    def __enter__(self) -> "FnosyncClient":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def _target_of(server: str) -> Tuple[str, bool]:
    """Returns the gRPC target of a server URL and whether it needs TLS.

    `http://host:port` is plaintext, `https://host[:port]` is TLS (port 443 by
    default), and a bare `host:port` is plaintext.
    """
    if "://" not in server:
        return server, False
    parts = urlsplit(server)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"unsupported fnosync server URL {server!r}: use http://host:port or https://host[:port]")
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{host}:{port}", secure


def connect(
    server: str,
    token: str,
    *,
    root_certificates: Optional[bytes] = None,
    private_key: Optional[bytes] = None,
    certificate_chain: Optional[bytes] = None,
    options: Optional[Sequence[Tuple[str, Any]]] = None,
) -> FnosyncClient:
    """Connects to `server` with `token` and returns the stubs of every service.

    `server` is a URL such as `http://127.0.0.1:50051` or
    `https://fnosync.example.com`. Over https, `root_certificates` (PEM) replace
    the system's trusted CAs, and `private_key` with `certificate_chain` (PEM)
    present a client certificate. The channel connects lazily, on the first call.
    """
    target, secure = _target_of(server)
    if secure:
        credentials = grpc.ssl_channel_credentials(root_certificates, private_key, certificate_chain)
        channel = grpc.secure_channel(target, credentials, options=options)
    else:
        channel = grpc.insecure_channel(target, options=options)
    return FnosyncClient(grpc.intercept_channel(channel, BearerTokenInterceptor(token)))


def connect_from_env(**kwargs: Any) -> FnosyncClient:
    """Connects with `FNOSYNC_SERVER` (default `http://127.0.0.1:50051`) and `FNOSYNC_TOKEN`,
    the variables `fnosyncctl` reads too."""
    return connect(os.environ.get("FNOSYNC_SERVER", DEFAULT_SERVER), os.environ.get("FNOSYNC_TOKEN", ""), **kwargs)
