// A machine's status from its last_seen_ms, recomputed on the client every second with the gateway's
// thresholds (stale_after_s, offline_after_s, silent_after_s) and the gateway's clock (now_ms), so a skewed browser
// clock does not mark every machine offline.

export class FleetClock {
  constructor() {
    this.staleAfterMs = 15_000;
    this.offlineAfterMs = 60_000;
    this.silentAfterMs = 86_400_000;
    this.skewMs = 0;
  }

  /** Takes thresholds and the server time from a GET /machines answer or a hello / machines message. */
  update({ now_ms: nowMs, stale_after_s: stale, offline_after_s: offline, silent_after_s: silent } = {}) {
    if (typeof stale === "number") this.staleAfterMs = stale * 1000;
    if (typeof silent === "number") this.silentAfterMs = silent * 1000;
    if (typeof offline === "number") this.offlineAfterMs = offline * 1000;
    if (typeof nowMs === "number") this.skewMs = nowMs - Date.now();
  }

  /** The gateway's current time in milliseconds, as far as the browser can tell. */
  now() {
    return Date.now() + this.skewMs;
  }

  /** Milliseconds since the machine was last seen, or null if never. */
  age(machine) {
    return typeof machine.last_seen_ms === "number" ? Math.max(0, this.now() - machine.last_seen_ms) : null;
  }

  /** online | stale | offline by age; the gateway's own status when the machine was never seen. */
  status(machine) {
    const age = this.age(machine);
    if (age === null) return machine.status || "offline";
    if (age > this.offlineAfterMs) return "offline";
    if (age > this.staleAfterMs) return "stale";
    return "online";
  }
}
