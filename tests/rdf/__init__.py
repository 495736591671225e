"""Tests of r2pgraph.rdf."""
