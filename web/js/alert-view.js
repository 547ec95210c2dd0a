// Alerts as DOM: status, severity and "silenced" badges, a machine's alert counts, and tables of alert rows that
// are kept by id and updated in place. Every text (rule names, hostnames, labels) goes in as text.
import { chips, h, machineHref, replace, setText } from "./dom.js";
import * as fmt from "./format.js";

export function statusBadge(status) {
  return h("span", { className: "badge alert-status", dataset: { alertStatus: status || "unknown" } }, status || "?");
}

/** Whether an active silence keeps the alert out of notifications (REST and live alert messages fill silenced_by). */
export function isSilenced(alert) {
  return Array.isArray(alert.silenced_by) && alert.silenced_by.length > 0;
}

/** "silenced", titled with the silences that hold the alert's notifications. */
export function silencedBadge(alert) {
  return h("span", {
    className: "badge silenced",
    title: `Silenced by ${alert.silenced_by.join(", ")}: evaluated, but no notifications while the silence lasts`,
  }, "silenced");
}

/** silences.html with matchers that select this alert: its machine, its rule and its series labels. */
export function silenceHref(alert) {
  const params = new URLSearchParams();
  params.append("match", `machine=${alert.machine_id}`);
  params.append("match", `rule_id=${alert.rule_id}`);
  for (const name of Object.keys(alert.labels || {}).sort()) params.append("match", `${name}=${alert.labels[name]}`);
  return `silences.html?${params}`;
}

export function severityBadge(severity) {
  return h("span", { className: "severity", dataset: { severity: severity || "unknown" } }, severity || "?");
}

/**
 * A machine's {firing, pending, silenced, worst} as badges ("2 firing" coloured by the worst severity, "1 pending",
 * "1 silenced"); silenced alerts are counted in neither firing nor pending.
 */
export function alertCounts(counts) {
  const parts = [];
  if (!counts) return parts;
  if (counts.firing > 0) {
    const worst = counts.worst || "warning";
    parts.push(h("span", {
      className: "alert-count",
      dataset: { kind: "firing", severity: worst },
      title: `${counts.firing} firing, the worst ${worst}`,
    }, `${counts.firing} firing`));
  }
  if (counts.pending > 0) {
    parts.push(h("span", {
      className: "alert-count",
      dataset: { kind: "pending" },
      title: `${counts.pending} pending: the condition holds, waiting out the rule's "for" duration`,
    }, `${counts.pending} pending`));
  }
  if (counts.silenced > 0) {
    parts.push(h("span", {
      className: "alert-count",
      dataset: { kind: "silenced" },
      title: `${counts.silenced} open ${counts.silenced === 1 ? "alert" : "alerts"} held by a silence: evaluated, ` +
        "but no notifications while the silence lasts",
    }, `${counts.silenced} silenced`));
  }
  return parts;
}

/** The value that triggered the alert; "no data" for a no-data alert. */
export function alertValue(alert) {
  return alert.value === null || alert.value === undefined ? "no data" : fmt.number(alert.value);
}

const NUMERIC = new Set(["value", "started", "updated"]);

function fill(cell, alert) {
  switch (cell.dataset.col) {
    case "status":
      replace(cell, statusBadge(alert.status), isSilenced(alert) ? [" ", silencedBadge(alert)] : null);
      break;
    case "severity":
      replace(cell, severityBadge(alert.severity));
      break;
    case "rule":
      replace(cell, h("span", { className: "rule-name" }, alert.rule_name || alert.rule_id || "?"));
      cell.title = alert.description || "";
      break;
    case "machine":
      replace(cell, h("a", { className: "alert-machine", href: machineHref(alert.machine_id) },
        alert.hostname || alert.machine_id));
      cell.title = alert.machine_id || "";
      break;
    case "labels":
      replace(cell, chips(alert.labels));
      break;
    case "value":
      setText(cell, alertValue(alert));
      break;
    case "started":
      setText(cell, fmt.moment(alert.started_ms));
      cell.title = Number.isFinite(alert.started_ms) ? fmt.dateTime(alert.started_ms) : "";
      break;
    case "updated":
      setText(cell, fmt.moment(alert.updated_ms));
      cell.title = Number.isFinite(alert.updated_ms) ? fmt.dateTime(alert.updated_ms) : "";
      break;
    default:
      break;
  }
}

/**
 * A <table> of alerts, one <tr data-alert-id> per alert in the order given, rows reused across renders.
 * columns: any of status, severity, rule, machine, labels, value, started, updated.
 * onSelect(id): a click on a row (not on its links) or Enter / Space on a focused row.
 */
export class AlertTable {
  constructor(table, columns, { empty = null, onSelect = null } = {}) {
    this.table = table;
    this.body = table.tBodies[0];
    this.columns = columns;
    this.empty = empty;
    /** id → {row, key} */
    this.rows = new Map();
    this.selected = null;
    if (onSelect) {
      this.body.addEventListener("click", (event) => {
        if (event.target.closest("a")) return;
        const row = event.target.closest("tr[data-alert-id]");
        if (row) onSelect(row.dataset.alertId);
      });
      this.body.addEventListener("keydown", (event) => {
        if ((event.key !== "Enter" && event.key !== " ") || event.target.closest("a")) return;
        const row = event.target.closest("tr[data-alert-id]");
        if (!row) return;
        event.preventDefault();
        onSelect(row.dataset.alertId);
      });
      table.classList.add("selectable");
    }
  }

  createRow(alert) {
    const cells = this.columns.map((col) => h("td", { className: NUMERIC.has(col) ? "num" : "", dataset: { col } }));
    const props = { dataset: { alertId: alert.id, ruleId: alert.rule_id || "", machineId: alert.machine_id || "" } };
    if (this.table.classList.contains("selectable")) props.tabIndex = 0;
    return h("tr", props, cells);
  }

  render(alerts) {
    const seen = new Set();
    const order = [];
    for (const alert of alerts) {
      seen.add(alert.id);
      let entry = this.rows.get(alert.id);
      if (!entry) {
        entry = { row: this.createRow(alert), key: null };
        this.rows.set(alert.id, entry);
      }
      const silencedBy = (alert.silenced_by || []).join(",");
      const key = `${alert.status}|${alert.severity}|${alert.updated_ms}|${alert.value}|${alert.hostname}|${silencedBy}`;
      if (entry.key !== key) {
        entry.key = key;
        entry.row.dataset.status = alert.status;
        entry.row.dataset.silenced = String(isSilenced(alert));
        entry.row.dataset.severity = alert.severity;
        for (const cell of entry.row.cells) fill(cell, alert);
      }
      entry.row.setAttribute("aria-selected", String(alert.id === this.selected));
      order.push(entry.row);
    }
    for (const [id, entry] of this.rows) {
      if (!seen.has(id)) {
        entry.row.remove();
        this.rows.delete(id);
      }
    }
    const current = this.body.children;
    const inOrder = current.length === order.length && order.every((row, i) => current[i] === row);
    if (!inOrder) this.body.append(...order);
    if (this.empty) this.empty.hidden = order.length > 0;
    this.table.hidden = order.length === 0;
  }

  /** Marks one row as selected (aria-selected), or none. */
  select(id) {
    this.selected = id;
    for (const [rowId, entry] of this.rows) entry.row.setAttribute("aria-selected", String(rowId === id));
  }
}
