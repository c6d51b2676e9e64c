// digitnet's page: draw a digit, send it to /api/predict, draw the network lighting up.
// Plain JavaScript, no libraries, nothing fetched from anywhere but this server.
"use strict";

const $ = (id) => document.getElementById(id);
const SVG_NS = "http://www.w3.org/2000/svg";

const state = {
  model: null,          // GET /api/model
  prediction: null,     // last POST /api/predict answer
  // Layers are numbered as in the API and the video: 0 is the input, 1 the first hidden layer,
  // L the output layer. Arrays of the diagram (pos, neuronEls) hold layer l at [l - 1].
  selected: null,       // the neuron opened in panel 4: {layer, index}
  focus: {layer: 1, index: 0},
  strokes: [],          // each a list of [x, y] in pad pixels
  upload: null,         // an uploaded image shown on the pad, or null
  inFlight: false,
  pending: false,
  lastSent: 0,
  events: null,         // the EventSource of a training run
  chart: {progress: [], epochs: [], total: 1},
};

// -- API ------------------------------------------------------------------------------------

async function api(method, path, body) {
  const options = {method, headers: {}};
  if (body instanceof FormData) {
    options.body = body;
  } else if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok) {
    const message = (data && data.error) || `${method} ${path} failed with status ${response.status}`;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return data;
}

// -- the drawing pad ------------------------------------------------------------------------

const pad = $("pad");
const ctx = pad.getContext("2d");
// The pad is sent as a GRID x GRID grid of brightness values: enough for preprocessing to scale
// the digit into MNIST's 20x20 box with smooth edges, and small (about 12 KB, a few ms to read).
const GRID = 56;
const PEN = 20;    // stroke width in pad pixels: about MNIST's stroke for a digit of pad height

function padPoint(event) {
  const r = pad.getBoundingClientRect();
  return [(event.clientX - r.left) * pad.width / r.width, (event.clientY - r.top) * pad.height / r.height];
}

function strokePath(points) {
  ctx.beginPath();
  ctx.moveTo(points[0][0], points[0][1]);
  if (points.length === 1) ctx.lineTo(points[0][0] + 0.01, points[0][1]);
  for (let i = 1; i < points.length; i++) ctx.lineTo(points[i][0], points[i][1]);
  ctx.stroke();
}

function redrawPad() {
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, pad.width, pad.height);
  if (state.upload) {
    const img = state.upload, s = Math.min(pad.width / img.width, pad.height / img.height);
    ctx.drawImage(img, (pad.width - img.width * s) / 2, (pad.height - img.height * s) / 2, img.width * s, img.height * s);
  }
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = PEN;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  for (const s of state.strokes) strokePath(s);
  const empty = state.strokes.length === 0 && !state.upload;
  $("pad-hint").classList.toggle("gone", !empty);
  $("undo").disabled = state.strokes.length === 0;
  $("clear").disabled = empty;
}

let drawing = null;  // the stroke being drawn, and by which pointer

pad.addEventListener("pointerdown", (e) => {
  if (e.button !== 0 && e.pointerType === "mouse") return;
  e.preventDefault();
  pad.setPointerCapture(e.pointerId);
  if (state.upload) { state.upload = null; }
  drawing = {id: e.pointerId, points: [padPoint(e)]};
  state.strokes.push(drawing.points);
  redrawPad();
});

pad.addEventListener("pointermove", (e) => {
  if (!drawing || e.pointerId !== drawing.id) return;
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
  for (const c of (events.length ? events : [e])) drawing.points.push(padPoint(c));
  redrawPad();
  schedulePredict(false);
});

function endStroke(e) {
  if (!drawing || e.pointerId !== drawing.id) return;
  drawing = null;
  schedulePredict(true);
}
pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);

$("undo").addEventListener("click", undo);
$("clear").addEventListener("click", clearPad);

function undo() {
  state.strokes.pop();
  redrawPad();
  if (state.strokes.length || state.upload) schedulePredict(true); else showBlank();
}

function clearPad() {
  state.strokes = [];
  state.upload = null;
  redrawPad();
  showBlank();
}

