"""``./wikistream quarantine list|release|drop``: the operator's side of ``silver.quarantine``."""
