// Conflict Explorer's only script: fit, zoom and pan for the drawn graph, and graph links opened in the
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
    var PX = 4 / 3; // Graphviz sizes are in points
    function apply() {
      svg.setAttribute("width", (width * scale) + "pt");
      svg.setAttribute("height", (height * scale) + "pt");
      // The canvas is as tall as the drawing (no white below it), up to 75% of the window.
      canvas.style.height = Math.min(height * scale * PX + 2, window.innerHeight * 0.75) + "px";
    }
    function fit() {
      // Both dimensions, but never below a readable size: a big graph is then panned instead.
      var across = canvas.clientWidth / (width * PX);
      var down = (window.innerHeight * 0.75) / (height * PX);
      return Math.max(0.6, Math.min(1, across, down));
    }
    function centreOnClash() {
      var clash = svg.querySelector("g.node.conflict") || svg.querySelector("g.node.culprit");
      if (!clash) return;
      var box = clash.getBoundingClientRect();
      var frame = canvas.getBoundingClientRect();
      canvas.scrollLeft += box.left + box.width / 2 - (frame.left + frame.width / 2);
      canvas.scrollTop += box.top + box.height / 2 - (frame.top + frame.height / 2);
    }
    scale = fit();
    apply();
    centreOnClash();
    zoom.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-zoom]");
      if (!button) return;
      var action = button.dataset.zoom;
      if (action === "in") scale = Math.min(scale * 1.25, 8);
      else if (action === "out") scale = Math.max(scale / 1.25, 0.1);
      else scale = fit();
      apply();
      if (action === "reset") centreOnClash();
    });
    // Drag to pan; a click without a move still opens the package under the pointer.
    var drag = null;
    canvas.addEventListener("pointerdown", function (event) {
      if (event.button !== 0 || event.pointerType === "touch") return;
      drag = { x: event.clientX, y: event.clientY, left: canvas.scrollLeft, top: canvas.scrollTop, moved: false };
    });
    window.addEventListener("pointermove", function (event) {
      if (!drag) return;
      var dx = event.clientX - drag.x, dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) { drag.moved = true; canvas.classList.add("panning"); }
      canvas.scrollLeft = drag.left - dx;
      canvas.scrollTop = drag.top - dy;
    });
    window.addEventListener("pointerup", function () {
      if (drag && drag.moved) canvas.dataset.panned = "1";
      drag = null;
      canvas.classList.remove("panning");
    });
    canvas.addEventListener("click", function (event) {
      if (canvas.dataset.panned) { event.preventDefault(); event.stopPropagation(); delete canvas.dataset.panned; }
    }, true);
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
