"""ConflictMap dashboard: ``streamlit run app.py`` (data from ``$CONFLICTMAP_DATA``, default ``data/seeds``)."""

from pathlib import Path

from conflictmap.dashboard.page import main

main(Path(__file__).resolve().parent)
