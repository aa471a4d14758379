"""Synthetic parent-infant recordings for the demo, the tests and the benchmarks. Nothing real."""
