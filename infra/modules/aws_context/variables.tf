# No inputs: the region and account are the provider's.
