"""What the resource pages of one served version share, read once per version and kept with it.

A version is immutable, so the instruments, the rating scale, each edition's framework (its areas
and indicators), what every state's treaty status is read against (``Coverage``: the status
tables, the instruments' rules, the world's states) and the resources' labels are the same for
every page (``views.PageBasis``). They are read on
the first page that needs them, or ahead of it (``prepare``), and kept on the served version
(``Served.derived``), so they are dropped with it when another generation is served; a state's page
then reads only the state's own statements.
"""

from __future__ import annotations

from collections.abc import Mapping

from r2pgraph.query.engine import Source
from r2pgraph.server.views import read_basis

BASIS_KEY = "page-basis"
WORLD_KEY = "treaty-world"  # every state's treaty status (``TreatyWorld``), kept by ``server.treaties``


def prepare(store: Source) -> Mapping[str, object]:
    """What a version's pages keep, read ahead of its first page (see ``EmbeddedServed``): the
    basis and every state's treaty status (about half a second with the world's records), by key.
    The resource page's template is compiled too (once per process: Jinja2 and the compiling took
    0.3 s of the first page)."""
    from r2pgraph.server.templating import jinja
    from r2pgraph.treaties.world import load_world

    jinja().env.get_template("resource.html")
    return {BASIS_KEY: read_basis(store), WORLD_KEY: load_world(store)}
