"""Publishing a built generation into a remote SPARQL store (staging graphs, the manifest, the
publish lock).

Imports ``store``, ``rdf``."""
