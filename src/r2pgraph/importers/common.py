"""What importers share: the import report and writing the imported dataset as TriG."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from r2pgraph import __version__
from r2pgraph.errors import Problem
from r2pgraph.rdf.namespaces import GRAPH, PREFIXES


@dataclass
class ImportReport:
    """What an import did: rows read and imported, and every row it refused, with the reason."""

    importer: str
    rows_read: int = 0
    rows_imported: int = 0
    refused: list[Problem] = field(default_factory=list)
    corrected: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [
            f"{self.importer}: {self.rows_imported} of {self.rows_read} rows imported from {len(self.files)} file(s);"
            f" {len(self.refused)} refused, {len(self.corrected)} imported with a reported correction"
        ]
        lines += [f"  refused: {p}" for p in self.refused]
        lines += [f"  corrected: {p}" for p in self.corrected]
        return "\n".join(lines)

    def as_json(self) -> str:
        return json.dumps(
            {
                "importer": self.importer,
                "rows_read": self.rows_read,
                "rows_imported": self.rows_imported,
                "files": self.files,
                "refused": [{"file": p.path, "line": p.line, "reason": p.message} for p in self.refused],
                "corrected": [{"file": p.path, "line": p.line, "reason": p.message} for p in self.corrected],
            },
            indent=2,
        )


def import_activity(name: str, started: dt.datetime) -> tuple[URIRef, Graph]:
    """A PROV activity describing this run of an importer."""
    activity = URIRef(f"{GRAPH}import/{name}/run")
    g = Graph()
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, PROV.startedAtTime, Literal(started.isoformat(timespec="seconds"), datatype=XSD.dateTime)))
    g.add((activity, PROV.wasAssociatedWith, URIRef(f"{GRAPH}importer/{name}")))
    g.add((URIRef(f"{GRAPH}importer/{name}"), RDF.type, PROV.SoftwareAgent))
    # rdfs:label, not r2p:filePath: the agent is software, not a data file (r2p:filePath's domain)
    g.add(
        (
            URIRef(f"{GRAPH}importer/{name}"),
            RDFS.label,
            Literal(f"r2pgraph {__version__}: r2pgraph.importers.{name}", lang="en"),
        )
    )
    return activity, g


def write_trig(graphs: dict[URIRef, Graph], path: Path) -> None:
    """Write named graphs as one TriG file (written beside and renamed, so never half-written)."""
    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    for name, g in graphs.items():
        target = ds.graph(name)
        for triple in g:
            target.add(triple)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    ds.serialize(destination=str(tmp), format="trig")
    tmp.replace(path)
