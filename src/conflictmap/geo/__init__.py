"""Names → coordinates and areas: the offline gazetteer, the optional online geocoder, zones.

Knows no NLP: never imports :mod:`conflictmap.extract` or :mod:`conflictmap.dashboard`.
"""
