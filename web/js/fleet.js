// The fleet overview (index.html): one row per machine, live from the WebSocket fleet subscription,
// sortable, statuses recomputed every second from last_seen_ms, alert counts from machine.alerts and from
// live alert messages; a one-line pipeline status beside the summary links to the pipeline page.
import { AlertSet, SEVERITY_RANK, countAlerts, isActive } from "./alert-set.js";
import { alertCounts } from "./alert-view.js";
import * as api from "./api.js";
import { showConnection } from "./connection.js";
import { h, machineHref, replace, setText } from "./dom.js";
import * as fmt from "./format.js";
import { LiveConnection } from "./live.js";
import { startNav } from "./nav.js";
import { startPipelineStatus } from "./pipeline-status.js";
import { FleetClock } from "./status.js";

const table = document.getElementById("machines");
const tbody = table.tBodies[0];
const summary = document.getElementById("summary");
const errorBanner = document.getElementById("error");
const empty = document.getElementById("empty");

const clock = new FleetClock();
/** machine_id → {machine, row, cells} */
const rows = new Map();
let loaded = false;

const STATUS_RANK = { online: 0, stale: 1, offline: 2 };
const summaryOf = (m) => m.summary || {};
const netOf = (m) => {
  const s = summaryOf(m);
  return s.net_recv_bytes_per_s == null && s.net_sent_bytes_per_s == null
    ? null
    : (s.net_recv_bytes_per_s || 0) + (s.net_sent_bytes_per_s || 0);
};
const nameOf = (m) => m.hostname || m.machine_id;
/** Firing alerts by worst severity, then by count, then pending ones; 0 without alerts, null when unknown. */
const alertRank = (m) => {
  const a = m.alerts;
  if (!a) return null;
  const pending = Math.min(a.pending || 0, 999);
  return a.firing > 0 ? (SEVERITY_RANK[a.worst] || 1) * 1e9 + Math.min(a.firing, 999_999) * 1e3 + pending : pending;
};

// Each column: the value it sorts by and the direction a first click sorts in.
const COLUMNS = {
  hostname: { key: (m) => nameOf(m), first: "asc" },
  status: { key: (m) => STATUS_RANK[clock.status(m)] ?? 3, first: "asc" },
  alerts: { key: alertRank, first: "desc" },
  cpu: { key: (m) => summaryOf(m).cpu_percent, first: "desc" },
  mem: { key: (m) => summaryOf(m).mem_percent, first: "desc" },
  disk: { key: (m) => summaryOf(m).disk_percent, first: "desc" },
  net: { key: netOf, first: "desc" },
  load: { key: (m) => summaryOf(m).load_1m, first: "desc" },
  seen: { key: (m) => clock.age(m), first: "asc" },
};
const sort = { column: "hostname", direction: "asc" };
const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

function compare(a, b) {
  const { key } = COLUMNS[sort.column];
  const x = key(a);
  const y = key(b);
  const missingX = x === null || x === undefined;
  const missingY = y === null || y === undefined;
  let order = 0;
  if (missingX || missingY) {
    // Unknown values go last whichever the direction.
    if (missingX !== missingY) return missingX ? 1 : -1;
  } else {
    order = typeof x === "string" ? collator.compare(x, y) : x - y;
    if (sort.direction === "desc") order = -order;
  }
  // Ties: by name, then id, so equal rows never trade places between renders.
  return order || collator.compare(nameOf(a), nameOf(b)) || (a.machine_id < b.machine_id ? -1 : 1);
}

