// The network diagram: the input image (or, for a model of a table, a column of input neurons,
// one per column), every neuron lit by its activation, the strongest connections, and the
// outputs with their probabilities. It is given a model description
// (GET /api/model's answer) and a prediction (POST /api/predict's) and draws them; it asks for
// nothing itself. Neurons are buttons: a click (or tap), or Enter on the focused one, calls
// on.select(sel, keyed) (keyed: by the keyboard); on.switches(sel), if given, says whether that
// switches neuron sel off or back on instead of opening it (panel 6's choice), and each
// neuron's name says what Enter does.

import {find, fmt, percent, svg} from "./dom.js";
import {grayCanvas} from "./paint.js";
import {readsOf} from "./summary.js";

// Two layouts of the same diagram: wide, and compact for phone-sized screens. pctRoom: the
// width right of the bars for the probabilities, whose widest, the winner's ">99.9%" in bold,
// is about 4.3em in DejaVu Sans (Debian's sans-serif; the em is font - 1); fitPct squeezes a
// wider font's into it.
const WIDE = {w: 740, h: 520, top: 38, bottom: 12, inputX: 8, inputSize: 150, firstX: 230, outX: 540, font: 13, pctRoom: 62};
const COMPACT = {w: 430, h: 560, top: 34, bottom: 8, inputX: 2, inputSize: 92, firstX: 134, outX: 282, font: 15, pctRoom: 68};
const PCT_GAP = 4;           // between a bar and its probability
const MAX_LINES = 420;       // connections drawn per pair of layers: the strongest
const MAX_INPUT_LINES = 160; // pixel -> first hidden layer connections drawn
const HIT = 15;              // half the width of the band around a neuron that a tap hits
const MAX_INPUT_NAMES = 40;  // a table's input neurons are named beside them up to this many

const markup = (id) => `
  <p class="hint">Brightness: how active each neuron is. Lines: <span class="pos">blue</span>
    weights add, <span class="neg">red</span> weights subtract; the stronger weight × activation,
    the bolder. Layers are counted as in the video: <span id="${id("net-input-said")}">the input
    image</span> is layer 0, the first hidden layer is layer 1. Click a neuron<span
    class="keys-hint"> (or focus the diagram and use the arrow keys and Enter)</span>, or open
    one by its number in panel 4.</p>
  <svg id="${id("net")}" class="net" role="group" aria-label="The network"
       viewBox="0 0 740 520" preserveAspectRatio="xMidYMid meet"></svg>`;

// Brightness of each neuron, in 0..1 per layer: activations divided by the largest possible
// (1 for sigmoid and softmax, the layer's largest |a| for ReLU and tanh).
function brightness(a, kind) {
  if (kind === "sigmoid" || kind === "softmax") return a.map((v) => Math.max(0, Math.min(1, v)));
  const max = Math.max(1e-9, ...a.map(Math.abs));
  return a.map((v) => Math.max(0, v) / Math.max(1, max));
}

/**
 * Adds the diagram to `root`. Returns `setModel(model)` (draws a network afresh),
 * `show(prediction, selected)` (lights it up for a prediction, or none; marks the selected
 * neuron {layer, index}, or none), `markOff(keys)` (draws the neurons "layer:index" as
 * switched off), `relabel()` (call when what on.switches says changed), `resize()` (call
 * when the page's width changed), `element(sel)` (neuron sel's element) and `reveal(sel)`
 * (scrolls neuron sel to the middle of the window and gives it the keyboard's focus).
 * Layers are numbered as in the API: 0 is the input, 1 the first hidden layer, L the output;
 * the diagram's arrays hold layer l at [l - 1].
 */
