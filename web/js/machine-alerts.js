// The machine page's Alerts panel (#alerts): the machine's firing and pending alerts, and those that ended
// in the last 24 hours. Read from the REST API, then kept current by the alert messages of the page's live
// machine subscription (and read again after a reconnect). A row opens the alert's history on the alerts page.
import { AlertSet, byUpdate, byUrgency, countAlerts, isActive } from "./alert-set.js";
import { AlertTable, alertCounts } from "./alert-view.js";
import * as api from "./api.js";
import { replace } from "./dom.js";

const COLUMNS = ["status", "severity", "rule", "labels", "value", "started", "updated"];
const RECENT_MS = 86400e3;
// A flapping rule can end many alerts a day: the panel shows the latest few, the alerts page all of them.
const RECENT_SHOWN = 10;

/** machineId: the page's machine; live: its LiveConnection; now(): the gateway's time in milliseconds. */
export function startMachineAlerts(machineId, live, now = Date.now) {
  const $ = (id) => document.getElementById(id);
  const held = new AlertSet();
  $("all-alerts").href = `alerts.html?${new URLSearchParams({ machine_id: machineId })}`;
  const open = (id) => {
    location.href = `alerts.html?${new URLSearchParams({ machine_id: machineId, id })}`;
  };
  const active = new AlertTable($("machine-alerts-active"), COLUMNS,
    { empty: $("machine-alerts-active-empty"), onSelect: open });
  const recent = new AlertTable($("machine-alerts-recent"), COLUMNS,
    { empty: $("machine-alerts-recent-empty"), onSelect: open });

  const showError = (text) => {
    $("alerts-error").hidden = !text;
    $("alerts-error").textContent = text || "";
  };

  const render = () => {
    const mine = held.list((a) => a.machine_id === machineId);
    const current = mine.filter(isActive).sort(byUrgency);
    const horizon = now() - RECENT_MS;
    active.render(current);
    const ended = mine.filter((a) => !isActive(a) && (a.updated_ms || 0) >= horizon).sort(byUpdate);
    recent.render(ended.slice(0, RECENT_SHOWN));
    const more = ended.length - RECENT_SHOWN;
    $("machine-alerts-recent-more").hidden = more <= 0;
    $("machine-alerts-recent-more").textContent = more > 0 ? `and ${more} earlier (the alerts page lists them all)` : "";
    replace($("alerts-counts"), alertCounts(countAlerts(current)));
    $("alerts").dataset.state = current.some((a) => a.status === "firing") ? "firing" : current.length ? "pending" : "ok";
  };

  const load = async () => {
    const mark = held.mark();
    try {
      const [current, lastDay] = await Promise.all([
        api.alerts({ machine_id: machineId, status: "firing,pending", limit: 1000 }),
        api.alerts({ machine_id: machineId, since: "24h", limit: 200 }),
      ]);
      held.replace([...(lastDay.alerts || []), ...(current.alerts || [])], mark);
      showError(null);
    } catch (error) {
      showError(`Could not load alerts: ${error.message}`);
    }
    render();
  };

  live.addEventListener("message", ({ detail: message }) => {
    if (message.type !== "alert" || !message.alert || message.alert.machine_id !== machineId) return;
    if (held.take(message.alert)) render();
  });
  live.addEventListener("reconnected", load);
  load();
  // Alerts that ended more than 24 hours ago leave the list.
  setInterval(render, 60_000);
}
