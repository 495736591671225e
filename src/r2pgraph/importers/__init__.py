"""Importers of outside formats: each turns another publisher's records into named graphs of
their own (with PROV metadata) in the imports directory, which the build then loads and validates.

- ``un_treaty_status.import_tables``: UN human-rights treaty-status tables (one CSV per treaty);
- ``wikidata.import_wikidata``: signatories (P1891) and "ratified by" (P6193) statements from a
  Wikidata SPARQL endpoint, for the instruments and states linked to Wikidata in data/.

``r2pgraph import un-treaty-status|wikidata`` runs them.
"""
