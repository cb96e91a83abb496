"""Dagster resources: one interface per concern, a local and an AWS implementation each."""
