"""Shared test set-up: no network unless a test is marked ``network``."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _loopback(address: object) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths and the like
        return True
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _loopback(address):
        raise OSError(f"network access blocked in tests ({address!r}); mark the test with @pytest.mark.network")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _loopback(address):
        raise OSError(f"network access blocked in tests ({address!r}); mark the test with @pytest.mark.network")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _no_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Refuse non-loopback connections unless the test is marked ``network``."""
    if request.node.get_closest_marker("network") is None:
        monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
        monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    yield


# --------------------------------------------------------------------------- shared pipeline fixtures
REPO = __import__("pathlib").Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def pipeline():  # type: ignore[no-untyped-def]
    """The full ConflictMap pipeline, loaded once per test session (model + gazetteer)."""
    from conflictmap.extract.pipeline import Pipeline

    return Pipeline.load()


@pytest.fixture(scope="session")
def seeds_output(pipeline, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The seeds ingested once into a temporary folder: (result, out_dir)."""
    from conflictmap import store

    out = tmp_path_factory.mktemp("seeds-out")
    result = pipeline.run_paths([REPO / "seeds"])
    store.write_dataset(out, result.frames())
    return result, out


# --------------------------------------------------------------------------- one Chromium for every browser test

CHROMIUM = os.environ.get("CONFLICTMAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, shared by the browser tests of every folder.

    One ``sync_playwright`` per session: a second one started while the first is alive fails
    ("Sync API inside the asyncio loop").
    """
    import shutil
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    exe = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not exe:
        pytest.fail("Chromium not found: run `make browser` (installs Debian's chromium) "
                    "or set CONFLICTMAP_CHROMIUM")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()
