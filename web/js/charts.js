// Line charts of time series (Chart.js from /vendor/chart.js, loaded as a classic script that defines
// window.Chart). X values are milliseconds since 1970 on a linear scale with our own time ticks, so no
// date adapter is needed. Each chart keeps only points inside its range window ending now.
import * as fmt from "./format.js";

const TICK_STEPS_MS = [
  10e3, 30e3, 60e3, 2 * 60e3, 5 * 60e3, 10 * 60e3, 15 * 60e3, 30 * 60e3,
  3600e3, 2 * 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3, 2 * 86400e3, 7 * 86400e3,
];

/** Ticks on round local times (every 5 min, every hour, every day…), about `count` of them. */
function timeTicks(min, max, count) {
  const span = max - min;
  const step = TICK_STEPS_MS.find((s) => span / s <= count) || TICK_STEPS_MS[TICK_STEPS_MS.length - 1];
  // Round in local time: offset by the time zone so hours and days fall on local boundaries.
  const offset = new Date(min).getTimezoneOffset() * 60e3;
  let t = Math.ceil((min - offset) / step) * step + offset;
  const ticks = [];
  for (; t <= max; t += step) ticks.push({ value: t });
  return ticks;
}

function cssColor(name, fallback) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

export function chartsAvailable() {
  return typeof window.Chart === "function";
}

const VALUE_FORMATS = { percent: fmt.percent, rate: fmt.rate, number: fmt.number };

export class SeriesChart {
  /**
   * canvas: the <canvas>; unit: percent | rate | number; rangeMs: the window width.
   * The canvas carries data-points (points drawn, all datasets) for tests and curious people.
   */
  constructor(canvas, { unit = "number", rangeMs = 3600e3, max } = {}) {
    this.canvas = canvas;
    this.rangeMs = rangeMs;
    this.format = VALUE_FORMATS[unit] || fmt.number;
    /** series key → dataset */
    this.datasets = new Map();
    const grid = cssColor("--grid", "rgba(128,128,128,0.2)");
    const muted = cssColor("--muted", "#666");
    const now = Date.now();
    this.chart = new window.Chart(canvas, {
      type: "line",
      data: { datasets: [] },
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        elements: { point: { radius: 0, hitRadius: 6, hoverRadius: 3 }, line: { borderWidth: 1.5, tension: 0 } },
        scales: {
          x: {
            type: "linear",
            min: now - rangeMs,
            max: now,
            grid: { color: grid },
            ticks: {
              color: muted,
              maxRotation: 0,
              autoSkip: false,
              callback: (value) => this.tickLabel(value),
            },
            afterBuildTicks: (scale) => {
              const labelWidth = this.rangeMs > 86400e3 ? 110 : 70;
              scale.ticks = timeTicks(scale.min, scale.max, Math.max(2, Math.min(8, Math.floor(canvas.clientWidth / labelWidth))));
            },
          },
          y: {
            min: 0,
            max,
            suggestedMax: unit === "percent" ? 100 : undefined,
            grid: { color: grid },
            ticks: { color: muted, maxTicksLimit: 5, callback: (value) => this.format(value) },
          },
        },
        plugins: {
          legend: { display: false, labels: { color: muted, boxWidth: 12, boxHeight: 2 } },
          tooltip: {
            callbacks: {
              title: (items) => (items.length ? fmt.dateTime(items[0].parsed.x) : ""),
              label: (item) => `${item.dataset.label}: ${this.format(item.parsed.y)}`,
            },
          },
        },
      },
    });
    this.publish();
  }

  tickLabel(value) {
    if (this.rangeMs <= 86400e3) return fmt.clock(value);
    const d = new Date(value);
    return d.getHours() === 0 && d.getMinutes() === 0 ? fmt.day(value) : `${fmt.day(value)} ${fmt.clock(value)}`;
  }

  /** The dataset of a series, created on first use with the next palette color. */
  dataset(key, label) {
    let dataset = this.datasets.get(key);
    if (!dataset) {
      const index = this.datasets.size;
      const color = cssColor(`--series-${(index % 8) + 1}`, "#3b82f6");
      dataset = { label, data: [], borderColor: color, backgroundColor: color, stepMs: 0, fill: false };
      this.datasets.set(key, dataset);
      this.chart.data.datasets.push(dataset);
      this.chart.options.plugins.legend.display = this.datasets.size > 1;
    }
    return dataset;
  }

  /** Replaces a series' points with history: points [{t, avg}], stepMs the bucket width (0: raw points). */
  setHistory(key, label, points, stepMs) {
    const dataset = this.dataset(key, label);
    dataset.data = points
      .filter((p) => typeof p.avg === "number")
      .map((p) => ({ x: p.t, y: p.avg, n: p.count || 1 }))
      .sort((a, b) => a.x - b.x);
    dataset.stepMs = stepMs || 0;
  }

  /**
   * Appends a live value. Within the history's bucket width it is averaged into the last bucket, so a
   * 30-day chart of hourly buckets does not grow by one point a second.
   */
  append(key, label, t, value) {
    if (typeof value !== "number" || !Number.isFinite(value)) return;
    const dataset = this.dataset(key, label);
    const data = dataset.data;
    const last = data[data.length - 1];
    if (last && t <= last.x) return; // already have it (history overlaps the first live values)
    if (last && dataset.stepMs && t < last.x + dataset.stepMs) {
      last.y = (last.y * last.n + value) / (last.n + 1);
      last.n += 1;
      return;
    }
    data.push({ x: dataset.stepMs ? t - (t % dataset.stepMs) : t, y: value, n: 1 });
  }

  setRange(rangeMs) {
    this.rangeMs = rangeMs;
  }

  /** Removes every series (before a history reload of another range). */
  clear() {
    for (const dataset of this.datasets.values()) dataset.data = [];
  }

  /** Moves the window to end now, drops points older than the window, redraws. */
  refresh(nowMs = Date.now()) {
    const from = nowMs - this.rangeMs;
    for (const dataset of this.datasets.values()) {
      const data = dataset.data;
      let drop = 0;
      // Keep one point before the window so the line enters from the left edge.
      while (drop + 1 < data.length && data[drop + 1].x < from) drop += 1;
      if (drop) data.splice(0, drop);
    }
    this.chart.options.scales.x.min = from;
    this.chart.options.scales.x.max = nowMs;
    this.chart.update("none");
    this.publish();
  }

  publish() {
    let points = 0;
    for (const dataset of this.datasets.values()) points += dataset.data.length;
    this.canvas.dataset.points = String(points);
    this.canvas.dataset.series = String(this.datasets.size);
  }
}
