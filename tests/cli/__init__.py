"""Tests of r2pgraph.cli."""
