// The notebook widget (digitnet.widget(net), an anywidget): the page's explorer, asking the
// notebook's Python process instead of a server. Python bundles this module with the modules it
// imports into the widget's code (digitnet/notebook/bundle.py).
//
// What passes between them: the trait `_model` (the network, as GET /api/model describes it);
// requests from here, {seq, kind: "predict" | "upload" | "neuron" | "clear" | "current", ...},
// each answered by a message {seq, answer} or {seq, error}; and {kind: "show", prediction,
// picture} when Python read an image of its own accord: one it was given (w.image = ...;
// picture: true, shown on the pad), or the same one with another network (w.network = ...).
// `_model` also says what was changed by hand (`off`, the neurons switched off, and `edited`),
// which the explorer draws and the heading says (js/explorer.js, js/summary.js).

import {mountExplorer} from "./explorer.js";
import {modelSummary} from "./summary.js";

// Each widget's element ids carry its own number, counted on the page (globalThis), not in this
// module: a notebook front end imports the widget's code afresh for each widget (anywidget: a
// module of its own from a blob: URL each time), so a count kept here would start at 1 for
// every widget, and two widgets' ids, and the labels that point at them, would be the same.
const COUNT = Symbol.for("digitnet.widgets");

function ownPrefix(doc) {
  let prefix;
  do {
    globalThis[COUNT] = (globalThis[COUNT] || 0) + 1;
    prefix = `digitnet-${globalThis[COUNT]}-`;
  } while (doc.getElementById(`${prefix}summary`));  // (taken all the same: the next)
  return prefix;
}

function render({model, el}) {
  const prefix = ownPrefix(el.ownerDocument || document);
  el.classList.add("digitnet-host");  // the container its layout adapts to (explorer.css)
  el.insertAdjacentHTML("beforeend", `<div class="digitnet digitnet-widget">
    <p class="widget-summary" id="${prefix}summary" aria-live="polite"></p></div>`);
  const root = el.lastElementChild, summary = root.firstElementChild;

  const waiting = new Map();
  let seq = 0;
  function ask(kind, fields = {}, buffers = []) {
    return new Promise((resolve, reject) => {
      seq += 1;
      waiting.set(seq, {resolve, reject});
      model.send({seq, kind, ...fields}, undefined, buffers);
    });
  }

  const explorer = mountExplorer(root, {
    id: (name) => prefix + name,
    keyTarget: root,
    predict: async (input) => input.file
      ? ask("upload", {name: input.file.name}, [await input.file.arrayBuffer()])
      : ask("predict", {pixels: input.pixels}),
    neuron: (layer, index) => ask("neuron", {layer, index}),
    blank: () => ask("clear").catch(() => {}),
  });

  function onMessage(msg) {
    if (msg.kind === "show") { explorer.show(msg.prediction, msg.picture); return; }
    const call = waiting.get(msg.seq);
    if (!call) return;
    waiting.delete(msg.seq);
    if (msg.error !== undefined) call.reject(new Error(msg.error)); else call.resolve(msg.answer);
  }

  function showModel() {
    const m = model.get("_model");
    summary.textContent = modelSummary(m);
    explorer.setModel(m);
  }

  // The notebook's own keyboard shortcuts (j, k, Enter, Escape, ...) stay out of the widget.
  const ownKeys = (e) => e.stopPropagation();
  root.addEventListener("keydown", ownKeys);
  model.on("msg:custom", onMessage);
  model.on("change:_model", showModel);
  showModel();
  ask("current").then((p) => { if (p) explorer.show(p); }, () => {});

  return () => {
    model.off("msg:custom", onMessage);
    model.off("change:_model", showModel);
    root.removeEventListener("keydown", ownKeys);
    el.replaceChildren();
    explorer.destroy();
  };
}

export default {render};
