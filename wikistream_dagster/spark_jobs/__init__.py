"""What runs on Spark, locally (spark-submit) or on EMR Serverless: the medallion jobs.

Imports pyspark, pydeequ, dagster-pipes and the standard library only, never ``dagster``, so the
same files ship to EMR unchanged.
"""
