// The fleet overview (index.html): search, filters, sort and grouping over every machine, kept in the URL;
// only the rows in view are in the DOM (VirtualRows). Rows come from the live `overview` subscription (a
// snapshot, then at most one message per second with the machines that changed); a first page from REST paints
// the list before the snapshot arrives. Statuses and silence are recomputed every second from last_seen_ms.
// While the pointer is on the list (or focus is in it) the order holds still and only values change, so a
// row never moves under the cursor.
import { alertCounts } from "./alert-view.js";
import * as api from "./api.js";
import { showConnection } from "./connection.js";
import { h, machineHref, replace, setText } from "./dom.js";
import {
  COLUMNS, DEFAULT_QUERY, formatQuery, groupRows, matcher, narrows, parseQuery, restParams, searchText, sortRows,
} from "./fleet-query.js";
import { FleetRows, rowOfMachine } from "./fleet-rows.js";
import * as fmt from "./format.js";
import { LiveConnection } from "./live.js";
import { startNav } from "./nav.js";
import { startPipelineStatus } from "./pipeline-status.js";
import { FleetClock } from "./status.js";
import { VirtualRows } from "./virtual-rows.js";

const $ = (id) => document.getElementById(id);
const table = $("machines");
const scroller = $("fleet-scroll");
const summary = $("summary");
const errorBanner = $("error");
const form = $("filters");
const fields = {
  q: $("f-q"), status: $("f-status"), alerting: $("f-alerting"), label: $("f-label"), group: $("f-group"),
  silent: $("f-silent"), synthetic: $("f-synthetic"),
};
const COLUMN_COUNT = 9;
const ROW_HEIGHT = 52;
const FIRST_PAGE = 100;

const clock = new FleetClock();
const store = new FleetRows(clock);
let query = parseQuery(location.search);
let shown = [];
let restTotal = null;
let snapshotSeen = false;
let loaded = false;

// --- rows --------------------------------------------------------------------------------------------

function createMachineRow() {
  const link = h("a", { className: "host" });
  const id = h("small", { className: "machine-id" });
  const badge = h("span", { className: "badge" });
  const bar = (col) => h("span", { className: "bar", attrs: { "aria-hidden": "true" } }, h("span", { dataset: { bar: col } }));
  const value = () => h("span", { className: "value" });
  const cells = {
    machine: h("td", { dataset: { col: "machine" } }, link, id),
    status: h("td", { dataset: { col: "status" } }, badge),
    alerts: h("td", { dataset: { col: "alerts" } }),
    cpu: h("td", { className: "num", dataset: { col: "cpu" } }, value(), bar("cpu")),
    mem: h("td", { className: "num", dataset: { col: "mem" } }, value(), bar("mem")),
    disk: h("td", { className: "num", dataset: { col: "disk" } }, value(), bar("disk")),
    net: h("td", { className: "num net", dataset: { col: "net" } },
      h("span", { className: "recv", title: "received" }), h("span", { className: "sent", title: "sent" })),
    load: h("td", { className: "num", dataset: { col: "load" } }),
    seen: h("td", { className: "num", dataset: { col: "seen" } }),
  };
  const tr = h("tr", {}, Object.values(cells));
  tr.parts = { cells, link, id, badge };
  return tr;
}

function setPercent(cell, value) {
  setText(cell.firstChild, fmt.percent(value));
  const fill = cell.lastChild.firstChild;
  const width = `${typeof value === "number" ? Math.max(0, Math.min(100, value)) : 0}%`;
  if (fill.style.width !== width) fill.style.width = width;
  fill.dataset.level = value >= 90 ? "high" : value >= 75 ? "mid" : "low";
}

