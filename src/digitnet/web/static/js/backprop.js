// Panel 11, "Backpropagation, one step at a time": for the input of the answer shown (the
// drawing, the picture uploaded, the sound heard: exactly the input the server read for that
// answer, named by its input_id) and the class the learner says it is (named as the model names
// its classes), the cost, how much each output neuron wants to move, each layer's error δ, how
// the step would change each first-layer neuron's weights, and one gradient step taken on a
// copy of the network: its cost and answer after. Every number is the server's, from the same
// backpropagation that training uses; the served network does not change. For a model of
// spoken digits the input is the picture of the sound it heard last, and the first layer's
// weight changes are time-frequency pictures.

import {find, fmt} from "./dom.js";
import {bars, roundUp, strip, tick} from "./charts.js";
import {paintWeights} from "./paint.js";
import {hearsSound, inputNamed, readsOf} from "./summary.js";

const markup = (id) => `
  <section class="card poke-backprop" aria-labelledby="${id("bp-title")}">
    <h2 id="${id("bp-title")}">11. Backpropagation, one step at a time</h2>
    <p class="hint"><span id="${id("bp-which")}">Say which digit your drawing is.</span> The network works out its cost C, passes the
      error back layer by layer (δ = ∂C/∂z), and takes one step downhill, as large as η
      says, on a copy of itself: w ← w − η ∂C/∂w.</p>
    <form id="${id("bp-form")}" class="row-form">
      <label><span id="${id("bp-label-text")}">It is a</span> <select id="${id("bp-label")}"></select></label>
      <label>Learning rate η <input id="${id("bp-lr")}" type="number" min="0.0001" max="10" step="any" value="0.01" required></label>
      <button type="submit">Backpropagate and take one step</button>
    </form>
    <p id="${id("bp-result")}" class="big-number" role="status" aria-live="polite">Draw a digit first.</p>
    <p id="${id("bp-meaning")}" class="hint" role="status" hidden></p>
    <p id="${id("bp-table")}" class="hint" hidden>A step starts from an input the page gives the
      network, and it cannot give this one a row of its table (see panel 1). In Python,
      <code>net.backprop(digitnet.inputs.of(net).rows(rows), labels)</code> works out the cost
      and the gradient for rows of it.</p>
    <div id="${id("bp-detail")}" hidden>
      <h3>What each output neuron wants (−δ of the output layer)</h3>
      <svg id="${id("bp-wanted")}" class="chart" role="img"></svg>
      <h3>The error δ of each layer, passed back</h3>
      <div id="${id("bp-deltas")}" class="deltas"></div>
      <h3 id="${id("bp-changes-title")}">How the step changes each first-layer neuron's weights</h3>
      <div id="${id("bp-changes")}" class="filter-grid small" role="img"></div>
      <h3>The weights the step moves most, in any layer</h3>
      <ol id="${id("bp-largest")}" class="largest" aria-label="The weights the step moves most, in any layer"></ol>
    </div>
  </section>`;

/**
 * Adds the panel to `root`. calls.backprop(inputId, label, lr, body) answers a promise of
 * POST /api/backprop's answer for the input a prediction read (its `input_id`);
 * calls.prediction() is the answer the page shows (null when there is none), whose input a
 * step starts from; calls.model() the network's description. Returns setModel() (a new
 * network: the old one's step goes) and prediction(p, settled) (the page's last prediction, or
 * null when the drawing is cleared; `settled`: no stroke is going on, see js/explorer.js;
 * `p.uploaded`: it is of an uploaded picture). Classes are named as the model names them (its
 * `classes`): the choices are their names, the answers' `digit`, `digit_after` and `label` their
 * numbers.
 */
