"""The dashboard's upload path with the real pipeline (spaCy + gazetteer), per session."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
ARTICLE = """---
title: <script>alert('x')</script> Frappes sur Saraqeb
source: <img src=x onerror=alert(1)>
url: javascript:alert(1)
published: 2018-02-10
---
Des raids aériens russes ont frappé vendredi la ville de Saraqeb, dans la province d'Idleb, faisant six morts.
L'armée syrienne a repris samedi le contrôle de la ville de Maaret al-Noomane aux rebelles.
"""


def metric(at: AppTest, label: str) -> int:
    m = next(m for m in at.metric if m.label == label)
    return int(str(m.value).replace(" ", "").replace("\u202f", ""))


def test_real_upload_adds_events_for_this_session_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFLICTMAP_DATA", str(ROOT / "data" / "seeds"))
    before = {p.name: p.stat().st_mtime_ns for p in (ROOT / "data" / "seeds").iterdir()}
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    n0 = metric(at, "Événements")
    at.file_uploader[0].set_value([("saraqeb.md", ARTICLE.encode("utf-8"), "text/markdown"),
                                   ("vide.txt", b"   ", "text/plain")])
    at.run()
    t0 = time.perf_counter()
    next(b for b in at.button if b.label == "Analyser").click().run()
    elapsed = time.perf_counter() - t0
    assert not at.exception
    assert metric(at, "Événements") >= n0 + 2  # the strike and the control change
    assert any("vide.txt" in e.value for e in at.error)
    assert elapsed < 120
    # the shared data is untouched and a new session does not see the upload
    assert {p.name: p.stat().st_mtime_ns for p in (ROOT / "data" / "seeds").iterdir()} == before
    other = AppTest.from_file(APP, default_timeout=60)
    other.run()
    assert metric(other, "Événements") == n0


def test_analysis_in_a_fresh_interpreter_gives_the_same_frames() -> None:
    """Uploads are analysed outside the server (forked on Linux, else a fresh ``python -m``)."""
    from conflictmap.dashboard.upload_worker import SubprocessPipeline

    seen: list[tuple[int, int]] = []
    res = SubprocessPipeline(fork=False).run_uploads([("saraqeb.md", ARTICLE.encode("utf-8")), ("vide.txt", b"  ")],
                                                     progress=lambda d, t: seen.append((d, t)))
    assert res.events is not None and len(res.events) >= 2 and res.events.crs is not None
    assert len(res.articles) == 1 and seen and seen[-1][0] == seen[-1][1]
    assert any(Path(e.path).name == "vide.txt" for e in res.errors)
