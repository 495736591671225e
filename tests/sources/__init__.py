"""Tests of r2pgraph.sources."""
