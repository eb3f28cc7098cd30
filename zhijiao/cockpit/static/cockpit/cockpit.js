/* Cockpit charts: each .chart[data-chart] frame gets the ECharts option in the <script type="application/json">
   with that id. Tables on the page carry the same figures, so the page is usable before this runs. */
(function () {
  "use strict";
  var charts = [];
  function init() {
    if (!window.echarts) { return; }
    var frames = document.querySelectorAll(".chart[data-chart]");
    for (var i = 0; i < frames.length; i++) {
      var el = frames[i];
      var data = document.getElementById(el.getAttribute("data-chart"));
      if (!data) { continue; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(JSON.parse(data.textContent));
      charts.push(chart);
    }
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) { window.clearTimeout(pending); }
      pending = window.setTimeout(function () {
        for (var j = 0; j < charts.length; j++) { charts[j].resize(); }
      }, 100);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