function updateMachineRow(tr, row, index) {
  const { cells, link, id, badge } = tr.parts;
  tr.setAttribute("aria-rowindex", String(index + 2));
  if (tr.dataset.machineId !== row.id) tr.dataset.machineId = row.id;
  tr.dataset.status = row.status;
  setText(link, row.name);
  const href = machineHref(row.id);
  if (link.getAttribute("href") !== href) link.href = href;
  setText(id, row.id);
  setText(badge, row.status);
  badge.dataset.status = row.status;
  const alertsKey = `${row.firing}|${row.pending}|${row.silenced}|${row.worst}`;
  if (cells.alerts.dataset.key !== alertsKey) {
    cells.alerts.dataset.key = alertsKey;
    replace(cells.alerts, alertCounts(row));
    tr.dataset.alerts =
      row.firing > 0 ? "firing" : row.pending > 0 ? "pending" : row.silenced > 0 ? "silenced" : "none";
  }
  setPercent(cells.cpu, row.cpu);
  setPercent(cells.mem, row.mem);
  setPercent(cells.disk, row.disk);
  setText(cells.net.firstChild, `↓ ${fmt.rate(row.rx)}`);
  setText(cells.net.lastChild, `↑ ${fmt.rate(row.tx)}`);
  setText(cells.load, fmt.number(row.load));
  setText(cells.seen, fmt.ago(row.age ?? null));
  cells.seen.title = typeof row.last_seen_ms === "number" ? fmt.dateTime(row.last_seen_ms) : "";
}

function createGroupRow() {
  const name = h("span", { className: "group-name" });
  const count = h("span", { className: "group-count" });
  const badge = h("span", { className: "badge" });
  const tr = h("tr", { className: "group" },
    h("th", { scope: "rowgroup", colSpan: COLUMN_COUNT }, name, " ", count, " ", h("span", { className: "muted" }, "worst "), badge));
  tr.parts = { name, count, badge };
  return tr;
}

function updateGroupRow(tr, item, index) {
  const { name, count, badge } = tr.parts;
  tr.setAttribute("aria-rowindex", String(index + 2));
  tr.dataset.group = item.value ?? "";
  setText(name, item.value === null ? `no ${item.group} label` : `${item.group}=${item.value}`);
  const n = item.count;
  setText(count, `${n.toLocaleString("en")} ${n === 1 ? "machine" : "machines"} · ${item.counts.online} online · ` +
    `${item.counts.stale} stale · ${item.counts.offline} offline`);
  setText(badge, item.worst);
  badge.dataset.status = item.worst;
}

const isGroup = (item) => item.group !== undefined;
const virtual = new VirtualRows({
  scroller,
  tbody: table.tBodies[0],
  rowHeight: ROW_HEIGHT,
  columns: COLUMN_COUNT,
  key: (item) => (isGroup(item) ? `group:${item.value}` : item.id),
  kind: (item) => (isGroup(item) ? "group" : "machine"),
  create: (item) => (isGroup(item) ? createGroupRow() : createMachineRow()),
  update: (tr, item, index) => (isGroup(item) ? updateGroupRow(tr, item, index) : updateMachineRow(tr, item, index)),
});

// --- the view ----------------------------------------------------------------------------------------

// Every row by name, kept while no machine came, went or was renamed: names do not move by themselves, so the
// default order costs one pass over the rows per update instead of a sort.
let byName = { generation: -1, dir: "", rows: [] };

/** The rows the query admits, in its order. */
function ordered() {
  const match = matcher(query);
  if (query.sort !== "hostname") return sortRows([...store.rows.values()].filter(match), query);
  if (byName.generation !== store.generation || byName.dir !== query.dir) {
    byName = { generation: store.generation, dir: query.dir, rows: sortRows([...store.rows.values()], query) };
  }
  return byName.rows.filter(match);
}

/** Filters, sorts and groups every row again, and renders the rows in view (`quick`: see show). */
function recompute({ quick = false } = {}) {
  lastRecomputeMs = performance.now();
  store.refresh();
  hiddenCounts = countHidden();
  show(ordered(), { quick });
}

/**
 * Typing more of a search: the rows shown, still in their order, narrowed to the longer text — one pass over
 * what was shown, with no refresh and no sort, so a keystroke costs little however many machines there are
 * (statuses are at most a second old; the next second's recompute brings them up to date).
 */
function narrow() {
  const text = searchText(query);
  show(shown.filter((row) => row.search.includes(text)), { quick: true });
}

/**
 * Renders `rows` (the query's answer, in order) grouped as asked, and the summary. `quick` (a new query): the
 * rows in view first, the few either side after that frame (VirtualRows.setItems).
 */
function show(rows, { quick = false } = {}) {
  shown = rows;
  const items = query.group ? groupRows(rows, query.group) : rows;
  table.setAttribute("aria-rowcount", String(items.length + 1));
  virtual.setItems(items, { quick });
  renderSummary();
  renderGroupChoices();
  markPaint();
}

