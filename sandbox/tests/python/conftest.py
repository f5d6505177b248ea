"""Shared pytest fixture: starts the `fnosync-sandbox` binary once per session
on free ports, reads the URLs it prints, and stops it at the end.

The binary comes from $FNOSYNC_SANDBOX_BIN, else target/debug/fnosync-sandbox
under the repository root (build it first with `cargo build -p fnosync-sandbox`).
"""

import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
URL_LINE = re.compile(r"^(salesforce|fno) sandbox:\s+(\S+)")
PUBSUB_LINE = re.compile(r"^salesforce pub/sub:\s+(\S+)")
START_TIMEOUT_SECONDS = 30


@dataclass
class Sandbox:
    """URLs of the running sandboxes (and the Salesforce Pub/Sub API) and the CA
    file that signs their certificates."""

    salesforce_url: str
    fno_url: str
    ca_path: str
    pubsub_url: str


def sandbox_binary():
    return os.environ.get("FNOSYNC_SANDBOX_BIN", str(REPO_ROOT / "target" / "debug" / "fnosync-sandbox"))


def _read_urls(process):
    urls = {}
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while len(urls) < 3:
        if time.monotonic() > deadline:
            raise RuntimeError("sandbox did not print its URLs in time")
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"sandbox exited early with code {process.poll()}")
        match = URL_LINE.match(line.strip())
        if match:
            urls[match.group(1)] = match.group(2)
        match = PUBSUB_LINE.match(line.strip())
        if match:
            urls["pubsub"] = match.group(1)
    return urls


@pytest.fixture(scope="session")
def sandbox():
    """Starts both sandboxes and yields a `Sandbox`."""
    workdir = tempfile.TemporaryDirectory()
    ca_path = os.path.join(workdir.name, "sandbox-ca.pem")
    process = subprocess.Popen(
        [
            sandbox_binary(),
            "--ca-out",
            ca_path,
            "--salesforce-listen",
            "127.0.0.1:0",
            "--fno-listen",
            "127.0.0.1:0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        urls = _read_urls(process)
        yield Sandbox(
            salesforce_url=urls["salesforce"],
            fno_url=urls["fno"],
            ca_path=ca_path,
            pubsub_url=urls["pubsub"],
        )
    finally:
        process.kill()
        process.wait()
        workdir.cleanup()
