"""Pictures: the world map of an instrument's status (on its page and beside the matrix), drawn in
headless Chromium from the vendored shapes; the parties timeline and the ratings chart, drawn on the
server as SVG, read back through HTTP and compared with the graph and the status function."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from urllib.parse import urlsplit

import httpx
import pyoxigraph as ox
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from r2pgraph.server.charts import cumulative, nice_step
from r2pgraph.treaties.world import TreatyWorld, instrument_summary, load_world

SVG = "{http://www.w3.org/2000/svg}"
ROME = "https://w3id.org/r2p/id/instrument/rome-statute"
JAPAN = "https://w3id.org/r2p/id/state/JPN"


@pytest.fixture(scope="module")
def world(store: ox.Store) -> TreatyWorld:
    """Every state's status, by the status function, from the same build the server serves."""
    return load_world(store)


def _drawn_map(browser: object, url: str) -> object:
    """Open ``url`` and wait until its world map is drawn (or failed); return the figure."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)  # type: ignore[attr-defined]
    figure = browser.find_element(By.CSS_SELECTOR, "figure.world-map")  # type: ignore[attr-defined]
    WebDriverWait(browser, 30).until(lambda _: figure.get_attribute("data-drawn") is not None)
    return figure


def _other_origins(browser: object, server: str) -> list[str]:
    """Every resource the page loaded from an origin other than the server's."""
    urls = browser.execute_script(  # type: ignore[attr-defined]
        "return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name))"
    )
    here = urlsplit(server).netloc
    return [u for u in urls if urlsplit(u).netloc != here]


def _csp_refusals(browser: object) -> list[str]:
    console = browser.get_log("browser")  # type: ignore[attr-defined]
    return [e["message"] for e in console if "Content Security Policy" in e["message"] or "map.js" in e["message"]]


def _rgb(css: str) -> list[int]:
    """The red, green and blue of a CSS colour value ("rgb(…)" or "rgba(…)")."""
    return [int(n) for n in re.findall(r"\d+", css)[:3]]


def _expected_class(world: TreatyWorld, state: str, instrument: str) -> str:
    cell = world.cells.get((state, instrument))
    return cell.css.replace(" disputed", "") if cell else "st-no-record"


# -------------------------------------------------------------------- the map, in a browser ---


def test_the_rome_statutes_page_draws_a_world_map_of_every_country(
    server: str, browser: object, world: TreatyWorld
) -> None:
    from selenium.webdriver.common.by import By

    figure = _drawn_map(browser, server + "/id/instrument/rome-statute")
    paths = figure.find_elements(By.CSS_SELECTOR, "svg.map g.countries path")  # type: ignore[attr-defined]
    assert len(paths) >= 150
    assert int(figure.get_attribute("data-drawn")) == len(paths)  # type: ignore[attr-defined]
    japan = figure.find_element(By.CSS_SELECTOR, 'a[data-code="JPN"]')  # type: ignore[attr-defined]
    assert japan.get_dom_attribute("href") == "/id/state/JPN"
    path_class = japan.find_element(By.TAG_NAME, "path").get_attribute("class")
    assert world.shown(JAPAN, ROME).act == "Accession"  # type: ignore[union-attr]  # Japan acceded in 2007
    assert path_class == _expected_class(world, JAPAN, ROME) == "st-party act-accession"
    title = japan.find_element(By.TAG_NAME, "title").get_attribute("textContent")
    assert title.startswith("Japan: party by accession 2007-07-17")
    # every linked shape has the class the status function gives its state
    codes = {info.code: iri for iri, info in world.states.items()}
    for link in figure.find_elements(By.CSS_SELECTOR, "svg.map a.state"):  # type: ignore[attr-defined]
        state = codes[link.get_attribute("data-code")]
        assert link.find_element(By.TAG_NAME, "path").get_attribute("class") == _expected_class(world, state, ROME)
    # shapes with no state in the data (Kosovo, Somaliland…) are grey and link nowhere
    unlinked = figure.find_elements(By.CSS_SELECTOR, "svg.map g.countries > path.not-in-data")  # type: ignore[attr-defined]
    names = {p.find_element(By.TAG_NAME, "title").get_attribute("textContent") for p in unlinked}
    assert "Kosovo: not a state in the data" in names
    # the picture has a text alternative, the legend its counts, the caption the as-of date
    svg = figure.find_element(By.CSS_SELECTOR, "svg.map")  # type: ignore[attr-defined]
    assert "107 party by ratification; 13 party by accession" in svg.find_element(By.TAG_NAME, "desc").get_attribute(
        "textContent"
    )
    caption = figure.find_element(By.TAG_NAME, "figcaption").text  # type: ignore[attr-defined]
    assert "party by accession (13)" in caption and "as of 2014-01-27" in caption
    assert _other_origins(browser, server) == []
    assert _csp_refusals(browser) == []


