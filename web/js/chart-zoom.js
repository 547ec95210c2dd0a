// Drag-to-zoom on a Chart.js line chart: press inside the plot, drag sideways, release, and the time window
// under the drag is chosen. Debian packages Chart.js but not its zoom plugin (chartjs-plugin-zoom), so this
// is the small part of it the machine page needs: pointer events on the canvas, and a Chart.js plugin that
// shades the selection while the pointer moves. Keyboard users type the range instead (range-controls.js).

/** A shorter drag is a click (or a tap that shows a tooltip), not a zoom. */
export const MIN_DRAG_PX = 6;

const PLUGIN_ID = "fleetwatchDragZoom";

/** Shades the selection being dragged; charts without one are left alone. */
const selectionPlugin = {
  id: PLUGIN_ID,
  afterDatasetsDraw(chart) {
    const drag = chart.$fleetwatchDrag;
    if (!drag || drag.current === null) return;
    const { top, bottom } = chart.chartArea;
    const left = Math.min(drag.start, drag.current);
    const width = Math.abs(drag.current - drag.start);
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = drag.fill;
    ctx.strokeStyle = drag.stroke;
    ctx.fillRect(left, top, width, bottom - top);
    ctx.strokeRect(left + 0.5, top + 0.5, Math.max(0, width - 1), bottom - top - 1);
    ctx.restore();
  },
};

function registerPlugin() {
  if (!window.Chart.registry.plugins.get(PLUGIN_ID)) window.Chart.register(selectionPlugin);
}

/**
 * Lets the user drag across `chart`'s plot area to choose a window on its x scale (milliseconds);
 * `onSelect(from, to)` gets it on release. `colors`: {fill, stroke} of the shaded selection.
 */
export function enableDragZoom(chart, onSelect, colors = {}) {
  registerPlugin();
  const canvas = chart.canvas;
  const fill = colors.fill || "rgba(37, 99, 235, 0.15)";
  const stroke = colors.stroke || "rgba(37, 99, 235, 0.6)";

  const inside = (x, y) => {
    const area = chart.chartArea;
    return area && x >= area.left && x <= area.right && y >= area.top && y <= area.bottom;
  };
  const clamp = (x) => Math.min(chart.chartArea.right, Math.max(chart.chartArea.left, x));
  const end = () => {
    chart.$fleetwatchDrag = null;
    chart.draw();
  };

  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || !event.isPrimary || !inside(event.offsetX, event.offsetY)) return;
    chart.$fleetwatchDrag = { pointerId: event.pointerId, start: event.offsetX, current: null, fill, stroke };
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", (event) => {
    const drag = chart.$fleetwatchDrag;
    if (!drag || drag.pointerId !== event.pointerId) return;
    const x = clamp(event.offsetX);
    if (drag.current === null && Math.abs(x - drag.start) < MIN_DRAG_PX) return;
    drag.current = x;
    chart.draw();
  });
  canvas.addEventListener("pointerup", (event) => {
    const drag = chart.$fleetwatchDrag;
    if (!drag || drag.pointerId !== event.pointerId) return;
    end();
    const x = clamp(event.offsetX);
    if (Math.abs(x - drag.start) < MIN_DRAG_PX) return;
    const scale = chart.scales.x;
    const from = scale.getValueForPixel(Math.min(drag.start, x));
    const to = scale.getValueForPixel(Math.max(drag.start, x));
    if (Number.isFinite(from) && Number.isFinite(to) && from < to) onSelect(from, to);
  });
  canvas.addEventListener("pointercancel", () => chart.$fleetwatchDrag && end());
  canvas.addEventListener("lostpointercapture", () => chart.$fleetwatchDrag && end());
}
