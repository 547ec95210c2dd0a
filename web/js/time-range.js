// The machine page's time range, as the URL keeps it: a preset that ends now and follows it (range=6h), or a
// fixed window chosen by dragging across a chart or typing it (from=…&to=…, RFC 3339 or milliseconds since 1970,
// as the history API takes them). Pure: reads and writes URLSearchParams, no DOM.

/** Preset name → window width in milliseconds. */
export const PRESETS = { "1h": 3600e3, "6h": 6 * 3600e3, "24h": 86400e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3 };
export const DEFAULT_PRESET = "1h";
/** A narrower window has too few samples to be worth a request (and a drag that small is a click). */
export const MIN_SPAN_MS = 10e3;
/** The history API's limit (docs/api.md). */
export const MAX_SPAN_MS = 400 * 86400e3;

/** Milliseconds from "1764275400000" or a date Date.parse reads (RFC 3339, local "2026-12-07T07:20"); else null. */
export function parseTime(text) {
  if (typeof text !== "string" || text.trim() === "") return null;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const ms = Date.parse(trimmed);
  return Number.isFinite(ms) ? ms : null;
}

/** "2026-12-07T07:20:05Z": RFC 3339 in UTC, whole seconds (what the page writes into the URL). */
export function isoTime(ms) {
  return new Date(Math.round(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * Checks a fixed window: null when valid, otherwise a sentence naming what is wrong.
 * `from` and `to` are milliseconds or null when their text did not parse.
 */
export function windowProblem(from, to) {
  if (from === null) return "from is not a time: use RFC 3339 like 2026-12-07T07:20:00Z or milliseconds since 1970";
  if (to === null) return "to is not a time: use RFC 3339 like 2026-12-07T08:00:00Z or milliseconds since 1970";
  if (from >= to) return "from must be before to";
  if (to - from < MIN_SPAN_MS) return `a range must span at least ${MIN_SPAN_MS / 1000} s`;
  if (to - from > MAX_SPAN_MS) return `a range may span at most ${MAX_SPAN_MS / 86400e3} days`;
  return null;
}

/**
 * The range in URL parameters: {preset, from, to, error}. from/to are milliseconds of a fixed window, or null
 * when the window is the preset ending now. A fixed window that does not parse falls back to the preset and
 * says why in `error`.
 */
export function readRange(params) {
  const preset = PRESETS[params.get("range")] ? params.get("range") : DEFAULT_PRESET;
  const fromText = params.get("from");
  const toText = params.get("to");
  if (fromText === null && toText === null) return { preset, from: null, to: null, error: null };
  if (fromText === null || toText === null) {
    const error = "Time range in the URL ignored: from and to go together (give both, or neither for a preset range).";
    return { preset, from: null, to: null, error };
  }
  const from = parseTime(fromText);
  const to = parseTime(toText);
  const error = windowProblem(from, to);
  if (error) return { preset, from: null, to: null, error: `Time range in the URL ignored: ${error}.` };
  return { preset, from, to, error: null };
}

/** Writes the range into URL parameters (in place): range always, from/to only for a fixed window. */
export function writeRange(params, { preset, from, to }) {
  params.set("range", preset);
  if (from !== null && to !== null) {
    params.set("from", isoTime(from));
    params.set("to", isoTime(to));
  } else {
    params.delete("from");
    params.delete("to");
  }
  return params;
}

/** Whether the range is a fixed window (zoomed or typed) rather than a preset following now. */
export function isFixed(range) {
  return range.from !== null && range.to !== null;
}

/** The window to draw at `now`: {from, to, live}; live windows move with the clock. */
export function windowAt(range, now) {
  if (isFixed(range)) return { from: range.from, to: range.to, live: false };
  return { from: now - PRESETS[range.preset], to: now, live: true };
}

/** A fixed window snapped outwards to whole seconds (tidy URLs) and widened to the minimum span. */
export function snapWindow(from, to) {
  let start = Math.floor(from / 1000) * 1000;
  let end = Math.ceil(to / 1000) * 1000;
  if (end - start < MIN_SPAN_MS) {
    const middle = (start + end) / 2;
    start = Math.floor((middle - MIN_SPAN_MS / 2) / 1000) * 1000;
    end = start + MIN_SPAN_MS;
  }
  return { from: start, to: end };
}