def test_a_click_on_japan_leads_to_japans_page(server: str, browser: object) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    figure = _drawn_map(browser, server + "/id/instrument/rome-statute")
    japan = figure.find_element(By.CSS_SELECTOR, 'a[data-code="JPN"] path')  # type: ignore[attr-defined]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", japan)  # type: ignore[attr-defined]
    # a point inside Japan's shape (its box's centre may be sea), relative to the element's centre
    offset = browser.execute_script(  # type: ignore[attr-defined]
        """const path = arguments[0], box = path.getBoundingClientRect(), svg = path.ownerSVGElement;
        for (let i = 1; i < 40; i++) for (let j = 1; j < 40; j++) {
          const x = box.left + box.width * i / 40, y = box.top + box.height * j / 40;
          const hit = document.elementFromPoint(x, y);
          if (hit === path) return [x - (box.left + box.width / 2), y - (box.top + box.height / 2)];
        }
        return null;""",
        japan,
    )
    assert offset is not None
    ActionChains(browser).move_to_element_with_offset(japan, int(offset[0]), int(offset[1])).click().perform()
    WebDriverWait(browser, 20).until(lambda b: b.current_url.endswith("/id/state/JPN"))  # type: ignore[attr-defined]
    assert browser.find_element(By.TAG_NAME, "h1").text == "Japan"  # type: ignore[attr-defined]


