"""Treaty records across sources: reconciliation (crossref), claim checks, the ratification
matrix, and the derived graphs the build adds.

Imports ``query``, ``rdf``."""
