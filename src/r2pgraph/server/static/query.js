// The query page: YASGUI (vendored) over this server's SPARQL endpoint, configured by the page's
// JSON data block (see server/query_page.py). Nothing is fetched from another origin: no LOV
// lookups (the property and class autocompleters are off), no prefix.cc (the prefixes offered are
// the dataset's and YASGUI's bundled list), no short links, and the only endpoint offered is ours.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("query-config").textContent);
  const Yasgui = window.Yasgui;
  const root = document.getElementById("yasgui");
  if (!Yasgui || !root) return;
  const endpoint = new URL(config.endpoint, window.location.href).href;
  const examplesSeen = config.storageKey + "_examples";

  // Prefix completion: the dataset's prefixes first, then YASGUI's bundled ones (never prefix.cc).
  const ours = Object.entries(config.prefixes).map(([name, iri]) => name + ": <" + iri + ">");
  const taken = new Set(Object.keys(config.prefixes));
  Yasgui.Yasqe.forkAutocompleter(
    "prefixes",
    {
      name: "dataset-prefixes",
      persistenceId: null,
      get: (yasqe) =>
        Yasgui.Yasqe.Autocompleters.prefixes
          .get(yasqe)
          .then((bundled) => ours.concat(bundled.filter((p) => !taken.has(p.split(":")[0])))),
    },
    false,
  );
  // Set on the defaults: YASGUI merges arrays of its configuration item by item.
  Yasgui.Yasqe.defaults.autocompleters = ["variables", "dataset-prefixes"];

  const yasgui = new Yasgui(root, {
    persistenceId: config.storageKey,
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }], keys: [] },
    copyEndpointOnNewTab: false,
    autoAddOnInit: false,
    // ?query=… (or a shared link's #query=…) opens a tab, always against this endpoint
    populateFromUrl: (tab) => {
      tab.requestConfig.endpoint = endpoint;
      return tab;
    },
    yasqe: {
      value: config.newTabQuery,
      prefixCcApi: null,
      createShortLink: undefined,
      collapsePrefixesOnLoad: true,
    },
    yasr: { prefixes: config.prefixes, pluginOrder: ["table", "response"], defaultPlugin: "table" },
  });

  function exampleTab(example, active) {
    const id = "example-" + example.name;
    if (yasgui.getTab(id)) {
      if (active) yasgui.selectTabId(id);
      return;
    }
    yasgui.addTab(active, { id: id, name: example.name, yasqe: { value: example.text }, requestConfig: { endpoint } });
  }

  // The examples get a tab each on the first visit under this storage key (a new version of the
  // site or of the examples has a new key); tabs the user closes stay closed.
  let seen = false;
  try {
    seen = window.localStorage.getItem(examplesSeen) === "1";
  } catch (e) {
    seen = false; // storage refused: the examples are offered on every visit
  }
  if (!seen) {
    const noneActive = !yasgui.persistentConfig.getActiveId();
    config.examples.forEach((example, i) => exampleTab(example, noneActive && i === 0));
    try {
      window.localStorage.setItem(examplesSeen, "1");
    } catch (e) {
      // nothing to remember it in
    }
  }
  const params = new URLSearchParams(window.location.search);
  const chosen = config.examples.find((example) => example.name === params.get("example"));
  if (chosen) exampleTab(chosen, true);
  if (!yasgui.persistentConfig.getTabs().length) yasgui.addTab(true);
  if (params.has("query") || params.has("example")) {
    // opened once: a reload shows the kept tabs rather than opening the link again
    window.history.replaceState(null, "", window.location.pathname);
  }

  // Links in results to this dataset's IRIs lead to this server's pages for them; other IRIs are
  // links only when they are http(s) ones (never ftp:, tel:, data:…; YASGUI already drops javascript:).
  const localise = () => {
    for (const a of root.querySelectorAll(".yasr a.iri[href]")) {
      const href = a.getAttribute("href");
      if (href.startsWith(config.base)) a.setAttribute("href", "/" + href.slice(config.base.length));
      else if (!/^https?:/i.test(href) && !href.startsWith("/")) a.removeAttribute("href");
    }
  };
  new MutationObserver(localise).observe(root, { childList: true, subtree: true });
})();
