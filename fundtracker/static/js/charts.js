// Draws each <canvas data-chart> from the JSON beside it (<script type="application/json">): the CSP allows no
// inline script, so the figures travel as data. Amounts arrive as decimal strings; they become numbers only to
// be drawn, and the exact figures are in the table under each chart.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }

  function formatter(locale, currency) {
    try {
      return new Intl.NumberFormat(locale, { style: "currency", currency: currency, maximumFractionDigits: 0 });
    } catch (e) {
      return new Intl.NumberFormat(locale);
    }
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-source"));
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    var kind = canvas.getAttribute("data-chart");
    var money = formatter(spec.locale || "en", spec.currency || "USD");
    var horizontal = kind === "barh";
    var type = horizontal ? "bar" : kind;
    var datasets = spec.series.map(function (s) {
      return { label: s.label, data: s.data.map(Number) };
    });
    var round = type === "doughnut" || type === "pie";
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: horizontal ? "y" : "x",
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            label: function (ctx) {
              var value = round ? ctx.parsed : (horizontal ? ctx.parsed.x : ctx.parsed.y);
              return (ctx.dataset.label ? ctx.dataset.label + ": " : "") + money.format(value);
            }
          }
        }
      }
    };
    if (!round) {
      var valueAxis = { ticks: { callback: function (v) { return money.format(v); } }, beginAtZero: true };
      options.scales = horizontal ? { x: valueAxis } : { y: valueAxis };
    }
    new window.Chart(canvas, { type: type, data: { labels: spec.labels.map(String), datasets: datasets },
                               options: options });
  });
})();
