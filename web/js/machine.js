// One machine (machine.html?id=…): identity, live charts over a chosen range, top processes and every
// latest value, and its alerts (machine-alerts.js). History comes from the REST API, live points from the
// WebSocket machine subscription. The range is in the URL (time-range.js): a preset following now, or a fixed
// window chosen by dragging across a chart (chart-zoom.js) or typed (range-controls.js); Back undoes a zoom.
import * as api from "./api.js";
import { SeriesChart, chartsAvailable } from "./charts.js";
import { showConnection } from "./connection.js";
import { renderContainers } from "./containers.js";
import { chips, h, replace, setText } from "./dom.js";
import * as fmt from "./format.js";
import { explainCoverage } from "./history-coverage.js";
import { LiveConnection } from "./live.js";
import { startMachineAlerts } from "./machine-alerts.js";
import { CHARTS } from "./machine-charts.js";
import { startNav } from "./nav.js";
import { RangeControls } from "./range-controls.js";
import { startRetire } from "./retire-machine.js";
import { FleetClock } from "./status.js";
import { isFixed, readRange, snapWindow, windowAt, writeRange } from "./time-range.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const machineId = params.get("id");

/** {preset, from, to}: from/to null while the preset follows now. */
let range = readRange(params);

const clock = new FleetClock();
let machine = null;
/** series key → latest sample {metric, labels, value, t} */
const latest = new Map();
/** chart id → SeriesChart */
const charts = new Map();
/** Live samples of the last two minutes, re-applied after a history reload replaced the datasets. */
let recent = [];
let historyGeneration = 0;
/** While a history reload is on its way, the charts' notes wait (they would say "no samples"). */
let historyLoading = true;

const seriesKey = (s) => `${s.metric}|${fmt.labelText(s.labels)}`;

function showError(text) {
  $("error").hidden = !text;
  $("error").textContent = text || "";
}

// --- identity ---------------------------------------------------------------------------------------

function renderIdentity() {
  if (!machine) return;
  const name = machine.hostname || machine.machine_id;
  setText($("hostname"), name);
  document.title = `${name} · Fleetwatch`;
  setText($("machine-id"), machine.machine_id);
  setText($("os"), machine.os || "—");
  setText($("kernel"), machine.kernel || "—");
  setText($("cores"), machine.cores ?? "—");
  setText($("agent"), machine.agent_version || "—");
  // New series past the machine's series limit were refused (FLEETWATCH_MAX_SERIES): never silently.
  const refused = machine.refused_series || 0;
  $("refused-row").hidden = refused === 0;
  setText($("refused"), refused ? `${refused} new series of the last batch refused (over the per-machine limit)` : "");
  const labels = machine.labels || {};
  const labelsKey = fmt.labelText(labels);
  if ($("labels").dataset.key !== labelsKey) {
    replace($("labels"), chips(labels));
    $("labels").dataset.key = labelsKey;
  }
  renderStatus();
}

function renderStatus() {
  if (!machine) return;
  const status = clock.status(machine);
  setText($("status"), status);
  $("status").dataset.status = status;
  document.body.dataset.status = status;
  const age = clock.age(machine);
  setText($("last-seen"), age === null ? "never seen" : `last seen ${fmt.ago(age)}`);
  $("last-seen").title = typeof machine.last_seen_ms === "number" ? fmt.dateTime(machine.last_seen_ms) : "";
}

// --- charts -----------------------------------------------------------------------------------------

function note(chartId, text) {
  const element = document.querySelector(`[data-note="${chartId}"]`);
  element.hidden = !text;
  setText(element, text || "");
}

function createCharts() {
  if (!chartsAvailable()) {
    for (const spec of CHARTS) note(spec.id, "Charts unavailable: /vendor/chart.js/chart.min.js did not load.");
    return;
  }
  for (const spec of CHARTS) {
    charts.set(spec.id, new SeriesChart($(`chart-${spec.id}`), { unit: spec.unit, max: spec.max, onZoom: zoomTo }));
  }
}

/** The series a chart shows: those in `latest` that match it, by rank, then by name (core 2 before core 10). */
function seriesOf(spec) {
  const rank = spec.rank || (() => 0);
  return [...latest.values()]
    .filter(spec.match)
    .sort((a, b) => rank(a) - rank(b) || seriesKey(a).localeCompare(seriesKey(b), "en", { numeric: true }));
}

/** What a history request asks for: the preset (ending at the gateway's now) or the fixed window. */
function historyWindow() {
  return isFixed(range) ? { from: range.from, to: range.to } : { range: range.preset };
}

