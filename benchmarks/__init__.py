"""Benchmarks comparing twistio with its references; each module runs on its own."""