export function mountDiagram(root, id, on) {
  root.insertAdjacentHTML("beforeend", markup(id));
  const net = find(root, id("net"));
  let view = WIDE, model = null, prediction = null, selected = null, off = new Set();
  let focus = {layer: 1, index: 0};
  let pos, inputBox, inputPos, lineGroup, inputImage, neuronEls, outputEls;
  const inputSaid = find(root, id("net-input-said"));

  const layerName = (l) => l === model.layers.length ? "output layer" : `hidden layer ${l}`;
  // The class an output neuron stands for: the model's name for it ("7", "Ankle boot").
  const className = (j) => (model.classes && model.classes[j] !== undefined ? model.classes[j] : String(j));
  const wanted = () => (net.parentElement.clientWidth || 740) < 560 ? COMPACT : WIDE;
  // What Enter (or a click) does to neuron j of layer l, switched off or not, in its name.
  const enterDoes = (l, j, isOff) => !(on.switches && on.switches({layer: l, index: j}))
    ? "Press Enter for its weights and formula." : `Press Enter to switch it ${isOff ? "back on" : "off"}.`;

  // Where each neuron sits: positions[l - 1][j] = [x, y, r] for neuron j of layer l.
  function layout() {
    const layers = model.layers, n = layers.length;
    const firstX = view.firstX, span = view.outX - firstX;
    return layers.map((layer, k) => column(n === 1 ? view.outX : firstX + span * k / (n - 1), layer.n_out));
  }

  // `count` neurons one above the other at x, over the diagram's height: [[x, y, r], ...].
  function column(x, count) {
    const step = (view.h - view.top - view.bottom) / count;
    const r = Math.max(1.5, Math.min(13, step * 0.42));
    return Array.from({length: count}, (_, j) => [x, view.top + step * (j + 0.5), r]);
  }

  function build() {
    const m = model;
    view = wanted();
    net.setAttribute("viewBox", `0 0 ${view.w} ${view.h}`);
    net.style.setProperty("--title-size", `${view.font}px`);
    net.replaceChildren();
    pos = layout();
    const inY = view.top + (view.h - view.top - view.bottom - view.inputSize) / 2;
    inputBox = {x: view.inputX, y: inY, size: view.inputSize};

    // Not a picture (a table's columns, a network's plain inputs): a column of input neurons,
    // in the picture's place, named at their left where there is room.
    inputPos = m.input_shape ? null : column(view.inputX + view.inputSize * 0.75, m.sizes[0]);
    const titleX = inputPos ? inputPos[0][0] : view.inputX + view.inputSize / 2;
    svg("text", {x: titleX, y: 20, class: "layer-title"}, net)
      .textContent = m.input_shape ? `input ${m.input_shape[0]}×${m.input_shape[1]}`
        : view === COMPACT ? "input" : `input (${m.sizes[0]})`;
    describeInput();
    pos.forEach((col, k) => {
      const count = view === COMPACT ? "" : ` (${col.length})`;
      const l = m.layers[k].layer;
      const label = l === m.layers.length ? `output${count}` : `hidden ${l}${count}`;
      svg("text", {x: col[0][0], y: 20, class: "layer-title"}, net).textContent = label;
    });

    lineGroup = svg("g", {"aria-hidden": "true"}, net);
    inputImage = null;
    if (inputPos) {
      drawInputNeurons();
    } else {
      inputImage = svg("image", {x: view.inputX, y: inY, width: view.inputSize, height: view.inputSize,
        style: "image-rendering: pixelated", preserveAspectRatio: "none", "aria-hidden": "true"}, net);
      svg("rect", {x: view.inputX, y: inY, width: view.inputSize, height: view.inputSize, class: "input-frame"}, net);
    }

    neuronEls = pos.map((col, k) => col.map(([x, y, r], j) => {
      const l = m.layers[k].layer;
      const g = svg("g", {class: "neuron", role: "button", tabindex: "-1", "data-layer": l, "data-index": j}, net);
      // A tap hits the band around the neuron up to its neighbours, not just its circle: in a
      // layer of 16 on a phone, a target 24 pixels or more each way. (Wider layers have no room
      // for that: panel 4 opens their neurons by number.)
      const step = col.length > 1 ? col[1][1] - col[0][1] : 2 * r, half = Math.max(r, HIT);
      svg("rect", {x: x - half, y: y - step / 2, width: 2 * half, height: step, fill: "#000",
                   "fill-opacity": 0, class: "hit"}, g);
      svg("circle", {cx: x, cy: y, r}, g);
      g.addEventListener("click", () => { focus = {layer: l, index: j}; on.select({layer: l, index: j}); });
      return g;
    }));

    // Outputs: a label and a probability bar beside each.
    const outs = pos[pos.length - 1];
    outputEls = outs.map(([x, y, r], j) => {
      const label = svg("text", {x: x + r + 6, y, class: "out-label"}, net);
      const name = className(j);
      label.textContent = name.length <= 2 ? name : String(j);  // long names: in the verdict
      if (name.length > 2) svg("title", {}, label).textContent = name;
      const bx = x + r + 24, bw = view.w - bx - view.pctRoom, bh = Math.max(3, Math.min(14, r * 1.1));
      svg("rect", {x: bx, y: y - bh / 2, width: bw, height: bh, rx: 2, class: "bar-bg"}, net);
      const bar = svg("rect", {x: bx, y: y - bh / 2, width: 0, height: bh, rx: 2, class: "bar"}, net);
      const pct = svg("text", {x: bx + bw + PCT_GAP, y, class: "pct"}, net);
      return {label, bar, pct, width: bw, room: view.pctRoom - PCT_GAP - 1};
    });
    setFocus(focus.layer, focus.index, false);
    update();
  }

  // What the input layer is, in words: the hint above the diagram and the diagram's name.
  function describeInput() {
    const m = model, reads = readsOf(m);
    const classes = m.classes.every((c, k) => c === String(k)) ? "output digits" : `${m.classes.length} output classes`;
    const input = reads.columns ? `the ${m.sizes[0]} input neurons, one per column${reads.data ? ` of ${reads.data}` : ""}`
      : m.input_shape ? "the input image" : `the ${m.sizes[0]} input neurons`;
    inputSaid.textContent = input;
    net.setAttribute("aria-label", `The network: ${input}, hidden layers, ${classes}`);
  }

  // Input neurons (layer 0: no weights to open), a table's named by their columns; not lit, as
  // the page gives this network no input.
  function drawInputNeurons() {
    const names = readsOf(model).columns;
    const group = svg("g", {class: "inputs", "aria-hidden": "true"}, net);
    inputPos.forEach(([x, y, r], i) => {
      svg("circle", {cx: x, cy: y, r, class: "input-neuron", "data-index": i}, group);
      if (!names || names.length > MAX_INPUT_NAMES) return;
      const room = Math.floor((x - r - 4 - view.inputX) / ((view.font - 2) * 0.72));  // characters
      const name = names[i], label = svg("text", {x: x - r - 4, y, class: "in-label"}, group);
      label.textContent = name.length > room ? `${name.slice(0, room - 1)}…` : name;
    });
  }

  function setFocus(layer, index, move) {
    const els = neuronEls;
    layer = Math.max(1, Math.min(els.length, layer));
    index = Math.max(0, Math.min(els[layer - 1].length - 1, index));
    for (const col of els) for (const g of col) g.setAttribute("tabindex", "-1");
    const g = els[layer - 1][index];
    g.setAttribute("tabindex", "0");
    focus = {layer, index};
    if (move) g.focus();
  }

  net.addEventListener("keydown", (e) => {
    const g = e.target.closest && e.target.closest(".neuron");
    if (!g) return;
    let {layer, index} = focus;
    const keys = {ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0]};
    if (e.key in keys) {
      e.preventDefault();
      const [dl, di] = keys[e.key];
      if (dl) {  // keep the same relative height in the next layer
        const count = (l) => neuronEls[Math.max(1, Math.min(neuronEls.length, l)) - 1].length;
        const from = count(layer), to = count(layer + dl);
        index = Math.round((index + 0.5) * to / from - 0.5);
      }
      setFocus(layer + dl, index + di, true);
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      setFocus(layer, e.key === "Home" ? 0 : 1e9, true);
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      on.select({layer, index}, true);
    }
  });

  function inputPoint(i) {
    if (inputPos) return inputPos[i];
    const [h, w] = model.input_shape, box = inputBox;
    const r = Math.floor(i / w), c = i % w;
    return [box.x + (c + 0.5) * box.size / w, box.y + (r + 0.5) * box.size / h];
  }

  // Connections: colour by the weight's sign, opacity by |weight x activation before it|
  // (by |weight| alone before anything is drawn).
  function drawLines(p) {
    const m = model, lines = document.createDocumentFragment();
    const acts = p ? [p.input.flat(), ...p.layers.map((x) => x.a)] : null;  // acts[l]: layer l's a
    m.layers.forEach((layer) => {
      const l = layer.layer, fromPixels = l === 1 && m.input_shape, candidates = [];
      const aPrev = acts ? acts[l - 1] : null;
      for (let j = 0; j < layer.n_out; j++) {
        const row = layer.weights[j];
        for (let i = 0; i < layer.n_in; i++) {
          const s = aPrev ? row[i] * aPrev[i] : row[i];
          if (s !== 0) candidates.push([Math.abs(s), i, j, row[i]]);
        }
      }
      const limit = fromPixels ? MAX_INPUT_LINES : MAX_LINES;
      if (fromPixels && !aPrev) return;  // no pixel lines before there are pixels
      candidates.sort((a, b) => b[0] - a[0]);
      const shown = candidates.slice(0, limit);
      const max = shown.length ? shown[0][0] : 1;
      for (const [s, i, j, w] of shown) {
        const [x1, y1] = l === 1 ? inputPoint(i) : pos[l - 2][i];
        const [x2, y2] = pos[l - 1][j];
        const t = s / max;
        svg("line", {x1, y1, x2, y2, stroke: w >= 0 ? "#58a6ff" : "#ff6b6b",
          "stroke-opacity": (aPrev ? 0.06 + 0.84 * t : 0.04 + 0.3 * t).toFixed(3),
          "stroke-width": (0.6 + 1.6 * t).toFixed(2)}, lines);
      }
    });
    lineGroup.replaceChildren(lines);
  }

  // An output's probability squeezed into its room if a font draws it wider than the room
  // allows (none should: a last resort, never past the diagram's edge).
  function fitPct(o) {
    o.pct.removeAttribute("textLength");
    o.pct.removeAttribute("lengthAdjust");
    if (o.pct.getComputedTextLength() <= o.room) return;
    o.pct.setAttribute("textLength", o.room);
    o.pct.setAttribute("lengthAdjust", "spacingAndGlyphs");
  }

  function update() {
    if (!model) return;
    const m = model, p = prediction;
    if (inputImage && p && m.input_shape) inputImage.setAttribute("href", grayCanvas(p.input).toDataURL());
    else if (inputImage) inputImage.removeAttribute("href");
    drawLines(p);

    const last = m.layers.length;
    const winner = p ? p.digit : -1;
    m.layers.forEach((layer) => {
      const l = layer.layer;
      const a = p ? p.layers[l - 1].a : null;
      const b = a ? brightness(a, layer.activation) : null;
      neuronEls[l - 1].forEach((g, j) => {
        const v = b ? b[j] : 0;
        g.querySelector("circle").setAttribute("fill", `rgb(${Math.round(20 + 235 * v)},${Math.round(24 + 231 * v)},${Math.round(30 + 225 * v)})`);
        const isOff = off.has(`${l}:${j}`);
        const what = isOff ? ", switched off" : a ? `, activation ${fmt(a[j], 3)}` : "";
        const name = l === last ? `output neuron for ${className(j)}` : `${layerName(l)}, neuron ${j}`;
        g.setAttribute("aria-label", `${name}${what}. ${enterDoes(l, j, isOff)}`);
        g.classList.toggle("off", isOff);
        g.classList.toggle("winner", l === last && j === winner);
        g.classList.toggle("selected", !!selected && selected.layer === l && selected.index === j);
      });
    });
    outputEls.forEach((o, j) => {
      const prob = p ? p.probabilities[j] : 0;
      o.bar.setAttribute("width", (o.width * prob).toFixed(1));
      o.pct.textContent = p ? percent(prob) : "";  // (as the verdict writes it)
      for (const e of [o.label, o.bar, o.pct]) e.classList.toggle("winner", j === winner);
      fitPct(o);
    });
  }

  return {
    setModel(m) {
      model = m;
      if (focus.layer > m.layers.length) focus = {layer: 1, index: 0};
      build();
    },
    show(p, sel) {
      prediction = p;
      selected = sel;
      update();
    },
    resize() {
      if (model && wanted() !== view) build();
    },
    markOff(keys) {  // neurons "layer:index" switched off, drawn crossed out
      off = new Set(keys);
      update();
    },
    relabel: update,  // (each neuron's name says again what Enter does)
    element: (sel) => neuronEls[sel.layer - 1][sel.index],
    reveal(sel) {
      setFocus(sel.layer, sel.index, false);
      const g = neuronEls[focus.layer - 1][focus.index];
      g.scrollIntoView({block: "center"});
      g.focus({preventScroll: true});
    },
  };
}
