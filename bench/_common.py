"""Helpers shared by the benchmark scripts: machine description, results files, fresh-process timing."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PY = sys.executable


def machine() -> dict[str, Any]:
    """CPU model, cores, RAM, OS, Python, spaCy version, date, load average at start."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        import psutil

        ram_gb = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        pass
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    try:
        import spacy

        spacy_version = spacy.__version__
    except ImportError:
        spacy_version = None
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram_gb, "os": platform.platform(),
            "python": platform.python_version(), "spacy": spacy_version,
            "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "loadavg": load}


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    p = RESULTS / f"{name}.json"
    data = {"machine": machine(), **data}
    p.write_text(json.dumps(data, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    return p


def run_timed(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
              timeout: float = 300) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall time of a fresh process."""
    e = {**os.environ, **(env or {})}
    t0 = time.perf_counter()
    cp = subprocess.run(cmd, env=e, cwd=cwd or ROOT, capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - t0, cp


def median(xs: list[float]) -> float:
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