document.addEventListener("keydown", (e) => {
  const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName);
  if (typing) return;
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") { e.preventDefault(); if (state.strokes.length) undo(); }
  else if (e.key === "Delete" && document.activeElement === pad) { e.preventDefault(); clearPad(); }
  else if (e.key === "Escape" && state.selected) { selectNeuron(null); }
});

$("upload").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  e.target.value = "";
  if (!file) return;
  const form = new FormData();
  form.append("file", file, file.name);
  state.strokes = [];
  state.upload = null;
  try {
    state.upload = await createImageBitmap(file);
  } catch (err) { /* the server says what is wrong with it */ }
  redrawPad();
  setBusy(true);
  try {
    showPrediction(await api("POST", "/api/predict", form));
  } catch (err) {
    showBlank(err.message);
  } finally {
    setBusy(false);
  }
});

// The pad as rows of brightness 0..1 (ink = 1), shrunk to GRID x GRID.
function padGrid() {
  const small = document.createElement("canvas");
  small.width = small.height = GRID;
  const sctx = small.getContext("2d");
  sctx.imageSmoothingEnabled = true;
  sctx.imageSmoothingQuality = "high";
  sctx.drawImage(pad, 0, 0, GRID, GRID);
  const px = sctx.getImageData(0, 0, GRID, GRID).data;
  const rows = [];
  for (let y = 0; y < GRID; y++) {
    const row = new Array(GRID);
    for (let x = 0; x < GRID; x++) {
      const i = (y * GRID + x) * 4;
      row[x] = Math.round((0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2]) / 2.55) / 100;
    }
    rows.push(row);
  }
  return rows;
}

// Live prediction: at most one request in flight, at most one every 120 ms while drawing, and
// always one more after the last change, so the answer shown is for the drawing shown.
let timer = null;
function schedulePredict(now) {
  if (!state.strokes.length && !state.upload) return;
  clearTimeout(timer);
  setBusy(true);
  const wait = now ? 0 : Math.max(0, 120 - (performance.now() - state.lastSent));
  timer = setTimeout(() => { timer = null; sendPredict(); }, wait);
}

// aria-busy on the verdict: true from a change of the drawing until its answer is shown.
function setBusy(busy) {
  document.querySelector(".verdict").setAttribute("aria-busy", busy ? "true" : "false");
}

async function sendPredict() {
  if (state.inFlight) { state.pending = true; return; }
  if (!state.strokes.length && !state.upload) { setBusy(false); return; }
  state.inFlight = true;
  state.lastSent = performance.now();
  const strokes = state.strokes.length;
  try {
    const answer = await api("POST", "/api/predict", {pixels: padGrid()});
    if (state.strokes.length || state.upload) showPrediction(answer);
  } catch (err) {
    if (strokes === state.strokes.length) showBlank(err.message);
  } finally {
    state.inFlight = false;
    if (state.pending) { state.pending = false; schedulePredict(true); }
    else if (timer === null) setBusy(false);
  }
}

// -- showing a prediction ------------------------------------------------------------------

function showBlank(message) {
  state.prediction = null;
  const out = $("prediction");
  out.textContent = "?";
  out.dataset.digit = "";
  $("confidence").textContent = "draw to find out";
  $("message").textContent = message || "";
  paintGray($("seen"), null);
  $("seen").setAttribute("aria-label", "The 28 by 28 image the network reads: nothing drawn yet");
  updateNetwork();
  if (state.selected) showNeuron();
}

function showPrediction(p) {
  state.prediction = p;
  $("message").textContent = "";
  const out = $("prediction");
  out.textContent = String(p.digit);
  out.dataset.digit = String(p.digit);
  const conf = p.probabilities[p.digit];
  $("confidence").textContent = conf >= 0.9995 ? "over 99.9% sure" : `${(conf * 100).toFixed(1)}% sure`;
  paintGray($("seen"), p.input);
  $("seen").setAttribute("aria-label", `The 28 by 28 image the network reads; it reads ${p.digit}`);
  updateNetwork();
  if (state.selected) showNeuron();
}

