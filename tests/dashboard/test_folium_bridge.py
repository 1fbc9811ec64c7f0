"""streamlit-folium's private helpers are used in one module, checked against the installed version."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from conflictmap.dashboard import folium_bridge
from conflictmap.dashboard.folium_bridge import REQUIRED, TESTED_RANGE, FoliumBridgeError

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "conflictmap"


def test_installed_streamlit_folium_has_what_the_adapter_needs() -> None:
    import importlib.metadata

    folium_bridge.streamlit_folium.cache_clear()
    sf = folium_bridge.streamlit_folium()
    assert all(callable(getattr(sf, name)) for name in REQUIRED)
    assert Version(importlib.metadata.version("streamlit-folium")) in SpecifierSet(TESTED_RANGE)


def test_a_version_without_the_helpers_fails_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("streamlit_folium")
    fake._get_html = lambda m: ""  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "streamlit_folium", fake)
    folium_bridge.streamlit_folium.cache_clear()
    try:
        with pytest.raises(FoliumBridgeError) as info:
            folium_bridge.component(script="")
    finally:
        folium_bridge.streamlit_folium.cache_clear()
    msg = str(info.value)
    assert "_component_func" in msg and "_get_feature_group_string" in msg and "_get_html," not in msg
    assert f"pip install 'streamlit-folium{TESTED_RANGE}'" in msg


def test_pyproject_and_requirements_pin_the_tested_range() -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    requirements = (REPO / "requirements.txt").read_text(encoding="utf-8")
    assert f'"streamlit-folium{TESTED_RANGE}"' in pyproject
    assert re.search(rf"^streamlit-folium{re.escape(TESTED_RANGE)}$", requirements, re.MULTILINE)


def test_no_other_module_touches_streamlit_folium_privates() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "folium_bridge.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"streamlit_folium\s+import\s+_|\bsf\._|streamlit_folium\._", text):
            offenders.append(path.relative_to(SRC).as_posix())
    assert offenders == []
