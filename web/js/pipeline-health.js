// The pipeline's health read from a GET /api/v1/pipeline answer (docs/api.md): its queues in path order,
// what is wrong with each, and the totals that the pipeline page and the fleet page's one-line summary show.
// Pure functions, no DOM.

const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

// Where a queue sits in the path, and what it carries; any other queue comes last, by name.
const GROUPS = [
  { match: (name) => name === "fleet.normalize", role: () => "raw batches → normalizer" },
  { match: (name) => name === "fleet.persist", role: () => "canonical metrics → persister" },
  { match: (name) => name.startsWith("fleet.alert.p"), role: (name) => `alert partition ${name.slice(13)} → evaluator` },
  { match: (name) => name === "fleet.notify", role: () => "alert events → webhooks" },
  { match: (name) => name.startsWith("fleet.fanout."), role: (name) => `live feed of ${name.slice(13)}` },
  { match: (name) => name.startsWith("fleet.rules."), role: (name) => `rule changes → ${name.slice(12)}` },
  { match: (name) => name.startsWith("fleet.members."), role: (name) => `evaluator heartbeats → ${name.slice(14)}` },
];

function groupOf(name) {
  const index = GROUPS.findIndex((group) => group.match(name));
  return index < 0 ? GROUPS.length : index;
}

/** What a queue carries, e.g. "raw batches → normalizer"; "" for a queue this page does not know. */
export function queueRole(name) {
  const group = GROUPS[groupOf(name)];
  return group ? group.role(name) : "";
}

/** Durable queues dead-letter into a DLQ, so only they carry dead_lettered (perishable ones lack it). */
export function isDurable(queue) {
  return typeof queue.dead_lettered === "number";
}

const count = (value) => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/**
 * What is wrong with a queue: [{kind: "dlq" | "consumers", text}], [] when nothing is. Messages in its DLQ
 * need someone to look at them; a durable queue nobody reads fills up (perishable queues go with their reader).
 */
export function queueProblems(queue) {
  const problems = [];
  if (count(queue.dead_lettered) > 0) problems.push({ kind: "dlq", text: `${count(queue.dead_lettered)} dead-lettered` });
  if (isDurable(queue) && count(queue.consumers) === 0) problems.push({ kind: "consumers", text: "no consumer" });
  return problems;
}

/** Queues in path order: normalize, persist, the alert partitions, notify, the fanout queues, the rest. */
export function sortQueues(queues) {
  return [...(queues || [])]
    .filter((queue) => queue && typeof queue.name === "string")
    .sort((a, b) => groupOf(a.name) - groupOf(b.name) || collator.compare(a.name, b.name));
}

/** The probe's end-to-end line (the batch reached this gateway's live feed), or null without a probe. */
export function endToEnd(answer) {
  const hop = (answer.probe || []).find((h) => h && h.hop === "websocket");
  return hop && hop.latency ? hop.latency : null;
}

/**
 * Totals over a whole answer: {queues (sorted), waiting, unacked, deadLettered, unread (names of durable
 * queues without a consumer), problems (queues with any), queuesError, endToEnd}.
 */
export function summarize(answer) {
  const queues = sortQueues(answer.queues);
  const totals = { queues, waiting: 0, unacked: 0, deadLettered: 0, unread: [], problems: 0 };
  for (const queue of queues) {
    totals.waiting += count(queue.ready);
    totals.unacked += count(queue.unacked);
    totals.deadLettered += count(queue.dead_lettered);
    const problems = queueProblems(queue);
    if (problems.some((p) => p.kind === "consumers")) totals.unread.push(queue.name);
    if (problems.length > 0) totals.problems += 1;
  }
  totals.queuesError = typeof answer.queues_error === "string" && answer.queues_error ? answer.queues_error : null;
  totals.endToEnd = endToEnd(answer);
  return totals;
}

/** A latency in milliseconds: 12 → "12 ms", 1530 → "1.53 s"; "—" when unknown. */
export function latency(ms) {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
