"""Thin Dagster definitions, split by layer: sources, bronze, silver, gold, automation."""
