/* The report's charts: each <canvas data-chart="KEY"> is drawn with Chart.js from the
   JSON beside it (<script type="application/json" id="KEY-data">), the same figures as
   the table next to it. The tables carry the figures for readers without scripts, for
   screen readers and for print; the charts are decoration (aria-hidden). */
(function () {
  "use strict";
  if (typeof Chart === "undefined") {
    return;
  }
  var palette = ["#b3261e", "#1f6f8b", "#e0a100", "#3b8b4f", "#6c4fa3", "#d4622b",
                 "#4a5a6a", "#c2185b", "#00897b", "#7c8c00"];
  var charts = [];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false; // print and screenshots show the finished chart

  // A long label (an industry's full name) is shortened on the axis and in the legend;
  // the table beside the chart, and the tooltip, keep it whole.
  function short(label) {
    var wide = /[\u3400-\u9fff]/.test(label);
    var max = wide ? 10 : 18;
    return label.length > max ? label.slice(0, max - 1) + "…" : label;
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart + "-data");
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    if (!data.labels.length) {
      return;
    }
    var round = data.type === "pie";
    var datasets = data.series.map(function (series, i) {
      return {
        label: series.name,
        data: series.data,
        backgroundColor: round ? palette : palette[i % palette.length],
        borderColor: round ? "#fff" : palette[i % palette.length],
        borderWidth: round ? 1 : 2,
        tension: 0,
        // A trend of hours beside counts: the hours on their own axis, on the right.
        yAxisID: data.type === "line" && i === 0 && data.series.length > 1 ? "y1" : "y"
      };
    });
    var horizontal = data.type === "bar" && data.labels.length > 6;
    var counts = {beginAtZero: true, ticks: {precision: 0}};
    var scales = {};
    if (horizontal) {
      // Every label readable: the box grows with the rows (CSSOM, allowed by the CSP).
      canvas.parentNode.style.height = Math.max(260, 26 * data.labels.length + 40) + "px";
      scales = {x: counts, y: {ticks: {autoSkip: false}}};
    } else if (!round) {
      scales = {y: counts};
    }
    if (data.type === "line" && data.series.length > 1) {
      scales.y1 = {beginAtZero: true, position: "right",
                   title: {display: true, text: data.series[0].name},
                   grid: {drawOnChartArea: false}};
    }
    charts.push(new Chart(canvas, {
      type: round ? "doughnut" : data.type,
      data: {labels: data.labels.map(short), datasets: datasets},
      options: {
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        scales: scales,
        plugins: {
          legend: {display: round || datasets.length > 1, position: "bottom",
                   labels: {boxWidth: 12}},
          tooltip: {callbacks: {title: function (items) {
            return items.length ? data.labels[items[0].dataIndex] : "";
          }}}
        }
      }
    }));
  });

  // On paper the columns are narrower than on the screen: draw the charts again at the
  // printed size, and back after (Chart.js's own recipe for printing).
  function resizeAll() {
    charts.forEach(function (chart) { chart.resize(); });
  }
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);
})();
