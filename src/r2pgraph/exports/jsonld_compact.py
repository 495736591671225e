"""Compacting expanded JSON-LD (as pyoxigraph writes it) with the published context.

A subset of JSON-LD 1.1 compaction that is enough for our context and always safe: a property
becomes a term of the context only when every one of its values fits that term's definition
(``@type: @id``, a datatype, a ``@language`` container, or plain strings for a simple term);
otherwise it becomes a compact IRI (``prefix:suffix``) with its values left in expanded form.
Classes become their terms. Expanding the result gives back exactly the input (tested with PyLD).
"""

from __future__ import annotations

from typing import Any

from r2pgraph.rdf.iris import curie

Json = Any
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class Context:
    """The term definitions and prefixes of one JSON-LD context."""

    def __init__(self, context: dict[str, Json]):
        self.prefixes = {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("#", "/"))}
        self.by_iri: dict[str, list[tuple[str, dict[str, str]]]] = {}
        self.classes: dict[str, str] = {}
        for term, definition in context.items():
            if term.startswith("@") or term in self.prefixes:
                continue
            if isinstance(definition, str):
                if not definition.startswith("@"):
                    iri = self.expand(definition)
                    self.by_iri.setdefault(iri, []).append((term, {}))
                    self.classes[iri] = term
            elif isinstance(definition, dict) and "@id" in definition:
                iri = self.expand(definition["@id"])
                spec = {k: self.expand(v) if k == "@type" and v != "@id" else v for k, v in definition.items()}
                self.by_iri.setdefault(iri, []).append((term, spec))

    def expand(self, value: str) -> str:
        prefix, _, rest = value.partition(":")
        return self.prefixes[prefix] + rest if prefix in self.prefixes and not rest.startswith("//") else value

    def curie(self, iri: str) -> str:
        return curie(iri, self.prefixes)


def _fits(spec: dict[str, str], values: list[Json]) -> Json | None:
    """The values in the form the term's definition gives them, or None when one does not fit."""
    kind, container = spec.get("@type"), spec.get("@container")
    if kind == "@id":
        if all(set(v) == {"@id"} for v in values):
            return [v["@id"] for v in values]
        return None
    if container == "@language":
        if not all(set(v) == {"@value", "@language"} for v in values):
            return None
        by_lang: dict[str, list[str]] = {}
        for v in values:
            by_lang.setdefault(v["@language"], []).append(v["@value"])
        return {lang: texts[0] if len(texts) == 1 else texts for lang, texts in by_lang.items()}
    if kind is not None:
        if all(set(v) == {"@value", "@type"} and v["@type"] == kind for v in values):
            return [v["@value"] for v in values]
        return None
    if not spec and all(set(v) == {"@value"} and isinstance(v["@value"], str) for v in values):
        return [v["@value"] for v in values]
    return None


def _one(values: Json) -> Json:
    return values[0] if isinstance(values, list) and len(values) == 1 else values


def with_type_keyword(node: dict[str, Json]) -> dict[str, Json]:
    """An expanded node object with its classes (``rdf:type`` values that are IRIs) under ``@type``,
    right after ``@id``, instead of under an ``rdf:type`` key: the same statements. Any other
    ``rdf:type`` value (a literal, a blank node) stays where it was."""
    values = node.get(RDF_TYPE)
    if not values:
        return node
    is_class = [set(v) == {"@id"} and not v["@id"].startswith("_:") for v in values]
    classes = [*node.get("@type", []), *(v["@id"] for v, cls in zip(values, is_class, strict=True) if cls)]
    others = [v for v, cls in zip(values, is_class, strict=True) if not cls]
    out: dict[str, Json] = {"@id": node["@id"]} if "@id" in node else {}
    if classes:
        out["@type"] = classes
    for key, value in node.items():
        if key not in ("@id", "@type", RDF_TYPE):
            out[key] = value
    if others:
        out[RDF_TYPE] = others
    return out


def compact_node(node: dict[str, Json], ctx: Context) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for key, values in with_type_keyword(node).items():
        if key == "@id":
            out["@id"] = values
        elif key == "@type":
            out["@type"] = _one([ctx.classes.get(t, ctx.curie(t)) for t in values])
        elif key == "@graph":
            out["@graph"] = [compact_node(n, ctx) for n in values]
        else:
            for term, spec in ctx.by_iri.get(key, []):
                fitted = _fits(spec, values)
                if fitted is not None:
                    out[term] = _one(fitted)
                    break
            else:
                out[ctx.curie(key)] = _one(values)
    return out
