// 信用监管工作台: draws the grade-distribution charts from the data the page carries (no request of its own).
"use strict";
(function () {
  var holder = document.getElementById("chart-data");
  if (!holder || typeof echarts === "undefined") { return; }
  var schemes = JSON.parse(holder.textContent);
  schemes.forEach(function (scheme, index) {
    var element = document.getElementById("chart-" + index);
    if (!element) { return; }
    var chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
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
    element.setAttribute("data-rendered", "true");
  });
}());
