// The silences page (silences.html): silences and maintenance windows (GET /api/v1/silences) in a table with an
// Expire button, and a form that creates one with the admin token. ?match=name=value (repeatable) pre-fills the
// matchers (the alerts page's "Silence…" link); ?state=active|pending|expired filters the table.
import { AdminToken } from "./admin-token.js";
import * as api from "./api.js";
import { h, replace, setText } from "./dom.js";
import * as fmt from "./format.js";
import { startNav } from "./nav.js";

const $ = (id) => document.getElementById(id);
const token = new AdminToken(document.querySelector('[data-field="token"]'));
const form = $("silence-form");
const CREATOR_KEY = "fleetwatch.silenceCreator";
let silences = [];
let busy = false;

// --- messages ---------------------------------------------------------------------------------------

function showError(text) {
  $("error").hidden = !text;
  $("error").textContent = text || "";
}

function formError(text) {
  $("form-error").hidden = !text;
  $("form-error").textContent = text || "";
  if (text) $("form-status").hidden = true;
}

function formStatus(text) {
  $("form-status").hidden = !text;
  $("form-status").textContent = text || "";
}

/** Marks the field a refusal names ("matchers[1]" → matchers) with `text`; false when no field fits. */
function fieldError(parameter, text) {
  const name = (parameter || "").replace(/\[\d+\]$/, "");
  const field = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  if (!field) return false;
  field.dataset.invalid = "true";
  const input = field.querySelector("input, textarea, select");
  input.setAttribute("aria-invalid", "true");
  const note = field.querySelector(".field-error");
  note.textContent = text;
  note.hidden = false;
  input.focus();
  return true;
}

function clearMessages() {
  formError(null);
  formStatus(null);
  token.ask(null);
  for (const field of form.querySelectorAll("[data-invalid]")) {
    delete field.dataset.invalid;
    field.querySelector("[aria-invalid]")?.removeAttribute("aria-invalid");
    const note = field.querySelector(".field-error");
    note.textContent = "";
    note.hidden = true;
  }
}

/** A refusal of a change, told where it belongs: next to the token, the field, or above the buttons. */
function refused(error, what) {
  if (error.status === 401) {
    formError(`The admin token is missing or wrong (401).`);
    token.ask("Enter the config service's admin token (FLEETWATCH_ADMIN_TOKEN).");
  } else if (error.status === 403) {
    formError(`${what} was refused (403): ${error.message}`);
    token.ask("Silence changes are turned off on the config service, or this token may not make them.");
  } else if (error.status === 400 && fieldError(error.parameter, error.message)) {
    formError(`${what} was refused: ${error.message}`);
  } else if (error.status === 404) {
    formError(`${what}: the silence is gone (404); the list is read again.`);
  } else {
    formError(`${what} failed: ${error.message}`);
  }
}

// --- the table --------------------------------------------------------------------------------------

function matcherText(m) {
  return `${m.name}${m.op}${m.value}`;
}

function when(ms) {
  return h("time", { dateTime: new Date(ms).toISOString(), title: fmt.dateTime(ms) }, fmt.dateTime(ms));
}

function silenceRow(silence) {
  const live = silence.state === "active" || silence.state === "pending";
  const expire = live
    ? h("button", {
      type: "button",
      className: "button quiet danger",
      dataset: { action: "expire", silenceId: silence.id },
      attrs: { "aria-label": `Expire the silence of ${silence.matchers.map(matcherText).join(", ")}` },
    }, "Expire")
    : null;
  return h("tr", { dataset: { silenceId: silence.id, state: silence.state } },
    h("td", { dataset: { col: "state" } },
      h("span", { className: "badge silence-state", dataset: { silenceState: silence.state } }, silence.state)),
    h("td", { className: "chips", dataset: { col: "matchers" } },
      silence.matchers.map((m) => h("span", { className: "chip" }, matcherText(m)))),
    h("td", { dataset: { col: "starts" } }, when(silence.starts_at_ms)),
    h("td", { dataset: { col: "ends" } }, when(silence.ends_at_ms)),
    h("td", { dataset: { col: "created_by" } }, silence.created_by),
    h("td", { className: "comment", dataset: { col: "comment" } }, silence.comment),
    h("td", { className: "actions" }, expire));
}

