"""SHACL validation of the loaded graphs against shapes/ (a native Core engine, pySHACL, and
SPARQL-based constraints).

Imports ``sources`` (the loaded graphs), ``rdf``."""
