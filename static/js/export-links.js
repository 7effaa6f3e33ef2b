// Download links that follow the page's current filters. The household list updates its
// results and address in place (htmx) as staff type, so the link made by the server may be
// out of date; at click time it takes the filters from the address bar. Without JavaScript
// the page reloads on every search and the server's link is already right.
(function () {
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-export-format]");
    if (!link) return;
    var query = new URLSearchParams(window.location.search);
    query.delete("page");
    query.set("format", link.dataset.exportFormat);
    link.href = link.pathname + "?" + query.toString();
  });
})();
