"""The server's backends, one per kind of store behind it, each a ``Served`` (see ``base``):
``embedded`` (a built generation on disk) and ``remote`` (a SPARQL 1.1 store written by ``publish``).
They import ``base`` and the stages below the server, never the app or ``served``."""
