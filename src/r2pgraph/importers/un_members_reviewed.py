"""The reviewed additions to country_converter's UN table, each with its reason and source.

The un-members importer takes every state's UN membership, year of admission and M49 region from
country_converter; this file holds what that library does not carry, or gets wrong, so that each
departure from it is written down and reviewed rather than made silently:

- ``M49_AREAS``: the UN M49 codes of the regions, sub-regions and intermediate regions the library
  names (it gives names only), with the area each belongs to;
- ``OBSERVER_STATES``: the non-member States with a standing invitation to participate as
  observers (the library marks no observer status);
- ``NON_MEMBER_PARTICIPANTS``: states that are not UN members but join treaties deposited with the
  Secretary-General, kept as states of the graph;
- ``CORRECTIONS``: a value of the library that is wrong, with what replaces it.

Sources (in data/sources/un-membership.yaml): ``unsd-m49`` for the M49 codes and the Nauru
correction, ``un-non-member-states`` for the observer States.
"""

from __future__ import annotations

from dataclasses import dataclass

M49_SOURCE = "unsd-m49"
OBSERVER_SOURCE = "un-non-member-states"


@dataclass(frozen=True)
class Area:
    """An M49 area: its three-digit code, its level, and the code of the area it belongs to."""

    code: str
    level: str  # region, sub-region or intermediate
    broader: str | None = None


# M49 areas by the English name the library (and UNSD) gives them.
M49_AREAS: dict[str, Area] = {
    "Africa": Area("002", "region"),
    "Americas": Area("019", "region"),
    "Asia": Area("142", "region"),
    "Europe": Area("150", "region"),
    "Oceania": Area("009", "region"),
    "Northern Africa": Area("015", "sub-region", "002"),
    "Sub-Saharan Africa": Area("202", "sub-region", "002"),
    "Eastern Africa": Area("014", "intermediate", "202"),
    "Middle Africa": Area("017", "intermediate", "202"),
    "Southern Africa": Area("018", "intermediate", "202"),
    "Western Africa": Area("011", "intermediate", "202"),
    "Latin America and the Caribbean": Area("419", "sub-region", "019"),
    "Caribbean": Area("029", "intermediate", "419"),
    "Central America": Area("013", "intermediate", "419"),
    "South America": Area("005", "intermediate", "419"),
    "Northern America": Area("021", "sub-region", "019"),
    "Central Asia": Area("143", "sub-region", "142"),
    "Eastern Asia": Area("030", "sub-region", "142"),
    "South-eastern Asia": Area("035", "sub-region", "142"),
    "Southern Asia": Area("034", "sub-region", "142"),
    "Western Asia": Area("145", "sub-region", "142"),
    "Eastern Europe": Area("151", "sub-region", "150"),
    "Northern Europe": Area("154", "sub-region", "150"),
    "Southern Europe": Area("039", "sub-region", "150"),
    "Western Europe": Area("155", "sub-region", "150"),
    "Australia and New Zealand": Area("053", "sub-region", "009"),
    "Melanesia": Area("054", "sub-region", "009"),
    "Micronesia": Area("057", "sub-region", "009"),
    "Polynesia": Area("061", "sub-region", "009"),
}

OBSERVER_STATES: dict[str, str] = {
    "VAT": "Non-member State (the Holy See) with a standing invitation to participate as an observer.",
    "PSE": "Non-member observer State (the State of Palestine) with a standing invitation to participate as"
    " an observer.",
}

NON_MEMBER_PARTICIPANTS: dict[str, str] = {
    "COK": "Not a UN member; a state of the graph because it joins treaties deposited with the Secretary-General.",
    "NIU": "Not a UN member; a state of the graph because it joins treaties deposited with the Secretary-General.",
}


@dataclass(frozen=True)
class Correction:
    """A value of the library replaced: the field, the library's value, ours, and why."""

    field: str
    library: str
    value: str
    source: str
    reason: str


CORRECTIONS: dict[str, Correction] = {
    "NRU": Correction(
        "subregion",
        "Polynesia",
        "Micronesia",
        M49_SOURCE,
        "M49 places Nauru (520) in Micronesia (057); country_converter 1.3.2 gives Polynesia.",
    ),
}
