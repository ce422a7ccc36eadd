// The SLA dashboard's charts, drawn with Chart.js from the json_script data beside each
// canvas (<canvas data-chart="id"> reads <script type="application/json" id="id">).
// Loaded as a file: the CSP forbids inline scripts.
(function () {
  "use strict";
  // Django's JavaScript catalog (/jsi18n/) when loaded; English without it.
  function gettext(text) {
    return typeof window.gettext === "function" ? window.gettext(text) : text;
  }
  const PALETTE = ["--bs-primary", "--bs-success", "--bs-danger", "--bs-warning", "--bs-info", "--bs-secondary"];

  function colours() {
    const styles = getComputedStyle(document.documentElement);
    return PALETTE.map(function (name) { return styles.getPropertyValue(name).trim() || "#0d6efd"; });
  }

  function draw(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof window.Chart === "undefined" || canvas.dataset.drawn) return;
    const spec = JSON.parse(source.textContent);
    const palette = colours();
    const dense = spec.labels.length > 45;
    const percent = function (value) { return spec.percent ? value + "%" : value; };
    canvas.dataset.drawn = "1";
    // Each value is written on its bar (and on a short line's points), so nobody has to
    // hover to read it: chartjs-plugin-datalabels, from npm.
    const labelled = spec.type === "bar" || spec.labels.length <= 14;
    const plugins = window.ChartDataLabels && labelled ? [window.ChartDataLabels] : [];
    new window.Chart(canvas, {
      plugins: plugins,
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (dataset, index) {
          const colour = palette[index % palette.length];
          return Object.assign({}, dataset, {
            backgroundColor: colour,
            borderColor: colour,
            borderWidth: spec.type === "line" ? 2 : 0,
            pointRadius: dense ? 0 : 2,
            tension: 0.2,
            spanGaps: false,
          });
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          datalabels: {
            anchor: "end",
            align: spec.type === "bar" ? "end" : "top",
            clamp: true,
            font: { size: 11, weight: "bold" },
            color: getComputedStyle(document.body).color,
            display: function (context) {
              return context.dataset.data[context.dataIndex] !== null;
            },
            formatter: function (value) { return percent(value); },
          },
          legend: { display: spec.datasets.length > 1, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                const value =
                  item.raw === null ? gettext("no figures") : percent(item.formattedValue);
                return item.dataset.label + ": " + value;
              },
            },
          },
        },
        scales: {
          x: { ticks: { autoSkip: true, maxRotation: 0 } },
          // Room above the tallest bar for its label.
          y: { beginAtZero: true, max: spec.percent ? 110 : undefined, grace: "10%", ticks: { callback: function (value) { return spec.percent && value > 100 ? "" : percent(value); }, precision: 0 } },
        },
      },
    });
  }

  function drawAll(root) {
    root.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawAll(event.detail.target); });

  // The period filter: the dates matter only for a custom period.
  function showDates(select) {
    const form = select.closest("form");
    if (!form) return;
    form.querySelectorAll(".period-dates").forEach(function (wrapper) {
      wrapper.hidden = select.value !== "custom";
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-period-select]").forEach(showDates);
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-period-select]")) showDates(event.target);
  });

  // The service report's Print button.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
