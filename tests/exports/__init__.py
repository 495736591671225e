"""Tests of r2pgraph.exports."""
