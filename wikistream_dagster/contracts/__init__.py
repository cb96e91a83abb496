"""Contracts between processes, each defined once (standard library only).

Imported by the Spark jobs, the Dagster code, the CLI, the benchmarks and read by Terraform
where it applies, so no side keeps a copy of its own.
"""