// Grey image of rows of 0..1 values into a canvas of the same size (black when null).
function paintGray(canvas, rows) {
  const c = canvas.getContext("2d");
  const img = c.createImageData(canvas.width, canvas.height);
  for (let y = 0; y < canvas.height; y++) {
    for (let x = 0; x < canvas.width; x++) {
      const v = rows ? Math.round(255 * rows[y][x]) : 0, i = (y * canvas.width + x) * 4;
      img.data[i] = img.data[i + 1] = img.data[i + 2] = v;
      img.data[i + 3] = 255;
    }
  }
  c.putImageData(img, 0, 0);
}

// Weights as an image: blue positive, red negative, black 0; scaled by the largest |w|.
function paintWeights(canvas, rows) {
  const h = rows.length, w = rows[0].length;
  canvas.width = w; canvas.height = h;
  let max = 1e-9;
  for (const r of rows) for (const v of r) max = Math.max(max, Math.abs(v));
  const c = canvas.getContext("2d"), img = c.createImageData(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const t = Math.min(1, Math.abs(rows[y][x]) / max), i = (y * w + x) * 4;
      const [r, g, b] = rows[y][x] >= 0 ? [88, 166, 255] : [255, 107, 107];
      img.data[i] = r * t; img.data[i + 1] = g * t; img.data[i + 2] = b * t; img.data[i + 3] = 255;
    }
  }
  c.putImageData(img, 0, 0);
}

// -- the network diagram -------------------------------------------------------------------

const net = $("net");
// Two layouts of the same diagram: wide, and compact for phone-sized screens.
const WIDE = {w: 740, h: 520, top: 38, bottom: 12, inputX: 8, inputSize: 150, firstX: 230, outX: 540, font: 13, pctRoom: 44};
const COMPACT = {w: 420, h: 560, top: 34, bottom: 8, inputX: 2, inputSize: 92, firstX: 134, outX: 282, font: 15, pctRoom: 54};
let VIEW = WIDE;
const MAX_LINES = 420;       // connections drawn per pair of layers: the strongest
const MAX_INPUT_LINES = 160; // pixel -> first hidden layer connections drawn

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG_NS, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}

function layerName(l) {
  return l === state.model.layers.length ? "output layer" : `hidden layer ${l}`;
}

// Where each neuron sits: positions[l - 1][j] = [x, y, r] for neuron j of layer l.
function layout() {
  const layers = state.model.layers, n = layers.length;
  const firstX = VIEW.firstX, span = VIEW.outX - firstX;
  const usable = VIEW.h - VIEW.top - VIEW.bottom;
  return layers.map((layer, k) => {
    const x = n === 1 ? VIEW.outX : firstX + span * k / (n - 1);
    const count = layer.n_out;
    const step = usable / count;
    const r = Math.max(1.5, Math.min(13, step * 0.42));
    return Array.from({length: count}, (_, j) => [x, VIEW.top + step * (j + 0.5), r]);
  });
}

