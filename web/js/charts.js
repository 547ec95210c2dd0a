// Line charts of time series (Chart.js from /vendor/chart.js, loaded as a classic script that defines
// window.Chart). X values are milliseconds since 1970 on a linear scale with our own time ticks, so no
// date adapter is needed. Each chart draws a window: one that ends now and moves with it, or a fixed one
// (zoomed). Lines break where a machine did not report, and a point with no neighbour is drawn as a dot, so
// a single sample is visible. Hovering shows every series' value at that time (Chart.js's tooltip plugin).
import { enableDragZoom } from "./chart-zoom.js";
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

/** A line never bridges a silence this short or shorter… */
const MIN_GAP_MS = 15e3;
/** …and the tooltip lists at most this many series (the highest values), e.g. of a 64-core machine. */
const TOOLTIP_SERIES = 12;
/** How far from the pointer (CSS pixels) a point may be and still be in the tooltip. */
const HOVER_PX = 40;
const ISOLATED_RADIUS = 3;

/** The index of the element nearest to pixel x among elements sorted by x; -1 when empty. */
function nearestIndex(elements, x) {
  let low = 0;
  let high = elements.length - 1;
  if (high < 0) return -1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (elements[middle].x < x) low = middle + 1;
    else high = middle;
  }
  return low > 0 && x - elements[low - 1].x < elements[low].x - x ? low - 1 : low;
}

/**
 * Tooltip interaction "time": in every visible series, the point nearest the pointer's time, if it is near
 * (Chart.js's "index" mode assumes shared x values, which series sampled at their own times do not have).
 */
function timeInteraction(chart, event) {
  const position = "native" in event ? event : window.Chart.helpers.getRelativePosition(event, chart);
  const area = chart.chartArea;
  if (!area || position.x < area.left || position.x > area.right) return [];
  const items = [];
  // Elements and parsed values, not chart.data: they are what the tooltip reads, and stay consistent with
  // each other until the next update even when the data changed meanwhile.
  for (const meta of chart.getSortedVisibleDatasetMetas()) {
    const index = nearestIndex(meta.data, position.x);
    const element = index < 0 ? null : meta.data[index];
    const parsed = element ? meta.controller.getParsed(index) : null;
    if (!parsed || element.skip || Math.abs(element.x - position.x) > HOVER_PX) continue;
    items.push({ element, datasetIndex: meta.index, index, value: parsed.y });
  }
  if (items.length <= TOOLTIP_SERIES) return items;
  const kept = new Set(items.slice().sort((a, b) => b.value - a.value).slice(0, TOOLTIP_SERIES));
  return items.filter((item) => kept.has(item));
}

function registerInteraction() {
  const modes = window.Chart.Interaction.modes;
  if (!modes.time) modes.time = timeInteraction;
}

/**
 * The longest silence a series' line bridges: three buckets or three typical sample intervals (the median
 * of the last spacings), at least MIN_GAP_MS.
 */
function gapFor(data, stepMs) {
  const spacings = [];
  for (let i = Math.max(1, data.length - 32); i < data.length; i += 1) spacings.push(data[i].x - data[i - 1].x);
  spacings.sort((a, b) => a - b);
  const typical = spacings.length ? spacings[spacings.length >> 1] : 0;
  return Math.max(MIN_GAP_MS, 3 * stepMs, 3 * typical);
}

/** Scriptable point radius: a dot where a point has no neighbour its line reaches, nothing elsewhere. */
function isolatedRadius(context) {
  const { dataset, dataIndex } = context;
  const data = dataset.data;
  const point = data[dataIndex];
  if (!point) return 0;
  const previous = data[dataIndex - 1];
  const next = data[dataIndex + 1];
  const gap = dataset.spanGaps;
  const alone = (!previous || point.x - previous.x > gap) && (!next || next.x - point.x > gap);
  return alone ? ISOLATED_RADIUS : 0;
}

