"""Benchmarks: each prints its figures; ``--json`` adds one JSON object as the last line."""
