"""`make bench`: the benchmark on PostgreSQL (issue #6). Run as `python -m bench --help`."""
