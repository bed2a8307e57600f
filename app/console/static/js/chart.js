// Use over time: the usage series of the management API (a number's or the domain's) as a
// chart drawn by uPlot (vendored, loaded when the first chart is drawn), with the same
// figures in a table for those who do not see the chart.

import { field, h, loadScript, when } from "./dom.js";

const HOUR = 3600;
const DAY = 24 * HOUR;
// [value, label, seconds shown, bucket, in words]: the API takes at most 90 days at once.
export const RANGES = [
  ["day", "24 hours, per hour", DAY, "hour", "the last 24 hours"],
  ["week", "7 days, per hour", 7 * DAY, "hour", "the last 7 days"],
  ["month", "30 days, per day", 30 * DAY, "day", "the last 30 days"],
  ["quarter", "90 days, per day", 90 * DAY, "day", "the last 90 days"],
];
// The outcomes in the order the platform's API lists them; a line each, colours that
// keep 3:1 against a light background.
const OUTCOMES = [["timeout", "#b03a2e"], ["error", "#7d3c98"], ["unreachable", "#1f618d"],
  ["invalid", "#9a6a0b"], ["answered", "#1e8449"], ["not-asked", "#566573"]];

let library = null;
// The resize observer of each chart's container, let go when the chart is drawn again.
const observers = new WeakMap();

/** A select of RANGES, labelled; its value is a RANGES key. */
export function rangeField(id, onchange) {
  const select = h("select", { id, onchange },
    RANGES.map(([value, label]) => h("option", { value, selected: value === "day" }, label)));
  return { select, element: field("Show use over the last", select) };
}

/** The query (`from`, `to`, `bucket`) of a RANGES key, whole buckets up to now's. */
export function rangeQuery(key, now = Date.now() / 1000) {
  const [, , seconds, bucket] = RANGES.find(([value]) => value === key);
  const step = bucket === "day" ? DAY : HOUR;
  const to = Math.ceil(now / step) * step;
  return { from: to - seconds, to, bucket };
}

/** A RANGES key in words: "the last 24 hours". */
export function rangeWords(key) {
  return RANGES.find(([value]) => value === key)[4];
}

/**
 * Draw `series` (the API's items, buckets with use only) over the asked range into
 * `container`, which must be in the document (the chart takes its width).
 */
export async function drawUsage(container, series, { from, to, bucket }) {
  observers.get(container)?.disconnect();
  if (!series.length) {
    container.replaceChildren(h("p", { class: "chart-empty" }, "No use in this range."));
    return null;
  }
  library ||= loadScript("vendor/uPlot.iife.min.js");
  await library;
  const step = bucket === "day" ? DAY : HOUR;
  const byStart = new Map(series.map((item) => [item.at, item]));
  const starts = [];
  for (let at = from; at < to; at += step) starts.push(at);
  const outcomes = OUTCOMES.filter(([name]) => series.some((item) => item.outcomes[name]));
  // A step drawn from each bucket's start to the next's; a last point at `to` closes the
  // last bucket's step, which would otherwise have no width.
  const data = [[...starts, to], ...outcomes.map(([name]) => [
    ...starts.map((at) => byStart.get(at)?.outcomes[name] || 0), 0])];

  const plot = h("div", { class: "chart", "aria-hidden": "true" });
  const figures = h("details", {}, h("summary", {}, "The figures as a table"), figureTable(series, outcomes, bucket));
  container.replaceChildren(plot, figures);
  const ink = getComputedStyle(container).color;
  const axis = { stroke: ink, grid: { stroke: "rgba(128, 128, 128, 0.25)" }, ticks: { stroke: "rgba(128, 128, 128, 0.4)" } };
  const chart = new window.uPlot({
    width: plot.clientWidth || container.clientWidth,
    height: 240,
    scales: { x: { time: true }, y: { range: (self, min, max) => [0, Math.max(1, max)] } },
    axes: [{ ...axis }, { ...axis, label: `Applied per ${bucket}`, size: 50 }],
    series: [
      { label: "From", value: (self, at) => (at === null ? "—" : when(at)) },
      ...outcomes.map(([name, colour]) => ({
        label: name, stroke: colour, width: 2, points: { show: false },
        paths: window.uPlot.paths.stepped({ align: 1 }),
      })),
    ],
  }, data, plot);
  // The chart keeps to its box as the window changes (375 px wide included).
  const observer = new ResizeObserver(() => {
    if (plot.clientWidth && plot.clientWidth !== chart.width) chart.setSize({ width: plot.clientWidth, height: 240 });
  });
  observer.observe(plot);
  observers.set(container, observer);
  return chart;
}

function figureTable(series, outcomes, bucket) {
  return h("div", { class: "scroll" }, h("table", { class: "usage-figures" },
    h("caption", {}, `Applied per ${bucket}, only the ${bucket}s with use`),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "From"), h("th", { scope: "col" }, "Applied"),
      outcomes.map(([name]) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, series.map((item) => h("tr", {},
      h("th", { scope: "row" }, when(item.at)), h("td", {}, String(item.count)),
      outcomes.map(([name]) => h("td", {}, String(item.outcomes[name] || 0))))))));
}
