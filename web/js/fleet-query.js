// What the fleet overview shows: search, filters, sort and grouping, read from and written to the page's query
// string (the same names as GET /api/v1/machines where they overlap), and the rows they admit. Pure, no DOM.

export const STATUS_RANK = { online: 0, stale: 1, offline: 2 };
const SEVERITY_RANK = { info: 1, warning: 2, critical: 3 };

/** Sortable columns: the value a row sorts by and the direction a first click sorts in. */
export const COLUMNS = {
  hostname: { key: (r) => r.sortName, first: "asc" },
  status: { key: (r) => STATUS_RANK[r.status] ?? 3, first: "asc" },
  alerts: {
    // Firing alerts by worst severity, then by count, then pending ones, then silenced ones.
    key: (r) => (r.firing > 0 ? (SEVERITY_RANK[r.worst] || 1) * 1e12 + Math.min(r.firing, 999_999) * 1e6 : 0) +
      Math.min(r.pending || 0, 999) * 1e3 + Math.min(r.silenced || 0, 999),
    first: "desc",
  },
  cpu: { key: (r) => r.cpu, first: "desc" },
  mem: { key: (r) => r.mem, first: "desc" },
  disk: { key: (r) => r.disk, first: "desc" },
  net: { key: (r) => (r.rx == null && r.tx == null ? null : (r.rx || 0) + (r.tx || 0)), first: "desc" },
  load: { key: (r) => r.load, first: "desc" },
  seen: { key: (r) => (r.last_seen_ms === null ? null : -r.last_seen_ms), first: "asc" },
};

export const DEFAULT_QUERY = Object.freeze({
  q: "", status: "", alerting: "", label: "", group: "", sort: "hostname", dir: "asc", silent: false, synthetic: false,
});

/** The query a page URL's search string holds; unknown or malformed values fall back to the defaults. */
export function parseQuery(search) {
  const p = new URLSearchParams(search);
  const sort = COLUMNS[p.get("sort")] ? p.get("sort") : DEFAULT_QUERY.sort;
  const dir = p.get("dir") === "asc" || p.get("dir") === "desc" ? p.get("dir") : COLUMNS[sort].first;
  return {
    q: p.get("q") || "",
    status: STATUS_RANK[p.get("status")] !== undefined ? p.get("status") : "",
    alerting: ["true", "false"].includes(p.get("alerting")) ? p.get("alerting") : "",
    label: p.get("label") || "",
    group: p.get("group") || "",
    sort,
    dir,
    silent: p.get("silent") === "show",
    synthetic: p.get("synthetic") === "show",
  };
}

/** The search string for `query`, defaults left out, so a plain overview keeps a plain URL. */
export function formatQuery(query) {
  const p = new URLSearchParams();
  for (const name of ["q", "status", "alerting", "label", "group"]) if (query[name]) p.set(name, query[name]);
  if (query.sort !== DEFAULT_QUERY.sort || query.dir !== COLUMNS[query.sort].first) {
    p.set("sort", query.sort);
    p.set("dir", query.dir);
  }
  if (query.silent) p.set("silent", "show");
  if (query.synthetic) p.set("synthetic", "show");
  const text = p.toString();
  return text ? `?${text}` : "";
}

/** The REST parameters (docs/api.md) that ask the gateway for the rows `query` admits. */
export function restParams(query, limit) {
  const p = new URLSearchParams();
  for (const name of ["q", "status", "alerting", "label"]) if (query[name]) p.set(name, query[name]);
  p.set("silent", query.silent ? "show" : "hide");
  p.set("synthetic", query.synthetic ? "show" : "hide");
  p.set("limit", String(limit));
  return p;
}

/** `env=prod, role` → [{name: "env", value: "prod"}, {name: "role", value: null}]. */
function labelMatchers(text) {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const at = part.indexOf("=");
      return at < 0 ? { name: part, value: null } : { name: part.slice(0, at).trim(), value: part.slice(at + 1).trim() };
    });
}

/**
 * A predicate for rows (see FleetRows) under `query`; `row.status` and `row.silent` must be current.
 * Search is a case-insensitive substring of the name or the id.
 */
export function matcher(query) {
  const text = searchText(query);
  const labels = labelMatchers(query.label);
  return (row) => {
    if (!query.silent && row.silent) return false;
    if (!query.synthetic && row.synthetic) return false;
    if (query.status && row.status !== query.status) return false;
    if (query.alerting) {
      const alerting = row.firing + row.pending > 0;
      if (alerting !== (query.alerting === "true")) return false;
    }
    for (const { name, value } of labels) {
      const actual = row.labels[name];
      if (actual === undefined || (value !== null && actual !== value)) return false;
    }
    return !text || row.search.includes(text);
  };
}

/** The search text as the matcher compares it. */
export function searchText(query) {
  return query.q.trim().toLowerCase();
}

/**
 * Whether `after` admits only rows `before` admitted, in the same order: the same query but for a search text that
 * holds the previous one (typing more of a search). Then the rows shown can be narrowed instead of every row
 * filtered and sorted again.
 */
export function narrows(before, after) {
  if (!before) return false;
  for (const name of Object.keys(DEFAULT_QUERY)) if (name !== "q" && before[name] !== after[name]) return false;
  return searchText(after).includes(searchText(before));
}

/**
 * A key that orders names as people expect with plain `<`: case folded, numbers by value ("sim-2" before
 * "sim-10"). Computed once per row (FleetRows), because a collator call per comparison costs tens of
 * milliseconds per sort at 10,000 rows.
 */
export function naturalKey(text) {
  return text.toLowerCase().replace(/\d+/g, (digits) => digits.replace(/^0+(?=\d)/, "").padStart(12, "0"));
}

const byKey = (x, y) => (x < y ? -1 : x > y ? 1 : 0);

/** Sorts `rows` in place by `query.sort` and `query.dir`; unknown values last, ties by name then id. */
export function sortRows(rows, query) {
  const { key } = COLUMNS[query.sort];
  const sign = query.dir === "desc" ? -1 : 1;
  const keyed = rows.map((row) => ({ row, k: key(row) }));
  keyed.sort((a, b) => {
    const missingA = a.k === null || a.k === undefined;
    const missingB = b.k === null || b.k === undefined;
    let order = 0;
    if (missingA || missingB) {
      if (missingA !== missingB) return missingA ? 1 : -1;
    } else {
      order = typeof a.k === "string" ? byKey(a.k, b.k) : a.k - b.k;
      order *= sign;
    }
    return order || byKey(a.row.sortName, b.row.sortName) || byKey(a.row.id, b.row.id);
  });
  for (let i = 0; i < keyed.length; i++) rows[i] = keyed[i].row;
  return rows;
}

/**
 * Rows grouped by the value of label `name` (sorted by value, "(none)" last), each group a header item
 * {group, value, count, counts: {online, stale, offline}, worst} followed by its rows in their given order.
 */
export function groupRows(rows, name) {
  const groups = new Map();
  for (const row of rows) {
    const value = row.labels[name] ?? null;
    let group = groups.get(value);
    if (!group) groups.set(value, (group = { value, rows: [] }));
    group.rows.push(row);
  }
  const values = [...groups.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : byKey(naturalKey(a), naturalKey(b))));
  const items = [];
  for (const value of values) {
    const { rows: members } = groups.get(value);
    const counts = { online: 0, stale: 0, offline: 0 };
    let worst = "online";
    for (const row of members) {
      counts[row.status] += 1;
      if (STATUS_RANK[row.status] > STATUS_RANK[worst]) worst = row.status;
    }
    items.push({ group: name, value, count: members.length, counts, worst }, ...members);
  }
  return items;
}
