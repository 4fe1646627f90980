"""Variant suites of the lab checks: see variant_harness.py."""
