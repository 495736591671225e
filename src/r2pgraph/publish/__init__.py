"""Publishing a built generation into a remote SPARQL store (staging graphs, the manifest, the
publish lock).

Imports ``store`` (the manifest it shares with the server), ``rdf``, and the names under which
``build`` and ``exports`` write a generation's files."""
