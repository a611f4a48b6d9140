"""Benchmarks at metropolitan scale: scripts that print figures (``make bench``)."""
