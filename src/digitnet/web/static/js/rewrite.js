// Panel 7, "Rewrite a neuron": the open neuron's bias on a slider, its weights scaled, its
// incoming weights painted with a positive and a negative brush (on the 28x28 image for the
// first hidden layer, on a row of the layer before for deeper ones), the video's hand-built
// edge detector as a starting point, reset, and the edited network saved as a model file.
// Every edit goes into the page's changes (js/changes.js); the server sees them with each request.

import {find, fmt} from "./dom.js";
import {paintWeights} from "./paint.js";
import {mountCursor} from "./cursor.js";
import {hearsSound, inputNamed, readsOf} from "./summary.js";

// What panel 7 says while there is no input to show a neuron's z and a for, by what it reads.
const NO_INPUT = {
  images: "Draw a digit to see this neuron's z and a change as you edit it.",
  audio: "Say a digit to see this neuron's z and a change as you edit it.",
  table: "The page gives this network no row (see panel 1): its z and a are not shown here.",
};

const markup = (id) => `
  <section class="card poke-edit" aria-labelledby="${id("edit-title")}">
    <h2 id="${id("edit-title")}">7. Rewrite a neuron</h2>
    <p id="${id("edit-empty")}" class="hint">Open a neuron (click it in the diagram, or move to it
      with the arrow keys and press Enter) to set its bias and paint its weights by hand.</p>
    <div id="${id("edit-detail")}" hidden>
      <h3 id="${id("edit-name")}"></h3>
      <div class="edit-row">
        <canvas id="${id("edit-canvas")}" class="paint" width="28" height="28" tabindex="0"
                role="application" aria-label="The open neuron's incoming weights"
                aria-describedby="${id("edit-keys")}"></canvas>
        <div class="edit-tools">
          <fieldset class="brush">
            <legend>Brush</legend>
            <label><input type="radio" name="${id("brush")}" value="1" checked> <span class="pos">+</span> raises z</label>
            <label><input type="radio" name="${id("brush")}" value="-1"> <span class="neg">−</span> lowers z</label>
            <label><input type="radio" name="${id("brush")}" value="0"> 0 erases</label>
          </fieldset>
          <label class="slider">Brush weight <input id="${id("edit-strength")}" type="range" min="0" max="1" step="0.01" value="0.5">
            <output id="${id("edit-strength-value")}" for="${id("edit-strength")}"></output></label>
          <label class="check"><input id="${id("edit-wide")}" type="checkbox"> wide brush (3×3)</label>
          <p id="${id("edit-keys")}" class="hint">Paint with the mouse or a finger; or focus the
            grid, move with the arrow keys, and press Space to paint (Shift with an arrow key
            paints as it moves).</p>
        </div>
      </div>
      <div class="bias-row">
        <label class="slider">Bias b <input id="${id("edit-bias")}" type="range" min="-5" max="5" step="0.01" value="0"></label>
        <label class="slider">or type it <input id="${id("edit-bias-number")}" type="number" min="-1000" max="1000" step="any" value="0"></label>
      </div>
      <div class="buttons left" role="group" aria-label="Scale its weights">
        <button type="button" data-scale="2">weights ×2</button>
        <button type="button" data-scale="0.5">weights ×½</button>
        <button type="button" data-scale="-1">weights ×−1</button>
      </div>
      <div id="${id("edit-edges")}" class="buttons left" role="group" aria-label="The video's edge detector">
        <button type="button" data-edge="horizontal">Edge detector: a stroke across</button>
        <button type="button" data-edge="vertical">Edge detector: a stroke down</button>
      </div>
      <p id="${id("edit-now")}" class="now"></p>
      <p id="${id("edit-said")}" class="visually-hidden" role="status"></p>
      <div class="buttons left">
        <button id="${id("edit-off")}" type="button">Switch it off</button>
        <button id="${id("edit-reset")}" type="button">Reset this neuron</button>
        <button id="${id("edit-reset-all")}" type="button">Reset everything</button>
        <button id="${id("edit-save")}" type="button">Save the edited network…</button>
      </div>
      <p id="${id("edit-message")}" class="message" role="status"></p>
    </div>
  </section>`;

// The video's example: +w on a strip three pixels thick, a balancing negative border around it.
const EDGES = {
  horizontal: {top: 12, left: 6, height: 3, width: 16, margin: 1},
  vertical: {top: 6, left: 12, height: 16, width: 3, margin: 1},
};

// Whether the video's edge detector can be built on a neuron of `layer` of model `m`: on the
// first hidden layer of a model of pictures only (as digitnet.poke.changes refuses it
// elsewhere). A speech model's input is a 28x28 picture too, of a sound, where a pen
// stroke's edge means nothing: the server refuses the edit, so the page does not offer it.
function edgesFit(m, layer) {
  return layer === 1 && !!m.input_shape && !hearsSound(m);
}

