/* Starts GraphiQL with the explorer plugin against this hub's /graphql.
 *
 * Headers are kept in memory only (shouldPersistHeaders: false): a bearer token typed into the
 * headers pane is sent with each request, the schema is fetched again with it (the docs then show
 * what that token may see), and it is never written to the browser's storage. GraphiQL 3's history
 * keeps each run's headers in storage whatever shouldPersistHeaders says, so the storage handed to
 * GraphiQL drops them from the history it writes. */
(function () {
  "use strict";
  var endpoint = new URL("/graphql", window.location.href).href;
  var welcome = [
    "# 信用监管数据共享平台 — Credit Hub",
    "#",
    "# Without a token you are a PUBLIC caller. A bank or a",
    "# department puts its token in Headers below (not stored):",
    "#   {\"Authorization\": \"Bearer <token>\"}",
    "# 银行或部门请在下方 Headers 中填写令牌（不会保存）。",
    "",
    "{",
    "  gradingSchemes {",
    "    id",
    "    name",
    "  }",
    "}",
    ""
  ].join("\n");

  var NAMESPACE = "graphiql:";
  var HISTORY = /^graphiql:(queries|favorites)$/;
  var local = window.localStorage;

  function withoutHeaders(value) {
    var saved = JSON.parse(value);
    (saved.queries || []).forEach(function (item) { delete item.headers; });
    return JSON.stringify(saved);
  }

  function ours() {
    var keys = [];
    for (var i = 0; i < local.length; i += 1) {
      if (local.key(i).indexOf(NAMESPACE) === 0) { keys.push(local.key(i)); }
    }
    return keys;
  }

  var storage = {
    getItem: function (key) { return local.getItem(key); },
    setItem: function (key, value) { local.setItem(key, HISTORY.test(key) ? withoutHeaders(value) : value); },
    removeItem: function (key) { local.removeItem(key); },
    clear: function () { ours().forEach(function (key) { local.removeItem(key); }); },
    get length() { return ours().length; }
  };

  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(GraphiQL, {
    fetcher: GraphiQL.createFetcher({ url: endpoint }),
    plugins: [GraphiQLPluginExplorer.explorerPlugin()],
    storage: storage,
    defaultQuery: welcome,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: "headers"
  }));
})();
