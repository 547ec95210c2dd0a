// The fleet overview's rows by machine id, from the live `overview` messages (compact rows) or a REST machine
// list (machine objects, turned into the same shape). Statuses and "silent" are recomputed from last_seen_ms
// with the gateway's clock, so a machine that stops reporting turns stale, offline, then silent by itself.
import { naturalKey } from "./fleet-query.js";

/** A REST machine object (docs/api.md) as an overview row. */
export function rowOfMachine(m) {
  const s = m.summary || {};
  const a = m.alerts || {};
  return {
    id: m.machine_id,
    name: m.hostname || m.machine_id,
    labels: m.labels || {},
    status: m.status,
    last_seen_ms: m.last_seen_ms,
    silent: !!m.silent,
    synthetic: !!m.synthetic,
    firing: a.firing || 0,
    pending: a.pending || 0,
    silenced: a.silenced || 0,
    worst: a.worst || null,
    cpu: s.cpu_percent,
    mem: s.mem_percent,
    disk: s.disk_percent,
    rx: s.net_recv_bytes_per_s,
    tx: s.net_sent_bytes_per_s,
    load: s.load_1m,
  };
}

const numberOrNull = (value) => (typeof value === "number" ? value : null);

/**
 * One machine of the overview. A class with every field set in the constructor, in one order: the 10,000 rows
 * share one shape, so filtering, sorting and status updates stay on V8's fast paths (objects from JSON.parse
 * with fields added later, some absent, made each pass several times slower).
 */
class Row {
  constructor(raw) {
    this.id = raw.id;
    this.name = "";
    this.sortName = "";
    this.search = "";
    this.labels = {};
    this.last_seen_ms = null;
    this.age = null;
    this.status = "offline";
    this.silent = false;
    this.synthetic = false;
    this.firing = 0;
    this.pending = 0;
    this.silenced = 0;
    this.worst = null;
    this.cpu = null;
    this.mem = null;
    this.disk = null;
    this.rx = null;
    this.tx = null;
    this.load = null;
    this.assign(raw);
  }

  /** Takes a raw row's values; true when the name changed (the order by name with it). */
  assign(raw) {
    const name = typeof raw.name === "string" && raw.name ? raw.name : raw.id;
    const renamed = name !== this.name;
    if (renamed) {
      this.name = name;
      this.sortName = naturalKey(name);
      this.search = `${name}\n${this.id}`.toLowerCase();
    }
    this.labels = raw.labels && typeof raw.labels === "object" ? raw.labels : {};
    this.last_seen_ms = numberOrNull(raw.last_seen_ms);
    if (typeof raw.status === "string") this.status = raw.status;
    this.silent = raw.silent === true;
    this.synthetic = raw.synthetic === true;
    this.firing = numberOrNull(raw.firing) || 0;
    this.pending = numberOrNull(raw.pending) || 0;
    this.silenced = numberOrNull(raw.silenced) || 0;
    this.worst = typeof raw.worst === "string" ? raw.worst : null;
    this.cpu = numberOrNull(raw.cpu);
    this.mem = numberOrNull(raw.mem);
    this.disk = numberOrNull(raw.disk);
    this.rx = numberOrNull(raw.rx);
    this.tx = numberOrNull(raw.tx);
    this.load = numberOrNull(raw.load);
    return renamed;
  }
}

export class FleetRows {
  /** clock: a FleetClock (status and silence by age). */
  constructor(clock) {
    this.clock = clock;
    this.rows = new Map();
    /** Every label name seen, for the "group by" choices. */
    this.labelNames = new Set();
    /** Changes whenever machines come, go or are renamed: the order by name holds until then. */
    this.generation = 0;
  }

  get size() {
    return this.rows.size;
  }

  /** Forgets every row (a snapshot replaces what the page holds). */
  clear() {
    this.rows.clear();
    this.generation += 1;
  }

  /**
   * Takes rows (overview shape); a row older than the one held (a slow REST answer) is ignored. A row held is
   * updated in place: the list on screen holds these objects, so a held order still shows new values.
   */
  take(rows) {
    const now = this.clock.now();
    for (const raw of rows || []) {
      if (!raw || typeof raw.id !== "string") continue;
      let row = this.rows.get(raw.id);
      if (row && typeof raw.last_seen_ms === "number" && row.last_seen_ms !== null && raw.last_seen_ms < row.last_seen_ms) {
        continue;
      }
      if (!row) {
        this.rows.set(raw.id, (row = new Row(raw)));
        this.generation += 1;
      } else if (row.assign(raw)) {
        this.generation += 1;
      }
      for (const name in row.labels) this.labelNames.add(name);
      this.refreshRow(row, now);
    }
  }

  /** Drops a machine (retired by an operator); true when it was held. */
  remove(id) {
    if (!this.rows.delete(id)) return false;
    this.generation += 1;
    return true;
  }

  refreshRow(row, now) {
    if (row.last_seen_ms === null) return;
    const age = Math.max(0, now - row.last_seen_ms);
    row.age = age;
    row.status = age > this.clock.offlineAfterMs ? "offline" : age > this.clock.staleAfterMs ? "stale" : "online";
    row.silent = age >= this.clock.silentAfterMs;
  }

  /** Recomputes every row's status and silence at the current time. */
  refresh() {
    const now = this.clock.now();
    for (const row of this.rows.values()) this.refreshRow(row, now);
  }
}
