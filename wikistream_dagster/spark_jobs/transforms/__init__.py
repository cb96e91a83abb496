"""Pure DataFrame -> DataFrame functions of the medallion jobs, unit-tested directly."""
