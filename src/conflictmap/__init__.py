"""ConflictMap: traceable, offline-first conflict maps from French news."""

__version__ = "0.1.0"
