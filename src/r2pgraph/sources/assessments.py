"""Loaders for assessments/: editions, one state's findings (YAML) and its footnote table (CSV).

A state's assessment in an edition lives in ``assessments/<edition>/<STATE>.yaml`` with its
footnotes in the CSV file that the YAML names (``citations:``). The CSV becomes its own graph of
``r2p:Citation`` nodes; the YAML's findings link to them by footnote number.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS

from r2pgraph.errors import DataError, Problem
from r2pgraph.rdf.namespaces import ALPHA3, R2P, mint
from r2pgraph.sources.base import FileContext, SourceGraph
from r2pgraph.sources.citations import add_citation, add_note, add_yaml_citations
from r2pgraph.sources.yamlfile import Mapping, read_csv, read_yaml

CITATION_COLUMNS = ["footnote", "seq", "source", "locator", "ibid", "note"]


def _edition_and_state(path: Path, display: str) -> tuple[str, str]:
    """The edition (folder name) and state (file name before '.' or '-') of an assessment file."""
    edition = path.parent.name
    state = path.name.split(".")[0].split("-")[0]
    if not ALPHA3.match(state):
        raise DataError([Problem(display, None, f"file name must start with a state's alpha-3 code, not {state!r}")])
    return edition, state


def citation_iri(edition: str, state: str, footnote: int, seq: int) -> URIRef:
    return mint("assessment", edition, state, "citation", f"{footnote}-{seq}")


def read_footnotes(path: Path, display: str) -> dict[int, list[tuple[int, int, dict[str, str]]]]:
    """Return footnote number → [(seq, line, row)] from a citations CSV. Raises DataError."""
    problems: list[Problem] = []
    footnotes: dict[int, list[tuple[int, int, dict[str, str]]]] = {}
    seen: dict[tuple[int, int], int] = {}
    for line, row in read_csv(path, display, CITATION_COLUMNS):
        if not row["footnote"].isdigit() or not row["seq"].isdigit() or int(row["footnote"]) < 1:
            problems.append(Problem(display, line, "footnote and seq must be whole numbers ≥ 1"))
            continue
        key = (int(row["footnote"]), int(row["seq"]))
        if key in seen:
            problems.append(Problem(display, line, f"footnote {key[0]} seq {key[1]} already at line {seen[key]}"))
            continue
        seen[key] = line
        footnotes.setdefault(key[0], []).append((key[1], line, row))
    if problems:
        raise DataError(problems)
    return footnotes


def load_citation_table(path: Path, display: str, relative: str) -> SourceGraph:
    """Return the graph of a footnote citations CSV. Raises DataError."""
    edition, state = _edition_and_state(path, display)
    ctx = FileContext(path, display, relative)
    for number, rows in sorted(read_footnotes(path, display).items()):
        for seq, line, row in rows:
            source = ctx.ref("source", row["source"], line, f"footnote {number}")
            ibid = ctx.flag(row["ibid"] or "no", line, "ibid")
            if source is None:
                continue
            cit = citation_iri(edition, state, number, seq)
            # The citation belongs to the footnote table, not directly to the assessment.
            add_citation(ctx, None, cit, source, row["locator"], line)
            ctx.add(cit, R2P.footnoteNumber, Literal(number))
            ctx.add(cit, R2P.sequence, Literal(seq))
            ctx.add(cit, R2P.ibid, Literal(bool(ibid)))
            ctx.add(cit, SKOS.note, ctx.text(row["note"] or None, line, "note"))
    return ctx.finish()


def load_assessment(path: Path, display: str, relative: str) -> SourceGraph:
    """Return the graph of one state's findings in one edition. Raises DataError."""
    data = read_yaml(path, display)
    ctx = FileContext(path, display, relative)
    edition_key, state_key = _edition_and_state(path, display)
    if data.get("edition") != edition_key:
        ctx.problem(data.line, f"edition {data.get('edition')!r} does not match the folder {edition_key!r}")
    if data.get("state") != state_key:
        ctx.problem(data.line, f"state {data.get('state')!r} does not match the file name {state_key!r}")
    edition = mint("edition", edition_key)
    state = mint("state", state_key)
    doc = ctx.ref("source", data.get("document"), data.line, "document")
    assessment = ctx.locate(mint("assessment", edition_key, state_key), data.line)
    ctx.add(assessment, RDF.type, R2P.StateAssessment)
    ctx.add(assessment, R2P.edition, edition)
    ctx.add(assessment, R2P.state, state)
    ctx.add(assessment, R2P.document, doc)
    if doc is not None:
        ctx.derived_from.add(doc)

    footnotes: dict[int, list[tuple[int, int, dict[str, str]]]] = {}
    csv_name = data.get("citations")
    if csv_name:
        csv_path = path.parent / str(csv_name)
        if not csv_path.is_file():
            ctx.problem(data.line, f"citations file {csv_name!r} not found beside this file")
        else:
            footnotes = read_footnotes(csv_path, str(Path(display).parent / str(csv_name)))

    used: set[int] = set()
    seen: dict[str, int] = {}
    ratings: dict[str, str] = {}
    for item in ctx.items(data, "findings", data.line):
        line = getattr(item, "line", data.line)
        ind_key = ctx.slug(item.get("indicator"), line, "finding indicator")
        if ind_key is None or not ctx.unique(seen, ind_key, line, "finding for indicator"):
            continue
        what = f"finding {ind_key}"
        finding = ctx.locate(mint("assessment", edition_key, state_key, str(ind_key)), line)
        ctx.add(finding, RDF.type, R2P.Finding)
        ctx.add(finding, R2P.assessment, assessment)
        ctx.add(finding, R2P.edition, edition)
        ctx.add(finding, R2P.state, state)
        ctx.add(finding, R2P.indicator, mint("indicator", str(ind_key)))
        rating = ctx.ref("rating", ctx.required(item, "rating", line, what), line, what)
        ctx.add(finding, R2P.rating, rating)
        if rating is not None:
            ratings[str(ind_key)] = str(item["rating"])
        ctx.add(finding, R2P.summary, ctx.text(ctx.required(item, "summary", line, what), line, what))
        ctx.add(finding, PROV.wasDerivedFrom, doc)
        numbers = item.get("footnotes")
        if numbers is None or not isinstance(numbers, list):
            ctx.problem(line, f"{what}: 'footnotes' must be a list of footnote numbers ([] for none)")
            continue
        for number in numbers:
            if not isinstance(number, int) or number not in footnotes:
                ctx.problem(line, f"{what}: footnote {number!r} is not in the citations file")
                continue
            if number in used:
                ctx.problem(line, f"{what}: footnote {number} is already cited by another finding")
            used.add(number)
            for seq, _, _ in footnotes[number]:
                ctx.add(finding, R2P.hasCitation, citation_iri(edition_key, state_key, number, seq))
        if not numbers and doc is not None:
            add_citation(ctx, finding, URIRef(f"{finding}/citation/document"), doc, "detailed table", line)
    for number in sorted(set(footnotes) - used):
        ctx.problem(data.line, f"footnote {number} of the citations file is cited by no finding")

    table = data.get("summary_table") or Mapping()
    if not isinstance(table, Mapping):
        ctx.problem(data.line, "summary_table must map each rating to a list of indicators")
        table = Mapping()
    listed: dict[str, int] = {}
    for rating_key, indicators in table.items():
        for ind_key in indicators or []:
            if ind_key in listed:
                ctx.problem(table.line, f"summary_table lists {ind_key!r} twice")
                continue
            listed[ind_key] = 1
            entry = mint("assessment", edition_key, state_key, "summary-table", str(ind_key))
            ctx.locate(entry, table.line)
            ctx.add(entry, RDF.type, R2P.SummaryTableEntry)
            ctx.add(entry, R2P.assessment, assessment)
            ctx.add(entry, R2P.indicator, ctx.ref("indicator", ind_key, table.line, "summary_table"))
            ctx.add(entry, R2P.rating, ctx.ref("rating", rating_key, table.line, "summary_table"))
    add_note(ctx, assessment, data, data.line, "assessment")
    return ctx.finish()


def load_editions(path: Path, display: str, relative: str) -> SourceGraph:
    """Return the graph of an editions file. Raises DataError."""
    data = read_yaml(path, display)
    ctx = FileContext(path, display, relative)
    for item, line, key, ed in ctx.entries(data, "editions", "edition", "edition"):
        what = f"edition {key}"
        ctx.add(ed, RDF.type, R2P.AssessmentEdition)
        label = ctx.text(ctx.required(item, "label", line, what), line, what)
        ctx.add(ed, SKOS.prefLabel, label)
        ctx.add(ed, DCTERMS.title, label)
        ctx.add(ed, R2P.date, ctx.when(item, line, what))
        ctx.add(ed, DCTERMS.publisher, ctx.ref("organisation", item.get("publisher"), line, what))
        ctx.add(ed, R2P.framework, ctx.ref("framework", item.get("framework"), line, what))
        add_note(ctx, ed, item, line, what)
        add_yaml_citations(ctx, ed, item, line, what)
    return ctx.finish()
