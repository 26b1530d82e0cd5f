"""Reproducible benchmarks of guidekb: quality per configuration, latency, throughput, memory, FAISS index types.

Run with `guidekb bench` (== `python -m benchmarks`); needs the `bench` extra (matplotlib, rank-bm25).
"""
from .run import BenchConfig, run_benchmarks

__all__ = ["BenchConfig", "run_benchmarks"]
