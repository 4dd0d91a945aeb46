// Conflict Explorer's only script: zoom for the drawn graph, and graph links opened in the
// inspector with htmx. Without it every node is still a plain link to its own page.
(function () {
  "use strict";

  function setupGraph(root) {
    var canvas = root.querySelector ? root.querySelector("#graph-canvas") : null;
    if (!canvas || canvas.dataset.ready) return;
    canvas.dataset.ready = "1";
    var svg = canvas.querySelector("svg");
    var zoom = document.querySelector(".graph-controls .zoom");
    if (!svg || !zoom) return;
    zoom.hidden = false;
    var finder = document.querySelector(".graph-controls .finder");
    if (finder) finder.hidden = false;
    var width = parseFloat(svg.getAttribute("width")) || svg.getBoundingClientRect().width;
    var height = parseFloat(svg.getAttribute("height")) || svg.getBoundingClientRect().height;
    var scale = 1;
    function apply() {
      svg.setAttribute("width", (width * scale) + "pt");
      svg.setAttribute("height", (height * scale) + "pt");
    }
    zoom.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-zoom]");
      if (!button) return;
      var action = button.dataset.zoom;
      if (action === "in") scale = Math.min(scale * 1.25, 8);
      else if (action === "out") scale = Math.max(scale / 1.25, 0.1);
      else scale = Math.min(1, canvas.clientWidth / (width * 1.34));
      apply();
    });
  }

  // "Find a package": outline matching nodes, scroll to the first, and filter the pinned list.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-find-package]")) return;
    var wanted = input.value.trim().toLowerCase();
    var first = null;
    document.querySelectorAll("#graph-canvas svg g.package").forEach(function (node) {
      var title = node.querySelector("title");
      var name = title ? title.textContent.toLowerCase() : "";
      var hit = wanted !== "" && name.indexOf(wanted) !== -1;
      node.classList.toggle("match", hit);
      if (hit && !first) first = node;
    });
    document.querySelectorAll(".pin-list li[data-package]").forEach(function (item) {
      item.classList.toggle("hidden", wanted !== "" && item.dataset.package.indexOf(wanted) === -1);
    });
    if (first) first.scrollIntoView({ block: "center", inline: "center" });
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("#graph-canvas a") : null;
    if (!link || !window.htmx) return;
    var href = link.getAttribute("href") || link.getAttribute("xlink:href");
    if (!href) return;
    event.preventDefault();
    window.htmx.ajax("GET", href, { target: "#inspector", swap: "innerHTML" });
  });

  document.addEventListener("DOMContentLoaded", function () {
    setupGraph(document);
    // A refused form: move focus to the summary of what to fix, so it is read out first.
    var errors = document.getElementById("form-errors");
    if (errors) errors.focus();
  });
  document.addEventListener("htmx:afterSettle", function () { setupGraph(document); });
})();