def test_japan_is_reached_from_the_map_by_keyboard(server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    figure = _drawn_map(browser, server + "/id/instrument/rome-statute")
    japan = figure.find_element(By.CSS_SELECTOR, 'a[data-code="JPN"]')  # type: ignore[attr-defined]
    browser.execute_script("arguments[0].focus()", japan)  # type: ignore[attr-defined]
    assert browser.switch_to.active_element == japan  # type: ignore[attr-defined]  # focusable, as a link is
    japan.send_keys(Keys.ENTER)
    WebDriverWait(browser, 20).until(lambda b: b.current_url.endswith("/id/state/JPN"))  # type: ignore[attr-defined]


def test_the_map_beside_the_matrix_draws_the_chosen_instrument(
    server: str, browser: object, world: TreatyWorld
) -> None:
    from selenium.webdriver.common.by import By

    figure = _drawn_map(browser, server + "/matrix?map=rome-statute")
    assert figure.location["y"] < browser.find_element(By.CSS_SELECTOR, "table.matrix").location["y"]  # type: ignore[attr-defined]
    assert len(figure.find_elements(By.CSS_SELECTOR, "svg.map g.countries path")) >= 150  # type: ignore[attr-defined]
    japan = figure.find_element(By.CSS_SELECTOR, 'a[data-code="JPN"] path')  # type: ignore[attr-defined]
    assert japan.get_attribute("class") == "st-party act-accession"
    # the map's colours are the matrix's: Japan's shape and Japan's Rome Statute cell have one fill
    cell = browser.find_element(By.CSS_SELECTOR, "tr#JPN td.st-party.act-accession")  # type: ignore[attr-defined]
    assert _rgb(japan.value_of_css_property("fill")) == _rgb(cell.value_of_css_property("background-color"))
    assert _other_origins(browser, server) == []
    assert _csp_refusals(browser) == []
    # without a choice, the map is of the matrix's first instrument
    figure = _drawn_map(browser, server + "/matrix?set=")
    first = browser.find_element(By.CSS_SELECTOR, "table.matrix thead th:nth-child(3) a")  # type: ignore[attr-defined]
    assert figure.get_attribute("data-map").endswith("=" + first.get_dom_attribute("href").rsplit("/", 1)[-1])  # type: ignore[attr-defined]
    assert int(figure.get_attribute("data-drawn")) >= 150  # type: ignore[attr-defined]


# --------------------------------------------------------------- the map's data, over HTTP ---


def test_the_map_data_gives_every_state_the_status_functions_class(server: str, world: TreatyWorld) -> None:
    data = httpx.get(server + "/map.json", params={"instrument": "rome-statute"}).json()
    assert data["states"]["392"] == {
        "code": "JPN",
        "name": "Japan",
        "class": "st-party act-accession",
        "status": "party by accession 2007-07-17 · treaty-actions/JPN · agree",
        "year": "2007",
        "href": "/id/state/JPN",
    }
    assert data["as_of"] == ["2014-01-27"]
    by_code = {s["code"]: s for s in data["states"].values()}
    for iri, info in world.states.items():
        assert by_code[info.code]["class"] == _expected_class(world, iri, ROME), info.code
    legend = {e["class"]: e["states"] for e in data["legend"]}
    assert legend["st-party act-ratification"] + legend["st-party act-accession"] + legend[
        "st-party act-succession"
    ] + legend["st-party act-acceptance"] == len(instrument_summary(world, ROME).parties)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Parameter 'instrument' is required"),
        ("?instrument=nowhere", "Unknown instrument 'nowhere' (parameter 'instrument'"),
        ("?instrument=%22%7D%20DROP", "Unknown instrument '\"} DROP' (parameter 'instrument'"),
    ],
)
def test_the_map_data_names_a_bad_parameter(server: str, query: str, message: str) -> None:
    response = httpx.get(server + "/map.json" + query)
    assert response.status_code == 400 and message in response.text


def test_the_matrix_names_a_bad_map_parameter(server: str) -> None:
    response = httpx.get(server + "/matrix?map=nowhere")
    assert response.status_code == 400 and "Unknown instrument 'nowhere' (parameter 'map'" in response.text


# ------------------------------------------------------------ the server-drawn SVG charts ---


def _svg(page: str, kind: str) -> ET.Element:
    found = re.search(rf'<svg class="chart {kind}".*?</svg>', page, re.DOTALL)
    assert found, f"no {kind} chart in the page"
    return ET.fromstring(found.group(0))


def _count(length: float) -> int:
    """A length in counts, drawn with coordinates of two decimals: within 1/100 of a whole number."""
    assert abs(length - round(length)) < 0.01, length
    return round(length)


def _scale(axis: ET.Element, coordinate: str) -> tuple[float, float]:
    """(position of 0, units per count) from an axis's ticks: each a line at its value's position."""
    ticks = [(int(g.find(f"{SVG}text").text or ""), float(g.find(f"{SVG}line").get(coordinate) or "")) for g in axis]  # type: ignore[union-attr]
    (v0, p0), (v1, p1) = ticks[0], ticks[-1]
    return p0, (p1 - p0) / (v1 - v0)


