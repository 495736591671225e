// The world map of an instrument's status (data: /map.json, see server/world_map.py). Each country
// shape of world-atlas (keyed by ISO 3166-1 numeric code) is one <path>, filled by the class of the
// state it belongs to, inside a link (<a href>, so it works by click and keyboard) to the state's
// page, with a <title> naming the state and its status. A shape whose code names no state in the
// data is grey and links nowhere. Everything is loaded from this server (vendor/: d3-array,
// d3-geo, topojson-client, world-atlas).
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 960;
  var HEIGHT = 480;
  var SMALL = 16; // square pixels: a smaller shape (an island state) also gets a dot, to be seen and clicked
  var ANTARCTICA = "010"; // no state: left out, as most world maps of states do

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (key) {
      node.setAttribute(key, attrs[key]);
    });
    if (parent) parent.appendChild(node);
    return node;
  }

  function titled(node, text) {
    el("title", {}, node).textContent = text;
    return node;
  }

  function json(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(url + " answered " + response.status);
      return response.json();
    });
  }

  function draw(figure, shapes, data) {
    var countries = topojson.feature(shapes, shapes.objects.countries).features.filter(function (f) {
      return f.id !== ANTARCTICA;
    });
    var projection = d3.geoEqualEarth().fitExtent(
      [[4, 4], [WIDTH - 4, HEIGHT - 4]],
      { type: "FeatureCollection", features: countries }
    );
    var path = d3.geoPath(projection);
    var id = figure.id || "world-map";
    var svg = el("svg", {
      viewBox: "0 0 " + WIDTH + " " + HEIGHT,
      class: "map",
      role: "group",
      "aria-labelledby": id + "-title",
      "aria-describedby": id + "-desc",
    });
    el("title", { id: id + "-title" }, svg).textContent = "World map: " + data.label;
    el("desc", { id: id + "-desc" }, svg).textContent = data.summary;
    el("path", { class: "sphere", d: path({ type: "Sphere" }) }, svg);
    var group = el("g", { class: "countries" }, svg);
    countries.forEach(function (feature) {
      var state = feature.id ? data.states[feature.id] : undefined;
      var d = path(feature);
      if (!d) return;
      if (!state || !state.href) {
        var words = (feature.properties && feature.properties.name) || "unnamed shape";
        titled(el("path", { d: d, class: "not-in-data", "data-id": feature.id || "" }, group), words + ": " + data.classes["not-in-data"]);
        return;
      }
      var text = state.name + ": " + state.status;
      var link = el("a", { href: state.href, class: "state", "data-code": state.code, "aria-label": text }, group);
      titled(link, text);
      el("path", { d: d, class: state.class, "data-id": feature.id }, link);
      if (path.area(feature) < SMALL && state.class !== "st-no-record") {
        var at = path.centroid(feature);
        el("circle", { cx: at[0].toFixed(1), cy: at[1].toFixed(1), r: 3, class: state.class + " dot" }, link);
      }
    });
    var canvas = figure.querySelector(".map-canvas");
    canvas.replaceChildren(svg);
    figure.setAttribute("data-drawn", String(group.querySelectorAll("path").length));
  }

  document.querySelectorAll("figure.world-map[data-map]").forEach(function (figure) {
    Promise.all([json(figure.dataset.shapes), json(figure.dataset.map)])
      .then(function (loaded) {
        draw(figure, loaded[0], loaded[1]);
      })
      .catch(function (error) {
        var status = figure.querySelector(".map-status");
        if (status) status.textContent = "The map could not be drawn: " + error.message;
        figure.setAttribute("data-drawn", "0");
      });
  });
})();
