"""Tests of r2pgraph.build."""
