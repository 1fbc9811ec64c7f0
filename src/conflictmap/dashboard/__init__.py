"""The Streamlit dashboard: view state, filters, map layers, data loading, exports and the page.

Nothing is imported here (Streamlit is heavy); import the module you need, e.g.
``from conflictmap.dashboard.page import main``.
"""
