"""Tools for developers: the synthetic data generator and the benchmarks."""
