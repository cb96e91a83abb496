"""Contracts between processes, each defined once (standard library only).

Imported by the Spark jobs, the Dagster code, the CLI and the benchmarks, so no side keeps a
copy of its own:

- ``snapshot``: the ``wikistream.*`` snapshot-summary keys and ``BronzeBatch``;
- ``hours``: the ``Hour`` type, its string form and its Dagster partition key;
- ``tables`` (``tables.toml``, read by ``schema``): tables and columns as data;
- ``checks``: the data-quality check registry (evaluated by Deequ in ``spark_jobs``);
- ``jobs``: the Spark job registry; ``quarantine``: the quarantine's names and statuses.
"""
