"""Quality: the validation suites built from the dataset contracts, and running them."""
