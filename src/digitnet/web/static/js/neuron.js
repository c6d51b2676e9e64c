// One neuron up close: its weights as an image, its bias, and the sum it works out, a = σ(w · a + b),
// written out with the numbers of the current input. Given a neuron's description
// (GET /api/neuron's answer) it draws it; it asks for nothing itself.

import {find, fmt} from "./dom.js";
import {paintWeights} from "./paint.js";

const markup = (id) => `
  <div id="${id("neuron-empty")}" class="empty">
    <p>Click any hidden or output neuron in the diagram to see the weights it multiplies the
      previous layer by, its bias, and the sum it works out for your drawing:</p>
    <p class="formula-big">a = σ(w · a<sub>prev</sub> + b)</p>
  </div>
  <div id="${id("neuron-detail")}" hidden>
    <h3 id="${id("neuron-name")}"></h3>
    <figure class="weights-figure">
      <canvas id="${id("neuron-image")}" class="neuron-image" width="28" height="28" role="img" aria-label="weight image"></canvas>
      <figcaption id="${id("neuron-image-caption")}"></figcaption>
    </figure>
    <dl class="numbers">
      <dt>bias b</dt><dd id="${id("neuron-bias")}"></dd>
      <dt>weighted sum z</dt><dd id="${id("neuron-z")}">–</dd>
      <dt>activation a</dt><dd id="${id("neuron-a")}">–</dd>
    </dl>
    <div id="${id("neuron-formula")}" class="formula" aria-live="polite"></div>
  </div>`;

const SIGMA = {softmax: "softmax", leaky_relu: "leaky ReLU", relu: "ReLU", tanh: "tanh"};

function term(t) {
  const cls = t.w >= 0 ? "w-pos" : "w-neg";
  const w = t.w < 0 ? `(${fmt(t.w)})` : fmt(t.w);
  return `<span class="${cls}">${w}</span>·${fmt(t.a_prev)}`;
}

/** The neuron's sum as HTML: the formula, then its largest terms and the result for input `c`
 * (the description's `current`), or the bare formula when there is no input. */
export function formulaHtml(n, c) {
  const sigma = SIGMA[n.activation] || "σ";
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

/**
 * Adds the neuron panel's contents to `root`. Returns `show(neuron, current)` (a neuron's
 * description, and what it computed for the current input or null) and `clear()`.
 */
export function mountNeuronPanel(root, id) {
  root.insertAdjacentHTML("beforeend", markup(id));
  const part = (name) => find(root, id(name));
  const empty = part("neuron-empty"), detail = part("neuron-detail"), canvas = part("neuron-image");
  const caption = part("neuron-image-caption");

  function show(n, current) {
    empty.hidden = true;
    detail.hidden = false;
    const name = n.kind === "output" ? `Output neuron ${n.index} (the digit ${n.index})` : `Hidden layer ${n.layer}, neuron ${n.index}`;
    part("neuron-name").textContent = name;
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
    part("neuron-z").textContent = current ? fmt(current.z, 3) : "draw a digit";
    part("neuron-a").textContent = current ? fmt(current.a, 3) : "–";
    part("neuron-formula").innerHTML = formulaHtml(n, current);
  }

  function clear() {
    detail.hidden = true;
    empty.hidden = false;
  }

  return {show, clear};
}
