// Turning numbers into short, readable text: percentages, byte sizes, rates, ages and times.
// Pure functions, no DOM.

const DASH = "—";

function finite(value) {
  return typeof value === "number" && Number.isFinite(value);
}

/** 12.5 → "12.5 %"; null → "—". */
export function percent(value) {
  if (!finite(value)) return DASH;
  return `${value !== 0 && Math.abs(value) < 10 ? value.toFixed(1) : Math.round(value)} %`;
}

/** A count of bytes in powers of 1024: 10485760 → "10 MiB". */
export function bytes(value) {
  if (!finite(value)) return DASH;
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = Math.abs(value);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${value < 0 ? "-" : ""}${trim(v, i)} ${units[i]}`;
}

/** Bytes per second in powers of 1000: 1200000 → "1.2 MB/s". */
export function rate(value) {
  if (!finite(value)) return DASH;
  const units = ["B/s", "kB/s", "MB/s", "GB/s", "TB/s"];
  let v = Math.abs(value);
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${value < 0 ? "-" : ""}${trim(v, i)} ${units[i]}`;
}

function trim(v, unitIndex) {
  if (unitIndex === 0) return String(Math.round(v));
  return v < 10 ? v.toFixed(1) : String(Math.round(v));
}

/** A plain number with sensible precision: 0.3123 → "0.31". */
export function number(value) {
  if (!finite(value)) return DASH;
  const a = Math.abs(value);
  if (a >= 1000 || Number.isInteger(value)) return Math.round(value).toLocaleString("en");
  if (a >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** A duration in seconds: 93784 → "1 d 2 h". */
export function duration(seconds) {
  if (!finite(seconds)) return DASH;
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** How long ago, from milliseconds: 3000 → "3 s ago". */
export function ago(milliseconds) {
  if (!finite(milliseconds)) return "never";
  const s = Math.max(0, Math.round(milliseconds / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** Any canonical metric's value, its unit read from the name (DESIGN.md: units are spelled in the name). */
export function metricValue(metric, value) {
  if (metric.endsWith("_percent")) return percent(value);
  if (metric.endsWith("_bytes_per_s")) return rate(value);
  if (metric.endsWith("_bytes")) return bytes(value);
  if (metric.endsWith("_seconds")) return duration(value);
  return number(value);
}

/** Labels as "k=v, k=v" in name order; "" for none. */
export function labelText(labels) {
  return Object.keys(labels || {})
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(", ");
}

const pad = (n) => String(n).padStart(2, "0");
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Local clock time: "14:05" or "14:05:09". */
export function clock(ms, seconds = false) {
  const d = new Date(ms);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return seconds ? `${hm}:${pad(d.getSeconds())}` : hm;
}

/** Local date: "Nov 27". */
export function day(ms) {
  const d = new Date(ms);
  return `${MONTHS[d.getMonth()]} ${d.getDate()}`;
}

/** Local date and time: "Nov 27 14:05:09". */
export function dateTime(ms) {
  return `${day(ms)} ${clock(ms, true)}`;
}

/** A moment worth reading at a glance: "14:05:09" today, "Nov 27 14:05" on another day; "—" when unknown. */
export function moment(ms, now = Date.now()) {
  if (!finite(ms)) return DASH;
  const d = new Date(ms);
  const today = new Date(now);
  const sameDay = d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() &&
    d.getDate() === today.getDate();
  return sameDay ? clock(ms, true) : `${day(ms)} ${clock(ms)}`;
}
