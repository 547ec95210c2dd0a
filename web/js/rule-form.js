// The rule form (#rule-form): fills it from a rule object, reads it back into one (the JSON of
// POST/PUT /api/v1/rules), and marks the field an error names. Pure form handling: no requests.
import { h } from "./dom.js";

/** The canonical metric names a threshold rule can watch (DESIGN.md). */
export const METRICS = [
  "cpu.usage_percent", "cpu.iowait_percent", "load.1m", "load.5m", "load.15m",
  "mem.used_percent", "mem.used_bytes", "mem.available_bytes", "mem.total_bytes", "swap.used_percent",
  "disk.used_percent", "disk.used_bytes", "disk.read_bytes_per_s", "disk.write_bytes_per_s",
  "net.recv_bytes_per_s", "net.sent_bytes_per_s", "proc.count", "host.uptime_seconds",
  "container.cpu.usage_percent", "container.mem.used_bytes", "container.io.read_bytes_per_s",
  "container.io.write_bytes_per_s", "container.net.recv_bytes_per_s", "container.net.sent_bytes_per_s",
];
/** The metric select's value for a no-data rule (a no-data rule's metric is "" in the API). */
const NO_DATA = "";

const NAME = /^[A-Za-z0-9_]+$/;

export class RuleForm {
  constructor(form) {
    this.form = form;
    this.rule = null;
    this.elements = form.elements;
    const metric = this.elements.metric;
    metric.append(...METRICS.map((name) => h("option", { value: name }, name)),
      h("option", { value: NO_DATA }, "no data for N seconds…"));
    metric.addEventListener("change", () => this.showKind());
    // Editing a field clears the error shown on it.
    form.addEventListener("input", (event) => {
      const field = event.target.closest("[data-field]");
      if (field) this.markField(field.dataset.field, null);
    });
    this.fill(null);
  }

  /** The rule being edited (with its id and version), or null for a new one. */
  get editing() {
    return this.rule;
  }

  /** Fills the form with `rule`, or empties it for a new rule. */
  fill(rule) {
    this.rule = rule;
    const e = this.elements;
    const r = rule || {};
    const noData = rule ? (r.no_data_seconds || 0) > 0 : false;
    e.name.value = r.name || "";
    e.metric.value = noData ? NO_DATA : r.metric || METRICS[0];
    e.comparator.value = r.comparator || ">";
    e.threshold.value = noData || r.threshold === undefined || r.threshold === null ? "" : String(r.threshold);
    e.resolve_threshold.value = r.resolve_threshold === undefined || r.resolve_threshold === null ? "" : String(r.resolve_threshold);
    e.no_data_seconds.value = noData ? String(r.no_data_seconds) : "";
    e.for_seconds.value = rule ? String(r.for_seconds ?? 0) : "";
    e.severity.value = r.severity || "warning";
    e.matchers.value = Object.keys(r.matchers || {}).sort().map((k) => `${k}=${r.matchers[k]}`).join("\n");
    e.description.value = r.description || "";
    e.enabled.checked = rule ? r.enabled !== false : true;
    this.form.dataset.mode = rule ? "edit" : "create";
    if (rule) this.form.dataset.ruleId = rule.id;
    else delete this.form.dataset.ruleId;
    this.clearErrors();
    this.showKind();
  }

  /** Threshold fields for a metric, the silence field for "no data". */
  showKind() {
    const noData = this.elements.metric.value === NO_DATA;
    for (const element of this.form.querySelectorAll("[data-when]")) {
      element.hidden = element.dataset.when !== (noData ? "no-data" : "threshold");
    }
  }

  /**
   * The rule the form describes: {rule} ready to send (with id and version when editing), or {errors}:
   * field name → message, for fields the browser can already tell are wrong.
   */
  read() {
    const e = this.elements;
    const errors = {};
    const number = (field, { required = false, integer = false, min = -Infinity } = {}) => {
      const text = e[field].value.trim();
      if (text === "") {
        if (required) errors[field] = "required";
        return null;
      }
      const value = Number(text);
      if (!Number.isFinite(value)) errors[field] = "must be a number";
      else if (integer && !Number.isInteger(value)) errors[field] = "must be a whole number of seconds";
      else if (value < min) errors[field] = `must be at least ${min}`;
      return value;
    };

    const name = e.name.value.trim();
    if (!name) errors.name = "required";
    const noData = e.metric.value === NO_DATA;
    const rule = {
      name,
      metric: noData ? "" : e.metric.value,
      comparator: e.comparator.value,
      threshold: noData ? 0 : number("threshold", { required: true }),
      resolve_threshold: noData ? null : number("resolve_threshold"),
      no_data_seconds: noData ? number("no_data_seconds", { required: true, integer: true, min: 1 }) : 0,
      matchers: this.readMatchers(errors),
      for_seconds: number("for_seconds", { integer: true, min: 0 }) ?? 0,
      severity: e.severity.value,
      description: e.description.value,
      enabled: e.enabled.checked,
    };
    if (this.rule) {
      rule.id = this.rule.id;
      rule.version = this.rule.version;
    }
    return Object.keys(errors).length ? { errors } : { rule };
  }

  readMatchers(errors) {
    const matchers = {};
    const lines = this.elements.matchers.value.split("\n").map((l) => l.trim()).filter(Boolean);
    for (const line of lines) {
      const at = line.indexOf("=");
      const key = at < 0 ? "" : line.slice(0, at).trim();
      const value = at < 0 ? "" : line.slice(at + 1).trim();
      if (at < 0 || !NAME.test(key)) {
        errors.matchers = `"${line}" is not name=value (names are letters, digits and _)`;
      } else if (key in matchers) {
        errors.matchers = `"${key}" appears twice`;
      } else {
        matchers[key] = value;
      }
    }
    return matchers;
  }

  /** Shows `message` on field `name` (null clears it); false when the form has no such field. */
  markField(name, message) {
    const field = this.form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    if (!field) return false;
    const note = field.querySelector(".field-error");
    const control = field.querySelector("input, select, textarea");
    if (message) {
      field.dataset.invalid = "true";
      if (control) control.setAttribute("aria-invalid", "true");
      if (note) {
        note.textContent = message;
        note.hidden = false;
      }
    } else {
      delete field.dataset.invalid;
      if (control) control.removeAttribute("aria-invalid");
      if (note) {
        note.textContent = "";
        note.hidden = true;
      }
    }
    return true;
  }

  /** Marks every field in `errors` (name → message) and focuses the first one shown. */
  markFields(errors) {
    let first = null;
    for (const [name, message] of Object.entries(errors)) {
      if (this.markField(name, message) && !first) first = name;
    }
    if (first) this.focus(first);
    return first !== null;
  }

  focus(name) {
    const control = this.form.querySelector(`[data-field="${CSS.escape(name)}"] :is(input, select, textarea)`);
    if (control && !control.closest("[hidden]")) control.focus();
  }

  clearErrors() {
    for (const field of this.form.querySelectorAll("[data-field][data-invalid]")) this.markField(field.dataset.field, null);
  }
}
