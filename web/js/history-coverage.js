// Why a chart shows less than its window: the sentence under a chart when history starts late, ends early,
// has gaps, or is only a few coarse averages (a new install's 30-day view is one hourly point). Pure: the
// chart's coverage (SeriesChart.coverage()) in, text out.
import * as fmt from "./format.js";

/** 3600000 → "1-hour", 120000 → "2-minute", 5000 → "5-second". */
export function bucketText(stepMs) {
  if (stepMs % 3600e3 === 0) return `${stepMs / 3600e3}-hour`;
  if (stepMs % 60e3 === 0) return `${stepMs / 60e3}-minute`;
  return `${Math.round(stepMs / 1000)}-second`;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * coverage: {from, to, live, first, last, points, maxPoints, stepMs, gapMs, gaps} where first/last are the
 * times of the earliest and latest point in the window (null without points), points the total, maxPoints
 * the most of any one series, stepMs the history's bucket width (0: raw samples), gapMs the longest silence a
 * line still bridges, gaps how many longer silences break a line. now: the gateway's clock.
 * Returns "" when the chart shows its whole window.
 */
export function explainCoverage(coverage, now) {
  const { from, live, first, last, points, maxPoints, stepMs, gapMs, gaps } = coverage;
  const to = Math.min(coverage.to, now);
  if (!points) {
    return live
      ? "No samples in this range yet: new ones appear here as they arrive."
      : `No samples between ${fmt.moment(from, now)} and ${fmt.moment(to, now)}: the machine did not report then.`;
  }
  const slack = Math.max(gapMs, 2 * stepMs);
  const sentences = [];
  if (first - from > slack) {
    sentences.push(`No data before ${fmt.moment(first, now)}: the stored history of this machine starts there.`);
  }
  if (!live && to - last > slack) {
    sentences.push(`No data after ${fmt.moment(last, now)}: the machine did not report after that.`);
  }
  if (maxPoints <= 3) {
    sentences.push(stepMs >= 60e3
      ? `${plural(maxPoints, "point")} of ${bucketText(stepMs)} averages; choose a shorter range or drag across ` +
        "the chart for more detail."
      : `Only ${plural(maxPoints, "sample")} in this range.`);
  }
  if (gaps > 0) sentences.push("Breaks in a line are times the machine did not report.");
  return sentences.join(" ");
}
