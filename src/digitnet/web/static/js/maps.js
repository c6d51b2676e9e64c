// Panel 9, "Maps of the layers": one layer's activations over held-out digits laid out in two
// dimensions (PCA, or t-SNE), a point per digit coloured by its label. Hover or tap a point to
// see its digit; with the keyboard, the arrow keys step from point to point.

import {find} from "./dom.js";
import {classColor} from "./charts.js";
import {grayCanvas} from "./paint.js";
import {readsOf} from "./summary.js";

const COUNT = {pca: 1000, tsne: 500};
const SIZE = 320;  // the canvas, in its own pixels

const markup = (id) => `
  <section class="card poke-maps" aria-labelledby="${id("maps-title")}">
    <h2 id="${id("maps-title")}">9. Maps of the layers</h2>
    <p id="${id("maps-hint")}" class="hint">Each held-out digit becomes one point: what a layer
      computes for it, squeezed into two dimensions. Digits the layer sees alike land close
      together; watch the classes pull apart layer by layer.</p>
    <form id="${id("maps-form")}" class="row-form">
      <label>Layer <select id="${id("maps-layer")}"></select></label>
      <label>Method <select id="${id("maps-method")}">
        <option value="pca">PCA (straight projection)</option>
        <option value="tsne">t-SNE (keeps neighbours; takes seconds)</option>
      </select></label>
      <button type="submit">Draw the map</button>
    </form>
    <div class="map-row">
      <canvas id="${id("maps-canvas")}" class="map" width="${SIZE}" height="${SIZE}" tabindex="0"
              role="img" aria-label="No map yet" aria-describedby="${id("maps-keys")}"></canvas>
      <figure class="map-digit">
        <canvas id="${id("maps-digit")}" class="seen" width="28" height="28" role="img" aria-label="no digit chosen"></canvas>
        <figcaption id="${id("maps-caption")}" aria-live="polite">Hover over or tap a point</figcaption>
      </figure>
    </div>
    <p id="${id("maps-keys")}" class="hint">Keyboard: focus the map, then the arrow keys step
      through the <span id="${id("maps-keys-what")}">digits</span>.</p>
    <p id="${id("maps-status")}" class="now" role="status" aria-live="polite"></p>
    <ul id="${id("maps-legend")}" class="class-legend" aria-label="Colours of the digits"></ul>
  </section>`;

/**
 * Adds the panel to `root`. calls.map(layer, method, count, body) answers a promise of
 * POST /api/map's; calls.digit(index) of GET /api/heldout/{index}'s; calls.model() is the
 * served network's description; calls.heldOut() its held-out digits ({n, description}). Returns
 * setModel() (a new network: its layers to choose from, and no map of the old one).
 */
