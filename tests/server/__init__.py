"""Tests of r2pgraph.server."""
