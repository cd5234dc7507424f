"""Benchmarks: measured by ``make bench``, never asserted in tests (see benchmarks/README.md)."""
