"""SHACL validation in parts: pySHACL for the core constraints, pyoxigraph for SPARQL constraints."""