function createRow(machine) {
  const link = h("a", { className: "host" });
  const id = h("small", { className: "machine-id" });
  const badge = h("span", { className: "badge" });
  const bar = (col) => h("span", { className: "bar", attrs: { "aria-hidden": "true" } }, h("span", { dataset: { bar: col } }));
  const cells = {
    machine: h("td", { dataset: { col: "machine" } }, link, id),
    status: h("td", { dataset: { col: "status" } }, badge),
    alerts: h("td", { dataset: { col: "alerts" } }),
    cpu: h("td", { className: "num", dataset: { col: "cpu" } }, h("span", { className: "value" }), bar("cpu")),
    mem: h("td", { className: "num", dataset: { col: "mem" } }, h("span", { className: "value" }), bar("mem")),
    disk: h("td", { className: "num", dataset: { col: "disk" } }, h("span", { className: "value" }), bar("disk")),
    net: h("td", { className: "num net", dataset: { col: "net" } },
      h("span", { className: "recv", title: "received" }), h("span", { className: "sent", title: "sent" })),
    load: h("td", { className: "num", dataset: { col: "load" } }),
    seen: h("td", { className: "num", dataset: { col: "seen" } }),
  };
  const row = h("tr", { dataset: { machineId: machine.machine_id } }, Object.values(cells));
  return { machine, row, cells, link, id, badge };
}

function setPercent(cell, value) {
  setText(cell.querySelector(".value"), fmt.percent(value));
  const fill = cell.querySelector("[data-bar]");
  const width = typeof value === "number" ? Math.max(0, Math.min(100, value)) : 0;
  fill.style.width = `${width}%`;
  fill.dataset.level = value >= 90 ? "high" : value >= 75 ? "mid" : "low";
}

function updateRow(entry) {
  const { machine: m, row, cells, link, id, badge } = entry;
  const s = summaryOf(m);
  const status = clock.status(m);
  const age = clock.age(m);
  row.dataset.status = status;
  setText(link, nameOf(m));
  const href = machineHref(m.machine_id);
  if (link.getAttribute("href") !== href) link.href = href;
  setText(id, m.machine_id);
  setText(badge, status);
  badge.dataset.status = status;
  const alerts = m.alerts || null;
  const alertsKey = alerts ? `${alerts.firing}|${alerts.pending}|${alerts.worst}` : "";
  if (cells.alerts.dataset.key !== alertsKey) {
    cells.alerts.dataset.key = alertsKey;
    replace(cells.alerts, alertCounts(alerts));
    row.dataset.alerts = alerts && alerts.firing > 0 ? "firing" : alerts && alerts.pending > 0 ? "pending" : "none";
  }
  setPercent(cells.cpu, s.cpu_percent);
  setPercent(cells.mem, s.mem_percent);
  setPercent(cells.disk, s.disk_percent);
  setText(cells.net.querySelector(".recv"), `↓ ${fmt.rate(s.net_recv_bytes_per_s)}`);
  setText(cells.net.querySelector(".sent"), `↑ ${fmt.rate(s.net_sent_bytes_per_s)}`);
  setText(cells.load, fmt.number(s.load_1m));
  setText(cells.seen, fmt.ago(age));
  cells.seen.title = typeof m.last_seen_ms === "number" ? fmt.dateTime(m.last_seen_ms) : "";
}

function render() {
  const entries = [...rows.values()];
  entries.sort((a, b) => compare(a.machine, b.machine));
  const counts = { online: 0, stale: 0, offline: 0 };
  for (const entry of entries) {
    updateRow(entry);
    counts[entry.row.dataset.status] = (counts[entry.row.dataset.status] || 0) + 1;
  }
  const current = tbody.children;
  const inOrder = current.length === entries.length && entries.every((e, i) => current[i] === e.row);
  if (!inOrder) tbody.append(...entries.map((e) => e.row));
  renderSummary(entries.length, counts);
  empty.hidden = !loaded || entries.length > 0;
}

function renderSummary(total, counts) {
  if (!loaded) return;
  const part = (status) => h("span", { className: "count", dataset: { status } }, `${counts[status] || 0} ${status}`);
  replace(summary, `${total} ${total === 1 ? "machine" : "machines"}`, " · ", part("online"), " · ",
    part("stale"), " · ", part("offline"));
}

