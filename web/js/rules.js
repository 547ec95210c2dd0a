// The rules page (rules.html): the config service's alert rules (GET /api/v1/rules) in a table, and a form
// that creates, edits and deletes them with the admin token. An edit sends the version it loaded; when
// someone else changed the rule meanwhile (409) the form says so and loads their version.
import { AdminToken } from "./admin-token.js";
import { severityBadge } from "./alert-view.js";
import * as api from "./api.js";
import { chips, h, replace, setText } from "./dom.js";
import * as fmt from "./format.js";
import { startNav } from "./nav.js";
import { RuleForm } from "./rule-form.js";

const $ = (id) => document.getElementById(id);
const token = new AdminToken(document.querySelector('[data-field="token"]'));
const form = new RuleForm($("rule-form"));
let rules = [];
let busy = false;

// --- messages ---------------------------------------------------------------------------------------

function showError(text) {
  $("error").hidden = !text;
  $("error").textContent = text || "";
}

/** The form's error (kind: invalid | token | conflict | gone | unavailable | other), or none. */
function formError(text, kind = "other") {
  const element = $("form-error");
  element.hidden = !text;
  element.textContent = text || "";
  if (text) element.dataset.kind = kind;
  else delete element.dataset.kind;
  if (text) $("form-status").hidden = true;
}

function formStatus(text) {
  $("form-status").hidden = !text;
  $("form-status").textContent = text || "";
}

function clearMessages() {
  formError(null);
  formStatus(null);
  token.ask(null);
  form.clearErrors();
}

// --- the table --------------------------------------------------------------------------------------

const isNoData = (rule) => (rule.no_data_seconds || 0) > 0;

/** "cpu.usage_percent > 80" or "no data for 1 min", and a second line for a resolve threshold. */
function condition(rule) {
  if (isNoData(rule)) return [h("code", {}, `no data for ${fmt.duration(rule.no_data_seconds)}`)];
  const hasResolve = rule.resolve_threshold !== null && rule.resolve_threshold !== undefined;
  return [h("code", {}, `${rule.metric} ${rule.comparator} ${rule.threshold}`),
    hasResolve ? h("small", { className: "muted resolve" }, `resolves at ${rule.resolve_threshold}`) : null];
}

function ruleRow(rule) {
  const editing = form.editing && form.editing.id === rule.id;
  const enabled = rule.enabled !== false;
  return h("tr", { tabIndex: 0, dataset: { ruleId: rule.id, enabled: String(enabled) },
    attrs: { "aria-selected": String(Boolean(editing)) } },
  h("td", { dataset: { col: "name" }, title: rule.description || "" },
    h("span", { className: "rule-name" }, rule.name),
    enabled ? null : h("span", { className: "chip off", dataset: { col: "enabled" } }, "disabled")),
  h("td", { className: "condition" }, condition(rule)),
  h("td", { className: "chips" }, Object.keys(rule.matchers || {}).length ? chips(rule.matchers)
    : h("span", { className: "muted" }, "all")),
  h("td", { className: "num" }, fmt.duration(rule.for_seconds || 0)),
  h("td", {}, severityBadge(rule.severity)),
  h("td", { className: "num", dataset: { col: "version" } }, String(rule.version ?? "")),
  h("td", { className: "actions" }, h("button", { type: "button", className: "button quiet edit" }, "Edit")));
}

function renderTable() {
  const sorted = [...rules].sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }) || (a.id < b.id ? -1 : 1));
  replace($("rules").tBodies[0], sorted.map(ruleRow));
  $("rules").hidden = sorted.length === 0;
  $("rules-empty").hidden = sorted.length > 0;
  const enabled = sorted.filter((r) => r.enabled !== false).length;
  setText($("rules-summary"), `${sorted.length} ${sorted.length === 1 ? "rule" : "rules"} · ${enabled} enabled`);
}

async function loadRules() {
  try {
    const answer = await api.rules();
    rules = Array.isArray(answer.rules) ? answer.rules : [];
    showError(null);
    renderTable();
  } catch (error) {
    setText($("rules-summary"), "");
    showError(error.status === 503
      ? "The config service is unreachable (503): rules cannot be read or changed until it is back."
      : `Could not load the rules: ${error.message}`);
  }
}

function pick(id) {
  const rule = rules.find((r) => r.id === id);
  if (!rule) return;
  clearMessages();
  edit(rule);
  form.focus("name");
}

$("rules").tBodies[0].addEventListener("click", (event) => {
  const row = event.target.closest("tr[data-rule-id]");
  if (row) pick(row.dataset.ruleId);
});
$("rules").tBodies[0].addEventListener("keydown", (event) => {
  const row = event.target.closest("tr[data-rule-id]");
  if (!row || (event.key !== "Enter" && event.key !== " ") || event.target.closest("button:not(.edit)")) return;
  event.preventDefault();
  pick(row.dataset.ruleId);
});
$("rules-reload").addEventListener("click", loadRules);

// --- the form ---------------------------------------------------------------------------------------