/**
 * Adds the panel to `root`. calls.neuron(layer, index, body) answers a promise of a neuron's
 * description in the network with the changes `body`; calls.save(body) a File of the model
 * file, named as the server's answer names it (its Content-Disposition: edited, trained on the
 * page, or the served file's own name); calls.model() is the served network's description;
 * calls.prediction() the page's answer shown (null when there is none), whose input the
 * neuron's z and a are for. Returns select(sel) (the open neuron, or null) and refresh(tell)
 * (after the changes or the drawing changed; `tell`: a screen reader hears the neuron's new z
 * and a, as after an edit).
 */
export function mountRewrite(root, id, calls, changes) {
  root.insertAdjacentHTML("beforeend", markup(id));
  const part = (name) => find(root, id(name));
  const canvas = part("edit-canvas"), bias = part("edit-bias"), strength = part("edit-strength");
  const biasNumber = part("edit-bias-number");
  let selected = null, neuron = null, rows = null, asked = 0, timer = null;
  let say = false;  // whether the next load tells a screen reader the neuron's z and a

  const brush = () => Number(root.querySelector(`input[name="${CSS.escape(id("brush"))}"]:checked`).value);
  const layerMax = (l) => Math.max(1e-3, ...calls.model().layers[l - 1].weights.flat().map(Math.abs));
  const lastLayer = () => calls.model().layers.length;

  // The grid a neuron's incoming weights are painted on (as digitnet.poke.changes.grid_of).
  function grid(n) {
    const m = calls.model();
    if (n.layer === 1 && m.input_shape) return n.image.map((r) => r.slice());
    return [n.weights.slice()];
  }

  function draw() {
    paintWeights(canvas, rows);
    const c = canvas.getContext("2d"), [r, col] = cursor.cell();
    if (document.activeElement === canvas) {
      c.strokeStyle = "#f2c94c";
      c.lineWidth = 0.15;
      c.strokeRect(col + 0.08, r + 0.08, 0.84, 0.84);
    }
    const [h, w] = [rows.length, rows[0].length];
    canvas.setAttribute("aria-label", `The ${w * h} incoming weights of ${part("edit-name").textContent} as a ${h} by ${w} grid`);
  }

  async function load() {
    if (!selected) return;
    const mine = ++asked;
    let n;
    try {
      n = await calls.neuron(selected.layer, selected.index, changes.body());
    } catch (err) {
      if (mine === asked) part("edit-message").textContent = err.message;
      return;
    }
    if (mine !== asked) return;
    const saying = say;
    say = false;
    neuron = n;
    rows = grid(n);
    cursor.fit();
    draw();
    const range = Math.max(5, Math.ceil(Math.abs(n.bias) * 2));
    bias.min = String(-range);
    bias.max = String(range);
    if (document.activeElement !== bias) bias.value = String(n.bias);
    if (document.activeElement !== biasNumber) biasNumber.value = String(Number(n.bias.toFixed(4)));
    const off = changes.isOff(n.layer, n.index);
    part("edit-off").textContent = off ? "Switch it back on" : "Switch it off";
    part("edit-off").hidden = n.layer === lastLayer();
    const shown = calls.prediction(), input = inputNamed(calls.model(), shown);
    part("edit-now").textContent = n.current && shown
      ? `For ${input}: z = ${fmt(n.current.z, 3)}, a = ${fmt(n.current.a, 3)}${off ? " (switched off: the next layer reads 0)" : ""}`
      : NO_INPUT[readsOf(calls.model()).kind] || NO_INPUT.images;
    // (said after an edit; after a stroke, the verdict and panel 4 say what the drawing did)
    if (saying) part("edit-said").textContent = part("edit-now").textContent;
    part("edit-message").textContent = "";
  }

  function paintAt(r, c, cells) {
    const value = brush() * Number(strength.value);
    const reach = part("edit-wide").checked ? 1 : 0;
    for (let dr = -reach; dr <= reach; dr++) {
      for (let dc = -reach; dc <= reach; dc++) {
        const rr = r + dr, cc = c + dc;
        if (rr < 0 || cc < 0 || rr >= rows.length || cc >= rows[0].length) continue;
        rows[rr][cc] = value;
        cells.set(`${rr},${cc}`, {row: rr, col: cc, weight: value});
      }
    }
    draw();
  }

  // Painting with a pointer: cells are gathered during a stroke and sent as one edit at its end;
  // between two reports of the pointer, every cell on the line between them is painted.
  let stroke = null, last = null;
  function paintTo([r, c]) {
    const [r0, c0] = last || [r, c], steps = Math.max(Math.abs(r - r0), Math.abs(c - c0), 1);
    for (let k = 1; k <= steps; k++) {
      paintAt(Math.round(r0 + (r - r0) * k / steps), Math.round(c0 + (c - c0) * k / steps), stroke);
    }
    last = [r, c];
  }
  const cellOf = (e) => {
    const box = canvas.getBoundingClientRect();
    return [Math.floor((e.clientY - box.top) / box.height * rows.length),
            Math.floor((e.clientX - box.left) / box.width * rows[0].length)];
  };
  canvas.addEventListener("pointerdown", (e) => {
    if (!rows) return;
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    stroke = new Map();
    last = null;
    paintTo(cellOf(e));
  });
  canvas.addEventListener("pointermove", (e) => { if (stroke) paintTo(cellOf(e)); });
  const endStroke = () => {
    if (!stroke) return;
    changes.paint(selected.layer, selected.index, [...stroke.values()]);
    stroke = null;
  };
  canvas.addEventListener("pointerup", endStroke);
  canvas.addEventListener("pointercancel", endStroke);

  // With the keyboard (js/cursor.js, as on the drawing pad): the same strokes, cell by cell.
  const cursor = mountCursor(canvas, [14, 14], {
    grid: () => rows && [rows.length, rows[0].length],
    paint(cell, from) {
      if (from === null) {
        stroke = new Map();
        last = null;
      }
      paintTo(cell);
    },
    lift: endStroke,
    moved: draw,
    where: ([r, c]) => `row ${r}, column ${c}, weight ${fmt(rows[r][c], 3)}`,
  });
  canvas.addEventListener("focus", () => rows && draw());
  canvas.addEventListener("blur", () => rows && draw());

  bias.addEventListener("input", () => {
    biasNumber.value = bias.value;
    changes.setBias(selected.layer, selected.index, Number(bias.value));
  });
  biasNumber.addEventListener("change", () => {
    const v = Number(biasNumber.value);
    if (biasNumber.value === "" || !Number.isFinite(v) || Math.abs(v) > 1000) {
      part("edit-message").textContent = "The bias must be a number from −1000 to 1000.";
      return;
    }
    changes.setBias(selected.layer, selected.index, v);
  });
  strength.addEventListener("input", () => { part("edit-strength-value").textContent = fmt(Number(strength.value), 3); });
  for (const b of root.querySelectorAll("[data-scale]")) {
    b.addEventListener("click", () => changes.scale(selected.layer, selected.index, Number(b.dataset.scale)));
  }
  for (const b of root.querySelectorAll("[data-edge]")) {
    b.addEventListener("click", () => changes.edge(selected.layer, selected.index,
                                                   {...EDGES[b.dataset.edge], weight: layerMax(1)}));
  }
  part("edit-off").addEventListener("click", () => changes.toggleOff(selected.layer, selected.index));
  part("edit-reset").addEventListener("click", () => changes.resetNeuron(selected.layer, selected.index));
  part("edit-reset-all").addEventListener("click", () => changes.resetAll());
  part("edit-save").addEventListener("click", save);

  async function save() {
    try {
      const file = await calls.save(changes.body());
      const a = document.createElement("a");
      a.href = URL.createObjectURL(file);
      a.download = file.name;  // (the server's name for it: the one place it is decided)
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      part("edit-message").textContent = `Saved the network with ${changes.count()} change(s) as ${file.name}: open it with digitnet serve or digitnet.load.`;
    } catch (err) {
      part("edit-message").textContent = err.message;
    }
  }

  return {
    select(sel) {
      selected = sel;
      part("edit-empty").hidden = !!sel;
      part("edit-detail").hidden = !sel;
      if (!sel) return;
      const last = sel.layer === lastLayer();
      part("edit-name").textContent = last ? `Output neuron ${sel.index}` : `Hidden layer ${sel.layer}, neuron ${sel.index}`;
      part("edit-edges").hidden = !edgesFit(calls.model(), sel.layer);
      strength.max = String((layerMax(sel.layer) * 2).toFixed(3));
      strength.step = String((layerMax(sel.layer) / 50).toPrecision(2));
      strength.value = String(layerMax(sel.layer));
      part("edit-strength-value").textContent = fmt(Number(strength.value), 3);
      load();
    },
    // (`tell`: say the neuron's z and a once loaded: after an edit, not after each answer)
    refresh(tell = false) {
      say = say || tell;
      clearTimeout(timer);
      timer = setTimeout(load, 80);
    },
  };
}