/** Live values without moving rows: statuses and numbers change in place. */
function refreshInPlace() {
  store.refresh();
  hiddenCounts = countHidden();
  virtual.render();
  renderSummary();
}

// When the view was last recomputed: the once-a-second pass skips a second recompute right after a live message's.
let lastRecomputeMs = 0;

// Machines the filters hide because they are silent or synthetic, counted when rows or statuses change (not per
// keystroke: a search does not change them).
let hiddenCounts = { silent: 0, synthetic: 0 };
function countHidden() {
  let silent = 0;
  let synthetic = 0;
  for (const row of store.rows.values()) {
    if (row.silent && !query.silent) silent += 1;
    if (row.synthetic && !query.synthetic) synthetic += 1;
  }
  return { silent, synthetic };
}

function renderSummary() {
  if (!loaded) return;
  const known = snapshotSeen || restTotal === null ? store.size : Math.max(store.size, restTotal);
  const total = snapshotSeen || restTotal === null ? shown.length : Math.max(shown.length, restTotal);
  const counts = { online: 0, stale: 0, offline: 0 };
  for (const row of shown) counts[row.status] += 1;
  const { silent, synthetic } = hiddenCounts;
  const part = (status) =>
    h("span", { className: "count", dataset: { status } }, `${counts[status].toLocaleString("en")} ${status}`);
  const filtered = total !== known;
  const hidden = [silent && `${silent.toLocaleString("en")} silent`, synthetic && `${synthetic.toLocaleString("en")} synthetic`]
    .filter(Boolean);
  replace(summary,
    `${filtered ? `${total.toLocaleString("en")} of ${known.toLocaleString("en")}` : total.toLocaleString("en")} ` +
      `${known === 1 ? "machine" : "machines"}`,
    " · ", part("online"), " · ", part("stale"), " · ", part("offline"),
    hidden.length ? ` · hidden: ${hidden.join(", ")}` : null);
  summary.dataset.total = String(total);
  summary.dataset.known = String(known);
  $("empty").hidden = known > 0;
  $("no-match").hidden = known === 0 || total > 0;
}

function renderGroupChoices() {
  const names = new Set(store.labelNames);
  if (query.group) names.add(query.group);
  const select = fields.group;
  if (select.options.length === names.size + 1) return;
  const options = [...names].sort().map((name) => h("option", { value: name }, name));
  replace(select, h("option", { value: "" }, "no grouping"), options);
  select.value = query.group;
}

// First paint, for the browser test and anyone profiling: "fleet:rows" marks the first rendered rows,
// "fleet:snapshot" the first render holding the live snapshot (every machine); "…-painted" follow the frame
// that drew them (a task queued from requestAnimationFrame runs after that frame's paint).
const marked = new Set();
function markPaint() {
  const mark = (name) => {
    if (marked.has(name)) return;
    marked.add(name);
    // What the UI counts at that moment: machines known, rows the filters admit, rows in the DOM.
    const detail = { known: store.size, total: shown.length, rendered: virtual.shown.size };
    performance.mark(`fleet:${name}`, { detail });
    requestAnimationFrame(() => setTimeout(() => performance.mark(`fleet:${name}-painted`, { detail }), 0));
  };
  if (store.size > 0) mark("rows");
  if (snapshotSeen) mark("snapshot");
}

// --- holding the order under the pointer ------------------------------------------------------------

let pointerInside = false;
let stale = false;
const held = () => pointerInside || table.tBodies[0].contains(document.activeElement);

function liveChanged() {
  if (held()) {
    stale = true;
    $("order-note").hidden = false;
    refreshInPlace();
  } else {
    recompute();
  }
}

function release() {
  if (held() || !stale) return;
  stale = false;
  $("order-note").hidden = true;
  recompute();
}
scroller.addEventListener("pointerenter", () => {
  pointerInside = true;
});
scroller.addEventListener("pointerleave", () => {
  pointerInside = false;
  release();
});
table.addEventListener("focusout", () => setTimeout(release, 0));

// --- filters, sort and the URL -------------------------------------------------------------------------

