// The explorer: draw a digit (or, to a model of spoken digits, say one), see what the network
// reads, watch the diagram light up layer by layer, open one neuron. The page (main.js) and the notebook widget (widget.js) each mount one
// and answer its two questions their own way: the page asks the server's API, the widget the
// Python process it runs in.

import {mountPad} from "./pad.js";
import {mountVerdict} from "./verdict.js";
import {mountDiagram} from "./network.js";
import {mountNeuronPanel} from "./neuron.js";
import {grayCanvas} from "./paint.js";
import {mountMicrophone} from "./microphone.js";
import {hearsSound, readsOf} from "./summary.js";

const sections = (id) => `
  <section id="${id("draw-section")}" class="card draw" aria-labelledby="${id("draw-title")}">
    <h2 id="${id("draw-title")}">1. Draw a digit</h2>
  </section>
  <section class="card network" aria-labelledby="${id("network-title")}">
    <h2 id="${id("network-title")}">3. The network, layer by layer</h2>
  </section>
  <section class="card neuron" aria-labelledby="${id("neuron-title")}" id="${id("neuron-panel")}">
    <h2 id="${id("neuron-title")}">4. Inside one neuron</h2>
  </section>`;

// What panel 1 says of a model of a table: what it reads, and how to ask it about rows.
function tableNote(m, reads) {
  const cols = reads.columns, shown = cols.length > 6 ? [...cols.slice(0, 5), "…", cols.at(-1)] : cols;
  const file = m.source && /\.(safetensors|onnx)$/.test(m.source) ? m.source : "MODEL";
  const table = reads.data || "TABLE.csv";
  return `This network reads rows of ${reads.data ? `a table, ${reads.data}` : "a table"}: ` +
    `${cols.length} numbers (${shown.join(", ")}) into its ${cols.length} input neurons, ` +
    "not drawings, so there is nothing to draw here, and the page cannot ask it about a row. " +
    `Ask it with \`digitnet predict ${file} ${table}\` (a .csv of those columns; one answer per row), ` +
    "or in Python with digitnet.load(…).predict(rows). The panels below show its weights and " +
    "score it on its held-out rows.";
}

// Whether prediction `p` was made by network `m`: the same layers, and where both say which
// version of the served network they are, the same version.
function madeBy(p, m) {
  return p.layers.length === m.layers.length && p.layers.every((l, k) => l.a.length === m.layers[k].n_out) &&
    (p.model_version === undefined || m.model_version === undefined || p.model_version === m.model_version);
}

/**
 * Puts the explorer's three sections (the drawing, the network, one neuron) at the start of
 * `root` and wires them together.
 *
 * options.id(name) makes element ids (see dom.js). options.keyTarget hears Ctrl+Z (undo) and
 * Escape (close the neuron): the page's document, or the widget's element.
 * options.predict(input) answers a promise of a prediction (POST /api/predict's answer) for
 * `{pixels}` (the pad's grid) or `{file}` (an image file, or a recording for a model that hears:
 * then a microphone and an upload of recordings take the pad's place, which shows the picture
 * of the sound heard). options.neuron(layer, index,
 * prediction) answers a promise of a neuron's description (GET /api/neuron's) with what it
 * computed for `prediction`'s input. options.blank(), if given, hears that nothing is drawn.
 * options.read(p, settled), if given, hears each answer shown (null: none) and whether it is
 * settled (no stroke going on, no newer answer on its way: the one a screen reader is told).
 * options.intercept(sel), if given, is asked first when a neuron is clicked and returns true
 * when it handled the click itself (the neuron then does not open); options.switches(sel), if
 * given, says whether it would switch the neuron off or on (then the neuron's name says so,
 * in place of opening it); options.selected(sel), if given, hears which neuron is open (null:
 * none).
 *
 * Each prediction shown is the server's answer; one for an uploaded image also has `uploaded`,
 * the file's name.
 *
 * Returns setModel(model), show(prediction, picture) (a prediction made elsewhere; its input
 * replaces the drawing unless `picture` is false; null clears), redo() (read the input shown
 * again, the drawing, the picture uploaded or the recording heard, and the open neuron: after
 * the network changed), grid() (the drawing's rows, null when blank), markOff(keys) (neurons
 * "layer:index" switched off by changes not in the model, drawn as switched off beside those
 * the model's `off` lists, [[layer, index], ...]), relabel() (what options.switches says changed),
 * destroy(), and the `model` and `prediction` shown.
 */