function render() {
  const table = $("silences");
  replace(table.tBodies[0], silences.map(silenceRow));
  table.hidden = silences.length === 0;
  $("silences-empty").hidden = silences.length > 0;
  const count = (state) => silences.filter((s) => s.state === state).length;
  setText($("silences-summary"),
    `${count("active")} active · ${count("pending")} pending · ${count("expired")} expired`);
}

async function load() {
  const state = $("state-filter").value;
  try {
    silences = (await api.silences(state)).silences || [];
    showError(null);
  } catch (error) {
    showError(error.status === 503
      ? `Silences are unavailable: the config service cannot be reached (${error.message}).`
      : `Could not load silences: ${error.message}`);
  }
  render();
}

async function expire(id) {
  if (busy) return;
  clearMessages();
  if (!token.value) {
    formError("Expiring a silence needs the admin token.");
    token.ask("Enter the admin token first.");
    return;
  }
  busy = true;
  try {
    const expired = await api.expireSilence(id, token.value);
    formStatus(`Expired the silence of ${expired.matchers.map(matcherText).join(", ")}.`);
  } catch (error) {
    refused(error, "Expiring");
  } finally {
    busy = false;
  }
  await load();
}

// --- the form ---------------------------------------------------------------------------------------

/** Milliseconds of a datetime-local input (the browser's time zone), or null when empty. */
function localTime(input) {
  return input.value ? new Date(input.value).getTime() : null;
}

function formSilence() {
  const silence = {
    matchers: $("silence-matchers").value.split("\n").map((line) => line.trim()).filter(Boolean),
    created_by: $("silence-created-by").value.trim(),
    comment: $("silence-comment").value.trim(),
  };
  const starts = localTime($("silence-starts"));
  if (starts !== null) silence.starts_at_ms = starts;
  const ends = localTime($("silence-ends"));
  if (ends !== null) silence.ends_at_ms = ends;
  else silence.duration = $("silence-duration").value.trim();
  return silence;
}

async function submit(event) {
  event.preventDefault();
  if (busy) return;
  clearMessages();
  const silence = formSilence();
  if (silence.matchers.length === 0) {
    fieldError("matchers", "At least one matcher, e.g. machine=web-1.");
    return;
  }
  if (!token.value) {
    formError("Creating a silence needs the admin token.");
    token.ask("Enter the admin token first.");
    return;
  }
  busy = true;
  $("silence-save").disabled = true;
  try {
    const created = await api.createSilence(silence, token.value);
    try {
      localStorage.setItem(CREATOR_KEY, silence.created_by);
    } catch {
      // storage disabled
    }
    formStatus(`Created: ${created.state} until ${fmt.dateTime(created.ends_at_ms)}.`);
    $("silence-comment").value = "";
  } catch (error) {
    refused(error, "Creating the silence");
  } finally {
    busy = false;
    $("silence-save").disabled = false;
  }
  await load();
}

function prefill() {
  const params = new URLSearchParams(location.search);
  const matchers = params.getAll("match");
  if (matchers.length > 0) $("silence-matchers").value = matchers.join("\n");
  const state = params.get("state");
  if (state && [...$("state-filter").options].some((o) => o.value === state)) $("state-filter").value = state;
  try {
    $("silence-created-by").value = localStorage.getItem(CREATOR_KEY) || "";
  } catch {
    // storage disabled
  }
  if (matchers.length > 0) $("silence-comment").focus();
}

form.addEventListener("submit", submit);
$("silence-ends").addEventListener("input", () => {
  $("silence-duration").disabled = Boolean($("silence-ends").value);
});
$("silences").tBodies[0].addEventListener("click", (event) => {
  const button = event.target.closest('button[data-action="expire"]');
  if (button) expire(button.dataset.silenceId);
});
$("silences-reload").addEventListener("click", load);
$("state-filter").addEventListener("change", () => {
  const url = new URL(location.href);
  if ($("state-filter").value) url.searchParams.set("state", $("state-filter").value);
  else url.searchParams.delete("state");
  history.replaceState(null, "", url);
  load();
});

prefill();
startNav();
load();
