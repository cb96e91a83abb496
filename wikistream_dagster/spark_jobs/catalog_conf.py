"""Spark configuration of the one Iceberg catalog, ``lake``, for each deployment (stdlib only).

Table names never change between deployments; only this configuration does. Locally the catalog
is WikiStream's Iceberg REST server; in AWS it is S3 Tables' Iceberg REST endpoint (SigV4).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

CATALOG = "lake"
KINDS = ("rest", "s3tables")
EXTENSIONS = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"


@dataclass(frozen=True)
class CatalogConfig:
    """Where the ``lake`` catalog lives.

    Attributes:
        kind: ``rest`` (local REST server) or ``s3tables`` (AWS S3 Tables REST endpoint).
        uri: REST endpoint; derived from ``region`` for ``s3tables`` when empty.
        warehouse: local warehouse URI (``file://...``) or the table bucket ARN.
        region: AWS region (``s3tables`` only).
    """

    kind: str = "rest"
    uri: str = ""
    warehouse: str = ""
    region: str = ""

    ENV = {
        "kind": "WIKISTREAM_CATALOG_KIND",
        "uri": "WIKISTREAM_CATALOG_URI",
        "warehouse": "WIKISTREAM_WAREHOUSE",
        "region": "AWS_REGION",
    }

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, **overrides: str | None
    ) -> CatalogConfig:
        """Build from env vars, with non-empty ``overrides`` (job arguments) winning."""
        env = os.environ if env is None else env
        values = {attr: overrides.get(attr) or env.get(name, "") for attr, name in cls.ENV.items()}
        values["kind"] = values["kind"] or "rest"
        return cls(**values)

    def validate(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"catalog kind {self.kind!r} is unknown: use one of {KINDS}")
        if self.kind == "rest" and not self.uri:
            raise ValueError(
                "no catalog URI: pass --catalog-uri or set WIKISTREAM_CATALOG_URI "
                "(e.g. http://127.0.0.1:8181, `./wikistream catalog start`)"
            )
        if self.kind == "s3tables" and not (self.warehouse.startswith("arn:") and self.region):
            raise ValueError(
                "s3tables needs the table bucket ARN as --warehouse (WIKISTREAM_WAREHOUSE) "
                "and --region (AWS_REGION)"
            )


def spark_conf(cfg: CatalogConfig) -> dict[str, str]:
    """The ``spark.sql.catalog.lake.*`` settings (plus the Iceberg extensions) for ``cfg``."""
    cfg.validate()
    p = f"spark.sql.catalog.{CATALOG}"
    conf = {
        "spark.sql.extensions": EXTENSIONS,
        p: "org.apache.iceberg.spark.SparkCatalog",
        f"{p}.type": "rest",
        # foreachBatch clones the session with its own catalog: a cache would serve stale tables.
        f"{p}.cache-enabled": "false",
    }
    if cfg.kind == "rest":
        conf[f"{p}.uri"] = cfg.uri
        if cfg.warehouse:
            conf[f"{p}.warehouse"] = cfg.warehouse
    else:
        conf |= {
            f"{p}.uri": cfg.uri or f"https://s3tables.{cfg.region}.amazonaws.com/iceberg",
            f"{p}.warehouse": cfg.warehouse,
            f"{p}.rest.sigv4-enabled": "true",
            f"{p}.rest.signing-name": "s3tables",
            f"{p}.rest.signing-region": cfg.region,
            f"{p}.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
            f"{p}.rest-metrics-reporting-enabled": "false",
        }
    return conf