function buildNetwork() {
  const m = state.model;
  VIEW = (net.parentElement.clientWidth || 740) < 560 ? COMPACT : WIDE;
  net.setAttribute("viewBox", `0 0 ${VIEW.w} ${VIEW.h}`);
  net.style.setProperty("--title-size", `${VIEW.font}px`);
  net.replaceChildren();
  state.pos = layout();
  const inY = VIEW.top + (VIEW.h - VIEW.top - VIEW.bottom - VIEW.inputSize) / 2;
  state.inputBox = {x: VIEW.inputX, y: inY, size: VIEW.inputSize};

  el("text", {x: VIEW.inputX + VIEW.inputSize / 2, y: 20, class: "layer-title"}, net)
    .textContent = m.input_shape ? `input ${m.input_shape[0]}×${m.input_shape[1]}` : `input (${m.sizes[0]})`;
  state.pos.forEach((col, k) => {
    const count = VIEW === COMPACT ? "" : ` (${col.length})`;
    const l = m.layers[k].layer;
    const label = l === m.layers.length ? `output${count}` : `hidden ${l}${count}`;
    el("text", {x: col[0][0], y: 20, class: "layer-title"}, net).textContent = label;
  });

  state.lineGroup = el("g", {"aria-hidden": "true"}, net);
  state.inputImage = el("image", {x: VIEW.inputX, y: inY, width: VIEW.inputSize, height: VIEW.inputSize,
    style: "image-rendering: pixelated", preserveAspectRatio: "none", "aria-hidden": "true"}, net);
  el("rect", {x: VIEW.inputX, y: inY, width: VIEW.inputSize, height: VIEW.inputSize, class: "input-frame"}, net);

  state.neuronEls = state.pos.map((col, k) => col.map(([x, y, r], j) => {
    const l = m.layers[k].layer;
    const g = el("g", {class: "neuron", role: "button", tabindex: "-1", "data-layer": l, "data-index": j}, net);
    el("circle", {cx: x, cy: y, r}, g);
    g.addEventListener("click", () => { state.focus = {layer: l, index: j}; selectNeuron({layer: l, index: j}); });
    return g;
  }));

  // Outputs: a label and a probability bar beside each.
  const outs = state.pos[state.pos.length - 1];
  state.outputEls = outs.map(([x, y, r], j) => {
    const label = el("text", {x: x + r + 6, y, class: "out-label"}, net);
    label.textContent = String(j);
    const bx = x + r + 24, bw = VIEW.w - bx - VIEW.pctRoom, bh = Math.max(3, Math.min(14, r * 1.1));
    el("rect", {x: bx, y: y - bh / 2, width: bw, height: bh, rx: 2, class: "bar-bg"}, net);
    const bar = el("rect", {x: bx, y: y - bh / 2, width: 0, height: bh, rx: 2, class: "bar"}, net);
    const pct = el("text", {x: bx + bw + 4, y, class: "pct"}, net);
    return {label, bar, pct, width: bw};
  });
  setFocus(state.focus.layer, state.focus.index, false);
  updateNetwork();
}

function setFocus(layer, index, move) {
  const els = state.neuronEls;
  layer = Math.max(1, Math.min(els.length, layer));
  index = Math.max(0, Math.min(els[layer - 1].length - 1, index));
  for (const col of els) for (const g of col) g.setAttribute("tabindex", "-1");
  const g = els[layer - 1][index];
  g.setAttribute("tabindex", "0");
  state.focus = {layer, index};
  if (move) g.focus();
}

net.addEventListener("keydown", (e) => {
  const g = e.target.closest && e.target.closest(".neuron");
  if (!g) return;
  let {layer, index} = state.focus;
  const keys = {ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0]};
  if (e.key in keys) {
    e.preventDefault();
    const [dl, di] = keys[e.key];
    if (dl) {  // keep the same relative height in the next layer
      const count = (l) => state.neuronEls[Math.max(1, Math.min(state.neuronEls.length, l)) - 1].length;
      const from = count(layer), to = count(layer + dl);
      index = Math.round((index + 0.5) * to / from - 0.5);
    }
    setFocus(layer + dl, index + di, true);
  } else if (e.key === "Home" || e.key === "End") {
    e.preventDefault();
    setFocus(layer, e.key === "Home" ? 0 : 1e9, true);
  } else if (e.key === "Enter" || e.key === " ") {
    e.preventDefault();
    selectNeuron({layer, index});
  }
});

function fmt(v, digits = 2) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  const s = Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(digits);
  return s.replace("-", "−");
}

// Brightness of each neuron, in 0..1 per layer: activations divided by the largest possible
// (1 for sigmoid and softmax, the layer's largest |a| for ReLU and tanh).
function brightness(a, kind) {
  if (kind === "sigmoid" || kind === "softmax") return a.map((v) => Math.max(0, Math.min(1, v)));
  const max = Math.max(1e-9, ...a.map(Math.abs));
  return a.map((v) => Math.max(0, v) / Math.max(1, max));
}

