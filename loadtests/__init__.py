"""idgate's load-test harness: idgate (SQLite, PostgreSQL) side by side with a peer provider.

Run ``python loadtests/run.py --help``. It is a benchmark, not a test: CI times nothing.
"""
