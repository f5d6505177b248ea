"""Python SDK of the fnosync gRPC API.

The messages and stubs are generated from `proto/` into the package
`fnosync.v1` (`from fnosync.v1 import sync_pb2`); this package adds `connect`,
which returns the stubs of every service with the bearer token on every call.
"""

from fnosync_sdk.client import BearerTokenInterceptor, FnosyncClient, connect, connect_from_env

__all__ = ["BearerTokenInterceptor", "FnosyncClient", "connect", "connect_from_env"]