function updateNetwork() {
  if (!state.model) return;
  const m = state.model, p = state.prediction, pos = state.pos;
  const lines = document.createDocumentFragment();

  // The input image.
  if (p && m.input_shape) {
    const c = document.createElement("canvas");
    c.width = m.input_shape[1]; c.height = m.input_shape[0];
    paintGray(c, p.input);
    state.inputImage.setAttribute("href", c.toDataURL());
  } else {
    state.inputImage.removeAttribute("href");
  }

  // Connections: colour by the weight's sign, opacity by |weight x activation before it|
  // (by |weight| alone before anything is drawn).
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
      el("line", {x1, y1, x2, y2, stroke: w >= 0 ? "#58a6ff" : "#ff6b6b",
        "stroke-opacity": (aPrev ? 0.06 + 0.84 * t : 0.04 + 0.3 * t).toFixed(3),
        "stroke-width": (0.6 + 1.6 * t).toFixed(2)}, lines);
    }
  });
  state.lineGroup.replaceChildren(lines);

  // Neurons.
  const last = m.layers.length;
  const winner = p ? p.digit : -1;
  m.layers.forEach((layer) => {
    const l = layer.layer;
    const a = p ? p.layers[l - 1].a : null;
    const b = a ? brightness(a, layer.activation) : null;
    state.neuronEls[l - 1].forEach((g, j) => {
      const v = b ? b[j] : 0;
      g.querySelector("circle").setAttribute("fill", `rgb(${Math.round(20 + 235 * v)},${Math.round(24 + 231 * v)},${Math.round(30 + 225 * v)})`);
      const what = a ? `, activation ${fmt(a[j], 3)}` : "";
      const name = l === last ? `output neuron for digit ${j}` : `${layerName(l)}, neuron ${j}`;
      g.setAttribute("aria-label", `${name}${what}. Press Enter for its weights and formula.`);
      g.classList.toggle("winner", l === last && j === winner);
      g.classList.toggle("selected", !!state.selected && state.selected.layer === l && state.selected.index === j);
    });
  });
  state.outputEls.forEach((o, j) => {
    const prob = p ? p.probabilities[j] : 0;
    o.bar.setAttribute("width", (o.width * prob).toFixed(1));
    o.pct.textContent = p ? `${(prob * 100).toFixed(prob >= 0.995 || prob < 0.005 ? 0 : 1)}%` : "";
    for (const e of [o.label, o.bar, o.pct]) e.classList.toggle("winner", j === winner);
  });
}

function inputPoint(i) {
  const [h, w] = state.model.input_shape, box = state.inputBox;
  const r = Math.floor(i / w), c = i % w;
  return [box.x + (c + 0.5) * box.size / w, box.y + (r + 0.5) * box.size / h];
}

// -- one neuron -----------------------------------------------------------------------------

function selectNeuron(sel) {
  state.selected = sel;
  updateNetwork();
  if (!sel) {
    $("neuron-detail").hidden = true;
    $("neuron-empty").hidden = false;
    return;
  }
  showNeuron();
  if (window.matchMedia("(max-width: 760px)").matches) $("neuron-panel").scrollIntoView({behavior: "smooth", block: "start"});
}

let neuronRequest = 0;
async function showNeuron() {
  const {layer, index} = state.selected;
  const id = ++neuronRequest;
  const q = state.prediction ? `?input_id=${state.prediction.input_id}` : "";
  let n;
  try {
    n = await api("GET", `/api/neuron/${layer}/${index}${q}`);
  } catch (err) {
    $("message").textContent = err.message;
    return;
  }
  if (id !== neuronRequest) return;  // a newer request is on its way
  const current = state.prediction ? n.current : null;
  $("neuron-empty").hidden = true;
  $("neuron-detail").hidden = false;
  const name = n.kind === "output" ? `Output neuron ${index} (the digit ${index})` : `Hidden layer ${layer}, neuron ${index}`;
  $("neuron-name").textContent = name;
  const canvas = $("neuron-image");
  if (n.image) {
    paintWeights(canvas, n.image);
    canvas.hidden = false;
    canvas.setAttribute("aria-label", `${name}: ${n.image_kind === "weights" ? "its weights" : "its effective template"} as an image`);
    $("neuron-image-caption").innerHTML = n.image_kind === "weights"
      ? `Its ${n.weights.length} weights, one per pixel: <span class="pos">blue</span> pixels raise z when lit, <span class="neg">red</span> ones lower it.`
      : `Its effective template: its weights multiplied back through the earlier layers to the pixels (ignoring σ). <span class="pos">Blue</span> raises z, <span class="neg">red</span> lowers it.`;
  } else {
    canvas.hidden = true;
    $("neuron-image-caption").textContent = "";
  }
  $("neuron-bias").textContent = fmt(n.bias, 3);
  $("neuron-z").textContent = current ? fmt(current.z, 3) : "draw a digit";
  $("neuron-a").textContent = current ? fmt(current.a, 3) : "–";
  $("neuron-formula").innerHTML = formulaHtml(n, current);
}