export function mountBackprop(root, id, calls, changes) {
  root.insertAdjacentHTML("beforeend", markup(id));
  const part = (name) => find(root, id(name));
  const label = part("bp-label"), result = part("bp-result");
  let hears = false;  // a model of spoken digits: its input is a picture of a sound
  let read = null;    // the page's last prediction (null: nothing drawn or heard)
  let stepping = false;  // a step asked for and not answered yet

  // Class k by the model's name for it ("7", "Ankle boot"), and as a sentence says something is
  // one: "a 7" when the classes are digits (each "0" to "9"), else the name.
  const classes = () => calls.model().classes || [];
  const named = (k) => classes()[k] ?? String(k);
  const digits = () => classes().every((c) => /^[0-9]$/.test(c));
  const noun = () => (digits() ? "digit" : "class");
  const isA = (k) => (digits() ? `a ${named(k)}` : named(k));
  // What the input is, in the learner's words: the drawing, the picture uploaded, or the recording.
  const input = () => inputNamed(calls.model(), read);

  // What the panel says until it has a step to show: what to do next. (A status, so a screen
  // reader hears each new text: written only when it changes.)
  function waiting() {
    if (result.dataset.cost || stepping) return;
    const text = !read ? (hears ? "Say a digit first." : "Draw a digit first.")
      : `It ${hears ? "hears" : "reads"} ${read.class ?? named(read.digit)} in ` +
        `${hears ? "your recording" : input()}: choose the ${noun()} it really is, then backpropagate.`;
    if (result.textContent !== text) result.textContent = text;
  }

  // The panel's question: which class the input is (said again as the input changes).
  function which() {
    const text = `Say which ${noun()} ${input()} is.`;
    if (part("bp-which").textContent !== text) part("bp-which").textContent = text;
  }

  // The network was replaced: its step goes, and what it read unless the page still shows that
  // answer (a server restarted with the same network: an uploaded picture is not read again);
  // else the panel waits for the new one's reading (prediction(p)). A step on its way stays:
  // js/current.js asks it of the new one.
  function clear() {
    read = calls.prediction();
    delete result.dataset.cost;
    delete result.dataset.costAfter;
    unsay();
    part("bp-detail").hidden = true;
    for (const name of ["bp-wanted", "bp-deltas", "bp-changes", "bp-largest"]) part(name).replaceChildren();
  }

  function setModel() {
    clear();
    hears = hearsSound(calls.model());
    const table = readsOf(calls.model()).kind === "table";  // (no input: the sentence why)
    part("bp-table").hidden = !table;
    for (const name of ["bp-form", "bp-result"]) part(name).hidden = table;
    part("bp-which").hidden = table;
    part("bp-label-text").textContent = digits() ? "It is a" : "It is";
    which();
    part("bp-changes-title").textContent = hears
      ? "How the step changes each first-layer neuron's weights, as time-frequency pictures (pitch up, time to the right)"
      : "How the step changes each first-layer neuron's weights";
    const n = calls.model().layers.at(-1).n_out;
    label.replaceChildren(...Array.from({length: n}, (_, k) => {  // (a class's number, by its name)
      const o = document.createElement("option");
      o.value = String(k);
      o.textContent = named(k);
      return o;
    }));
    if (read) label.value = String(read.digit);  // (the answer still shown, by default)
    waiting();
  }

  part("bp-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    // (the input the answer shown was read from, as the server read it: an uploaded file's own
    // reading, not the pad's copy of the picture, which the browser may even be unable to show)
    const shown = calls.prediction();
    if (!shown) {
      result.textContent = `${hears ? "Say" : "Draw"} a digit first: backpropagation starts from an input and its label.`;
      return;
    }
    result.textContent = "Backpropagating…";
    unsay();  // (the last step's meaning goes with it)
    stepping = true;
    let r;
    try {
      r = await calls.backprop(shown.input_id, Number(label.value), Number(part("bp-lr").value), changes.body());
    } catch (err) {
      result.textContent = err.message;
      return;
    } finally {
      stepping = false;
    }
    show(r);
  });

  function unsay() {
    part("bp-meaning").hidden = true;
    part("bp-meaning").textContent = "";
  }

  // What the step means, in one sentence, from the server's numbers: one step on this example
  // alone changed its answer to the label (training averages many examples' steps), the cost
  // rose (it overshot), it barely moved (under 1%), or it fell by some share.
  function meaning(r) {
    const lr = part("bp-lr");
    // η times f, as the form takes it ("0.001", not "0.0010000000000000002"), or null when the
    // form would refuse it
    const times = (f) => {
      const v = Number((r.lr * f).toPrecision(6));
      return v >= Number(lr.min) && v <= Number(lr.max) ? String(v) : null;
    };
    const tenth = times(0.1), tenfold = times(10);
    if (r.digit !== r.label && r.digit_after === r.label) {
      return `One step on this single example was enough to change its answer to ` +
        `${named(r.label)}: training averages the steps of many examples (a batch), so that no ` +
        "single one pulls the weights this far; " +
        (tenth ? `η = ${tenth}, a tenth of this one, moves them a tenth as far.`
          : "a smaller η moves them less far.");
    }
    // (a rise within the float32 network's rounding, as of a cost near 0, is no overshoot)
    if (r.cost_after - r.cost > Math.max(1e-6, 1e-6 * r.cost)) {
      return "The cost rose: the step overshot, going so far that it came out higher up the " +
        `other side; a smaller η${tenth ? `, such as ${tenth},` : ""} steps less far.`;
    }
    const fell = (r.cost - r.cost_after) / r.cost;
    if (!(fell >= 0.01)) {
      const moved = fell > 0 ? "fell by less than 1% of itself" : "barely moved";
      return `The cost ${moved}: a tiny step; ` +
        (tenfold ? `η = ${tenfold}, ten times larger, steps ten times further.`
          : "a larger η steps further.");
    }
    const verb = hears ? "hears" : "reads";
    const now = r.digit_after === r.digit ? `it still ${verb} ${named(r.digit)}`
      : `it now ${verb} ${named(r.digit_after)}, not ${named(r.digit)}`;
    return `The cost fell by ${Math.min(99, Math.round(100 * fell))}% of itself and ${now}: ` +
      "repeated over many examples, such steps are training.";
  }

  function show(r) {
    result.textContent = `Cost C = ${fmt(r.cost, 3)} → ${fmt(r.cost_after, 3)} after one step of η = ${r.lr}; ` +
      `it read ${named(r.digit)}, now reads ${named(r.digit_after)} (${fmt(100 * r.probabilities_after[r.label], 1)}% sure it is ${isA(r.label)}).`;
    result.dataset.cost = String(r.cost);
    result.dataset.costAfter = String(r.cost_after);
    part("bp-meaning").textContent = meaning(r);
    part("bp-meaning").hidden = false;
    part("bp-detail").hidden = false;
    // a symmetric scale whose ends read as numbers, however small the wants are
    const max = roundUp(Math.max(1e-9, ...r.wanted.map(Math.abs)));
    const wanted = part("bp-wanted");
    bars(wanted, r.wanted.map((_, k) => named(k)), r.wanted, {range: [-max, max], signed: true, format: tick});
    wanted.setAttribute("aria-label", "How much each output's z wants to move: " + r.wanted.map((v, k) => `${named(k)}: ${fmt(v, 3)}`).join(", "));
    part("bp-deltas").replaceChildren(...r.deltas.map((d) => {
      const row = document.createElement("figure");
      const cap = document.createElement("figcaption");
      cap.textContent = d.layer === r.deltas.length ? `output layer (${d.delta.length})` : `layer ${d.layer} (${d.delta.length})`;
      const el = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      el.setAttribute("class", "strip");
      el.setAttribute("role", "img");
      strip(el, d.delta);
      const top = d.delta.map((v, j) => [Math.abs(v), j, v]).sort((a, b) => b[0] - a[0]).slice(0, 3);
      el.setAttribute("aria-label", `δ of ${cap.textContent}, largest: ` + top.map(([, j, v]) => `neuron ${j}: ${fmt(v, 4)}`).join(", "));
      row.append(cap, el);
      return row;
    }));
    const grid = part("bp-changes");
    grid.replaceChildren(...(r.first_layer_changes || []).map((image) => {
      const c = document.createElement("canvas");
      paintWeights(c, image);
      return c;
    }));
    const as = hears ? "time-frequency pictures (pitch up, time to the right)" : "images";
    grid.setAttribute("aria-label", `The step's change to the weights of each of the ${grid.children.length} first-layer neurons, as ${as}: blue up, red down`);
    part("bp-largest").replaceChildren(...r.largest_changes.slice(0, 5).map((c) => {
      const li = document.createElement("li");
      // (where the weight comes from, in the server's words: those digitnet info says a
      // painted weight in, poke.weight_source)
      li.textContent = `${c.source} → neuron ${c.neuron} of layer ${c.layer}: ${c.change >= 0 ? "+" : "−"}${Math.abs(c.change).toPrecision(3)}`;
      return li;
    }));
  }

  return {
    setModel,
    prediction(p, settled = true) {  // the answer shown (null: none) is the default label
      read = p;
      if (p && document.activeElement !== label) label.value = String(p.digit);
      which();
      if (settled) waiting();  // (said once a stroke is over, not for each answer while drawing)
    },
  };
}
