// What each chart of the machine page draws: which series (canonical names, DESIGN.md), the label and order
// of their lines, the unit, and the current value in the card's head. Data only; machine.js wires it. The
// cards themselves are in machine.html (data-chart = id), in this order.
import * as fmt from "./format.js";

const LOAD = ["load.1m", "load.5m", "load.15m"];

/** The value of the first sample of `metric` (and, if given, with label name=value); null when none. */
function value(samples, metric, name, labelValue) {
  const sample = samples.find((s) => s.metric === metric && (!name || s.labels[name] === labelValue));
  return sample ? sample.value : null;
}

/** The sum of every sample of `metric`; null when there is none. */
function sum(samples, metric) {
  let total = null;
  for (const s of samples) if (s.metric === metric) total = (total || 0) + s.value;
  return total;
}

/** The sample of `metric` with the highest value, or null. */
function highest(samples, metric) {
  let top = null;
  for (const s of samples) if (s.metric === metric && (!top || s.value > top.value)) top = s;
  return top;
}

/**
 * id: the card (data-chart) and canvas (chart-<id>); what: named in "not reported" notes; match(sample): does the
 * chart draw this series; label(sample): its line's name; rank(sample): its place before name order;
 * current(samples): the head's text from the latest samples the chart draws.
 */
export const CHARTS = [
  {
    id: "cpu", what: "CPU usage", unit: "percent", max: 100,
    match: (s) =>
      (s.metric === "cpu.usage_percent" && s.labels.cpu === "total") || s.metric === "cpu.iowait_percent",
    label: (s) => (s.metric === "cpu.iowait_percent" ? "iowait" : "used"),
    rank: (s) => (s.metric === "cpu.iowait_percent" ? 1 : 0),
    current: (samples) => {
      const iowait = fmt.percent(value(samples, "cpu.iowait_percent"));
      return `${fmt.percent(value(samples, "cpu.usage_percent"))} · iowait ${iowait}`;
    },
  },
  {
    id: "cores", what: "per-core CPU usage", unit: "percent", max: 100,
    match: (s) => s.metric === "cpu.usage_percent" && s.labels.cpu !== undefined && s.labels.cpu !== "total",
    label: (s) => `core ${s.labels.cpu}`,
    current: (samples) => {
      const busiest = highest(samples, "cpu.usage_percent");
      return busiest ? `${samples.length} cores · busiest ${busiest.labels.cpu}: ${fmt.percent(busiest.value)}` : "";
    },
  },
  {
    id: "load", what: "load averages", unit: "number",
    match: (s) => LOAD.includes(s.metric),
    label: (s) => `${s.metric.slice("load.".length).replace("m", " min")}`,
    rank: (s) => LOAD.indexOf(s.metric),
    current: (samples) => LOAD.map((metric) => fmt.number(value(samples, metric))).join(" · "),
  },
  {
    id: "mem", what: "memory or swap use", unit: "percent", max: 100,
    match: (s) => s.metric === "mem.used_percent" || s.metric === "swap.used_percent",
    label: (s) => (s.metric === "swap.used_percent" ? "swap used" : "memory used"),
    rank: (s) => (s.metric === "swap.used_percent" ? 1 : 0),
    current: (samples) =>
      `${fmt.percent(value(samples, "mem.used_percent"))} · swap ${fmt.percent(value(samples, "swap.used_percent"))}`,
  },
  {
    id: "disk", what: "disk I/O", unit: "rate",
    match: (s) => s.metric === "disk.read_bytes_per_s" || s.metric === "disk.write_bytes_per_s",
    label: (s) => `${s.labels.device || "?"} ${s.metric === "disk.read_bytes_per_s" ? "read" : "write"}`,
    current: (samples) =>
      `R ${fmt.rate(sum(samples, "disk.read_bytes_per_s"))} · W ${fmt.rate(sum(samples, "disk.write_bytes_per_s"))}`,
  },
  {
    id: "space", what: "disk usage", unit: "percent", max: 100,
    match: (s) => s.metric === "disk.used_percent",
    label: (s) => s.labels.mount || "?",
    current: (samples) => {
      const fullest = highest(samples, "disk.used_percent");
      return fullest ? `fullest ${fullest.labels.mount || "?"}: ${fmt.percent(fullest.value)}` : "";
    },
  },
  {
    // Loopback is left out, as in the fleet summary.
    id: "net", what: "network traffic", unit: "rate",
    match: (s) =>
      (s.metric === "net.recv_bytes_per_s" || s.metric === "net.sent_bytes_per_s") && s.labels.iface !== "lo",
    label: (s) => `${s.labels.iface || "?"} ${s.metric === "net.recv_bytes_per_s" ? "↓ recv" : "↑ sent"}`,
    current: (samples) =>
      `↓ ${fmt.rate(sum(samples, "net.recv_bytes_per_s"))} · ↑ ${fmt.rate(sum(samples, "net.sent_bytes_per_s"))}`,
  },
  {
    id: "procs", what: "a process count", unit: "number",
    match: (s) => s.metric === "proc.count",
    label: () => "processes",
    current: (samples) => fmt.number(value(samples, "proc.count")),
  },
];
