"""Where a generation's graphs are kept and read: the embedded pyoxigraph store and a remote
SPARQL 1.1 store.

Imports ``rdf`` and ``errors`` only."""
