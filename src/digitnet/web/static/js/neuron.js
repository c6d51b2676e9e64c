// One neuron up close: its weights as an image, its bias, and the sum it works out, a = σ(w · a + b),
// written out with the numbers of the current input. Given a neuron's description
// (GET /api/neuron's answer) it draws it; it asks for nothing itself. A form opens any neuron
// by its layer and number: the way to one too small to tap in a wide layer's diagram (the
// 128 neurons of a layer are 3 pixels apart on a phone), and a short way to it by keyboard.

import {find, fmt} from "./dom.js";
import {paintWeights} from "./paint.js";
import {inputNamed, readsOf} from "./summary.js";

const markup = (id) => `
  <form id="${id("pick")}" class="pick" aria-label="Open a neuron by its number">
    <label>Layer <select id="${id("pick-layer")}"></select></label>
    <label>Neuron <input id="${id("pick-index")}" type="number" min="0" step="1" value="0"
                         inputmode="numeric" required></label>
    <button type="submit">Open</button>
  </form>
  <div id="${id("neuron-empty")}" class="empty">
    <p id="${id("neuron-invite")}">Click any hidden or output neuron in the diagram (or choose it
      above) to see the weights it multiplies the previous layer by, its bias, and the sum it
      works out for your drawing:</p>
    <p class="formula-big">a = σ(w · a<sub>prev</sub> + b)</p>
  </div>
  <div id="${id("neuron-detail")}" hidden>
    <h3 id="${id("neuron-name")}" tabindex="-1"></h3>
    <figure class="weights-figure">
      <canvas id="${id("neuron-image")}" class="neuron-image" width="28" height="28" role="img" aria-label="weight image"></canvas>
      <figcaption id="${id("neuron-image-caption")}"></figcaption>
    </figure>
    <dl class="numbers">
      <dt>bias b</dt><dd id="${id("neuron-bias")}"></dd>
      <dt>weighted sum z</dt><dd id="${id("neuron-z")}">–</dd>
      <dt>activation a</dt><dd id="${id("neuron-a")}">–</dd>
    </dl>
    <div id="${id("neuron-formula")}" class="formula"></div>
  </div>
  <p id="${id("neuron-said")}" class="visually-hidden" aria-live="polite" aria-atomic="true"></p>`;

const SIGMA = {softmax: "softmax", leaky_relu: "leaky ReLU", relu: "ReLU", tanh: "tanh"};

// What the panel asks for, to fill in a neuron's numbers, by what the network reads (js/summary.js
// readsOf's kind): `ask` for a neuron's z, `to` to end a sentence, `sum` for the invitation's end
// (else it names the input, as js/summary.js inputNamed does). A model of a table is given no row
// on the page: nothing fills its numbers in here.
const ASK = {
  images: {ask: "draw a digit", to: "draw a digit to", prev: "pixel"},
  audio: {ask: "say a digit", to: "say a digit (or upload a recording) to", prev: "pixel of the sound’s picture"},
  table: {ask: "no row given", to: "the page gives this network no row to", sum: "for a row (the page cannot give it one: see panel 1)", prev: "column"},
};
const asking = (reads) => ASK[reads && reads.kind] || ASK.images;

function term(t) {
  const cls = t.w >= 0 ? "w-pos" : "w-neg";
  const w = t.w < 0 ? `(${fmt(t.w)})` : fmt(t.w);
  return `<span class="${cls}">${w}</span>·${fmt(t.a_prev)}`;
}

// What a neuron switched off sends, whatever its sum: the formula's last line for one.
const SILENT = `Switched off, it sends <span class="result">a = 0</span> to the next layer, whatever z is.`;

/** The neuron's sum as HTML: the formula, then its largest terms and the result for input `c`
 * (the description's `current`), or the bare formula when there is no input; `reads` is what
 * the network reads (js/summary.js readsOf; default: pictures). A neuron switched off (`off`)
 * sends a = 0 whatever z is: its formula is z's, and says so (σ(z) is not what it sends). */
export function formulaHtml(n, c, reads = null, off = false) {
  const sigma = SIGMA[n.activation] || "σ", words = asking(reads);
  const prev = n.layer === 1 ? words.prev : "neuron";
  // (switched off: z's sum, then what it sends; else a = σ(that sum))
  const of = (sum) => (off ? sum : `${sigma}(${sum})`);
  const first = `${off ? "z" : "a"} = ${of(`w · a<sub>prev</sub> + b`)}<br>`;
  if (!c) {
    return `${first}<span class="muted">w: ${n.weights.length} weights, one per ${prev} before it; ${words.to} fill in the numbers.</span>${off ? `<br>${SILENT}` : ""}`;
  }
  const shown = c.top_terms.map(term).join(" + ");
  const rest = c.n_terms - c.top_terms.length;
  const b = n.bias < 0 ? `(${fmt(n.bias, 3)})` : fmt(n.bias, 3);
  let out = first;
  out += `&nbsp;&nbsp;= ${of(`${shown}${rest > 0 ? ` <span class="muted">+ … ${rest} smaller terms</span>` : ""} + ${b}`)}<br>`;
  out += `&nbsp;&nbsp;= ${of(`${fmt(c.weighted_sum, 3)} + ${b}`)}<br>`;
  if (off) {
    out += `&nbsp;&nbsp;= ${fmt(c.z, 3)}<br>${SILENT}`;
  } else if (n.activation === "softmax") {
    out += `&nbsp;&nbsp;= softmax(z)<sub>${n.index}</sub> with z<sub>${n.index}</sub> = ${fmt(c.z, 3)}<br>`;
    out += `&nbsp;&nbsp;= e<sup>z<sub>${n.index}</sub></sup> / Σ<sub>k</sub> e<sup>z<sub>k</sub></sup> = <span class="result">${fmt(c.a, 3)}</span>`;
  } else {
    out += `&nbsp;&nbsp;= ${sigma}(${fmt(c.z, 3)}) = <span class="result">${fmt(c.a, 3)}</span>`;
  }
  out += `<br><span class="muted">The terms shown are the ${c.top_terms.length} largest of ${c.n_terms}: weight·activation of the ${prev} before.</span>`;
  return out;
}