function writeForm() {
  // Only what differs: setting the value of the field being typed in moves its caret, which forces a layout.
  const set = (field, property, value) => {
    if (field[property] !== value) field[property] = value;
  };
  for (const name of ["q", "status", "alerting", "label"]) set(fields[name], "value", query[name]);
  renderGroupChoices();
  set(fields.group, "value", query.group);
  set(fields.silent, "checked", query.silent);
  set(fields.synthetic, "checked", query.synthetic);
  for (const th of table.tHead.rows[0].cells) {
    if (th.dataset.sort === query.sort) th.setAttribute("aria-sort", query.dir === "asc" ? "ascending" : "descending");
    else th.removeAttribute("aria-sort");
  }
}

function readForm() {
  return {
    ...query,
    q: fields.q.value,
    status: fields.status.value,
    alerting: fields.alerting.value,
    label: fields.label.value,
    group: fields.group.value,
    silent: fields.silent.checked,
    synthetic: fields.synthetic.checked,
  };
}

/** Applies a new query: the view at once, then the URL (typing replaces the entry, a choice adds one). */
function apply(next, { push }) {
  // Narrowing needs the rows shown to be the previous query's whole answer (not a REST first page, nor an order
  // held under the pointer).
  const narrowing = snapshotSeen && !stale && narrows(query, next);
  query = next;
  restTotal = null;
  stale = false;
  $("order-note").hidden = true;
  writeForm();
  // A new question starts at the top of its answer.
  virtual.scrollToTop();
  if (narrowing) narrow();
  else recompute({ quick: true });
  const url = `${location.pathname}${formatQuery(query)}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) {
    if (push) history.pushState(null, "", url);
    else history.replaceState(null, "", url);
  }
}

form.addEventListener("submit", (event) => event.preventDefault());
// The first keystroke of an edit adds a history entry, the next ones replace it; each choice adds one.
let typing = false;
const isText = (element) => element.type === "search" || element.type === "text";
form.addEventListener("input", (event) => {
  if (!isText(event.target)) return;
  apply(readForm(), { push: !typing });
  typing = true;
});
form.addEventListener("change", (event) => {
  if (isText(event.target)) typing = false;
  else apply(readForm(), { push: true });
});
table.tHead.addEventListener("click", (event) => {
  const th = event.target.closest("th[data-sort]");
  if (!th) return;
  const column = th.dataset.sort;
  const dir = query.sort === column ? (query.dir === "asc" ? "desc" : "asc") : COLUMNS[column].first;
  apply({ ...query, sort: column, dir }, { push: true });
});
$("clear-filters").addEventListener("click", () => apply({ ...DEFAULT_QUERY, sort: query.sort, dir: query.dir }, { push: true }));
window.addEventListener("popstate", () => {
  query = parseQuery(location.search);
  writeForm();
  recompute();
});
writeForm();

// --- data ----------------------------------------------------------------------------------------------

function showError(text) {
  if (errorBanner.hidden === !text && errorBanner.textContent === (text || "")) return;
  errorBanner.hidden = !text;
  errorBanner.textContent = text || "";
}

const live = new LiveConnection();
showConnection($("connection"), live);
live.addEventListener("message", ({ detail: message }) => {
  switch (message.type) {
    case "hello":
      clock.update(message);
      break;
    case "overview":
      clock.update(message);
      if (message.snapshot) {
        store.clear();
        snapshotSeen = true;
      }
      store.take(message.rows);
      loaded = true;
      showError(null);
      if (message.snapshot) recompute();
      else liveChanged();
      break;
    case "retired":
      if (store.remove(message.machine_id)) recompute();
      break;
    case "error":
      showError(`Live updates: ${message.error}`);
      break;
    default:
      break;
  }
});
live.subscribe({ subscribe: "overview", interval_ms: 1000 });
live.start();
startNav(live);
startPipelineStatus($("pipeline-status"));

// The first page of what the filters admit, so rows show before the live snapshot; the snapshot replaces it.
api
  .machines(restParams(query, FIRST_PAGE))
  .then((answer) => {
    if (snapshotSeen) return;
    clock.update(answer);
    restTotal = answer.total ?? null;
    store.take((answer.machines || []).map(rowOfMachine));
    loaded = true;
    showError(null);
    recompute();
  })
  .catch((error) => {
    if (!snapshotSeen) showError(`Could not load machines: ${error.message}`);
  });

// Statuses age by themselves: recompute every second, unless a live message just did (at 10,000 machines one
// arrives every second, and two full passes a second would compete with typing).
setInterval(() => {
  if (held()) refreshInPlace();
  else if (performance.now() - lastRecomputeMs >= 900) recompute();
}, 1000);
