"""The dumps of a generation (N-Quads, TriG, Turtle, N-Triples, JSON-LD, CSV) and JSON-LD
compaction.

Imports ``rdf``."""
