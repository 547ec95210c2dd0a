// The machine page's range controls: preset buttons (1h … 30d, a window that follows now), a form for a
// custom window (the keyboard's way to zoom), "Reset zoom" (also Escape) and a line saying what is shown.
// It only renders a range and reports the one the user asks for; machine.js owns the URL and the charts.
import { setText } from "./dom.js";
import * as fmt from "./format.js";
import { PRESETS, isFixed, parseTime, windowProblem } from "./time-range.js";

const pad = (n) => String(n).padStart(2, "0");

/** Milliseconds → the local "YYYY-MM-DDTHH:MM:SS" a datetime-local input holds. */
function localInput(ms) {
  const d = new Date(ms);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${date}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const PRESET_NAMES = { "1h": "hour", "6h": "6 hours", "24h": "24 hours", "7d": "7 days", "30d": "30 days" };

export class RangeControls {
  /**
   * elements: {presets (the button group), reset, form, from, to, error, summary}; onChange({preset, from, to})
   * is called with the range the user chose (from/to null: the preset, following now).
   */
  constructor(elements, onChange) {
    this.elements = elements;
    this.onChange = onChange;
    this.range = null;
    const { presets, reset, form } = elements;
    presets.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-range]");
      if (!button || !PRESETS[button.dataset.range]) return;
      if (button.dataset.range === this.range.preset && !isFixed(this.range)) return;
      this.onChange({ preset: button.dataset.range, from: null, to: null });
    });
    reset.addEventListener("click", () => this.resetZoom());
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || !this.range || !isFixed(this.range)) return;
      if (document.querySelector("dialog[open]")) return; // Escape closes the dialog
      if (event.target.closest && event.target.closest("input, textarea, select")) return;
      this.resetZoom();
    });
  }

  resetZoom() {
    if (this.range && isFixed(this.range)) this.onChange({ preset: this.range.preset, from: null, to: null });
  }

  submit() {
    const { from, to } = this.elements;
    const start = parseTime(from.value);
    const end = parseTime(to.value);
    const problem = windowProblem(start, end);
    this.showError(problem);
    if (problem) {
      (start === null ? from : to).focus();
      return;
    }
    this.onChange({ preset: this.range.preset, from: start, to: end });
  }

  showError(text) {
    const { error, form } = this.elements;
    error.hidden = !text;
    setText(error, text ? `${text[0].toUpperCase()}${text.slice(1)}.` : "");
    if (text) form.dataset.invalid = "";
    else delete form.dataset.invalid;
  }

  /** Shows `range`; `window` {from, to} is what the charts draw now (it fills the form of a preset range). */
  show(range, window) {
    this.range = range;
    const fixed = isFixed(range);
    const { presets, reset, from, to, summary } = this.elements;
    for (const button of presets.querySelectorAll("button[data-range]")) {
      button.setAttribute("aria-pressed", String(!fixed && button.dataset.range === range.preset));
    }
    reset.hidden = !fixed;
    if (document.activeElement !== from) from.value = localInput(window.from);
    if (document.activeElement !== to) to.value = localInput(window.to);
    this.showError(null);
    setText(summary, fixed
      ? `Showing ${fmt.dateTime(range.from)} to ${fmt.dateTime(range.to)}. Reset zoom (or Escape) returns to the ` +
        `last ${PRESET_NAMES[range.preset]}.`
      : `Showing the last ${PRESET_NAMES[range.preset]}, following now. Drag across a chart to zoom in.`);
  }
}
