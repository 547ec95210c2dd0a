// A table body that renders only the rows in view: every row has the same height, two spacer rows stand for
// the rows above and below, and the rows in view (plus a few either side) are kept by key and reused, so a
// list of 10,000 machines costs as much DOM as a screenful.

const OVERSCAN = 8;

export class VirtualRows {
  /**
   * scroller: the element that scrolls (holds the table); tbody: the table's body; rowHeight: px, must match
   * the CSS; columns: how many cells a spacer spans; key(item), create(item) → <tr>, update(tr, item).
   */
  constructor({ scroller, tbody, rowHeight, columns, key, create, update }) {
    Object.assign(this, { scroller, tbody, rowHeight, key, create, update });
    this.items = [];
    this.shown = new Map();
    this.top = spacer(columns);
    this.bottom = spacer(columns);
    this.frame = 0;
    scroller.addEventListener("scroll", () => this.schedule(), { passive: true });
    window.addEventListener("resize", () => this.schedule());
  }

  /** Replaces the list; renders at once (a filter answers in the same task). */
  setItems(items) {
    this.items = items;
    this.render();
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

  render() {
    const count = this.items.length;
    // The scroll box takes its height from its content, so before the spacers exist it is too short to ask.
    const height = Math.max(this.scroller.clientHeight, window.innerHeight);
    const first = Math.min(count, Math.max(0, Math.floor(this.scroller.scrollTop / this.rowHeight) - OVERSCAN));
    const last = Math.min(count, Math.ceil((this.scroller.scrollTop + height) / this.rowHeight) + OVERSCAN);
    const next = new Map();
    const rows = [];
    for (let i = first; i < last; i++) {
      const item = this.items[i];
      const key = this.key(item);
      let entry = this.shown.get(key);
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
        this.render();
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