/** True when `incoming` was seen before `current` (a slow REST answer arriving after live updates). */
function olderThan(incoming, current) {
  return typeof incoming.last_seen_ms === "number" && typeof current.last_seen_ms === "number" &&
    incoming.last_seen_ms < current.last_seen_ms;
}

/** Merges machine objects by machine_id: a live message holds only the machines that changed. */
function merge(machines) {
  for (const machine of machines || []) {
    if (!machine || typeof machine.machine_id !== "string") continue;
    const entry = rows.get(machine.machine_id);
    if (!entry) rows.set(machine.machine_id, createRow(machine));
    else if (!olderThan(machine, entry.machine)) entry.machine = { ...entry.machine, ...machine };
  }
  loaded = true;
  render();
}

function showError(text) {
  errorBanner.hidden = !text;
  errorBanner.textContent = text || "";
}

// Sorting: a click on a header sorts by it; a second click reverses.
function renderSortIndicators() {
  for (const th of table.tHead.rows[0].cells) {
    if (th.dataset.sort === sort.column) th.setAttribute("aria-sort", sort.direction === "asc" ? "ascending" : "descending");
    else th.removeAttribute("aria-sort");
  }
}
table.tHead.addEventListener("click", (event) => {
  const th = event.target.closest("th[data-sort]");
  if (!th) return;
  const column = th.dataset.sort;
  if (sort.column === column) sort.direction = sort.direction === "asc" ? "desc" : "asc";
  else Object.assign(sort, { column, direction: COLUMNS[column].first });
  renderSortIndicators();
  render();
});
renderSortIndicators();

// Alert counts. machine.alerts (REST and live machines messages) is the gateway's count; an alert message
// recounts its machine from every active alert the page holds (read once, then kept by alert messages).
// Each source sets the whole count, so whichever of the two arrives last is right on its own.
const activeAlerts = new AlertSet();
let activeAlertsComplete = false;
const ACTIVE_LIMIT = 1000;

async function loadActiveAlerts() {
  const mark = activeAlerts.mark();
  try {
    const answer = await api.alerts({ status: "firing,pending", limit: ACTIVE_LIMIT });
    activeAlerts.replace(answer.alerts, mark);
    // A truncated answer cannot be counted from: then only machine.alerts counts.
    activeAlertsComplete = (answer.alerts || []).length < ACTIVE_LIMIT;
  } catch {
    activeAlertsComplete = false;
  }
}

function takeAlert(alert) {
  if (!alert || typeof alert.machine_id !== "string") return;
  activeAlerts.take(alert);
  const entry = rows.get(alert.machine_id);
  if (!entry || !activeAlertsComplete) return;
  const counts = countAlerts(activeAlerts.list((a) => a.machine_id === alert.machine_id && isActive(a)));
  entry.machine = { ...entry.machine, alerts: counts };
  render();
}

// Live updates; the REST answer fills the table meanwhile (whichever comes first, both merge).
const live = new LiveConnection();
showConnection(document.getElementById("connection"), live);
live.addEventListener("message", ({ detail: message }) => {
  switch (message.type) {
    case "hello":
      clock.update(message);
      break;
    case "machines":
      clock.update(message);
      merge(message.machines);
      showError(null);
      break;
    case "alert":
      takeAlert(message.alert);
      break;
    case "error":
      showError(`Live updates: ${message.error}`);
      break;
    default:
      break;
  }
});
live.subscribe({ subscribe: "fleet" });
live.start();
startNav(live);
startPipelineStatus(document.getElementById("pipeline-status"));

function loadMachines() {
  return api
    .machines()
    .then((answer) => {
      clock.update(answer);
      merge(answer.machines);
      showError(null);
    })
    .catch((error) => {
      showError(`Could not load machines: ${error.message}`);
    });
}

loadMachines();
loadActiveAlerts();
// Alert transitions sent while the socket was down were missed: read the counts again.
live.addEventListener("reconnected", () => {
  loadActiveAlerts();
  loadMachines();
});

setInterval(render, 1000);