export function mountMaps(root, id, calls, changes) {
  root.insertAdjacentHTML("beforeend", markup(id));
  const part = (name) => find(root, id(name));
  const canvas = part("maps-canvas"), layerSelect = part("maps-layer");
  let map = null, xy = [], chosen = -1, computing = false;

  function setModel() {
    const m = calls.model(), last = m.layers.length, keep = layerSelect.value, reads = readsOf(m);
    const Examples = reads.examples[0].toUpperCase() + reads.examples.slice(1);
    part("maps-hint").textContent = `Each held-out ${reads.example} becomes one point: what a layer ` +
      `computes for it, squeezed into two dimensions. ${Examples} the layer sees alike land close ` +
      "together; watch the classes pull apart layer by layer.";
    part("maps-keys-what").textContent = reads.examples;
    layerSelect.replaceChildren(...Array.from({length: last + 1}, (_, l) => {
      const o = document.createElement("option");
      o.value = String(l);
      o.textContent = l === 0 ? `0: the input (${reads.kind === "table" ? "columns" : "pixels"})` : l === last ? `${l}: the output layer` : `${l}: hidden layer ${l}`;
      return o;
    }));
    layerSelect.value = keep && Number(keep) <= last ? keep : String(Math.max(1, last - 1));
    clear();
  }

  // No map shown, no digit chosen: as the panel starts.
  function clear() {
    map = null;
    xy = [];
    chosen = -1;
    canvas.getContext("2d").clearRect(0, 0, SIZE, SIZE);
    canvas.setAttribute("aria-label", "No map yet");
    const shown = part("maps-digit");
    shown.getContext("2d").clearRect(0, 0, shown.width, shown.height);
    shown.setAttribute("aria-label", "no digit chosen");
    part("maps-caption").textContent = "Hover over or tap a point";
    if (!computing) part("maps-status").textContent = "";  // (a map on its way is the new network's)
    part("maps-legend").replaceChildren();
  }

  part("maps-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const layer = Number(layerSelect.value), method = part("maps-method").value;
    const status = part("maps-status"), held = calls.heldOut();
    if (!held.n) {
      status.textContent = `No held-out ${readsOf(calls.model()).examples} to map: ${held.description}.`;
      return;
    }
    status.textContent = method === "tsne" ? "Computing a t-SNE map: a few seconds…" : "Computing…";
    computing = true;
    try {
      map = await calls.map(layer, method, COUNT[method], changes.body());
    } catch (err) {
      status.textContent = err.message;
      return;
    } finally {
      computing = false;
    }
    const share = map.explained ? `; the two axes hold ${Math.round(100 * map.explained[0] + 100 * map.explained[1])}% of the layer's variation` : "";
    status.textContent = `${map.points.length} held-out ${readsOf(calls.model()).examples}, layer ${map.layer}, ${map.method.toUpperCase()}${share}.`;
    chosen = -1;
    drawMap();
    showLegend();
    canvas.setAttribute("aria-label", `Map of layer ${map.layer} (${map.method}): ${map.points.length} ${readsOf(calls.model()).examples} as coloured points`);
  });

  function drawMap() {
    const c = canvas.getContext("2d");
    c.fillStyle = "#0d1117";
    c.fillRect(0, 0, SIZE, SIZE);
    const xs = map.points.map((p) => p[0]), ys = map.points.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const fit = (v, lo, hi) => 10 + (SIZE - 20) * (v - lo) / ((hi - lo) || 1);
    xy = map.points.map(([x, y]) => [fit(x, x0, x1), SIZE - fit(y, y0, y1)]);
    xy.forEach(([x, y], i) => {
      c.fillStyle = classColor(map.labels[i]);
      c.globalAlpha = chosen === -1 || i === chosen ? 0.85 : 0.45;
      c.beginPath();
      c.arc(x, y, i === chosen ? 5 : 2.2, 0, 2 * Math.PI);
      c.fill();
    });
    c.globalAlpha = 1;
    if (chosen >= 0) {
      c.strokeStyle = "#f2c94c";
      c.lineWidth = 2;
      c.beginPath();
      c.arc(xy[chosen][0], xy[chosen][1], 7, 0, 2 * Math.PI);
      c.stroke();
    }
  }

  function showLegend() {
    part("maps-legend").replaceChildren(...map.classes.map((name, k) => {
      const li = document.createElement("li");
      li.style.setProperty("--dot", classColor(k));
      li.textContent = name;
      return li;
    }));
  }

  async function choose(i) {
    chosen = i;
    drawMap();
    const index = map.indices[i];
    const example = readsOf(calls.model()).example;
    part("maps-caption").textContent = `a ${map.classes[map.labels[i]]} (held-out ${example} ${index})`;
    try {
      const d = await calls.digit(index);
      if (chosen !== i) return;
      const shown = part("maps-digit");
      if (d.image) shown.getContext("2d").drawImage(grayCanvas(d.image), 0, 0);
      shown.setAttribute("aria-label", `held-out ${example} ${index}: a ${d.class_name}`);
    } catch (err) {
      part("maps-caption").textContent = err.message;
    }
  }

  function nearest(e) {
    const box = canvas.getBoundingClientRect();
    const x = (e.clientX - box.left) * SIZE / box.width, y = (e.clientY - box.top) * SIZE / box.height;
    let best = -1, bestD = 14 * 14;
    xy.forEach(([px, py], i) => {
      const d = (px - x) ** 2 + (py - y) ** 2;
      if (d < bestD) { best = i; bestD = d; }
    });
    return best;
  }

  canvas.addEventListener("pointermove", (e) => {
    if (!map || e.pointerType === "touch") return;
    const i = nearest(e);
    if (i >= 0 && i !== chosen) choose(i);
  });
  canvas.addEventListener("pointerdown", (e) => {
    if (!map) return;
    const i = nearest(e);
    if (i >= 0) choose(i);
  });
  canvas.addEventListener("keydown", (e) => {
    if (!map || !["ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp"].includes(e.key)) return;
    e.preventDefault();
    const step = e.key === "ArrowRight" || e.key === "ArrowDown" ? 1 : -1;
    choose((chosen + step + xy.length) % xy.length);
  });

  return {setModel};
}