const VALUE_FORMATS = { percent: fmt.percent, rate: fmt.rate, number: fmt.number };

export class SeriesChart {
  /**
   * canvas: the <canvas>; unit: percent | rate | number; max: the y axis' fixed top, if any; onZoom(from, to):
   * called with the window the user dragged across (milliseconds), which enables drag-to-zoom.
   * The canvas carries data-points (points drawn, all datasets) and data-series for tests and curious people.
   */
  constructor(canvas, { unit = "number", max, onZoom } = {}) {
    registerInteraction();
    this.canvas = canvas;
    this.window = { from: Date.now() - 3600e3, to: Date.now(), live: true };
    this.format = VALUE_FORMATS[unit] || fmt.number;
    /** series key → dataset */
    this.datasets = new Map();
    /** Where the history came from: raw | minute | hour ("" before any answer). */
    this.resolution = "";
    this.stepMs = 0;
    const grid = cssColor("--grid", "rgba(128,128,128,0.2)");
    const muted = cssColor("--muted", "#666");
    this.chart = new window.Chart(canvas, {
      type: "line",
      data: { datasets: [] },
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "time", intersect: false },
        elements: {
          point: { radius: isolatedRadius, hitRadius: 6, hoverRadius: 3 },
          line: { borderWidth: 1.5, tension: 0 },
        },
        scales: {
          x: {
            type: "linear",
            min: this.window.from,
            max: this.window.to,
            grid: { color: grid },
            ticks: {
              color: muted,
              maxRotation: 0,
              autoSkip: false,
              callback: (value) => this.tickLabel(value),
            },
            afterBuildTicks: (scale) => {
              const labelWidth = this.span() > 86400e3 ? 110 : 70;
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
              label: (item) => `${item.dataset ? item.dataset.label : ""}: ${this.format(item.parsed.y)}`,
            },
          },
        },
      },
    });
    if (onZoom) {
      const accent = cssColor("--accent", "#2563eb");
      enableDragZoom(this.chart, onZoom, { fill: `${accent}26`, stroke: accent });
    }
    this.publish();
  }

  span() {
    return this.window.to - this.window.from;
  }

  tickLabel(value) {
    if (this.span() <= 86400e3) return fmt.clock(value);
    const d = new Date(value);
    return d.getHours() === 0 && d.getMinutes() === 0 ? fmt.day(value) : `${fmt.day(value)} ${fmt.clock(value)}`;
  }

  /** The dataset of a series, created on first use with the next palette color. */
  dataset(key, label) {
    let dataset = this.datasets.get(key);
    if (!dataset) {
      const index = this.datasets.size;
      const color = cssColor(`--series-${(index % 8) + 1}`, "#3b82f6");
      dataset = {
        label, data: [], borderColor: color, backgroundColor: color, stepMs: 0, spanGaps: MIN_GAP_MS, fill: false,
      };
      this.datasets.set(key, dataset);
      this.chart.data.datasets.push(dataset);
      this.chart.options.plugins.legend.display = this.datasets.size > 1 && this.datasets.size <= 16;
    }
    return dataset;
  }

  /**
   * Replaces a series' points with history: points [{t, avg, count}], stepMs the bucket width (0: raw points),
   * resolution where the API read them from (raw | minute | hour).
   */
  setHistory(key, label, points, stepMs, resolution = "") {
    const dataset = this.dataset(key, label);
    const data = points
      .filter((p) => typeof p.avg === "number")
      .map((p) => ({ x: p.t, y: p.avg, n: p.count || 1 }))
      .sort((a, b) => a.x - b.x);
    const datasetIndex = this.chart.data.datasets.indexOf(dataset);
    this.forgetHover((d, i) => d === datasetIndex && i >= data.length);
    dataset.data = data;
    dataset.stepMs = stepMs || 0;
    dataset.spanGaps = gapFor(dataset.data, dataset.stepMs);
    this.stepMs = dataset.stepMs;
    if (resolution) this.resolution = resolution;
  }

  /**
   * Appends a live value. Within the history's bucket width it is averaged into the last bucket, so a
   * 30-day chart of hourly buckets does not grow by one point a second. A fixed window past its end takes none.
   */
  append(key, label, t, value) {
    if (typeof value !== "number" || !Number.isFinite(value)) return;
    if (!this.window.live && t > this.window.to) return;
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
    if (data.length < 34) dataset.spanGaps = gapFor(data, dataset.stepMs);
  }

  /** The window to draw: {from, to, live}; a live one keeps its width and moves with refresh(now). */
  setWindow(shown) {
    this.window = { ...shown };
  }

  /** Removes every series (before a history reload), so the reload adds them back in order with fresh colors. */
  clear() {
    this.forgetHover(() => true);
    this.datasets.clear();
    this.chart.data.datasets.length = 0;
    this.chart.options.plugins.legend.display = false;
    this.resolution = "";
    this.stepMs = 0;
  }

  /** Moves a live window to end now, drops points older than the window, redraws. */
  refresh(nowMs = Date.now()) {
    if (this.window.live) this.window = { from: nowMs - this.span(), to: nowMs, live: true };
    const { from } = this.window;
    const datasets = this.chart.data.datasets;
    const drops = datasets.map(({ data }) => {
      let drop = 0;
      // Keep one point before the window so the line enters from the left edge.
      while (drop + 1 < data.length && data[drop + 1].x < from) drop += 1;
      return drop;
    });
    this.forgetHover((d, i) => !datasets[d] || i >= datasets[d].data.length - drops[d]);
    datasets.forEach(({ data }, d) => drops[d] && data.splice(0, drops[d]));
    this.chart.options.scales.x.min = from;
    this.chart.options.scales.x.max = this.window.to;
    this.chart.update("none");
    this.publish();
  }

  /**
   * Chart.js replays the last pointer event on every update with the hovered points it remembers, and throws
   * on one that no longer exists. Before points go (a reload, points leaving the window), it forgets those for
   * which gone(datasetIndex, index) holds; the next pointer move finds what is there.
   */
  forgetHover(gone) {
    const stale = (items) => items.some((item) => gone(item.datasetIndex, item.index));
    if (stale(this.chart.getActiveElements())) this.chart.setActiveElements([]);
    const tooltip = this.chart.tooltip;
    if (tooltip && stale(tooltip.getActiveElements())) tooltip.setActiveElements([], { x: 0, y: 0 });
  }

  /** What the chart has of its window, for history-coverage.js. */
  coverage() {
    const { from, to, live } = this.window;
    let first = null;
    let last = null;
    let points = 0;
    let maxPoints = 0;
    let gapMs = MIN_GAP_MS;
    let gaps = 0;
    for (const dataset of this.datasets.values()) {
      const inside = dataset.data.filter((p) => p.x >= from - dataset.stepMs && p.x <= to);
      if (!inside.length) continue;
      points += inside.length;
      maxPoints = Math.max(maxPoints, inside.length);
      first = first === null ? inside[0].x : Math.min(first, inside[0].x);
      last = last === null ? inside[inside.length - 1].x : Math.max(last, inside[inside.length - 1].x);
      gapMs = Math.max(gapMs, dataset.spanGaps);
      for (let i = 1; i < inside.length; i += 1) if (inside[i].x - inside[i - 1].x > dataset.spanGaps) gaps += 1;
    }
    const { stepMs, resolution } = this;
    return { from, to, live, first, last, points, maxPoints, stepMs, gapMs, gaps, resolution };
  }

  publish() {
    let points = 0;
    for (const dataset of this.datasets.values()) points += dataset.data.length;
    this.canvas.dataset.points = String(points);
    this.canvas.dataset.series = String(this.datasets.size);
  }
}
