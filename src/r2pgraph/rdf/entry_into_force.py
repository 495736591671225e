"""Entry into force of an instrument for one party, derived from the instrument's own rule.

An instrument's rule is data (``entry_into_force_rule`` in data/instruments/, with the article it
comes from); this module only knows how each kind of rule counts days:

* ``first-day-of-month-after-60th-day`` (Rome Statute, art. 126(2)): the first day of the month
  after the 60th day following the deposit of the state's instrument;
* ``90th-day`` (Genocide Convention art. XIII, Refugee Convention art. 43(2), Arms Trade Treaty
  art. 22(2)): the 90th day following the deposit.

A state that deposited before the instrument itself entered into force is bound from the
instrument's own date: the derived date is never before it.
"""

from __future__ import annotations

import datetime as dt

from r2pgraph.rdf.iris import R2P

# The rule names used in data/instruments/ and the ontology concept each stands for.
RULES: dict[str, str] = {
    "first-day-of-month-after-60th-day": R2P + "FirstDayOfMonthAfter60thDay",
    "90th-day": R2P + "NinetiethDayAfterDeposit",
}
RULE_NAMES = {iri: name for name, iri in RULES.items()}


def in_force_for_party(rule: str, deposit: dt.date, instrument_in_force: dt.date | None = None) -> dt.date:
    """The date the instrument enters into force for a state that deposited its instrument of
    consent on ``deposit``, by ``rule`` (a key of RULES or the IRI of its concept).

    Raises ValueError for an unknown rule.
    """
    name = RULE_NAMES.get(rule, rule)
    if name == "90th-day":
        derived = deposit + dt.timedelta(days=90)
    elif name == "first-day-of-month-after-60th-day":
        sixtieth = deposit + dt.timedelta(days=60)
        derived = dt.date(sixtieth.year + sixtieth.month // 12, sixtieth.month % 12 + 1, 1)
    else:
        raise ValueError(f"unknown entry-into-force rule {rule!r} (known: {', '.join(RULES)})")
    return max(derived, instrument_in_force) if instrument_in_force else derived
