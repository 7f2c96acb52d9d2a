/* pisentinel console: charts (Apache ECharts, vendored), the ring graph, small behaviours.
   No inline scripts anywhere (the CSP forbids them): data arrives in <script type="application/json">. */
(function () {
  "use strict";
  var SEV = { general: "#8a97ab", serious: "#e08a1e", especially_serious: "#c8312b" };
  var ST = { new: "#1d5fd1", reviewing: "#6b3fc6", confirmed: "#177245", dismissed: "#9aa5b5", filed: "#1f2a3c" };
  var FONT = getComputedStyle(document.body).fontFamily;
  var charts = [];

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return null;
    var c = echarts.init(el, null, { renderer: "svg" });
    option.textStyle = { fontFamily: FONT };
    option.animation = false;
    c.setOption(option);
    charts.push(c);
    return c;
  }
  var grid = { left: 8, right: 16, top: 16, bottom: 8, containLabel: true };
  var axisLabel = { color: "#4a5568", fontSize: 12 };

  function dashboard() {
    var d = data("dash-data");
    if (!d) return;
    chart("chart-models", {
      grid: grid, tooltip: { trigger: "axis" },
      xAxis: { type: "value", minInterval: 1, axisLabel: axisLabel, splitLine: { lineStyle: { color: "#eef1f5" } } },
      yAxis: { type: "category", inverse: true, data: d.models.map(function (m) { return m.name; }), axisLabel: axisLabel },
      series: [{ type: "bar", barMaxWidth: 18, itemStyle: { color: "#1d5fd1", borderRadius: [0, 3, 3, 0] },
                 data: d.models.map(function (m) { return m.value; }), label: { show: true, position: "right", color: "#4a5568" } }]
    });
    chart("chart-severity", {
      tooltip: { trigger: "item" }, legend: { bottom: 0, icon: "circle", textStyle: axisLabel },
      series: [{ type: "pie", radius: ["48%", "72%"], center: ["50%", "45%"], label: { formatter: "{c}", color: "#1c2533" },
                 data: d.severity.filter(function (s) { return s.value > 0; }).map(function (s) { return { name: s.name, value: s.value, itemStyle: { color: SEV[s.key] } }; }) }]
    });
    chart("chart-status", {
      grid: grid, tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: d.status.map(function (s) { return s.name; }), axisLabel: axisLabel },
      yAxis: { type: "value", minInterval: 1, axisLabel: axisLabel, splitLine: { lineStyle: { color: "#eef1f5" } } },
      series: [{ type: "bar", barMaxWidth: 36, label: { show: true, position: "top", color: "#4a5568" },
                 data: d.status.map(function (s) { return { value: s.value, itemStyle: { color: ST[s.key], borderRadius: [3, 3, 0, 0] } }; }) }]
    });
    chart("chart-trend", {
      grid: { left: 8, right: 16, top: 16, bottom: 36, containLabel: true }, tooltip: { trigger: "axis" },
      legend: { bottom: 0, icon: "roundRect", textStyle: axisLabel },
      xAxis: { type: "category", data: d.trend.days, axisLabel: axisLabel },
      yAxis: { type: "value", minInterval: 1, axisLabel: axisLabel, splitLine: { lineStyle: { color: "#eef1f5" } } },
      series: d.trend.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "all", barMaxWidth: 14, data: s.data,
                 itemStyle: { color: SEV[s.key] } };
      })
    });
  }

  function graph() {
    var g = data("graph-data");
    if (!g) return;
    var c = chart("chart-graph", {
      tooltip: { formatter: function (p) { return p.dataType === "node" ? p.data.name : ""; } },
      series: [{
        type: "graph", layout: "force", roam: true, draggable: true,
        force: { repulsion: 260, edgeLength: [60, 140], gravity: 0.08 },
        categories: [{ name: "lead" }, { name: "token" }],
        label: { position: "right", fontSize: 11, color: "#1c2533", width: 160, overflow: "truncate" },
        lineStyle: { color: "#b8c3d4", width: 1.2 },
        data: g.nodes.map(function (n) {
          var lead = n.kind === "lead";
          return { id: n.id, name: n.label, leadId: n.lead_id, symbol: lead ? "circle" : "diamond",
                   label: { show: lead }, category: lead ? 0 : 1,
                   symbolSize: lead ? (n.focus ? 30 : 20) : 12,
                   itemStyle: { color: lead ? (SEV[n.severity] || "#1d5fd1") : "#6f819e",
                                borderColor: n.focus ? "#1c2533" : "#fff", borderWidth: n.focus ? 2 : 1 } };
        }),
        links: g.edges.map(function (e) { return { source: e.source, target: e.target }; })
      }]
    });
    if (c) c.on("click", function (p) {
      if (p.dataType === "node" && p.data.leadId && !String(p.data.id).endsWith(":" + location.pathname.split("/").pop())) {
        location.href = "/leads/" + p.data.leadId;
      }
    });
  }

  function behaviours(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
      s.addEventListener("change", function () { s.form.requestSubmit(); });
    });
    root.querySelectorAll("a[data-back]").forEach(function (a) {
      if (history.length > 1) a.addEventListener("click", function (e) { e.preventDefault(); history.back(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    dashboard(); graph(); behaviours(document);
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
