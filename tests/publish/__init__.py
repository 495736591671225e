"""Tests of r2pgraph.publish."""
