// Alerts by id, each held at its newest version, so a slow REST answer never undoes a live transition.
// Pure data, no DOM.

export const SEVERITY_RANK = { info: 1, warning: 2, critical: 3 };
const STATUS_RANK = { firing: 0, pending: 1, resolved: 2, inactive: 3 };

/** firing or pending: the alert still needs attention. */
export function isActive(alert) {
  return alert.status === "firing" || alert.status === "pending";
}

/** Firing before pending, then the most severe, then the most recently started. */
export function byUrgency(a, b) {
  return (STATUS_RANK[a.status] ?? 9) - (STATUS_RANK[b.status] ?? 9) ||
    (SEVERITY_RANK[b.severity] || 0) - (SEVERITY_RANK[a.severity] || 0) ||
    (b.started_ms || 0) - (a.started_ms || 0) || (a.id < b.id ? -1 : 1);
}

/** Newest change first, as GET /api/v1/alerts answers. */
export function byUpdate(a, b) {
  return (b.updated_ms || 0) - (a.updated_ms || 0) || (a.id < b.id ? -1 : 1);
}

/**
 * {firing, pending, silenced, worst}, as a machine object's "alerts" field, counted from alert objects: an open
 * alert an active silence holds counts as silenced only.
 */
export function countAlerts(alerts) {
  const counts = { firing: 0, pending: 0, silenced: 0, worst: null };
  for (const alert of alerts) {
    if (isActive(alert) && Array.isArray(alert.silenced_by) && alert.silenced_by.length > 0) {
      counts.silenced += 1;
      continue;
    }
    if (alert.status === "pending") counts.pending += 1;
    if (alert.status !== "firing") continue;
    counts.firing += 1;
    if ((SEVERITY_RANK[alert.severity] || 0) > (SEVERITY_RANK[counts.worst] || 0)) counts.worst = alert.severity;
  }
  return counts;
}

/** The ids of the silences that hold an alert, as one comparable text (a silence made or expired changes it). */
const silencesOf = (alert) => (Array.isArray(alert.silenced_by) ? alert.silenced_by.join(",") : "");

export class AlertSet {
  constructor() {
    /** id → {alert, seq} */
    this.entries = new Map();
    this.seq = 0;
  }

  /** Holds `alert` unless a newer version is held; true when what is held changed. */
  take(alert) {
    if (!alert || typeof alert.id !== "string") return false;
    const held = this.entries.get(alert.id);
    if (held && (alert.updated_ms || 0) < (held.alert.updated_ms || 0)) return false;
    if (held && held.alert.updated_ms === alert.updated_ms && held.alert.status === alert.status &&
        held.alert.value === alert.value && silencesOf(held.alert) === silencesOf(alert)) {
      return false;
    }
    this.seq += 1;
    this.entries.set(alert.id, { alert, seq: this.seq });
    return true;
  }

  /** A point in the stream of takes: pass it to replace() with the answer of a request sent now. */
  mark() {
    return this.seq;
  }

  /**
   * Replaces everything held with a REST answer, keeping what arrived live after `mark` (sent while the
   * request was on its way) where it is newer.
   */
  replace(alerts, mark) {
    const live = [...this.entries.values()].filter((e) => e.seq > mark).map((e) => e.alert);
    this.entries.clear();
    for (const alert of alerts || []) this.take(alert);
    for (const alert of live) this.take(alert);
  }

  get(id) {
    return this.entries.get(id)?.alert;
  }

  all() {
    return [...this.entries.values()].map((e) => e.alert);
  }

  /** Held alerts that pass `filter`, in `order`. */
  list(filter = () => true, order = byUpdate) {
    return this.all().filter(filter).sort(order);
  }
}
