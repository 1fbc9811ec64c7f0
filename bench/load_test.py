"""Load test of the running dashboard (a script, not a test): N concurrent sessions changing filters.

Starts ``streamlit run app.py`` on a free loopback port with ``CONFLICTMAP_DATA``
pointing at a synthetic dataset (10k events by default, built with
:mod:`conflictmap.demo`) or ``--data DIR``, then opens N websocket sessions
that speak Streamlit's own protocol (``/_stcore/stream``, protobuf ``BackMsg`` /
``ForwardMsg``) — what a browser tab does, without the browser. Each session
loads the page, then for a fixed period changes filters like a reader would
(actors, categories, free-text search, reset; 0.5–1.5 s think time), each
change being a real script rerun on the server (filters, layer build, Folium /
streamlit-folium HTML, tables, charts). The rerun time is measured from sending
the widget change to the server's ``script_finished``.

Bounded: ``--duration`` seconds (default 60) and ``--max-requests`` per session
(default 80); every socket goes to 127.0.0.1; the server is stopped at the end.

``--think MIN MAX`` sets the pause between two changes of one reader
(default 0.5–1.5 s: a reader clicking as fast as the page answers).
Results accumulate in the output file, one entry per configuration (``--label``).

Reports sessions held to the end, p50/p95/max rerun time, errors (exceptions in
the page, failed runs, dropped sockets, timeouts), and the server's RSS at the
end (psutil). Writes ``bench/results/load.json`` and prints a table.
Targets: 20 sessions, p95 <= 2 s, zero errors.

Usage::

    python bench/load_test.py [--sessions 20] [--duration 60] [--events 10000] [--data DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "bench" / "results" / "load.json"
TARGETS = {"sessions": 20, "p95_s": 2.0, "errors": 0}
SEARCHES = ["alep", "idlib", "frappe", "damas", "raqqa", "homs"]
RUN_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Session:
    """One simulated reader."""

    n: int
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    held: bool = False
    first_load_s: float | None = None
    counts_seen: int = 0
    widgets: list[str] = field(default_factory=list)


class Client:
    """A Streamlit websocket client: rerun with widget states, wait for ``script_finished``."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.widgets: dict[str, tuple[str, Any]] = {}  # user key -> (widget id, proto)
        self.query = ""
        self.counts: set[str] = set()  # values of the "Événements" metric seen: proof the filters applied

    def _scan(self, msg: Any) -> list[str]:
        """Record widget ids/options, URL changes; return exceptions shown in the page."""
        problems = []
        kind = msg.WhichOneof("type")
        if kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            et = el.WhichOneof("type")
            if et == "metric" and el.metric.label == "Événements":
                self.counts.add(el.metric.body)
            if et == "exception":
                problems.append(f"exception: {el.exception.type}: {el.exception.message[:200]}")
            elif et in ("multiselect", "text_input", "button"):
                proto = getattr(el, et)
                m = re.search(r"-(w_[A-Za-z0-9_]+)$", proto.id)
                if m:
                    self.widgets[m.group(1)] = (proto.id, proto)
        return problems

    async def run(self, states: dict[str, Any]) -> tuple[float, list[str]]:
        """Send a rerun with ``states`` (user key -> value); seconds until the run finishes."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        back = BackMsg()
        back.rerun_script.query_string = self.query
        back.rerun_script.page_script_hash = ""
        for key, value in states.items():
            if key not in self.widgets:
                continue
            wid, _ = self.widgets[key]
            w = back.rerun_script.widget_states.widgets.add()
            w.id = wid
            if isinstance(value, list):
                w.string_array_value.data.extend(value)
            elif value is True:
                w.trigger_value = True
            else:
                w.string_value = str(value)
        t0 = time.perf_counter()
        await self.ws.send(back.SerializeToString())
        problems: list[str] = []
        deadline = t0 + RUN_TIMEOUT
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return time.perf_counter() - t0, [*problems, "timeout"]
            raw = await asyncio.wait_for(self.ws.recv(), timeout=remaining)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            problems += self._scan(msg)
            if msg.WhichOneof("type") == "script_finished":
                status = msg.script_finished
                if status == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return time.perf_counter() - t0, problems
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    return time.perf_counter() - t0, [*problems, "compile error"]
                # FINISHED_EARLY_FOR_RERUN: the app reran itself (URL sync); keep waiting


def _change(client: Client, rng: random.Random) -> dict[str, Any]:
    """A random filter change, as a reader would make it."""
    def options(key: str) -> list[str]:
        proto = client.widgets.get(key, (None, None))[1]
        return list(getattr(proto, "options", []) or [])

    roll = rng.random()
    states: dict[str, Any] = {}
    acts, cats = options("w_actors"), options("w_cats")
    if roll < 0.4 and acts:
        states["w_actors"] = rng.sample(acts, k=min(len(acts), rng.randint(1, 2)))
    elif roll < 0.65 and cats:
        states["w_cats"] = rng.sample(cats, k=1)
    elif roll < 0.9:
        states["w_q"] = rng.choice(SEARCHES)
    else:
        states = {"w_actors": [], "w_cats": [], "w_q": ""}
    return states


async def _session(s: Session, url: str, until: float, max_requests: int, seed: int,
                   think: tuple[float, float] = (0.5, 1.5)) -> None:
    import websockets

    rng = random.Random(seed)
    try:
        async with websockets.connect(url, subprotocols=["streamlit"], max_size=2**28, open_timeout=30,
                                      ping_interval=None, compression=None) as ws:
            client = Client(ws)
            dt_, probs = await client.run({})
            s.first_load_s = dt_
            s.errors += probs
            n = 0
            while time.monotonic() < until and n < max_requests:
                await asyncio.sleep(rng.uniform(*think))
                if time.monotonic() >= until:
                    break
                dt_, probs = await client.run(_change(client, rng))
                s.times.append(dt_)
                s.errors += probs
                n += 1
            s.held = True
            s.counts_seen = len(client.counts)
            s.widgets = sorted(client.widgets)
    except Exception as exc:  # noqa: BLE001 - every failure is a counted error
        s.errors.append(f"{type(exc).__name__}: {exc}"[:200])


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(base + "_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            raise SystemExit(f"streamlit did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.3)


def _rss_mb(pid: int) -> dict[str, float]:
    import psutil

    p = psutil.Process(pid)
    procs = [p, *p.children(recursive=True)]
    rss = sum(x.memory_info().rss for x in procs if x.is_running())
    return {"server_rss_mb": round(p.memory_info().rss / 2**20, 1), "server_tree_rss_mb": round(rss / 2**20, 1)}


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(round(q * (len(v) - 1)))))
    return v[k]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of filter changes")
    ap.add_argument("--max-requests", type=int, default=80, help="filter changes per session at most")
    ap.add_argument("--events", type=int, default=10_000, help="synthetic events (ignored with --data)")
    ap.add_argument("--data", type=Path, default=None, help="a data folder instead of synthetic data")
    ap.add_argument("--out", type=Path, default=RESULT)
    ap.add_argument("--ramp", type=float, default=0.25, help="seconds between session starts")
    ap.add_argument("--think", type=float, nargs=2, default=(0.5, 1.5), metavar=("MIN", "MAX"),
                    help="seconds a reader waits between two filter changes")
    ap.add_argument("--label", default=None, help="name of this run in the results file (default from options)")
    args = ap.parse_args(argv)

    import psutil

    tmp = Path(tempfile.mkdtemp(prefix="conflictmap-load-"))
    if args.data is None:
        from conflictmap import demo

        data = tmp / "data"
        demo.write_dataset(str(data), demo.make_dataset(args.events, seed=7))
        data_label = f"synthetic, {args.events} events"
    else:
        data = args.data.resolve()
        data_label = str(data)
    port = _free_port()
    log = tmp / "streamlit.log"
    env = {**os.environ, "CONFLICTMAP_DATA": str(data), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    try:
        _wait_healthy(base, proc, log)
        rss_idle = _rss_mb(proc.pid)
        ws_url = f"ws://127.0.0.1:{port}/_stcore/stream"
        sessions = [Session(i) for i in range(args.sessions)]

        async def drive() -> float:
            # warm the data cache with one session so the others measure steady-state reruns
            warm = Session(-1)
            await _session(warm, ws_url, time.monotonic(), 0, 999)
            if warm.errors:
                raise SystemExit(f"first page load failed: {warm.errors}")
            t0 = time.monotonic()
            until = t0 + args.duration
            tasks = []
            for i, s in enumerate(sessions):
                tasks.append(asyncio.create_task(_session(s, ws_url, until, args.max_requests, seed=i,
                                                          think=tuple(args.think))))
                await asyncio.sleep(args.ramp)
            cpu = psutil.Process(proc.pid)
            cpu.cpu_percent(None)
            await asyncio.gather(*tasks)
            return cpu.cpu_percent(None)

        t_start = time.monotonic()
        cpu_pct = asyncio.run(drive())
        wall = time.monotonic() - t_start
        rss_end = _rss_mb(proc.pid)
        server_alive = proc.poll() is None
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    times = [t for s in sessions for t in s.times]
    errors = [e for s in sessions for e in s.errors]
    first = [s.first_load_s for s in sessions if s.first_load_s is not None]
    summary = {
        "sessions_started": len(sessions),
        "sessions_held": sum(1 for s in sessions if s.held and not s.errors),
        "reruns": len(times),
        "rerun_p50_s": round(statistics.median(times), 3) if times else None,
        "rerun_p95_s": round(_pct(times, 0.95), 3) if times else None,
        "rerun_max_s": round(max(times), 3) if times else None,
        "first_load_p95_s": round(_pct(first, 0.95), 3) if first else None,
        "errors": len(errors),
        "sessions_seeing_filter_changes": sum(1 for s in sessions if s.counts_seen >= 2),
        "error_samples": sorted(set(errors))[:10],
        "server_alive": server_alive,
        **{f"{k}_idle": v for k, v in rss_idle.items()},
        **{f"{k}_end": v for k, v in rss_end.items()},
        "server_cpu_percent": round(cpu_pct, 1),
        "wall_s": round(wall, 1),
    }
    ok = (summary["sessions_held"] >= TARGETS["sessions"] and summary["errors"] == TARGETS["errors"]
          and summary["rerun_p95_s"] is not None and summary["rerun_p95_s"] <= TARGETS["p95_s"])
    result = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count()},
        "config": {"sessions": args.sessions, "duration_s": args.duration, "max_requests": args.max_requests,
                   "think_time_s": list(args.think), "data": data_label, "transport": "streamlit websocket protocol",
                   "ramp_s": args.ramp},
        "targets": TARGETS,
        "summary": summary,
        "meets_targets": ok,
        "per_session": [{"n": s.n, "reruns": len(s.times), "held": s.held, "errors": s.errors[:3],
                         "distinct_event_counts": s.counts_seen,
                         "p95_s": round(_pct(s.times, 0.95), 3) if s.times else None} for s in sessions],
    }
    label = args.label or f"{args.sessions} sessions, think {args.think[0]:g}-{args.think[1]:g} s"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    try:
        book = json.loads(args.out.read_text(encoding="utf-8"))
        runs = book.get("runs", {}) if isinstance(book, dict) else {}
    except (OSError, ValueError):
        runs = {}
    runs[label] = result
    book = {"note": "bench/load_test.py; one entry per configuration, the latest run of each", "runs": runs}
    tmp_out = args.out.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(book, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp_out, args.out)
    rows = [("sessions held / started", f"{summary['sessions_held']} / {summary['sessions_started']}"),
            ("reruns (filter changes)", summary["reruns"]),
            ("rerun p50 / p95 / max (s)", f"{summary['rerun_p50_s']} / {summary['rerun_p95_s']} / "
                                          f"{summary['rerun_max_s']}"),
            ("first page load p95 (s)", summary["first_load_p95_s"]),
            ("errors", summary["errors"]),
            ("server RSS idle → end (MB)", f"{summary['server_rss_mb_idle']} → {summary['server_rss_mb_end']}"),
            ("server CPU (% of one core)", summary["server_cpu_percent"]),
            ("meets targets (20, p95 ≤ 2 s, 0 errors)", ok)]
    print(f"\n| load test ({data_label}, {args.duration:.0f} s) | |\n|---|---|")
    for k, v in rows:
        print(f"| {k} | {v} |")
    if errors:
        print("errors:", *summary["error_samples"], sep="\n  ")
    print(f"\nwritten {args.out}")
    return result


if __name__ == "__main__":
    main()
