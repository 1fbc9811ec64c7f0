"""A wheel installed outside the repository works: curated data and ``cmlib.js`` ship inside it.

Builds the wheel from a copy of the sources (nothing is written to the checkout), installs
it with ``--no-deps`` into a fresh venv whose third-party packages come from the running
interpreter's site-packages (no download), and runs ``conflictmap ingest`` on one seed
article from a folder that holds no ``data/``.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "004_ebdb9d87783a5d6b.txt"


#: The environment of every step: no PYTHONPATH (a checkout on it would shadow the installed wheel).
ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CONFLICTMAP_DATA_DIR")}


def _run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=cwd, env=ENV)
    assert done.returncode == 0, f"{cmd} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
def test_wheel_installs_and_ingests_without_the_repository(tmp_path: Path) -> None:
    src = tmp_path / "src-copy"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "src", src / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(src)])
    (wheel,) = wheels.glob("conflictmap-*.whl")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])  # ensurepip: offline
    py = venv / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)])
    # Third-party packages from this interpreter's site-packages, appended after the venv's own.
    purelib = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    shared = [sysconfig.get_paths()["purelib"], *site.getsitepackages()]
    (purelib / "zz_shared_site.pth").write_text("\n".join(dict.fromkeys(shared)) + "\n", encoding="utf-8")

    work = tmp_path / "elsewhere"
    work.mkdir()
    where = _run([str(py), "-c", "import conflictmap.settings as s, conflictmap.dashboard.map as m; "
                  "print(s.DATA_DIR); print(len(m.js_library()))"], cwd=work).stdout.split()
    assert Path(where[0]).is_relative_to(venv), where
    assert (Path(where[0]) / "actors.csv").is_file() and int(where[1]) > 1000

    out = work / "out"
    _run([str(venv / "bin" / "conflictmap"), "ingest", str(SEED), "--out", str(out)], cwd=work)
    import geopandas as gpd

    events = gpd.read_parquet(out / "events.parquet")
    mentions = gpd.read_parquet(out / "mentions.parquet")
    assert len(mentions) > 0 and len(events) > 0
    assert events["actors"].map(len).sum() > 0, "actors.csv was not read from the package data"
