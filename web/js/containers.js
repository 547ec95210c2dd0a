// The machine page's "Containers" table: one row per `container` label among the latest values
// (container.cpu.usage_percent, container.mem.used_bytes, container.io.*, container.net.*), busiest first.
// Text only through textContent (dom.js).

import { h, replace, setText } from "./dom.js";
import * as fmt from "./format.js";

const PREFIX = "container.";

/** container name → {cpu, mem, ioRead, ioWrite, netRecv, netSent} from the latest samples. */
export function containerRows(samples) {
  const rows = new Map();
  for (const sample of samples) {
    const name = sample.labels && sample.labels.container;
    if (typeof name !== "string" || !sample.metric.startsWith(PREFIX)) continue;
    const row = rows.get(name) || { name };
    switch (sample.metric) {
      case "container.cpu.usage_percent": row.cpu = sample.value; break;
      case "container.mem.used_bytes": row.mem = sample.value; break;
      case "container.io.read_bytes_per_s": row.ioRead = sample.value; break;
      case "container.io.write_bytes_per_s": row.ioWrite = sample.value; break;
      case "container.net.recv_bytes_per_s": row.netRecv = sample.value; break;
      case "container.net.sent_bytes_per_s": row.netSent = sample.value; break;
      default: break;
    }
    rows.set(name, row);
  }
  return [...rows.values()].sort((a, b) => (b.cpu ?? -1) - (a.cpu ?? -1) || a.name.localeCompare(b.name));
}

/** Fills the table (and its section's count); the section stays hidden while no container is reported. */
export function renderContainers(section, table, count, samples) {
  const rows = containerRows(samples);
  section.hidden = rows.length === 0;
  setText(count, rows.length ? `${rows.length} reported` : "");
  replace(table.tBodies[0], rows.map((row) =>
    h("tr", { dataset: { container: row.name } },
      h("td", { className: "proc-name", title: row.name }, row.name),
      h("td", { className: "num" }, fmt.percent(row.cpu)),
      h("td", { className: "num" }, fmt.bytes(row.mem)),
      h("td", { className: "num" }, `${fmt.rate(row.ioRead)} / ${fmt.rate(row.ioWrite)}`),
      h("td", { className: "num" }, `${fmt.rate(row.netRecv)} / ${fmt.rate(row.netSent)}`))));
}
