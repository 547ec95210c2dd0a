// The gateway's REST API (docs/api.md), same origin, relative to the page so a path prefix keeps working.

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function get(path, params) {
  const url = new URL(path, document.baseURI);
  if (params) url.search = params.toString();
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
  } catch (error) {
    throw new ApiError(`gateway unreachable (${error.message})`, 0);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: reported below with the status
  }
  if (!response.ok) {
    throw new ApiError((body && body.error) || `${response.status} ${response.statusText}`, response.status);
  }
  return body;
}

/** GET /api/v1/machines: {now_ms, stale_after_s, offline_after_s, machines}. */
export function machines() {
  return get("api/v1/machines");
}

/** GET /api/v1/machines/{id}: {machine, latest, processes}. */
export function machine(id) {
  return get(`api/v1/machines/${encodeURIComponent(id)}`);
}

/** GET /api/v1/machines/{id}/history for one series: {from_ms, to_ms, step_s, points: [{t, avg, min, max, count}]}. */
export function history(id, metric, labels, range) {
  const params = new URLSearchParams({ metric, range });
  for (const name of Object.keys(labels || {}).sort()) params.append("label", `${name}:${labels[name]}`);
  return get(`api/v1/machines/${encodeURIComponent(id)}/history`, params);
}
