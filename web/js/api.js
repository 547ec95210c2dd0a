// The gateway's REST API (docs/api.md), same origin, relative to the page so a path prefix keeps working.
import { promptSignIn } from "./sign-in.js";

export class ApiError extends Error {
  /** status: the HTTP status (0: the gateway did not answer); parameter: the field a 400 names, if any. */
  constructor(message, status, parameter = null) {
    super(message);
    this.status = status;
    this.parameter = parameter;
  }
}

async function request(method, path, { params, body, token } = {}) {
  const url = new URL(path, document.baseURI);
  if (params) url.search = params.toString();
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (error) {
    throw new ApiError(`gateway unreachable (${error.message})`, 0);
  }
  let answer = null;
  try {
    if (response.status !== 204) answer = await response.json();
  } catch {
    // not JSON: reported below with the status
  }
  // A read refused for want of a viewer token (a write's 401 is about the admin token it carried).
  if (response.status === 401 && !token) promptSignIn();
  if (!response.ok) {
    throw new ApiError((answer && answer.error) || `${response.status} ${response.statusText}`, response.status,
      (answer && typeof answer.parameter === "string" && answer.parameter) || null);
  }
  return answer;
}

const get = (path, params) => request("GET", path, { params });

/**
 * GET /api/v1/machines: {now_ms, stale_after_s, offline_after_s, silent_after_s, total, next_offset?, machines}.
 * params: URLSearchParams of q, status, alerting, label, silent, synthetic, limit, offset (all optional).
 */
export function machines(params) {
  return get("api/v1/machines", params);
}

/** DELETE /api/v1/machines/{id} with the admin token: retires the machine (204; 404 when unknown). */
export function retireMachine(id, token) {
  return request("DELETE", `api/v1/machines/${encodeURIComponent(id)}`, { token });
}

/** GET /api/v1/machines/{id}: {machine, latest, processes}. */
export function machine(id) {
  return get(`api/v1/machines/${encodeURIComponent(id)}`);
}

/**
 * GET /api/v1/machines/{id}/history for one series: {from_ms, to_ms, resolution, step_s, points: [{t, avg, min,
 * max, count}]}. shown: {range: "6h"} (ending at the gateway's now) or {from, to} in milliseconds.
 */
export function history(id, metric, labels, shown) {
  const params = new URLSearchParams({ metric });
  if (shown.range) params.set("range", shown.range);
  else {
    params.set("from", String(Math.round(shown.from)));
    params.set("to", String(Math.round(shown.to)));
  }
  for (const name of Object.keys(labels || {}).sort()) params.append("label", `${name}:${labels[name]}`);
  return get(`api/v1/machines/${encodeURIComponent(id)}/history`, params);
}

/**
 * GET /api/v1/alerts: {alerts}, newest change first. filter: {status: "firing,pending", machine_id, rule_id,
 * since: "24h", limit}; absent fields are left out.
 */
export function alerts(filter = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filter)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  return get("api/v1/alerts", params);
}

/** GET /api/v1/alerts/detail?id=…: the alert and its history [{from, to, at_ms, value}], oldest first. */
export function alertDetail(id) {
  return get("api/v1/alerts/detail", new URLSearchParams({ id }));
}

/** GET /api/v1/pipeline: {now_ms, queues: [{name, ready, unacked, consumers, dead_lettered?}], queues_error?, probe}. */
export function pipeline() {
  return get("api/v1/pipeline");
}

/** GET /api/v1/rules: {rules}. */
export function rules() {
  return get("api/v1/rules");
}

/** GET /api/v1/rules/{id}: a rule. */
export function rule(id) {
  return get(`api/v1/rules/${encodeURIComponent(id)}`);
}

/** POST /api/v1/rules (a rule without id and version) → the created rule. */
export function createRule(rule, token) {
  return request("POST", "api/v1/rules", { body: rule, token });
}

/** PUT /api/v1/rules/{id} (the whole rule with the version that was read) → the rule with the next version. */
export function updateRule(id, rule, token) {
  return request("PUT", `api/v1/rules/${encodeURIComponent(id)}`, { body: rule, token });
}

/** DELETE /api/v1/rules/{id}?version=N. */
export function deleteRule(id, version, token) {
  return request("DELETE", `api/v1/rules/${encodeURIComponent(id)}`, {
    params: new URLSearchParams({ version: String(version) }),
    token,
  });
}

/** GET /api/v1/silences: {silences}, newest first. state: "active", "pending", "expired" (comma-separated) or "". */
export function silences(state = "") {
  return get("api/v1/silences", state ? new URLSearchParams({ state }) : undefined);
}

/**
 * POST /api/v1/silences with the admin token → the created silence. silence: {matchers: ["machine=web-1", …],
 * starts_at_ms?, ends_at_ms or duration: "2h", created_by, comment}.
 */
export function createSilence(silence, token) {
  return request("POST", "api/v1/silences", { body: silence, token });
}

/** DELETE /api/v1/silences/{id} with the admin token: expires it now → the expired silence. */
export function expireSilence(id, token) {
  return request("DELETE", `api/v1/silences/${encodeURIComponent(id)}`, { token });
}