function term(t) {
  const cls = t.w >= 0 ? "w-pos" : "w-neg";
  const w = t.w < 0 ? `(${fmt(t.w)})` : fmt(t.w);
  return `<span class="${cls}">${w}</span>·${fmt(t.a_prev)}`;
}

function formulaHtml(n, c) {
  const sigma = n.activation === "softmax" ? "softmax" : n.activation === "leaky_relu" ? "leaky ReLU" : n.activation === "relu" ? "ReLU" : n.activation === "tanh" ? "tanh" : "σ";
  const prev = n.layer === 1 ? "pixel" : "neuron";
  if (!c) {
    return `a = ${sigma}(w · a<sub>prev</sub> + b)<br><span class="muted">w: ${n.weights.length} weights, one per ${prev} before it; draw a digit to fill in the numbers.</span>`;
  }
  const shown = c.top_terms.map(term).join(" + ");
  const rest = c.n_terms - c.top_terms.length;
  const b = n.bias < 0 ? `(${fmt(n.bias, 3)})` : fmt(n.bias, 3);
  let out = `a = ${sigma}(w · a<sub>prev</sub> + b)<br>`;
  out += `&nbsp;&nbsp;= ${sigma}(${shown}${rest > 0 ? ` <span class="muted">+ … ${rest} smaller terms</span>` : ""} + ${b})<br>`;
  out += `&nbsp;&nbsp;= ${sigma}(${fmt(c.weighted_sum, 3)} + ${b})<br>`;
  if (n.activation === "softmax") {
    out += `&nbsp;&nbsp;= softmax(z)<sub>${n.index}</sub> with z<sub>${n.index}</sub> = ${fmt(c.z, 3)}<br>`;
    out += `&nbsp;&nbsp;= e<sup>z<sub>${n.index}</sub></sup> / Σ<sub>k</sub> e<sup>z<sub>k</sub></sup> = <span class="result">${fmt(c.a, 3)}</span>`;
  } else {
    out += `&nbsp;&nbsp;= ${sigma}(${fmt(c.z, 3)}) = <span class="result">${fmt(c.a, 3)}</span>`;
  }
  out += `<br><span class="muted">The terms shown are the ${c.top_terms.length} largest of ${c.n_terms}: weight·activation of the ${prev} before.</span>`;
  return out;
}

// -- the model summary -------------------------------------------------------------------------

async function loadModel() {
  state.model = await api("GET", "/api/model");
  const m = state.model, meta = m.metadata || {}, metrics = meta.metrics || {};
  const acc = metrics.test_accuracy ?? metrics.val_accuracy;
  const accText = acc != null ? ` · ${metrics.test_accuracy != null ? "test" : "validation"} accuracy ${(acc * 100).toFixed(1)}%` : "";
  $("model-summary").textContent = `${m.sizes.join("–")} network, ${m.activation} hidden layers, ${m.output} output · ${m.parameters.toLocaleString("en")} weights and biases${accText}`;
  $("activation").value = m.activation;
  $("hidden").value = m.sizes.slice(1, -1).join(",");
  if (state.selected && (state.selected.layer > m.layers.length || state.selected.index >= m.layers[state.selected.layer - 1].n_out)) {
    selectNeuron(null);
  }
  if (state.focus.layer > m.layers.length) state.focus = {layer: 1, index: 0};
  buildNetwork();
}

// -- training -------------------------------------------------------------------------------

$("train-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const hiddenText = $("hidden").value.trim();
  const hidden = hiddenText ? hiddenText.split(/[\s,]+/).filter(Boolean).map(Number) : [];
  if (hidden.some((v) => !Number.isInteger(v) || v < 1 || v > 128) || hidden.length > 3) {
    setTrainStatus("Hidden layers: give up to three sizes from 1 to 128, such as 16,16.", "error");
    $("hidden").focus();
    return;
  }
  const body = {epochs: Number($("epochs").value), lr: Number($("lr").value), activation: $("activation").value, hidden};
  try {
    await api("POST", "/api/train", body);
  } catch (err) {
    setTrainStatus(err.message, "error");
    return;
  }
  resetChart(body.epochs);
  followTraining();
});

