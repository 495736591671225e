"""Tests of r2pgraph.query."""
