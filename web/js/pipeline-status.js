// The fleet page's one-line pipeline status (#pipeline-status, a link to pipeline.html): "pipeline OK",
// "pipeline: 1,204 messages waiting", "pipeline: DLQ holds 3 · fleet.persist has no consumer"…, read from
// GET /api/v1/pipeline every 10 s while the page is visible. Hidden while the gateway cannot say.
import * as api from "./api.js";
import { setText } from "./dom.js";
import * as fmt from "./format.js";
import { latency, summarize } from "./pipeline-health.js";

const REFRESH_MS = 10_000;

/** The line's level (ok | busy | bad | unknown), its text and its tooltip. */
export function describe(totals) {
  if (totals.queuesError) {
    return { level: "unknown", text: "pipeline: queue figures unavailable", title: totals.queuesError };
  }
  const problems = [];
  if (totals.deadLettered > 0) problems.push(`DLQ holds ${fmt.number(totals.deadLettered)}`);
  if (totals.unread.length === 1) problems.push(`${totals.unread[0]} has no consumer`);
  else if (totals.unread.length > 1) problems.push(`${totals.unread.length} queues have no consumer`);
  const waiting = totals.waiting > 0
    ? `${fmt.number(totals.waiting)} ${totals.waiting === 1 ? "message" : "messages"} waiting`
    : null;
  const probe = totals.endToEnd ? `${latency(totals.endToEnd.p50)} end to end` : null;
  const level = problems.length > 0 ? "bad" : waiting ? "busy" : "ok";
  const parts = level === "ok" ? ["pipeline OK"] : [`pipeline: ${[...problems, waiting].filter(Boolean).join(" · ")}`];
  if (probe) parts.push(probe);
  return { level, text: parts.join(" · "), title: "Queues and probe latency: open the pipeline page" };
}

export function startPipelineStatus(element) {
  if (!element) return;
  const load = async () => {
    if (document.hidden) return;
    try {
      const { level, text, title } = describe(summarize((await api.pipeline()) || {}));
      element.dataset.level = level;
      setText(element, text);
      element.title = title;
      element.hidden = false;
    } catch {
      element.hidden = true;
    }
  };
  load();
  setInterval(load, REFRESH_MS);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) load();
  });
}
