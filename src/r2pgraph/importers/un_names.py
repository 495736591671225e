"""UN short names of participants ("Bolivia (Plurinational State of)") → ISO 3166-1 alpha-3.

The reviewed alias table (``data/states/un-name-aliases.csv``) is consulted first: it settles the
names a library misses or gets wrong, and says which participants are no current state (the
European Union, Yugoslavia…), with the reason. Every other name goes to ``country_converter``
(imported here only, at import time: the build and the server never need it), and each mapping
it makes is checked for plausibility: the UN name must name the same country as one of the ISO
or library names of the code it was mapped to, word for word (order, punctuation, "the" and
"St."/"Saint" aside). "Niger" mapped to NGA or "Dominica" to DOM would fail that check and be
reported, not imported.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pycountry

from r2pgraph.errors import R2PError
from r2pgraph.sources.un_names import Alias

_NOT_FOUND = "\x00not found"


@dataclass(frozen=True)
class Resolution:
    """A participant name resolved to a state (``alpha3``), or the fault that keeps it from one."""

    alpha3: str | None
    via: str  # "alias" | "library"
    fault: tuple[str, str] | None = None  # (fault class, message)


def _words(name: str) -> frozenset[str]:
    """The words of a name, for comparing names: no accents, case, punctuation or "the"."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"['’]", "", text)
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return frozenset("saint" if w == "st" else w for w in words if w != "the")


def _base(name: str) -> frozenset[str]:
    """The words before a qualifier: "Bolivia (Plurinational State of)" and "Bolivia, …" → {bolivia}."""
    return _words(re.split(r"[(,]", name, maxsplit=1)[0])


def same_country(un_name: str, names: list[str]) -> bool:
    """Whether ``un_name`` names the country that one of ``names`` names (see the module's doc)."""
    words, base = _words(un_name), _base(un_name)
    return any(words == _words(n) or base == _base(n) for n in names if n)


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Silence a library's per-name warnings: the import report says what was not found."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


class NameResolver:
    """Resolves participant names with the alias table first, then ``country_converter``."""

    def __init__(self, aliases: dict[str, Alias]):
        try:
            import country_converter  # the optional `import` dependency group; see pyproject.toml
        except ImportError as e:
            raise R2PError(
                "resolving UN names needs country_converter: pip install -e '.[import]' (see pyproject.toml)"
            ) from e

        self.aliases = aliases
        self._converter: Any = country_converter.CountryConverter()
        self._iso = {c.alpha_3: c for c in pycountry.countries}
        data = self._converter.data
        self._library_names: dict[str, list[str]] = {}
        for code, short, official in zip(data["ISO3"], data["name_short"], data["name_official"], strict=True):
            self._library_names.setdefault(str(code), []).extend([str(short), str(official)])
        self._cache: dict[str, Resolution] = {}

    def names_of(self, alpha3: str) -> list[str]:
        """Every name pycountry and the library give the code."""
        country = self._iso.get(alpha3)
        iso = [getattr(country, a, "") or "" for a in ("name", "official_name", "common_name")] if country else []
        return iso + self._library_names.get(alpha3, [])

    def resolve(self, name: str) -> Resolution:
        if name not in self._cache:
            self._cache[name] = self._resolve(name)
        return self._cache[name]

    def _resolve(self, name: str) -> Resolution:
        alias = self.aliases.get(name)
        if alias is not None:
            if alias.status == "state":
                return Resolution(alias.alpha3, "alias")
            what = "not a state" if alias.status == "not-a-state" else "not a current state"
            return Resolution(None, "alias", (alias.status, f"{name!r} is {what}: {alias.note}"))
        with _quiet("country_converter"):
            found = self._converter.convert(name, to="ISO3", not_found=_NOT_FOUND)
        if isinstance(found, list):
            return Resolution(None, "library", ("unknown participant", f"{name!r} matches several countries: {found}"))
        if found == _NOT_FOUND:
            return Resolution(None, "library", ("unknown participant", f"{name!r} is no country name known"))
        if found not in self._iso:
            why = f"{name!r} maps to {found!r}, which is not an ISO 3166-1 alpha-3 code"
            return Resolution(None, "library", ("unknown participant", why))
        if not same_country(name, self.names_of(found)):
            known = self._iso[found].name
            why = (
                f"{name!r} was mapped to {found} ({known}), which does not look like the same country; "
                "confirm or correct it in the alias table"
            )
            return Resolution(None, "library", ("implausible mapping", why))
        return Resolution(found, "library")