/** Puts `rule` in the form (null: a new rule) and the buttons and title to match. */
function edit(rule) {
  form.fill(rule);
  resetDelete();
  setText($("form-title"), rule ? `Edit “${rule.name}”` : "New rule");
  $("form-title").title = rule ? `version ${rule.version}, id ${rule.id}` : "";
  setText($("rule-save"), rule ? "Save changes" : "Create rule");
  $("rule-delete").hidden = !rule;
  $("rule-new").hidden = !rule;
  for (const row of $("rules").tBodies[0].rows) {
    row.setAttribute("aria-selected", String(Boolean(rule) && row.dataset.ruleId === rule.id));
  }
}

function setBusy(value) {
  busy = value;
  $("rule-save").disabled = value;
  $("rule-delete").disabled = value;
  $("rule-form").setAttribute("aria-busy", String(value));
}

/** Explains a failed write next to what the user can fix. */
async function explain(error, editing, action = "save") {
  switch (error.status) {
    case 400: {
      const field = error.parameter ? error.parameter.split(".").pop() : null;
      // "resolve_threshold: must be …": next to the field, its name is already said.
      const prefix = `${error.parameter}: `;
      if (field) form.markFields({ [field]: error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message });
      formError(`The rule was refused: ${error.message}`, "invalid");
      break;
    }
    case 401:
      formError("The admin token is missing or wrong (401).", "token");
      token.ask("Enter the config service's admin token (FLEETWATCH_ADMIN_TOKEN).");
      break;
    case 403:
      formError(`Rule changes were refused (403): ${error.message}`, "token");
      token.ask("This token may not change rules, or rule changes are turned off on the config service.");
      break;
    case 404:
      edit(null);
      formError("That rule no longer exists: someone deleted it.", "gone");
      await loadRules();
      break;
    case 409:
      await reloadAfterConflict(editing, action);
      break;
    case 503:
      formError("The config service is unreachable (503): rules cannot be changed now. Try again when it is back.",
        "unavailable");
      break;
    case 0:
      formError(`The gateway did not answer: ${error.message}`, "unavailable");
      break;
    default:
      formError(`The change failed: ${error.message}`);
      break;
  }
}

async function reloadAfterConflict(editing, action) {
  await loadRules();
  if (!editing) return;
  try {
    const fresh = await api.rule(editing.id);
    edit(fresh);
    formError(action === "delete"
      ? `Someone else changed “${fresh.name}” meanwhile, so it was not deleted. The form now shows their version ` +
        `(${fresh.version}): delete again if it should still go.`
      : `Someone else changed “${fresh.name}” while you were editing it, so your change was not saved. ` +
        `The form now shows their version (${fresh.version}): make your change again and save.`, "conflict");
  } catch (error) {
    if (error.status === 404) {
      edit(null);
      formError("Someone else deleted this rule while you were editing it.", "conflict");
    } else {
      formError(`Someone else changed this rule meanwhile, and reading it again failed: ${error.message}`, "conflict");
    }
  }
}

$("rule-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (busy) return;
  clearMessages();
  const { rule, errors } = form.read();
  if (errors) {
    form.markFields(errors);
    formError("Some fields need a look before the rule can be saved.", "invalid");
    return;
  }
  if (!token.value) {
    formError("Changing rules needs the admin token.", "token");
    token.ask("Enter the admin token first.");
    return;
  }
  const editing = form.editing;
  setBusy(true);
  try {
    const saved = editing
      ? await api.updateRule(editing.id, rule, token.value)
      : await api.createRule(rule, token.value);
    await loadRules();
    edit(saved);
    formStatus(editing ? `Saved “${saved.name}” (version ${saved.version}).` : `Created “${saved.name}”.`);
  } catch (error) {
    await explain(error, editing);
  } finally {
    setBusy(false);
  }
});

$("rule-new").addEventListener("click", () => {
  clearMessages();
  edit(null);
  form.focus("name");
});

// Deleting takes two clicks: the first arms the button for a few seconds.
let deleteTimer = null;
function resetDelete() {
  clearTimeout(deleteTimer);
  delete $("rule-delete").dataset.armed;
  setText($("rule-delete"), "Delete");
}

$("rule-delete").addEventListener("click", async () => {
  const editing = form.editing;
  if (!editing || busy) return;
  if ($("rule-delete").dataset.armed !== "true") {
    $("rule-delete").dataset.armed = "true";
    setText($("rule-delete"), "Click again to delete");
    deleteTimer = setTimeout(resetDelete, 4000);
    return;
  }
  resetDelete();
  clearMessages();
  if (!token.value) {
    formError("Deleting a rule needs the admin token.", "token");
    token.ask("Enter the admin token first.");
    return;
  }
  setBusy(true);
  try {
    await api.deleteRule(editing.id, editing.version, token.value);
    edit(null);
    await loadRules();
    formStatus(`Deleted “${editing.name}”.`);
  } catch (error) {
    await explain(error, editing, "delete");
  } finally {
    setBusy(false);
  }
});

edit(null);
loadRules();
startNav();