async function loadHistory() {
  const generation = ++historyGeneration;
  const shown = windowAt(range, clock.now());
  historyLoading = true;
  const jobs = [];
  for (const spec of CHARTS) {
    const chart = charts.get(spec.id);
    if (!chart) continue;
    chart.setWindow(shown);
    chart.clear();
    const series = seriesOf(spec);
    for (const s of series) {
      // Created in order now, so colors do not depend on which answer comes first.
      chart.dataset(seriesKey(s), spec.label(s));
      jobs.push(
        api.history(machineId, s.metric, s.labels, historyWindow()).then((answer) => {
          if (generation !== historyGeneration) return;
          const stepMs = (answer.step_s || 0) * 1000;
          chart.setHistory(seriesKey(s), spec.label(s), answer.points || [], stepMs, answer.resolution);
        }),
      );
    }
  }
  refreshCharts();
  const results = await Promise.allSettled(jobs);
  if (generation !== historyGeneration) return;
  historyLoading = false;
  const failed = results.find((r) => r.status === "rejected");
  if (failed) showError(`Could not load history: ${failed.reason.message}`);
  // Live values that arrived while the history was on its way.
  for (const sample of recent) appendToCharts(sample);
  refreshCharts();
}

function appendToCharts(sample) {
  for (const spec of CHARTS) {
    const chart = charts.get(spec.id);
    if (chart && spec.match(sample)) chart.append(seriesKey(sample), spec.label(sample), sample.t, sample.value);
  }
}

/** Under each chart: nothing when it shows its whole window, otherwise why it does not (history-coverage.js). */
function renderNotes() {
  if (historyLoading) return;
  const now = clock.now();
  for (const spec of CHARTS) {
    const chart = charts.get(spec.id);
    if (!chart) continue;
    note(spec.id, seriesOf(spec).length
      ? explainCoverage(chart.coverage(), now)
      : `No data yet: this machine has not reported ${spec.what}.`);
  }
}

function refreshCharts() {
  const now = clock.now();
  for (const chart of charts.values()) chart.refresh(now);
  renderNotes();
}

function renderCurrentValues() {
  const samples = [...latest.values()];
  for (const spec of CHARTS) {
    setText(document.querySelector(`[data-current="${spec.id}"]`), spec.current(samples.filter(spec.match)));
  }
}

// --- range ------------------------------------------------------------------------------------------

const controls = new RangeControls({
  presets: $("range"), reset: $("zoom-reset"), form: $("range-form"), from: $("range-from"), to: $("range-to"),
  error: $("range-error"), summary: $("range-summary"),
}, (next) => setRange(next, isFixed(next) || isFixed(range) ? "push" : "replace"));

function renderRange() {
  controls.show(range, windowAt(range, clock.now()));
}

/**
 * Shows `next` and puts it in the URL: entering or leaving a fixed window is a new history entry (Back undoes
 * a zoom or its reset), switching presets replaces the entry.
 */
function setRange(next, how) {
  range = { preset: next.preset, from: next.from, to: next.to };
  const url = new URL(location.href);
  writeRange(url.searchParams, range);
  if (how === "push") history.pushState(null, "", url);
  else if (how === "replace") history.replaceState(null, "", url);
  renderRange();
  loadHistory();
}

/** A drag across any chart: every chart shows that window. */
function zoomTo(from, to) {
  const snapped = snapWindow(from, to);
  setRange({ preset: range.preset, from: snapped.from, to: snapped.to }, "push");
}

window.addEventListener("popstate", () => {
  const restored = readRange(new URLSearchParams(location.search));
  if (restored.error) showError(restored.error);
  setRange(restored, "none");
});

// The form is filled with the window shown as the details open: in the summary's click (mouse or keyboard), which
// runs before anyone can type, not in the "toggle" event, which comes later and would overwrite what was typed.
$("custom-range").querySelector("summary").addEventListener("click", () => {
  if (!$("custom-range").open) renderRange();
});

// --- processes --------------------------------------------------------------------------------------

function processRows(list) {
  if (!list || list.length === 0) {
    return [h("tr", { className: "placeholder" }, h("td", { colSpan: 5 }, "No processes reported."))];
  }
  return list.map((p) =>
    h("tr", { dataset: { pid: String(p.pid) } },
      h("td", { className: "num" }, String(p.pid)),
      h("td", { className: "proc-name", title: p.name }, p.name),
      h("td", {}, p.user),
      h("td", { className: "num" }, fmt.percent(p.cpu_percent)),
      h("td", { className: "num" }, fmt.bytes(p.rss_bytes))));
}

