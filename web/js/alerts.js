// The alerts page (alerts.html): firing and pending alerts on top, every alert that changed in the last
// 24 hours below, live from the alert messages of the fleet subscription. A row opens its transition
// history in the details panel; ?id=<alert id> in the URL opens it on arrival, ?machine_id=… shows one
// machine's alerts only (both are links from a machine page). Alerts an active silence holds carry a "silenced"
// badge, are not counted as firing or pending in the summary, and the details panel links to a silence of the alert.
import { AlertDetail } from "./alert-detail.js";
import { AlertSet, byUpdate, byUrgency, countAlerts, isActive } from "./alert-set.js";
import { AlertTable, isSilenced, silenceHref, silencedBadge } from "./alert-view.js";
import * as api from "./api.js";
import { showConnection } from "./connection.js";
import { h, machineHref, replace, setText } from "./dom.js";
import { LiveConnection } from "./live.js";
import { startNav } from "./nav.js";
import { FleetClock } from "./status.js";

const $ = (id) => document.getElementById(id);
const COLUMNS = ["status", "severity", "rule", "machine", "labels", "value", "started", "updated"];
const RECENT_MS = 86400e3;
const ACTIVE_LIMIT = 1000;
const RECENT_LIMIT = 500;
// Live alert messages carry silenced_by (the gateway sends an alert again when the silences that match it
// change); a full read this often also catches alerts that changed while a message was lost.
const RELOAD_MS = 30_000;

const params = new URLSearchParams(location.search);
/** Only this machine's alerts, or every machine's when null. */
const machineFilter = params.get("machine_id") || null;
const ours = (alert) => Boolean(alert) && (!machineFilter || alert.machine_id === machineFilter);

const clock = new FleetClock();
const held = new AlertSet();
let loaded = false;
let truncated = false;

const detail = new AlertDetail({ onClose: () => select(null) });
const active = new AlertTable($("active-alerts"), COLUMNS, { empty: $("active-empty"), onSelect: (id) => select(id) });
const recent = new AlertTable($("recent-alerts"), COLUMNS, { empty: $("recent-empty"), onSelect: (id) => select(id) });

function showError(text) {
  $("error").hidden = !text;
  $("error").textContent = text || "";
}

/** Opens alert `id` in the details panel (null closes it); the URL keeps the choice for reloads and links. */
function select(id) {
  active.select(id);
  recent.select(id);
  const url = new URL(location.href);
  if (id) url.searchParams.set("id", id);
  else url.searchParams.delete("id");
  history.replaceState(null, "", url);
  if (id) detail.open(id, held.get(id));
  else detail.close();
  renderSilenceAction();
}

/** The details panel's "silenced" badge and "Silence…" link, for the alert it shows. */
function renderSilenceAction() {
  const alert = detail.id ? held.get(detail.id) : null;
  const link = $("detail-silence");
  link.hidden = !alert;
  if (alert) link.href = silenceHref(alert);
  const silenced = Boolean(alert) && isSilenced(alert);
  $("detail-silenced").hidden = !silenced;
  replace($("detail-silenced"), silenced ? silencedBadge(alert) : null);
}

function renderFilter() {
  $("alerts-filter").hidden = !machineFilter;
  if (!machineFilter) return;
  const known = held.all().find((a) => a.hostname);
  setText($("filter-machine"), known ? known.hostname : machineFilter);
  $("filter-machine").href = machineHref(machineFilter);
  $("filter-machine").title = machineFilter;
}

function render() {
  renderFilter();
  const current = held.list(isActive, byUrgency);
  const horizon = clock.now() - RECENT_MS;
  const lastDay = held.list((a) => (a.updated_ms || 0) >= horizon, byUpdate);
  active.render(current);
  recent.render(lastDay);
  renderSilenceAction();
  if (!loaded) return;
  // Silenced alerts need no attention: counted apart.
  const counts = countAlerts(current);
  const silenced = counts.silenced;
  const part = (kind, n) => h("span", { className: "count", dataset: { kind } }, `${n}${truncated ? "+" : ""} ${kind}`);
  replace($("alerts-summary"), part("firing", counts.firing), " · ", part("pending", counts.pending), " · ",
    part("silenced", silenced), " · ", `${lastDay.length} changed in the last 24 h`);
}

async function load() {
  const mark = held.mark();
  try {
    const [current, lastDay] = await Promise.all([
      api.alerts({ status: "firing,pending", machine_id: machineFilter, limit: ACTIVE_LIMIT }),
      api.alerts({ since: "24h", machine_id: machineFilter, limit: RECENT_LIMIT }),
    ]);
    held.replace([...(lastDay.alerts || []), ...(current.alerts || [])], mark);
    truncated = (current.alerts || []).length >= ACTIVE_LIMIT;
    loaded = true;
    showError(null);
  } catch (error) {
    showError(error.status === 503
      ? `Alerts are unavailable: the config service cannot be reached (${error.message}).`
      : `Could not load alerts: ${error.message}`);
  }
  render();
}

const live = new LiveConnection();
showConnection($("connection"), live);
live.addEventListener("message", ({ detail: message }) => {
  switch (message.type) {
    case "hello":
    case "machines":
      clock.update(message);
      break;
    case "alert":
      if (!ours(message.alert)) break;
      if (held.take(message.alert)) render();
      detail.update(message.alert);
      break;
    case "error":
      showError(`Live updates: ${message.error}`);
      break;
    default:
      break;
  }
});
// Alert messages arrive with the fleet subscription; transitions sent while disconnected are read again.
live.subscribe({ subscribe: "fleet" });
live.addEventListener("reconnected", load);
live.start();
startNav(live);

const initial = params.get("id");
load().then(() => {
  if (initial && detail.id === null) select(initial);
});
// Alerts that changed more than 24 hours ago leave the lower list.
setInterval(render, 60_000);
setInterval(load, RELOAD_MS);