/**
 * Adds the neuron panel's contents to `root`; on.pick({layer, index}) hears the form ask for a
 * neuron. Returns `show(neuron, current, say, off)` (a neuron's description, and what it
 * computed for the current input or null; `say`: tell a screen reader, in a sentence: the
 * formula is too long to hear after every stroke; it answers that sentence, said or not:
 * "Hidden layer 1, neuron 3: z = 1.2, a = 1.2"; `off`: the neuron is switched off, and its
 * a is 0 whatever z is), `clear()`, `setModel(model)` (the layers to pick) and
 * `input(p)` (the page's answer shown, null when none: the invitation names its input, a
 * drawing or a picture uploaded).
 */
export function mountNeuronPanel(root, id, on) {
  root.insertAdjacentHTML("beforeend", markup(id));
  const part = (name) => find(root, id(name));
  const empty = part("neuron-empty"), detail = part("neuron-detail"), canvas = part("neuron-image");
  const caption = part("neuron-image-caption"), layerPick = part("pick-layer");
  const indexPick = part("pick-index");
  let sizes = [];  // neurons in each layer, sizes[l - 1] for layer l
  let reads = null, classes = [];  // what the network reads (js/summary.js), its classes' names
  let model = null, shown = null;  // the network, and the answer shown (null: none)

  // The invitation, naming the input whose sum a neuron shows (written only when it changes).
  function invite() {
    const sum = asking(reads).sum || `for ${inputNamed(model, shown)}`;
    const text = "Click any hidden or output neuron in the diagram (or choose it above) to see " +
      `the weights it multiplies the previous layer by, its bias, and the sum it works out ${sum}:`;
    if (part("neuron-invite").textContent !== text) part("neuron-invite").textContent = text;
  }

  function setModel(m) {
    sizes = m.layers.map((l) => l.n_out);
    reads = readsOf(m);
    classes = m.classes;
    model = m;
    invite();
    const keep = Number(layerPick.value) || 1, last = sizes.length;
    layerPick.replaceChildren(...sizes.map((n, k) => {
      const o = document.createElement("option");
      o.value = String(k + 1);
      o.textContent = `${k + 1}: ${k + 1 === last ? "output" : `hidden layer ${k + 1}`} (${n})`;
      return o;
    }));
    layerPick.value = String(Math.min(keep, last));
    fitIndex();
  }

  function fitIndex() {
    const n = sizes[Number(layerPick.value) - 1] || 1;
    indexPick.max = String(n - 1);
    if (Number(indexPick.value) > n - 1) indexPick.value = String(n - 1);
  }
  layerPick.addEventListener("change", fitIndex);
  part("pick").addEventListener("submit", (e) => {
    e.preventDefault();
    on.pick({layer: Number(layerPick.value), index: Number(indexPick.value)});
  });

  function show(n, current, say = false, off = false) {
    empty.hidden = true;
    detail.hidden = false;
    const named = classes[n.index] !== undefined && classes[n.index] !== String(n.index);
    const name = n.kind !== "output" ? `Hidden layer ${n.layer}, neuron ${n.index}`
      : `Output neuron ${n.index} (${named ? classes[n.index] : `the digit ${n.index}`})`;
    const heading = off ? `${name}, switched off` : name;
    part("neuron-name").textContent = heading;
    if (n.image) {
      paintWeights(canvas, n.image);
      canvas.hidden = false;
      canvas.setAttribute("aria-label", `${name}: ${n.image_kind === "weights" ? "its weights" : "its effective template"} as an image`);
      caption.innerHTML = n.image_kind === "weights"
        ? `Its ${n.weights.length} weights, one per pixel: <span class="pos">blue</span> pixels raise z when lit, <span class="neg">red</span> ones lower it.`
        : `Its effective template: its weights multiplied back through the earlier layers to the pixels (ignoring σ). <span class="pos">Blue</span> raises z, <span class="neg">red</span> lowers it.`;
    } else {
      canvas.hidden = true;
      caption.textContent = "";
    }
    part("neuron-bias").textContent = fmt(n.bias, 3);
    part("neuron-z").textContent = current ? fmt(current.z, 3) : asking(reads).ask;
    part("neuron-a").textContent = off ? "0 (switched off)" : current ? fmt(current.a, 3) : "–";
    part("neuron-formula").innerHTML = formulaHtml(n, current, reads, off);
    const sentence = current
      ? `${heading}: z = ${fmt(current.z, 3)}, a = ${off ? 0 : fmt(current.a, 3)}`
      : `${heading}: bias ${fmt(n.bias, 3)}; ${asking(reads).to} see its sum`;
    if (say) part("neuron-said").textContent = sentence;
    if (!part("pick").contains(document.activeElement)) {  // (not while the learner types)
      layerPick.value = String(n.layer);
      fitIndex();
      indexPick.value = String(n.index);
    }
    return sentence;
  }

  function clear() {
    detail.hidden = true;
    empty.hidden = false;
  }

  function input(p) {
    shown = p;
    if (model) invite();
  }

  return {show, clear, setModel, input};
}
