"""SPARQL over a store (embedded or remote), rendering results, and the example queries.

Imports ``store`` and ``rdf``."""
