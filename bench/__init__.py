"""Benchmarks: each module runs with one command (`python bench/NAME.py`) and prints its figures."""