export function mountExplorer(root, options) {
  const {id} = options;
  root.insertAdjacentHTML("afterbegin", sections(id));
  const part = (name) => root.querySelector("#" + CSS.escape(id(name)));
  const drawSection = part("draw-section"), neuronPanel = part("neuron-panel");
  const pad = mountPad(drawSection, id, {change: schedule, empty: () => { given(); blank(); if (options.blank) options.blank(); }, upload});
  drawSection.insertAdjacentHTML("beforeend", `<h2 id="${id("sees-title")}">2. What the network sees</h2>`);
  const verdict = mountVerdict(drawSection, id);
  const networkCard = root.querySelector(".card.network");
  const diagram = mountDiagram(networkCard, id, {select, switches: options.switches});
  const panel = mountNeuronPanel(neuronPanel, id, {pick: open});
  // On a phone panel 4 is a screen below the diagram: a neuron opened by a tap is summed up
  // under the diagram, with a link down to its weights and formula, and one from there back up
  // (explorer.css shows both on narrow screens only).
  networkCard.insertAdjacentHTML("beforeend", `
    <p id="${id("net-opened")}" class="net-opened" hidden><span id="${id("net-opened-said")}"></span>
      <a id="${id("net-opened-more")}" href="#${id("neuron-panel")}">See its weights and formula</a></p>`);
  part("neuron-name").insertAdjacentHTML("afterend", `
    <p class="back-link"><a id="${id("neuron-back")}" href="#${id("net")}">Back to the diagram</a></p>`);
  const opened = part("net-opened");
  part("net-opened-more").addEventListener("click", (e) => {
    e.preventDefault();
    neuronPanel.scrollIntoView({block: "start"});
    part("neuron-name").focus({preventScroll: true});
  });
  part("neuron-back").addEventListener("click", (e) => {
    e.preventDefault();
    if (selected) diagram.reveal(selected);
  });

  let model = null, prediction = null, selected = null;
  // The neurons switched off, "layer:index": those the network's file records as off (the
  // model description's `off`, as digitnet.poke.off_neurons finds them) and those the page's
  // changes switch off (markOff); the diagram draws them crossed out, panel 4 says a = 0.
  let savedOff = [], changedOff = [], off = new Set();
  function markOff() {
    off = new Set([...savedOff, ...changedOff]);
    diagram.markOff([...off]);
  }
  let source = null;  // the file the answer shown reads ({file, uploaded}), null: the drawing's
  let inputs = 0;     // how many inputs were given (files, strokes, Clear): see given()

  // A model of spoken digits hears recordings: the microphone takes the drawing's place, and the
  // pad shows the picture of the sound the network heard. A model of a table reads rows, which
  // the explorer cannot give it: the section says so, and how to ask it, in place of the pad.
  const drawLabel = pad.canvas.getAttribute("aria-label");
  drawSection.querySelector("h2").insertAdjacentHTML("afterend",
    `<p id="${id("table-note")}" class="table-note" hidden></p>`);
  let microphone = null, listener = null;
  function adapt(m) {
    const hears = hearsSound(m), reads = readsOf(m), kind = reads.kind;
    if (drawSection.dataset.input && drawSection.dataset.input !== kind && !pad.isEmpty()) {
      pad.showPicture(null);  // a drawing means nothing to a network that hears, nor a sound's picture to one that reads
      given();
      blank();
    }
    drawSection.dataset.input = kind;
    verdict.hears(hears, Boolean(((m.metadata || {}).input || {}).deskew));
    part("draw-title").textContent = hears ? "1. Say a digit" : kind === "table" ? "1. What it reads" : "1. Draw a digit";
    part("table-note").hidden = kind !== "table";
    if (kind === "table") part("table-note").textContent = tableNote(m, reads);
    // (and a link to this section from outside it, the page's "skip" link, says what is there)
    const to = `a[href="#${CSS.escape(id("draw-section"))}"]`;
    for (const a of root.ownerDocument.querySelectorAll(to)) {
      a.textContent = hears ? "Skip to saying a digit" : kind === "table" ? "Skip to what the network reads" : "Skip to the drawing";
    }
    pad.canvas.setAttribute("aria-label", hears
      ? "The picture of the sound the network hears: pitch up, time to the right" : drawLabel);
    // Heard, the pad only shows a picture: an image, out of the keyboard's way.
    pad.canvas.tabIndex = hears || kind === "table" ? -1 : 0;
    pad.canvas.setAttribute("role", hears ? "img" : "application");
    if (hears && !microphone) {
      microphone = document.createElement("div");
      part("upload").closest(".buttons").after(microphone);
      listener = mountMicrophone(microphone, id, {heard});
    }
    if (microphone) microphone.hidden = !hears;
  }

  // (what went wrong with a recording heard, the microphone says: the answer shown stays)
  function heard(file) {
    return readFile({file}, true);
  }

  // Every answer is shown as it comes, ten a second while a stroke is drawn; a screen reader is
  // told only the settled ones (`say`), once the stroke is over: see settled() below.
  function show(p, say = true) {
    prediction = p;
    panel.input(p);
    verdict.show(p, say);
    diagram.show(prediction, selected);
    if (selected) showNeuron(say);
    if (options.read) options.read(p, say);
  }

  function blank(message, say = true) {
    prediction = null;
    panel.input(null);
    verdict.blank(message, say);
    diagram.show(prediction, selected);
    if (selected) showNeuron(false);
    if (options.read) options.read(null, say);
  }

  // Live prediction: at most one request in flight, at most one every 120 ms while drawing, and
  // always one more after the last change, so the answer shown is for the drawing shown.
  let timer = null, inFlight = false, pending = false, lastSent = 0;
  // An answer is settled when no stroke is going on and no newer answer is on its way.
  const settled = () => !pad.drawing() && timer === null && !pending;
  function schedule(now) {
    if (pad.isEmpty()) return;
    given();
    clearTimeout(timer);
    verdict.busy(true);
    const wait = now ? 0 : Math.max(0, 120 - (performance.now() - lastSent));
    timer = setTimeout(() => { timer = null; send(); }, wait);
  }

  async function send() {
    if (inFlight) { pending = true; return; }
    if (pad.isEmpty()) { verdict.busy(false); return; }
    inFlight = true;
    lastSent = performance.now();
    const strokes = pad.strokeCount();
    try {
      const answer = await options.predict({pixels: pad.grid()});
      if (!pad.isEmpty() && !source) show(answer, settled());  // (not if a file took its place)
    } catch (err) {
      if (strokes === pad.strokeCount() && !source) blank(err.message, settled());
    } finally {
      inFlight = false;
      if (pending) { pending = false; schedule(true); }
      else if (timer === null && !source) verdict.busy(false);
    }
  }

  // A file read in place of a drawing: a picture uploaded or a recording heard, read again by
  // redo() when the network changed. Each input given (a file, a stroke, Clear) counts, and an
  // answer is shown only for the latest file given, not one a newer input took the place of.
  function given(src = null) {
    source = src;
    return ++inputs;
  }

  function upload(file) {
    return readFile({file, uploaded: file.name});
  }

  // Reads file `src` and shows its answer: an uploaded picture's says so (`uploaded`: its
  // file's name; panels that speak of the input call it a picture, not a drawing), a
  // recording's shows the picture of its sound on the pad. What went wrong is said in the
  // answer's place, or with `thrown`, thrown and the answer shown kept.
  async function readFile(src, thrown = false) {
    const before = source, asked = given(src);
    verdict.busy(true);
    try {
      const p = await options.predict({file: src.file});
      if (asked !== inputs) return;
      if (!src.uploaded) pad.showPicture(grayCanvas(p.input));
      show(src.uploaded ? {...p, uploaded: src.uploaded} : p);
    } catch (err) {
      if (asked !== inputs) return;
      source = thrown ? before : null;
      if (thrown) throw err;
      blank(err.message);
    } finally {
      if (asked === inputs) verdict.busy(false);
    }
  }

  // A neuron of the diagram clicked or tapped, or (`keyed`) chosen with the keyboard.
  function select(sel, keyed = false) {
    if (sel && options.intercept && options.intercept(sel)) return;  // (the click did something else)
    open(sel, keyed ? "keys" : "tap");
  }

  // Opens neuron `sel` ({layer, index}; null: none), from the diagram (`how`: "tap" or "keys")
  // or panel 4's form. Where panel 4 is below the diagram, the keyboard and the form go to it;
  // a tap stays with the diagram (a phone's screen holds no more), summed up under it.
  function open(sel, how = "form") {
    selected = sel;
    if (options.selected) options.selected(sel);
    diagram.show(prediction, selected);
    if (!sel) {
      panel.clear();
      opened.hidden = true;
      return;
    }
    showNeuron(true, how === "tap");
    if (how !== "tap" && window.matchMedia("(max-width: 760px)").matches) neuronPanel.scrollIntoView({behavior: "smooth", block: "start"});
  }

  // The page scrolled up just enough to show the summary under the diagram, if the neuron
  // tapped stays in view; else not at all.
  function nudge() {
    const below = opened.getBoundingClientRect().bottom + 8 - window.innerHeight;
    const room = diagram.element(selected).getBoundingClientRect().top - 8;
    if (below > 0 && below <= room) opened.scrollIntoView({behavior: "smooth", block: "nearest"});
  }

  let neuronRequest = 0;
  async function showNeuron(say = false, tapped = false) {
    const {layer, index} = selected;
    const asked = ++neuronRequest;
    let n;
    try {
      n = await options.neuron(layer, index, prediction);
    } catch (err) {
      verdict.say(err.message);
      return;
    }
    if (asked !== neuronRequest || !selected) return;  // a newer request is on its way, or none
    const current = prediction ? n.current : null, isOff = off.has(`${n.layer}:${n.index}`);
    part("net-opened-said").textContent = `${panel.show(n, current, say, isOff)}.`;
    opened.hidden = false;
    if (tapped) nudge();
  }

  function onKey(e) {
    if (/^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName)) return;  // typing
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") { e.preventDefault(); if (pad.strokeCount()) pad.undo(); }
    else if (e.key === "Delete" && e.target === pad.canvas) { e.preventDefault(); pad.clear(); }
    else if (e.key === "Escape" && selected) { select(null); }
  }
  options.keyTarget.addEventListener("keydown", onKey);
  // The diagram has a wide and a compact layout: follow its card's width (the window's, on the
  // page; a notebook's output area can change without it).
  const resizes = new ResizeObserver(() => diagram.resize());
  resizes.observe(root.querySelector(".card.network"));

  return {
    get model() { return model; },
    get prediction() { return prediction; },
    setModel(m) {
      model = m;
      adapt(m);
      if (selected && (selected.layer > m.layers.length || selected.index >= m.layers[selected.layer - 1].n_out)) {
        select(null);
      }
      if (prediction && !madeBy(prediction, m)) {  // (an answer of the network replaced)
        prediction = null;
        panel.input(null);
        verdict.blank("", false);  // (the page's note says why)
        diagram.show(null, selected);
      }
      diagram.setModel(m);
      savedOff = (m.off || []).map(([l, j]) => `${l}:${j}`);
      markOff();
      panel.setModel(m);
      if (selected) showNeuron();
    },
    show(p, picture = true) {
      given();
      if (picture) pad.showPicture(p ? grayCanvas(p.input) : null);
      if (picture && listener) listener.forget();  // what the microphone last heard is not shown now
      if (p) show(p); else blank();
    },
    redo() {
      if (pad.strokeCount()) schedule(true);
      else if (source) readFile(source);
      else if (selected) showNeuron();
    },
    grid() {
      return pad.isEmpty() ? null : pad.grid();
    },
    markOff(keys) {
      changedOff = [...keys];  // (the open neuron is asked again by redo(), which follows)
      markOff();
    },
    relabel() {
      diagram.relabel();
    },
    destroy() {
      options.keyTarget.removeEventListener("keydown", onKey);
      resizes.disconnect();
    },
  };
}
