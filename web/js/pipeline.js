// The pipeline page (pipeline.html): GET /api/v1/pipeline every 2 s — every queue's depth, consumers and
// dead letters in path order, problems marked (a DLQ holding messages, a durable queue nobody reads), and
// the latency of `fleetwatch probe`'s synthetic batches per hop, end to end emphasised. The indicator in the
// header follows the polling: a failed read keeps the last figures on screen, dimmed, and says why.
import * as api from "./api.js";
import { showConnection } from "./connection.js";
import { h, replace, setText } from "./dom.js";
import * as fmt from "./format.js";
import { startNav } from "./nav.js";
import { latency, queueProblems, queueRole, summarize } from "./pipeline-health.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 2000;
// After this many failed reads in a row the indicator says "offline" (it keeps polling).
const OFFLINE_AFTER_FAILURES = 3;

const HOPS = {
  normalized: "the normalizer published the canonical samples",
  persisted: "the persister committed them to the database",
  evaluated: "the alert evaluator evaluated them",
  websocket: "they reached this gateway’s live feed, as a dashboard sees them",
};

/** The polling's state, shaped like a LiveConnection for showConnection: connecting | connected | reconnecting | offline. */
class PollState extends EventTarget {
  constructor() {
    super();
    this.state = "connecting";
    this.failures = 0;
  }

  succeeded() {
    this.failures = 0;
    this.set("connected");
  }

  failed() {
    this.failures += 1;
    this.set(this.failures >= OFFLINE_AFTER_FAILURES ? "offline" : "reconnecting");
  }

  set(state) {
    if (state === this.state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: state }));
  }
}

function showError(text) {
  $("error").hidden = !text;
  $("error").textContent = text || "";
}

// --- queues --------------------------------------------------------------------------------------------

/** name → {row, cells} */
const queueRows = new Map();

function createQueueRow(name) {
  const cell = (col, numeric = false) => h("td", { className: numeric ? "num" : "", dataset: { col } });
  const cells = {
    name: cell("name"),
    health: cell("health"),
    ready: cell("ready", true),
    unacked: cell("unacked", true),
    consumers: cell("consumers", true),
    dead: cell("dead", true),
  };
  const role = queueRole(name);
  replace(cells.name, h("code", { className: "queue-name" }, name), role ? h("small", { className: "queue-role" }, role) : null);
  return { row: h("tr", { dataset: { queue: name } }, Object.values(cells)), cells, key: null };
}

function fillQueueRow(entry, queue) {
  const problems = queueProblems(queue);
  const key = JSON.stringify([queue.ready, queue.unacked, queue.consumers, queue.dead_lettered ?? null]);
  if (entry.key === key) return;
  entry.key = key;
  const { row, cells } = entry;
  const kinds = new Set(problems.map((p) => p.kind));
  if (problems.length > 0) row.dataset.problem = [...kinds].join(" ");
  else delete row.dataset.problem;
  replace(cells.health, problems.length > 0
    ? problems.map((p) => h("span", { className: "badge queue-problem", dataset: { problem: p.kind } }, p.text))
    : h("span", { className: "badge", dataset: { status: "online" } }, "ok"));
  setText(cells.ready, fmt.number(queue.ready));
  setText(cells.unacked, fmt.number(queue.unacked));
  setText(cells.consumers, fmt.number(queue.consumers));
  cells.consumers.toggleAttribute("data-bad", kinds.has("consumers"));
  cells.consumers.title = kinds.has("consumers") ? "A durable queue that nobody reads: its messages pile up" : "";
  const durable = typeof queue.dead_lettered === "number";
  setText(cells.dead, durable ? fmt.number(queue.dead_lettered) : "—");
  cells.dead.toggleAttribute("data-bad", kinds.has("dlq"));
  cells.dead.title = durable ? `Messages waiting in ${queue.name}.dlq` : "A perishable queue: no dead-letter queue";
}

/** The gateway's queues_error as a sentence ("queue figures unavailable: …" already says what it is). */
function queuesErrorText(error) {
  if (!error) return "";
  if (/^queue figures/i.test(error)) return error.charAt(0).toUpperCase() + error.slice(1);
  return `Queue figures are unavailable: ${error}`;
}

function renderQueues(totals) {
  const seen = new Set();
  const order = [];
  for (const queue of totals.queues) {
    seen.add(queue.name);
    let entry = queueRows.get(queue.name);
    if (!entry) {
      entry = createQueueRow(queue.name);
      queueRows.set(queue.name, entry);
    }
    fillQueueRow(entry, queue);
    order.push(entry.row);
  }
  for (const [name, entry] of queueRows) {
    if (!seen.has(name)) {
      entry.row.remove();
      queueRows.delete(name);
    }
  }
  const body = $("queues").tBodies[0];
  const current = body.children;
  if (!(current.length === order.length && order.every((row, i) => current[i] === row))) body.append(...order);
  $("queues").hidden = order.length === 0;
  $("queues-empty").hidden = order.length > 0 || Boolean(totals.queuesError);
  $("queues-error").hidden = !totals.queuesError;
  setText($("queues-error"), queuesErrorText(totals.queuesError));
}