$("stop").addEventListener("click", async () => {
  try { await api("DELETE", "/api/train"); setTrainStatus("Stopping…"); }
  catch (err) { setTrainStatus(err.message, "error"); }
});

function setTrainStatus(text, kind) {
  const s = $("train-status");
  s.textContent = text;
  s.className = "train-status" + (kind ? " " + kind : "");
}

function setRunning(running) {
  $("train").disabled = running;
  $("stop").disabled = !running;
  $("train-status").setAttribute("aria-busy", running ? "true" : "false");
}

function followTraining() {
  if (state.events) state.events.close();
  setRunning(true);
  const es = new EventSource("/api/train/events");
  state.events = es;
  const on = (kind, f) => es.addEventListener(kind, (e) => f(JSON.parse(e.data)));
  on("loading", () => setTrainStatus("Loading the training images…"));
  on("start", (d) => {
    resetChart(d.config.epochs);
    setTrainStatus(`Training ${d.config.sizes.join("–")} (${d.config.activation}) on ${d.n_train.toLocaleString("en")} digits, checking on ${d.n_val.toLocaleString("en")} held out…`);
  });
  on("progress", (d) => {
    state.chart.progress.push([d.position, d.loss]);
    drawChart();
    setTrainStatus(`Epoch ${d.epoch} of ${state.chart.total}: step ${d.step} of ${d.n_steps}, loss ${d.loss.toFixed(3)}`);
  });
  on("epoch", (d) => {
    state.chart.epochs.push(d);
    drawChart();
    addHistoryRow(d);
    if (d.weight_images) drawFilters(d.weight_images);
    const acc = d.val_accuracy != null ? `, validation accuracy ${(d.val_accuracy * 100).toFixed(1)}%` : "";
    setTrainStatus(`Epoch ${d.epoch} of ${d.epochs} done: loss ${d.train_loss.toFixed(3)}${acc}`);
  });
  on("done", async (d) => {
    es.close();
    setRunning(false);
    const acc = d.val_accuracy != null ? ` with ${(d.val_accuracy * 100).toFixed(1)}% validation accuracy` : "";
    setTrainStatus(`Training finished${acc} in ${d.seconds.toFixed(d.seconds < 1 ? 2 : 1)} s; the page now uses the new network.`, "done");
    await loadModel();
    if (state.strokes.length) schedulePredict(true);
  });
  for (const kind of ["failed", "cancelled"]) {
    on(kind, (d) => { es.close(); setRunning(false); setTrainStatus(d.message, kind === "failed" ? "error" : ""); });
  }
  on("idle", () => { es.close(); setRunning(false); });
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED) { setRunning(false); setTrainStatus("Lost the connection to the server.", "error"); }
  };
}

function resetChart(epochs) {
  state.chart = {progress: [], epochs: [], total: epochs};
  $("history").tBodies[0].replaceChildren();
  drawChart();
}

function addHistoryRow(d) {
  const tr = document.createElement("tr");
  for (const v of [d.epoch, d.train_loss.toFixed(4), d.val_loss != null ? d.val_loss.toFixed(4) : "–",
                   d.val_accuracy != null ? (d.val_accuracy * 100).toFixed(2) + "%" : "–"]) {
    const td = document.createElement("td");
    td.textContent = v;
    tr.appendChild(td);
  }
  $("history").tBodies[0].appendChild(tr);
}

function drawFilters(images) {
  const grid = $("filters");
  while (grid.children.length > images.length) grid.lastChild.remove();
  while (grid.children.length < images.length) grid.appendChild(document.createElement("canvas"));
  images.forEach((img, j) => paintWeights(grid.children[j], img));
  grid.setAttribute("aria-label", `Weight images of ${images.length} neurons of hidden layer 1 after epoch ${state.chart.epochs.length}`);
}

