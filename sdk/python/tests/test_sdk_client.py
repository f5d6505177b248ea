"""Tests of the SDK's `connect`: the bearer token reaches the server on unary
and streaming calls, and every service of the API has a stub."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from concurrent import futures
from pathlib import Path

import pytest

grpc = pytest.importorskip("grpc", reason="grpcio is not installed")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import fnosync.v1  # noqa: E402
from fnosync.v1 import overview_pb2, overview_pb2_grpc, sync_pb2, sync_pb2_grpc  # noqa: E402
from fnosync_sdk import FnosyncClient, connect  # noqa: E402
from fnosync_sdk.client import _target_of  # noqa: E402


class RecordingOverview(overview_pb2_grpc.OverviewServiceServicer):
    def __init__(self) -> None:
        self.authorizations: list[str] = []

    def GetOverview(self, request, context):
        self.authorizations.append(dict(context.invocation_metadata()).get("authorization", ""))
        return overview_pb2.GetOverviewResponse()


class RecordingSync(sync_pb2_grpc.SyncServiceServicer):
    def __init__(self) -> None:
        self.authorizations: list[str] = []

    def WatchSyncRun(self, request, context):
        self.authorizations.append(dict(context.invocation_metadata()).get("authorization", ""))
        for done in (1, 2):
            yield sync_pb2.WatchSyncRunResponse(run=sync_pb2.SyncRun(run_id=request.run_id, records_done=done))


@pytest.fixture
def server():
    overview, sync = RecordingOverview(), RecordingSync()
    grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    overview_pb2_grpc.add_OverviewServiceServicer_to_server(overview, grpc_server)
    sync_pb2_grpc.add_SyncServiceServicer_to_server(sync, grpc_server)
    port = grpc_server.add_insecure_port("127.0.0.1:0")
    grpc_server.start()
    yield f"http://127.0.0.1:{port}", overview, sync
    grpc_server.stop(grace=None)


def test_unary_calls_carry_the_bearer_token(server):
    url, overview, _ = server
    with connect(url, "fns_secret") as client:
        client.overview.GetOverview(overview_pb2.GetOverviewRequest(), timeout=10)
        client.overview.GetOverview(overview_pb2.GetOverviewRequest(), timeout=10)
    assert overview.authorizations == ["Bearer fns_secret", "Bearer fns_secret"]


def test_streaming_calls_carry_the_bearer_token(server):
    url, _, sync = server
    with connect(url, "fns_secret") as client:
        events = list(client.sync.WatchSyncRun(sync_pb2.WatchSyncRunRequest(run_id="20260101000000"), timeout=10))
    assert [e.run.records_done for e in events] == [1, 2]
    assert sync.authorizations == ["Bearer fns_secret"]


def test_a_token_given_with_the_call_replaces_the_clients(server):
    url, overview, _ = server
    with connect(url, "fns_default") as client:
        client.overview.GetOverview(
            overview_pb2.GetOverviewRequest(), metadata=[("authorization", "Bearer fns_other")], timeout=10
        )
    assert overview.authorizations == ["Bearer fns_other"]


def test_connect_refuses_an_empty_token():
    with pytest.raises(ValueError, match="token"):
        connect("http://127.0.0.1:1", "")


def test_server_urls_map_to_targets_and_tls():
    assert _target_of("http://127.0.0.1:50051") == ("127.0.0.1:50051", False)
    assert _target_of("https://fnosync.example.com") == ("fnosync.example.com:443", True)
    assert _target_of("https://[::1]:8443") == ("[::1]:8443", True)
    assert _target_of("localhost:50051") == ("localhost:50051", False)
    with pytest.raises(ValueError):
        _target_of("ftp://host")


def test_the_client_has_a_stub_for_every_service_of_the_api():
    services = set()
    for module in pkgutil.iter_modules(fnosync.v1.__path__):
        if module.name.endswith("_pb2"):
            descriptor = importlib.import_module(f"fnosync.v1.{module.name}").DESCRIPTOR
            services |= set(descriptor.services_by_name)
    client = FnosyncClient(grpc.insecure_channel("127.0.0.1:1"))
    stubs = {type(value).__name__.removesuffix("Stub") for value in vars(client).values()}
    client.close()
    assert services, "no service found in the generated code"
    assert services <= stubs, f"services without a stub in FnosyncClient: {sorted(services - stubs)}"