// --- probe latencies -------------------------------------------------------------------------------------

/** hop → {row, cells} */
const hopRows = new Map();

function createHopRow(hop) {
  const cell = (col, numeric = false) => h("td", { className: numeric ? "num" : "", dataset: { col } });
  const cells = {
    hop: cell("hop"),
    when: cell("when"),
    p50: cell("p50", true),
    p90: cell("p90", true),
    p99: cell("p99", true),
    max: cell("max", true),
    count: cell("count", true),
  };
  replace(cells.hop, h("span", { className: "hop-name" }, hop), hop === "websocket" ? h("small", { className: "hop-tag" }, "end to end") : null);
  setText(cells.when, HOPS[hop] || "");
  const row = h("tr", { dataset: { hop } }, Object.values(cells));
  if (hop === "websocket") row.classList.add("end-to-end");
  return { row, cells };
}

function renderProbe(probe) {
  const hops = (probe || []).filter((entry) => entry && typeof entry.hop === "string" && entry.latency);
  const order = [];
  const seen = new Set();
  for (const { hop, latency: l } of hops) {
    seen.add(hop);
    let entry = hopRows.get(hop);
    if (!entry) {
      entry = createHopRow(hop);
      hopRows.set(hop, entry);
    }
    for (const field of ["p50", "p90", "p99", "max"]) setText(entry.cells[field], latency(l[field]));
    setText(entry.cells.count, fmt.number(l.count));
    order.push(entry.row);
  }
  for (const [hop, entry] of hopRows) {
    if (!seen.has(hop)) {
      entry.row.remove();
      hopRows.delete(hop);
    }
  }
  const body = $("probe").tBodies[0];
  const current = body.children;
  if (!(current.length === order.length && order.every((row, i) => current[i] === row))) body.append(...order);
  $("probe").hidden = order.length === 0;
  $("probe-empty").hidden = order.length > 0;
}

// --- summary and polling -----------------------------------------------------------------------------

function renderSummary(totals) {
  const parts = [];
  const part = (level, text) => h("span", { className: "count", dataset: { level } }, text);
  if (totals.queuesError) parts.push(part("unknown", "queue figures unavailable"));
  else {
    parts.push(totals.problems > 0
      ? part("bad", `${totals.problems} ${totals.problems === 1 ? "queue needs" : "queues need"} attention`)
      : part("ok", totals.queues.length > 0 ? "every queue healthy" : "no queues"));
    parts.push(`${fmt.number(totals.waiting)} waiting`, `${fmt.number(totals.unacked)} unacked`);
    if (totals.deadLettered > 0) parts.push(part("bad", `${fmt.number(totals.deadLettered)} dead-lettered`));
  }
  if (totals.endToEnd) parts.push(`end to end ${latency(totals.endToEnd.p50)} p50, ${latency(totals.endToEnd.p99)} p99`);
  else parts.push(part("unknown", "no probe running"));
  replace($("pipeline-summary"), parts.flatMap((p, i) => (i === 0 ? [p] : [" · ", p])));
}

const poll = new PollState();
showConnection($("connection"), poll);
let lastAnswerMs = null;
let timer = null;
let reading = false;

function failure(error) {
  if (error.status === 404) return "This gateway does not serve /api/v1/pipeline: it predates the pipeline panel.";
  return `Could not read the pipeline: ${error.message}; retrying every 2 s.`;
}

async function load() {
  if (reading) return;
  reading = true;
  clearTimeout(timer);
  timer = null;
  try {
    const answer = (await api.pipeline()) || {};
    const totals = summarize(answer);
    renderQueues(totals);
    renderProbe(answer.probe);
    renderSummary(totals);
    lastAnswerMs = typeof answer.now_ms === "number" ? answer.now_ms : Date.now();
    setText($("pipeline-updated"), `as of ${fmt.clock(lastAnswerMs, true)}`);
    $("pipeline-updated").title = fmt.dateTime(lastAnswerMs);
    document.body.removeAttribute("data-stale");
    showError(null);
    poll.succeeded();
  } catch (error) {
    poll.failed();
    showError(failure(error));
    if (lastAnswerMs !== null) {
      document.body.dataset.stale = "true";
      setText($("pipeline-updated"), `last read at ${fmt.clock(lastAnswerMs, true)}`);
    } else {
      setText($("pipeline-summary"), "The pipeline could not be read.");
    }
  } finally {
    reading = false;
  }
  // A hidden tab stops polling; it reads again as soon as it is shown.
  if (!document.hidden) timer = setTimeout(load, POLL_MS);
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && timer === null) load();
});
window.addEventListener("online", () => load());

startNav();
load();
