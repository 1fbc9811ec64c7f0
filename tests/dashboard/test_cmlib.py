"""``cmlib.js`` (the map's JavaScript) is a real file: shipped as package data, loaded, and parsed by Node."""

from __future__ import annotations

import shutil
import subprocess
from importlib import resources

from conflictmap.dashboard.map import base_map, js_library


def test_cmlib_is_package_data_and_loaded_as_is() -> None:
    src = resources.files("conflictmap.dashboard").joinpath("cmlib.js").read_text(encoding="utf-8")
    assert src == js_library()
    assert "window.cmLib" in src and "innerHTML" not in src


def test_cmlib_parses_with_node(tmp_path) -> None:  # type: ignore[no-untyped-def]
    node = shutil.which("node")
    assert node, "node is not on PATH: install Node.js (CI has it with npm) to check cmlib.js"
    with resources.as_file(resources.files("conflictmap.dashboard").joinpath("cmlib.js")) as path:
        done = subprocess.run([node, "--check", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    broken = tmp_path / "broken.js"
    broken.write_text(js_library().replace("return {points", "return {points points", 1), encoding="utf-8")
    assert subprocess.run([node, "--check", str(broken)], capture_output=True, timeout=60).returncode != 0


def test_base_map_embeds_cmlib() -> None:
    html = base_map(None, None, tiles=False).get_root().render()
    assert "window.cmLib = (function ()" in html


def test_tooltips_are_dom_nodes_never_strings() -> None:
    """Issue #12 item 2: Leaflet parses a string tooltip as HTML; every bindTooltip gets a node from tip()."""
    import re

    calls = re.findall(r"bindTooltip\(([^,)]*)", js_library())
    assert calls, "cmlib.js binds no tooltip at all"
    assert all(c.startswith("tip(") for c in calls), calls