function renderProcesses(processes) {
  if (!processes) {
    const waiting = () => [h("tr", { className: "placeholder" }, h("td", { colSpan: 5 }, "No process snapshot yet."))];
    replace($("procs-cpu").tBodies[0], waiting());
    replace($("procs-mem").tBodies[0], waiting());
    setText($("processes-time"), "");
    return;
  }
  replace($("procs-cpu").tBodies[0], processRows(processes.by_cpu));
  replace($("procs-mem").tBodies[0], processRows(processes.by_memory));
  setText($("processes-time"), typeof processes.t === "number" ? `at ${fmt.clock(processes.t, true)}` : "");
}

// --- latest values ----------------------------------------------------------------------------------

/** series key → <tr> */
const latestRows = new Map();

function renderLatest() {
  const body = $("latest").tBodies[0];
  const keys = [...latest.keys()].sort();
  let added = false;
  for (const key of keys) {
    const sample = latest.get(key);
    let row = latestRows.get(key);
    if (!row) {
      row = h("tr", { dataset: { series: key } },
        h("td", { className: "metric" }, sample.metric),
        h("td", { className: "chips" }, chips(sample.labels)),
        h("td", { className: "num value" }),
        h("td", { className: "num at" }));
      latestRows.set(key, row);
      added = true;
    }
    setText(row.cells[2], fmt.metricValue(sample.metric, sample.value));
    setText(row.cells[3], typeof sample.t === "number" ? fmt.clock(sample.t, true) : "—");
  }
  if (added) body.append(...keys.map((key) => latestRows.get(key)));
  setText($("latest-count"), `${keys.length} series`);
}

// --- data in ----------------------------------------------------------------------------------------

function takeSamples(samples, live) {
  let newSeries = false;
  for (const sample of samples || []) {
    if (!sample || typeof sample.metric !== "string") continue;
    sample.labels = sample.labels || {};
    const key = seriesKey(sample);
    const previous = latest.get(key);
    if (!previous) newSeries = true;
    if (!previous || !(sample.t < previous.t)) latest.set(key, sample);
    if (live) {
      recent.push(sample);
      appendToCharts(sample);
    }
  }
  if (live) {
    const horizon = clock.now() - 120e3;
    if (recent.length && recent[0].t < horizon) recent = recent.filter((s) => s.t >= horizon);
  }
  renderLatest();
  renderCurrentValues();
  renderContainers($("containers-section"), $("containers"), $("containers-count"), latest.values());
  return newSeries;
}

function takeMachine(next) {
  if (!next || next.machine_id !== machineId) return;
  machine = { ...(machine || {}), ...next };
  renderIdentity();
}

async function loadMachine() {
  try {
    const answer = await api.machine(machineId);
    takeMachine(answer.machine);
    takeSamples(answer.latest, false);
    renderProcesses(answer.processes);
    showError(range.error);
  } catch (error) {
    showError(error.status === 404 ? `No machine '${machineId}' has reported to this gateway.` : `Could not load the machine: ${error.message}`);
    setText($("hostname"), machineId);
  }
  await loadHistory();
}

function start() {
  renderRange();
  if (range.error) showError(range.error);
  if (!machineId) {
    startNav();
    showError("No machine chosen: open a machine from the fleet.");
    setText($("hostname"), "No machine");
    $("connection").hidden = true;
    $("alerts").hidden = true;
    $("retire").hidden = true;
    return;
  }
  startRetire(machineId, () => (machine && machine.hostname) || machineId);
  createCharts();
  renderProcesses(null);

  const live = new LiveConnection();
  showConnection($("connection"), live);
  let historyLoaded = false;
  live.addEventListener("message", ({ detail: message }) => {
    if (message.machine_id !== undefined && message.machine_id !== machineId) return;
    switch (message.type) {
      case "hello":
        clock.update(message);
        break;
      case "machines":
        clock.update(message);
        for (const m of message.machines || []) takeMachine(m);
        break;
      case "samples":
        // A series the page has not seen (a new disk, a new interface) gets its history too.
        if (takeSamples(message.samples, true) && historyLoaded) loadHistory();
        break;
      case "processes":
        renderProcesses(message.processes);
        break;
      case "error":
        showError(`Live updates: ${message.error}`);
        break;
      default:
        break;
    }
  });
  live.subscribe({ subscribe: "machine", machine_id: machineId });
  live.start();
  startNav(live);
  startMachineAlerts(machineId, live, () => clock.now());

  loadMachine().finally(() => {
    historyLoaded = true;
  });
  setInterval(() => {
    renderStatus();
    refreshCharts();
  }, 1000);
}

start();
