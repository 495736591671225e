"""Tests of r2pgraph.treaties."""