function drawChart() {
  const canvas = $("chart"), ch = state.chart;
  const dpr = window.devicePixelRatio || 1;
  const cssW = canvas.clientWidth || 560, cssH = cssW * 240 / 560;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  const c = canvas.getContext("2d");
  c.setTransform(dpr, 0, 0, dpr, 0, 0);
  c.clearRect(0, 0, cssW, cssH);
  const L = 44, R = 44, T = 10, B = 26, w = cssW - L - R, h = cssH - T - B;
  const losses = ch.progress.map((p) => p[1]).concat(ch.epochs.flatMap((e) => [e.train_loss, e.val_loss ?? 0]));
  // Loss axis: round steps (0.1, 0.2, 0.25, 0.5, 1, 2), at most 6 of them.
  const top = Math.max(0.1, ...losses);
  const step = [0.1, 0.2, 0.25, 0.5, 1, 2, 5].find((s) => top / s <= 6) || 10;
  const ticks = Math.ceil(top * 1.001 / step), maxLoss = ticks * step;
  const X = (e) => L + w * e / Math.max(1, ch.total), Y = (v) => T + h * (1 - v / maxLoss), A = (v) => T + h * (1 - v);

  c.strokeStyle = "#30363d"; c.fillStyle = "#9aa7b4"; c.lineWidth = 1; c.font = "11px system-ui, sans-serif";
  c.textAlign = "right"; c.textBaseline = "middle";
  for (let k = 0; k <= ticks; k++) {
    const y = Y(k * step);
    c.beginPath(); c.moveTo(L, y); c.lineTo(L + w, y); c.stroke();
    c.fillText((k * step).toFixed(step < 1 ? 2 : 0), L - 4, y);
  }
  c.textAlign = "left";
  for (let k = 0; k <= 4; k++) c.fillText(`${25 * k}%`, L + w + 4, A(k / 4));
  c.textAlign = "center"; c.textBaseline = "top";
  const every = Math.ceil(ch.total / 10);
  for (let e = 0; e <= ch.total; e += every) c.fillText(String(e), X(e), T + h + 4);
  c.fillText("epoch", L + w / 2, T + h + 14);

  const path = (points, color, dots) => {
    if (!points.length) return;
    c.strokeStyle = color; c.fillStyle = color; c.lineWidth = 2;
    c.beginPath();
    points.forEach(([x, y], k) => (k ? c.lineTo(x, y) : c.moveTo(x, y)));
    c.stroke();
    if (dots) for (const [x, y] of points) { c.beginPath(); c.arc(x, y, 3, 0, 7); c.fill(); }
  };
  path(ch.progress.map(([e, v]) => [X(e), Y(v)]), "#58a6ff", false);
  path(ch.epochs.filter((e) => e.val_loss != null).map((e) => [X(e.epoch), Y(e.val_loss)]), "#f0883e", true);
  path(ch.epochs.filter((e) => e.val_accuracy != null).map((e) => [X(e.epoch), A(e.val_accuracy)]), "#3fb950", true);

  canvas.dataset.points = String(ch.progress.length + ch.epochs.length);
  canvas.dataset.epochs = String(ch.epochs.length);
  const last = ch.epochs[ch.epochs.length - 1];
  canvas.setAttribute("aria-label", last
    ? `Loss and accuracy curves: after epoch ${last.epoch}, training loss ${last.train_loss.toFixed(3)}` +
      (last.val_accuracy != null ? `, validation accuracy ${(last.val_accuracy * 100).toFixed(1)}%` : "")
    : ch.progress.length ? `Loss curve: ${ch.progress.length} points so far` : "Loss and accuracy curves: no data yet");
}

window.addEventListener("resize", () => {
  drawChart();
  const want = (net.parentElement.clientWidth || 740) < 560 ? COMPACT : WIDE;
  if (state.model && want !== VIEW) buildNetwork();
});

// -- start ------------------------------------------------------------------------------------

async function start() {
  redrawPad();
  paintGray($("seen"), null);
  drawChart();
  try {
    await loadModel();
  } catch (err) {
    $("model-summary").textContent = `Could not load the network: ${err.message}`;
    return;
  }
  try {
    const status = await api("GET", "/api/train");
    if (status.state === "running") followTraining();
  } catch (err) { /* training is optional */ }
  document.body.dataset.ready = "true";
}

start();
