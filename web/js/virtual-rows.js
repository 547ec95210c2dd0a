// A table body that renders only the rows in view: every row has the same height, two spacer rows stand for
// the rows above and below, and the rows in view (plus a few either side) are kept by key and reused, so a
// list of 10,000 machines costs as much DOM as a screenful. Rows that leave the view are recycled for the items
// that enter it (a new filter replaces every row in view without building new ones).

const OVERSCAN = 8;

export class VirtualRows {
  /**
   * scroller: the element that scrolls (holds the table); tbody: the table's body; rowHeight: px, must match
   * the CSS; columns: how many cells a spacer spans; key(item), create(item) → <tr>, update(tr, item) (must set
   * everything the row shows: a row is reused for another item of the same kind(item)).
   */
  constructor({ scroller, tbody, rowHeight, columns, key, create, update, kind = () => "" }) {
    Object.assign(this, { scroller, tbody, rowHeight, key, create, update, kind });
    this.items = [];
    this.shown = new Map();
    this.top = spacer(columns);
    this.bottom = spacer(columns);
    this.frame = 0;
    this.overscanTimer = 0;
    // The scroll position and the heights, kept as they change, so rendering never reads layout: a read would
    // force the browser to lay out the old rows first, then the new ones again for the frame.
    this.scrollTop = scroller.scrollTop;
    this.viewHeight = Math.max(scroller.clientHeight, window.innerHeight);
    scroller.addEventListener("scroll", () => {
      this.scrollTop = scroller.scrollTop;
      this.schedule();
    }, { passive: true });
    const measure = () => {
      this.viewHeight = Math.max(scroller.clientHeight, window.innerHeight);
      this.schedule();
    };
    new ResizeObserver(measure).observe(scroller);
    window.addEventListener("resize", measure);
  }

  /** Back to the first row (a new question starts at the top of its answer); touches layout only if scrolled. */
  scrollToTop() {
    if (this.scrollTop === 0) return;
    this.scrollTop = 0;
    this.scroller.scrollTop = 0;
  }

  /**
   * Replaces the list and renders at once (a filter answers in the same task). `quick`: only the rows in view at
   * once, the few either side once that frame was painted, so a new answer's first frame lays out only what shows.
   */
  setItems(items, { quick = false } = {}) {
    this.items = items;
    this.render(quick ? 0 : OVERSCAN);
    if (!quick || this.overscanTimer) return;
    this.overscanTimer = requestAnimationFrame(() => setTimeout(() => {
      this.overscanTimer = 0;
      this.render();
    }, 0));
  }

  /** The items currently in the DOM, in order. */
  visibleItems() {
    return [...this.shown.values()].map((entry) => entry.item);
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Renders the rows in view and `overscan` either side. */
  render(overscan = OVERSCAN) {
    const count = this.items.length;
    // The scroll box takes its height from its content, so before the spacers exist it is too short to ask: at
    // least the window's height.
    const height = this.viewHeight;
    const first = Math.min(count, Math.max(0, Math.floor(this.scrollTop / this.rowHeight) - overscan));
    const last = Math.min(count, Math.ceil((this.scrollTop + height) / this.rowHeight) + overscan);
    const next = new Map();
    const rows = [];
    const wanted = new Set();
    for (let i = first; i < last; i++) wanted.add(this.key(this.items[i]));
    // Rows leaving the view, by kind, for the items entering it (not one holding the focus: it would move with it).
    const spare = new Map();
    const focused = document.activeElement;
    for (const [key, entry] of this.shown) {
      if (wanted.has(key) || entry.tr.contains(focused)) continue;
      const kind = this.kind(entry.item);
      if (!spare.has(kind)) spare.set(kind, []);
      spare.get(kind).push(entry);
    }
    for (let i = first; i < last; i++) {
      const item = this.items[i];
      const key = this.key(item);
      let entry = this.shown.get(key) || spare.get(this.kind(item))?.pop();
      if (!entry) entry = { tr: this.create(item) };
      entry.item = item;
      this.update(entry.tr, item, i);
      next.set(key, entry);
      rows.push(entry.tr);
    }
    this.shown = next;
    setHeight(this.top, first * this.rowHeight);
    setHeight(this.bottom, (count - last) * this.rowHeight);
    patch(this.tbody, [this.top, ...rows, this.bottom]);
    // The CSS fixes the height; a font that renders taller would make the spacers lie, so trust the DOM once.
    if (!this.measured && rows.length > 0) {
      this.measured = true;
      const actual = rows[0].getBoundingClientRect().height;
      if (actual > 0 && Math.abs(actual - this.rowHeight) > 0.5) {
        this.rowHeight = actual;
        this.render(overscan);
      }
    }
  }
}

/** Puts `wanted` in `parent` in order, moving as few nodes as it can: a row that stays keeps its focus. */
function patch(parent, wanted) {
  const keep = new Set(wanted);
  for (const node of [...parent.childNodes]) if (!keep.has(node)) node.remove();
  let cursor = parent.firstChild;
  for (const node of wanted) {
    if (node === cursor) cursor = cursor.nextSibling;
    else parent.insertBefore(node, cursor);
  }
  while (cursor) {
    const next = cursor.nextSibling;
    cursor.remove();
    cursor = next;
  }
}

function spacer(columns) {
  const tr = document.createElement("tr");
  tr.className = "spacer";
  tr.setAttribute("aria-hidden", "true");
  const td = document.createElement("td");
  td.colSpan = columns;
  tr.append(td);
  return tr;
}

function setHeight(tr, px) {
  tr.hidden = px === 0;
  const value = `${px}px`;
  if (tr.style.height !== value) tr.style.height = value;
}
