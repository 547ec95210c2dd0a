// The alerts page's details panel (#alert-detail): one alert's facts and its transitions, oldest first, from
// GET /api/v1/alerts/detail; read again when a live message says that alert changed.
import { alertValue, severityBadge, statusBadge } from "./alert-view.js";
import * as api from "./api.js";
import { chips, h, machineHref, replace, setText } from "./dom.js";
import * as fmt from "./format.js";

const $ = (id) => document.getElementById(id);

function transition(step) {
  const value = step.value === null || step.value === undefined ? "no data" : fmt.number(step.value);
  return h("li", { dataset: { from: step.from || "none", to: step.to || "unknown" } },
    h("span", { className: "transition" },
      step.from ? statusBadge(step.from) : h("span", { className: "muted" }, "new"), " → ", statusBadge(step.to)),
    h("time", { title: Number.isFinite(step.at_ms) ? fmt.dateTime(step.at_ms) : "" },
      Number.isFinite(step.at_ms) ? fmt.dateTime(step.at_ms) : "—"),
    h("span", { className: "muted" }, `value ${value}`));
}

export class AlertDetail {
  /** onClose(): the panel was closed by its button or Escape. */
  constructor({ onClose = () => {} } = {}) {
    this.panel = $("alert-detail");
    this.id = null;
    this.generation = 0;
    this.timer = null;
    $("detail-close").addEventListener("click", () => {
      this.close();
      onClose();
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.id !== null) {
        this.close();
        onClose();
      }
    });
  }

  /** Shows alert `id`: at once from `known` (an alert object the page holds), then with its history. */
  open(id, known = null) {
    this.id = id;
    this.panel.hidden = false;
    this.panel.dataset.alertId = id;
    replace($("detail-history"));
    this.showError(null);
    if (known) this.renderFacts(known);
    else setText($("detail-title"), "Loading…");
    return this.load();
  }

  close() {
    this.id = null;
    this.generation += 1;
    clearTimeout(this.timer);
    this.panel.hidden = true;
    delete this.panel.dataset.alertId;
  }

  /** A live alert message: the open alert changed, so its facts now and its history shortly. */
  update(alert) {
    if (!alert || alert.id !== this.id) return;
    this.renderFacts(alert);
    clearTimeout(this.timer);
    // Transitions come in bursts (pending then firing); one read after the burst is enough.
    this.timer = setTimeout(() => this.load(), 300);
  }

  async load() {
    const generation = ++this.generation;
    const id = this.id;
    try {
      const detail = await api.alertDetail(id);
      if (generation !== this.generation) return;
      this.renderFacts(detail);
      const history = Array.isArray(detail.history) ? detail.history : [];
      replace($("detail-history"), history.length ? history.map(transition)
        : h("li", { className: "muted" }, "No transition recorded."));
      this.panel.dataset.loaded = String(history.length);
    } catch (error) {
      if (generation !== this.generation) return;
      this.showError(error.status === 404 ? "This alert is no longer recorded." : `Could not load the history: ${error.message}`);
    }
  }

  renderFacts(alert) {
    setText($("detail-title"), alert.rule_name || alert.rule_id || "Alert");
    replace($("detail-status"), statusBadge(alert.status));
    replace($("detail-severity"), severityBadge(alert.severity));
    setText($("detail-description"), alert.description || "");
    setText($("detail-rule"), alert.rule_name ? `${alert.rule_name} (${alert.rule_id})` : alert.rule_id || "—");
    replace($("detail-machine"), h("a", { href: machineHref(alert.machine_id) }, alert.hostname || alert.machine_id),
      alert.hostname && alert.hostname !== alert.machine_id ? h("small", { className: "muted" }, ` ${alert.machine_id}`) : null);
    replace($("detail-labels"), Object.keys(alert.labels || {}).length ? chips(alert.labels) : h("span", { className: "muted" }, "none"));
    setText($("detail-value"), alertValue(alert));
    setText($("detail-started"), Number.isFinite(alert.started_ms) ? fmt.dateTime(alert.started_ms) : "—");
    setText($("detail-updated"), Number.isFinite(alert.updated_ms) ? fmt.dateTime(alert.updated_ms) : "—");
    this.panel.dataset.status = alert.status || "unknown";
  }

  showError(text) {
    $("detail-error").hidden = !text;
    $("detail-error").textContent = text || "";
  }
}
