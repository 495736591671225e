"""Tests of r2pgraph.importers."""
