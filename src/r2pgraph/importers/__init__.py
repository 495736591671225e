"""Importers of outside formats: each turns another publisher's records into files the build loads
and validates — data/ files in the project's own columns, or named graphs in the imports directory.

- ``un_members.import_un_members``: UN membership and M49 areas from country_converter, with the
  reviewed additions of ``un_members_reviewed``, into data/states/un-membership.csv;
- ``un_treaty_status.import_tables``: UN human-rights treaty-status tables (one CSV per treaty) into
  data/treaty-status/ohchr-<as-of>/<instrument>.csv;
- ``wikidata.import_wikidata``: signatories (P1891) and "ratified by" (P6193) statements from a
  Wikidata SPARQL endpoint, for the instruments and states linked to Wikidata in data/, as TriG in
  the imports directory.

``r2pgraph import un-members|un-treaty-status|wikidata`` runs them.
"""
