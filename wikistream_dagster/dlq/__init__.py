"""Inspect and re-drive the dead letters in ``dlq-events`` (``./wikistream dlq show|redrive``).

Two writers put envelopes there: the producer (``producer_service/events.py``
``dead_letter``) and bronze (``spark_jobs/transforms/bronze.py`` ``dead_letters``).
``envelope`` reads both shapes, ``reader`` reads the topic, ``show`` and ``redrive`` act on it.
"""
