"""Pickle caches (gazetteer index, compiled tokenizer patterns) are read only when they are the user's own."""

from __future__ import annotations

import os
import pickle
import stat
from pathlib import Path

import pytest

from conflictmap.store import cache as _cache
from conflictmap.geo import gazetteer as gz
from conflictmap.geo.gazetteer import Gazetteer
from conflictmap.settings import Settings

pytestmark = pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership")


class _Payload:
    """Unpickling this creates ``marker``: proof that a planted file was executed."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (open, (str(self.marker), "w"))


def _plant(path: Path, marker: Path, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(_Payload(marker)))
    os.chmod(path, mode)


def test_a_cache_file_writable_by_others_is_refused_before_unpickling(tmp_path: Path) -> None:
    d = _cache.private_dir(tmp_path / "c")
    marker = tmp_path / "executed"
    _plant(d / "x.pkl", marker, 0o666)
    with pytest.raises(_cache.UntrustedCacheError, match="writable by other users") as err:
        _cache.load_pickle(d / "x.pkl")
    assert str(d / "x.pkl") in str(err.value)
    assert not marker.exists()


def test_a_cache_file_of_another_user_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = _cache.private_dir(tmp_path / "c")
    marker = tmp_path / "executed"
    _plant(d / "x.pkl", marker, 0o600)
    monkeypatch.setattr(_cache, "_uid", lambda: os.getuid() + 1)  # as seen by another account
    with pytest.raises(_cache.UntrustedCacheError, match="not to you"):
        _cache.load_pickle(d / "x.pkl")
    assert not marker.exists()
    assert isinstance(_cache.UntrustedCacheError("x"), PermissionError)


def test_cache_folders_are_private(tmp_path: Path) -> None:
    d = _cache.private_dir(tmp_path / "new" / "cache")
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
    loose = tmp_path / "loose"
    loose.mkdir()
    os.chmod(loose, 0o777)
    _cache.private_dir(loose)
    assert stat.S_IMODE(os.stat(loose).st_mode) == 0o700
    _cache.dump_pickle(loose / "v.pkl", {"a": 1})
    assert stat.S_IMODE(os.stat(loose / "v.pkl").st_mode) == 0o600
    assert _cache.load_pickle(loose / "v.pkl") == {"a": 1}


def test_gazetteer_ignores_a_planted_index_and_rebuilds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = Gazetteer.load()  # the user's own cache
    real_index = real._ix
    settings = Settings().with_(cache_dir=tmp_path / "shared")
    target = gz.index_path(settings)
    marker = tmp_path / "executed"
    _plant(target, marker, 0o666)
    calls: list[int] = []
    monkeypatch.setattr(gz, "build_index", lambda s: calls.append(1) or real_index)
    g = Gazetteer.load(settings)
    assert not marker.exists() and calls == [1] and len(g) == len(real)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600  # replaced by the user's own file
    Gazetteer.load(settings)
    assert calls == [1]  # and that one is trusted next time


def test_regex_cache_ignores_a_planted_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conflictmap.extract import coldstart

    monkeypatch.setattr(coldstart, "_primed", {})
    pat = r"(?iu)^(?:[a-zà-ÿ]+-){1,3}[a-zà-ÿ]+$" + "|x" * 1200
    target = coldstart._cache_file(tmp_path, pat, 0)
    marker = tmp_path / "executed"
    _plant(target, marker, 0o666)
    assert coldstart.prime_pattern(pat, tmp_path) == "miss"  # compiled normally, file replaced
    assert not marker.exists()
    coldstart._primed.clear()
    assert coldstart.prime_pattern(pat, tmp_path) == "hit"


def test_the_temporary_fallback_folder_is_per_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conflictmap import settings as settings_mod

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")  # ~/.cache cannot be created below a file
    monkeypatch.delenv("CONFLICTMAP_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    d = settings_mod._default_cache_dir()
    assert d.name == f"conflictmap-cache-{os.getuid()}"
