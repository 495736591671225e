"""The RDF vocabulary and helpers every stage shares: the project's IRIs (plain strings, no rdflib),
its rdflib namespaces, rdflib <-> pyoxigraph terms, and safe parsing of RDF files.

Imports nothing of r2pgraph but ``errors``."""
