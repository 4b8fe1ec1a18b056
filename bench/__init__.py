"""Benchmarks of the rendered task, the template and its rendering: ``python -m bench``."""
