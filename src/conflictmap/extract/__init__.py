"""Text → mentions → events: reading articles, the spaCy components, dates, actors, the pipeline.

May import :mod:`conflictmap.geo` and :mod:`conflictmap.store`; never :mod:`conflictmap.dashboard`.
"""
