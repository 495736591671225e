// The query page: runs the query against /sparql and shows the results as a table.
"use strict";
(function () {
  const form = document.getElementById("query-form");
  const text = document.getElementById("query");
  const format = document.getElementById("format");
  const status = document.getElementById("status");
  const results = document.getElementById("results");
  const examples = JSON.parse(document.getElementById("examples-data").textContent);

  document.getElementById("example").addEventListener("change", (e) => {
    if (examples[e.target.value]) text.value = examples[e.target.value];
  });

  function cell(term) {
    if (!term) return document.createTextNode("");
    // Links only to our own pages and to http(s) IRIs: never javascript:, data:, file:…
    const local = term.type === "uri" && term.value.startsWith("https://w3id.org/r2p/");
    if (local || (term.type === "uri" && /^https?:/i.test(term.value))) {
      const a = document.createElement("a");
      a.href = local ? "/" + term.value.slice(21) : term.value;
      a.textContent = term.value;
      return a;
    }
    return document.createTextNode(term.value);
  }

  function table(data) {
    const t = document.createElement("table");
    t.className = "statements results";
    const head = t.createTHead().insertRow();
    for (const v of data.head.vars) head.insertCell().outerHTML = "<th></th>";
    data.head.vars.forEach((v, i) => (head.cells[i].textContent = v));
    const body = t.createTBody();
    for (const b of data.results.bindings) {
      const row = body.insertRow();
      for (const v of data.head.vars) row.insertCell().appendChild(cell(b[v]));
    }
    return t;
  }

  form.addEventListener("submit", async (e) => {
    if (format.value) return; // a chosen format downloads the raw results
    e.preventDefault();
    status.textContent = "Running…";
    results.replaceChildren();
    const started = performance.now();
    try {
      const resp = await fetch("/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json, text/turtle;q=0.9" },
        body: text.value,
      });
      const ms = Math.round(performance.now() - started);
      const type = resp.headers.get("content-type") || "";
      if (!resp.ok) {
        status.textContent = "Error " + resp.status;
        const pre = document.createElement("pre");
        pre.className = "error";
        pre.textContent = await resp.text();
        results.appendChild(pre);
      } else if (type.includes("sparql-results+json")) {
        const data = await resp.json();
        if ("boolean" in data) {
          status.textContent = "ASK: " + data.boolean + " (" + ms + " ms)";
        } else {
          status.textContent = data.results.bindings.length + " rows (" + ms + " ms)";
          results.appendChild(table(data));
        }
      } else {
        status.textContent = "Graph result (" + ms + " ms)";
        const pre = document.createElement("pre");
        pre.textContent = await resp.text();
        results.appendChild(pre);
      }
    } catch (err) {
      status.textContent = "Request failed: " + err;
    }
  });
})();
