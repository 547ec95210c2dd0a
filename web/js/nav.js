// The header's links between pages and, beside "Alerts", the number of firing alerts that no silence holds
// (#nav-firing; silenced ones need no attention): read
// from the REST API, kept current by the page's live alert messages and read again every 30 s and after a
// reconnect (a machine page hears only its own machine's alerts; the rules page has no live connection).
import { AlertSet, SEVERITY_RANK } from "./alert-set.js";
import { isSilenced } from "./alert-view.js";
import * as api from "./api.js";
import { setText } from "./dom.js";

const REFRESH_MS = 30_000;
const LIMIT = 1000;

export function startNav(live = null) {
  const badge = document.getElementById("nav-firing");
  if (!badge) return;
  const firing = new AlertSet();
  let truncated = false;

  const render = () => {
    const alerts = firing.list((a) => a.status === "firing" && !isSilenced(a));
    let worst = null;
    for (const alert of alerts) {
      if ((SEVERITY_RANK[alert.severity] || 0) > (SEVERITY_RANK[worst] || 0)) worst = alert.severity;
    }
    badge.hidden = alerts.length === 0;
    setText(badge, truncated ? `${alerts.length}+` : String(alerts.length));
    badge.dataset.severity = worst || "none";
    badge.title = `${alerts.length}${truncated ? "+" : ""} firing ${alerts.length === 1 ? "alert" : "alerts"}`;
  };

  const load = async () => {
    const mark = firing.mark();
    try {
      const answer = await api.alerts({ status: "firing", limit: LIMIT });
      const list = answer.alerts || [];
      firing.replace(list, mark);
      truncated = list.length >= LIMIT;
      render();
    } catch {
      // The badge keeps its last count; each page reports what it could not load itself.
    }
  };

  if (live) {
    live.addEventListener("message", ({ detail: message }) => {
      // Live alert messages carry silenced_by, as REST does.
      const take = (alert) => Boolean(alert) && firing.take(alert);
      if (message.type === "alert" && take(message.alert)) render();
      // The fleet overview gets an interval's transitions in one "alerts" message.
      if (message.type === "alerts" && (message.alerts || []).map(take).some(Boolean)) render();
    });
    live.addEventListener("reconnected", load);
  }
  load();
  setInterval(load, REFRESH_MS);
}