def test_the_timeline_counts_the_parties_of_the_status_function(server: str, world: TreatyWorld) -> None:
    page = httpx.get(server + "/id/instrument/rome-statute", headers={"Accept": "text/html"}).text
    svg = _svg(page, "timeline")
    assert svg.get("role") == "img" and svg.find(f"{SVG}title") is not None and svg.find(f"{SVG}desc") is not None
    zero, unit = _scale(svg.find(f"{SVG}g[@class='axis y']"), "y1")  # type: ignore[arg-type]
    points = [(float(c.get("cx") or ""), float(c.get("cy") or "")) for c in svg.iter(f"{SVG}circle")]
    drawn = [_count((cy - zero) / unit) for _, cy in sorted(points)]
    parties = instrument_summary(world, ROME).parties
    years = Counter(int(r.status.since[:4]) for r in parties if r.status.since)
    assert sum(years.values()) == len(parties) == 122
    assert drawn[-1] == len(parties)
    assert drawn == sorted(drawn) and drawn[0] == years[min(years)]
    # each point is the count of parties by the end of its year
    titles = [c.find(f"{SVG}title").text for c in svg.iter(f"{SVG}circle")]  # type: ignore[union-attr]
    assert f"{min(years)}: {years[min(years)]} parties" in titles[0]
    assert "2007: " + str(sum(n for y, n in years.items() if y <= 2007)) + " parties" in " ".join(titles)


def _ratings(server: str, state: str) -> dict[tuple[str, str], int]:
    sparql = SPARQLWrapper(server + "/sparql")
    sparql.setQuery(
        f"""PREFIX r2p: <https://w3id.org/r2p/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?area ?rating (COUNT(?f) AS ?n) WHERE {{
          ?f a r2p:Finding ; r2p:state <{state}> ; r2p:indicator/skos:broader/skos:prefLabel ?area ; r2p:rating ?r .
          BIND (STRAFTER(STR(?r), "/rating/") AS ?rating) }} GROUP BY ?area ?rating"""
    )
    sparql.setReturnFormat(JSON)
    rows = sparql.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    return {(r["area"]["value"], r["rating"]["value"]): int(r["n"]["value"]) for r in rows}


def test_the_ratings_chart_draws_the_graphs_counts(server: str) -> None:
    page = httpx.get(server + "/id/state/JPN", headers={"Accept": "text/html"}).text
    svg = _svg(page, "ratings")
    zero, unit = _scale(svg.find(f"{SVG}g[@class='axis x']"), "x1")  # type: ignore[arg-type]
    drawn: Counter[tuple[str, str]] = Counter()  # (area, rating): how many indicators
    for area in svg.iter(f"{SVG}g"):
        if area.get("class") != "area":
            continue
        label = " ".join(t.text or "" for t in area.iter(f"{SVG}tspan"))
        for rect in area.iter(f"{SVG}rect"):
            rating = (rect.get("class") or "").removeprefix("rating-")
            drawn[(label, rating)] += _count(float(rect.get("width") or "") / unit)
    assert dict(drawn) == _ratings(server, JAPAN)
    totals: Counter[str] = Counter()
    for (_, rating), n in drawn.items():
        totals[rating] += n
    assert totals == {"very-strong": 16, "strong": 8, "fair": 7, "weak": 2, "very-weak": 3}
    assert zero == float(svg.find(f"{SVG}g[@class='bars']/{SVG}g/{SVG}rect").get("x") or "")  # type: ignore[union-attr]
    legend = " ".join(t.text or "" for t in svg.iter(f"{SVG}text") if t.text and "(" in t.text)
    assert "Very Strong (16)" in legend and "Very Weak (3)" in legend
    assert "36 indicators: 16 Very Strong, 8 Strong, 7 Fair, 2 Weak, 3 Very Weak" in (
        svg.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]
    )


def test_cumulative_counts_and_tick_steps() -> None:
    assert cumulative([2001, 1999, 2001, 2004], last=2006) == [
        (1999, 1),
        (2000, 1),
        (2001, 3),
        (2002, 3),
        (2003, 3),
        (2004, 4),
        (2005, 4),
        (2006, 4),
    ]
    assert cumulative([]) == []
    assert [nice_step(n) for n in (0, 3, 11, 122, 193)] == [1, 1, 5, 50, 50]
