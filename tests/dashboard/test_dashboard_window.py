"""A large ``events_by_month`` archive: the dashboard loads only the months of its time window.

The threshold (``CONFLICTMAP_WINDOW_THRESHOLD``) is set low so that a few thousand synthetic events
count as "large" and the tests stay fast.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from conflictmap import demo
from conflictmap.dashboard.data import (
    Bundle,
    DataError,
    _read_window_events,
    archive_info,
    load_bundle,
    window_months,
    windowed_archive,
)
from conflictmap.dashboard.filters import filter_events
from conflictmap.dashboard.state import ViewState
from conflictmap.store import archive

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
N = 3000


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("window")
    frames = demo.make_dataset(N, seed=2)
    demo.write_dataset(str(d), frames)
    archive.write_events_archive(d, frames["events"])
    return d


@pytest.fixture(scope="module")
def full(data_dir: Path) -> Bundle:
    """Every event (``events.parquet``), the reference for the counts."""
    return load_bundle(data_dir)


@pytest.fixture()
def low_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFLICTMAP_WINDOW_THRESHOLD", "1000")


@pytest.fixture()
def reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any]]:
    """Every ``read_events_window`` call (start, end) and the months of the files pyarrow opened."""
    calls: list[tuple[Any, Any]] = []
    real = archive.read_events_window

    def spy(out_dir: Any, start: Any = None, end: Any = None, *a: Any, **k: Any) -> Any:
        calls.append((start, end))
        return real(out_dir, start, end, *a, **k)

    monkeypatch.setattr(archive, "read_events_window", spy)
    return calls


def _months_between(a: str, b: str) -> set[str]:
    out, m = set(), a
    while m <= b:
        out.add(m)
        y, mo = int(m[:4]), int(m[5:7])
        m = f"{y + mo // 12:04d}-{mo % 12 + 1:02d}"
    return out


def test_archive_info_is_cheap_and_spans_everything(data_dir: Path, full: Bundle, low_threshold: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    info = windowed_archive(data_dir)
    assert info is not None and info.rows == N
    assert info.months == tuple(m for m in sorted(archive.archive_months(data_dir)) if m != archive.UNDATED)
    starts = sorted(str(x) for x in full.events["date"] if x)
    assert info.span[0].isoformat() <= starts[0] and info.span[1].isoformat() >= starts[-1]
    assert info.span == (date(int(info.months[0][:4]), int(info.months[0][5:]), 1), date(2019, 12, 31))
    monkeypatch.setenv("CONFLICTMAP_WINDOW_THRESHOLD", str(N))  # not above: loaded whole, as before
    assert windowed_archive(data_dir) is None
    assert archive_info(data_dir) is not None


def test_window_load_reads_only_the_window_partitions(data_dir: Path, full: Bundle, low_threshold: None,
                                                      reads: list[tuple[Any, Any]]) -> None:
    import pyarrow.dataset as ds

    months = ("2017-04", "2017-06")
    b = load_bundle(data_dir, months=months)
    assert b.months == months and b.full_span == windowed_archive(data_dir).span
    # the filters given to the archive reader: the window's months (+ the month before, for weeks
    # starting there, + 1 January of the year, for year-precision events), never the whole archive
    assert reads and all(s is not None and e is not None for s, e in reads)
    assert reads[0] == (date(2017, 3, 1), date(2017, 6, 30))
    read_months = set().union(*(_months_between(window_months(s, e)[0], window_months(s, e)[1]) for s, e in reads))
    assert read_months <= {"2017-01", "2017-03", "2017-04", "2017-05", "2017-06"}
    # pyarrow prunes the other month folders before opening any file
    data = archive._dataset(data_dir)
    for s, e in reads:
        filt = (ds.field("month") != "undated") & (ds.field("month") >= s.isoformat()[:7]) \
            & (ds.field("month") <= e.isoformat()[:7])
        opened = {Path(f.path).parent.name[6:] for f in data.get_fragments(filter=filt)}
        assert opened <= read_months
    assert len(b.events) < len(full.events) / 5
    loaded_months = {str(x)[:7] for x in b.events["date"]}
    assert loaded_months <= read_months
    # every event of any window inside the loaded months is there (same counts as the full data)
    for start, end in [(date(2017, 4, 1), date(2017, 6, 30)), (date(2017, 5, 10), date(2017, 5, 20)),
                       (date(2017, 6, 30), date(2017, 6, 30))]:
        s = ViewState(start=start, end=end)
        got = set(b.events["event_id"].iloc[filter_events(b, s)])
        want = set(full.events["event_id"].iloc[filter_events(full, s)])
        assert got == want


def test_window_events_are_validated(data_dir: Path, low_threshold: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import conflictmap.dashboard.data as data_mod

    real = _read_window_events

    def broken(d: Path, months: tuple[str, str]) -> Any:
        ev = real(d, months)
        ev.loc[0, "category"] = "not-a-category"
        return ev

    monkeypatch.setattr(data_mod, "_read_window_events", broken)
    with pytest.raises(DataError, match="events_by_month"):
        load_bundle(data_dir, months=("2018-01", "2018-02"))


@pytest.fixture()
def app(data_dir: Path, monkeypatch: pytest.MonkeyPatch, low_threshold: None) -> AppTest:
    monkeypatch.setenv("CONFLICTMAP_DATA", str(data_dir))
    return AppTest.from_file(APP, default_timeout=60)


def _metric(at: AppTest, label: str) -> int:
    m = next(m for m in at.metric if m.label == label)
    return int(str(m.value).replace(" ", "").replace("\u202f", ""))


def _count(full: Bundle, start: date, end: date) -> int:
    return len(filter_events(full, ViewState(start=start, end=end)))


def test_page_loads_latest_months_then_the_moved_window(app: AppTest, full: Bundle, data_dir: Path,
                                                       reads: list[tuple[Any, Any]]) -> None:
    info = windowed_archive(data_dir)
    app.run()
    assert not app.exception, app.exception
    slider = app.slider(key="w_window")
    bounds = tuple(date(1970, 1, 1) + timedelta(microseconds=v) if isinstance(v, (int, float)) else v
                   for v in (slider.min, slider.max))
    assert bounds == info.span  # the slider covers the whole archive
    assert tuple(slider.value) == (date(2019, 1, 1), date(2019, 12, 31))  # default: the latest 12 months
    assert _metric(app, "Événements") == _count(full, date(2019, 1, 1), date(2019, 12, 31))
    assert app.query_params["from"] == "2019-01-01" and app.query_params["to"] == "2019-12-31"
    first = list(reads)
    assert first and min(s for s, _ in first) >= date(2018, 12, 1)  # 2019 (+ December 2018) only

    app.slider(key="w_window").set_value((date(2016, 2, 1), date(2016, 6, 30))).run()
    assert not app.exception, app.exception
    assert _metric(app, "Événements") == _count(full, date(2016, 2, 1), date(2016, 6, 30))
    new = reads[len(first):]
    assert new and new[0] == (date(2016, 1, 1), date(2016, 6, 30))  # the other months were loaded
    assert app.query_params["from"] == "2016-02-01" and app.query_params["to"] == "2016-06-30"

    n = len(reads)
    app.slider(key="w_window").set_value((date(2016, 3, 1), date(2016, 5, 31))).run()  # inside: no reload
    assert not app.exception, app.exception
    assert len(reads) == n
    assert _metric(app, "Événements") == _count(full, date(2016, 3, 1), date(2016, 5, 31))


def test_page_window_from_url(app: AppTest, full: Bundle, reads: list[tuple[Any, Any]]) -> None:
    app.query_params["from"] = "2017-08-01"
    app.query_params["to"] = "2017-09-15"
    app.run()
    assert not app.exception, app.exception
    assert tuple(app.slider(key="w_window").value) == (date(2017, 8, 1), date(2017, 9, 15))
    assert _metric(app, "Événements") == _count(full, date(2017, 8, 1), date(2017, 9, 15))
    assert all(s >= date(2017, 1, 1) and e <= date(2017, 9, 30) for s, e in reads)


def test_small_archive_keeps_whole_load(data_dir: Path, full: Bundle, monkeypatch: pytest.MonkeyPatch,
                                        reads: list[tuple[Any, Any]]) -> None:
    monkeypatch.setenv("CONFLICTMAP_DATA", str(data_dir))
    monkeypatch.delenv("CONFLICTMAP_WINDOW_THRESHOLD", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert not reads
    assert tuple(at.slider(key="w_window").value) == full.prep.span
    assert _metric(at, "Événements") == len(filter_events(full, ViewState()))
    assert dict(at.query_params) == {}
    assert np.all(full.prep.origin == 0)
