// Small SVG charts for the poking panels: bars per class, lines along a distortion, a strip of
// signed values. Each draws into an <svg> it is given (replacing what was there) in a viewBox
// of its own, so that the svg scales with its box.

import {svg} from "./dom.js";

/** Ten colours told apart also by most colour-blind eyes (Okabe-Ito, and four more). */
export const CLASS_COLORS = ["#56b4e9", "#e69f00", "#009e73", "#f0e442", "#cc79a7", "#d55e00",
                             "#0072b2", "#bbbbbb", "#a6761d", "#66c2a5"];
export const classColor = (k) => CLASS_COLORS[k % CLASS_COLORS.length];

const W = 320, H = 150, PAD = {left: 34, right: 6, top: 8, bottom: 22};
// Line charts have numbers under the x axis and a title under them: room for both, and for
// the last number ("0.5"), centred on the right edge of the plot.
const LINE_PAD = {...PAD, right: 14, bottom: 28};

function frame(el, yTicks, format, [lo, hi], pad = PAD) {
  el.setAttribute("viewBox", `0 0 ${W} ${H}`);
  el.replaceChildren();
  const y = (v) => pad.top + (H - pad.top - pad.bottom) * (1 - (v - lo) / ((hi - lo) || 1));
  for (const t of yTicks) {
    svg("line", {x1: pad.left, x2: W - pad.right, y1: y(t), y2: y(t), class: "grid"}, el);
    svg("text", {x: pad.left - 4, y: y(t), class: "tick y"}, el).textContent = format(t);
  }
  return y;
}

/**
 * Bars, one per label: `values` (numbers or null), and `before` (another set, drawn as an
 * outline behind: the intact network's, say). Values lie in [lo, hi]; a bar grows from 0.
 */
export function bars(el, labels, values, {before = null, range = [0, 1], format = pct, signed = false} = {}) {
  const ticks = signed ? [range[0], 0, range[1]] : [range[0], (range[0] + range[1]) / 2, range[1]];
  const y = frame(el, ticks, format, range);
  const slot = (W - PAD.left - PAD.right) / labels.length, bw = slot * 0.62;
  labels.forEach((label, k) => {
    const x = PAD.left + slot * k + (slot - bw) / 2;
    const draw = (v, cls) => {
      if (v === null || v === undefined) return;
      const top = Math.min(y(v), y(0)), h = Math.abs(y(v) - y(0));
      svg("rect", {x, y: top, width: bw, height: Math.max(h, 0.5), class: cls + (v < 0 ? " neg" : "")}, el);
    };
    if (before) draw(before[k], "bar before");
    draw(values[k], "bar now");
    svg("text", {x: x + bw / 2, y: H - 6, class: "tick x"}, el).textContent = label;
  });
}

/** Lines along `xs`, one per series {name, values, cls}; y in [0, 1] as percentages. */
export function lines(el, xs, series, xLabel) {
  const pad = LINE_PAD, y = frame(el, [0, 0.5, 1], pct, [0, 1], pad);
  const lo = Math.min(...xs), hi = Math.max(...xs);
  const x = (v) => pad.left + (W - pad.left - pad.right) * (v - lo) / ((hi - lo) || 1);
  const under = H - pad.bottom;  // the x axis: its numbers 12 below, its title 12 further
  xs.forEach((v) => { svg("text", {x: x(v), y: under + 12, class: "tick x"}, el).textContent = String(v).replace("-", "−"); });
  svg("text", {x: (pad.left + W - pad.right) / 2, y: under + 25, class: "tick x label"}, el).textContent = xLabel;
  for (const s of series) {
    const points = s.values.map((v, i) => `${x(xs[i]).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    svg("polyline", {points, class: "series " + s.cls}, el);
    s.values.forEach((v, i) => svg("circle", {cx: x(xs[i]), cy: y(v), r: 2.5, class: "series " + s.cls}, el));
  }
}

/** One cell per value, blue for positive, red for negative, as strong as |value| / max. */
export function strip(el, values) {
  const n = values.length, cell = Math.min(20, 300 / n);
  el.setAttribute("viewBox", `0 0 ${n * cell} ${cell}`);
  el.replaceChildren();
  const max = Math.max(1e-12, ...values.map(Math.abs));
  values.forEach((v, i) => {
    const t = Math.abs(v) / max;
    const [r, g, b] = v >= 0 ? [88, 166, 255] : [255, 107, 107];
    svg("rect", {x: i * cell, y: 0, width: cell - 1, height: cell,
                 fill: `rgb(${Math.round(r * t)},${Math.round(g * t)},${Math.round(b * t)})`}, el);
  });
}

export function pct(v) {
  return `${Math.round(v * 100)}%`;
}

/** A scale's end: `v` (> 0) rounded up to two significant figures (0.00431 -> 0.0044), so
 * that a symmetric scale's ticks read as the numbers they stand at. */
export function roundUp(v) {
  const unit = 10 ** (Math.floor(Math.log10(v)) - 1);
  return Number((Math.ceil(v / unit - 1e-9) * unit).toPrecision(2));
}

/** A tick's number to two significant figures, with a true minus: "0.0044", "0", "−1.2". */
export function tick(v) {
  return v === 0 ? "0" : String(Number(v.toPrecision(2))).replace(/-/g, "−");
}
