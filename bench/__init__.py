"""Benchmarks of ClusterBridge: run with ``python -m bench.run`` (see BENCHMARKS.md)."""
