// 信用监管工作台: draws every chart — grade bars, breakdown, movement, reporting and related parties — from the
// data each page carries as application/json (no request of its own).
"use strict";
(function () {
  if (typeof echarts === "undefined") { return; }
  var COLORS = ["#2e7d32", "#1565c0", "#f9a825", "#ef6c00", "#b71c1c", "#6a1b9a", "#00838f", "#5d4037"];

  function data(id) {
    var holder = document.getElementById(id);
    return holder ? JSON.parse(holder.textContent) : null;
  }

  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var chart = echarts.init(element, null, { renderer: "svg" });
    option.animation = false;
    option.color = COLORS;
    chart.setOption(option);
    element.setAttribute("data-rendered", "true");
  }

  function stacked(title, table, keyName) {
    return {
      title: { text: title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 24 },
      grid: { left: 56, right: 24, top: 64, bottom: 56 },
      xAxis: { type: "category", name: keyName, nameLocation: "middle", nameGap: table.keys.length > 8 ? 44 : 28,
               data: table.keys, axisLabel: { rotate: table.keys.length > 8 ? 30 : 0 } },
      yAxis: { type: "value", name: "主体数", minInterval: 1 },
      series: table.series.map(function (s) {
        return { name: s.grade, type: "bar", stack: "grades", data: s.counts };
      })
    };
  }

  // a scheme's grades as bars (the grades page's first chart per scheme)
  (data("chart-data") || []).forEach(function (scheme, index) {
    draw("chart-" + index, {
      title: { text: scheme.name, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", formatter: function (items) {
        var grade = scheme.grades[items[0].dataIndex];
        return echarts.format.encodeHTML(grade.name + " " + grade.label) + "：" + grade.count;
      } },
      grid: { left: 48, right: 24, top: 48, bottom: 32 },
      xAxis: { type: "category", data: scheme.grades.map(function (g) { return g.name; }) },
      yAxis: { type: "value", name: "主体数", minInterval: 1 },
      series: [{ type: "bar", data: scheme.grades.map(function (g) { return g.count; }), itemStyle: { color: "#b71c1c" },
                 label: { show: true, position: "top" } }]
    });
  });

  var MOVE_COLORS = { UP: "#2e7d32", DOWN: "#b71c1c", SAME: "#90a4ae", FIRST: "#1565c0" };

  function sankey(scheme) {
    var left = {}, right = {};
    scheme.transitions.forEach(function (t) { left["上次 " + t.from] = true; right["现在 " + t.to] = true; });
    var nodes = Object.keys(left).concat(Object.keys(right)).map(function (name) { return { name: name }; });
    return {
      title: { text: scheme.name + "：较上次评价的等级变动", left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "item" },
      series: [{
        type: "sankey", top: 40, bottom: 16, left: 24, right: 80, nodeAlign: "justify", data: nodes,
        links: scheme.transitions.map(function (t) {
          return { source: "上次 " + t.from, target: "现在 " + t.to, value: t.count,
                   lineStyle: { color: MOVE_COLORS[t.move] || "#90a4ae", opacity: 0.45 } };
        })
      }]
    };
  }

  var breakdown = data("breakdown-data");
  if (breakdown) {
    breakdown.forEach(function (scheme, index) {
      draw("region-" + index, stacked(scheme.name + "：按区划", scheme.byRegion, "区划"));
      draw("industry-" + index, stacked(scheme.name + "：按行业", scheme.byIndustry, "行业"));
      if (scheme.transitions.length) { draw("transition-" + index, sankey(scheme)); }
    });
  }

  function rateLine(title, reporting, field) {
    return {
      title: { text: title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : (v * 100).toFixed(1) + "%"; } },
      legend: { top: 24, type: "scroll" },
      grid: { left: 56, right: 24, top: 64, bottom: 32 },
      xAxis: { type: "category", data: reporting.months },
      yAxis: { type: "value", min: 0, max: 1, axisLabel: { formatter: function (v) { return (v * 100) + "%"; } } },
      series: reporting.departments.map(function (d) {
        return { name: d.name, type: "line", connectNulls: false, data: d[field],
                 markLine: { silent: true, symbol: "none", data: [{ yAxis: 1, name: "100%" }] } };
      })
    };
  }

  var reporting = data("reporting-data");
  if (reporting && reporting.months.length) {
    draw("compliance-chart", rateLine("合规率（按月）", reporting, "compliance"));
    draw("timeliness-chart", rateLine("及时率（按月）", reporting, "timeliness"));
  }

  var graph = data("graph-data");
  if (graph && graph.nodes.length > 1) {
    draw("related-graph", {
      tooltip: { formatter: function (p) {
        var d = p.data;
        if (p.dataType === "edge") { return d.current ? "现任法定代表人" : "原法定代表人（12个月内）"; }
        var extra = d.category === 2 ? (d.idMasked || "") : (echarts.format.encodeHTML(d.id) + (d.grades ? "<br>" + echarts.format.encodeHTML(d.grades) : ""));
        return echarts.format.encodeHTML(d.name) + "<br>" + extra;
      } },
      legend: { data: ["本主体", "关联主体", "法定代表人"], top: 0 },
      series: [{
        type: "graph", layout: "circular", circular: { rotateLabel: false }, roam: true, top: 40, bottom: 24,
        categories: [{ name: "本主体" }, { name: "关联主体" }, { name: "法定代表人" }],
        label: { show: true, position: "right", formatter: "{b}" },
        data: graph.nodes.map(function (n) {
          return { id: n.id, name: n.name, category: n.category, symbolSize: n.category === 0 ? 36 : n.category === 2 ? 16 : 24,
                   grades: n.grades, idMasked: n.idMasked };
        }),
        links: graph.links.map(function (l) {
          return { source: l.source, target: l.target, current: l.current,
                   lineStyle: { type: l.current ? "solid" : "dashed", width: 1.5 } };
        })
      }]
    });
  }
}());
