/* Cockpit charts: each .chart[data-chart] frame's canvas is drawn with the Chart.js configuration in the
   <script type="application/json"> with that id (cockpit/charts.py). Tables on the page carry the same
   figures, so the page is usable before this runs, and without it. */
(function () {
  "use strict";
  function init() {
    if (!window.Chart) { return; }
    var frames = document.querySelectorAll(".chart[data-chart]");
    for (var i = 0; i < frames.length; i++) {
      var data = document.getElementById(frames[i].getAttribute("data-chart"));
      var canvas = frames[i].querySelector("canvas");
      if (data && canvas) { new window.Chart(canvas, JSON.parse(data.textContent)); }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
