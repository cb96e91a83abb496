"""What EMR Serverless runs, built and staged: ``wikistream aws package`` and ``aws upload``."""
