"""Benchmark at scale (issue #9 part 3): ``flask bench-seed`` fills PostgreSQL with a few
million realistic rows; ``make bench`` (``bench/run.py``) measures the portal on them.

Nothing here is imported by a request: the commands are registered on the CLI only.
"""
