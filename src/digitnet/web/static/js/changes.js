// The learner's changes to the network: neurons switched off and neurons rewritten. They live
// in this page only and travel with each request as {off: [[layer, neuron], ...], edits: [...]}
// (the server keeps nothing, so two people poking at once never see each other's changes).
// The edits are those of digitnet.poke.changes: bias, scale, paint, edge.

const EDIT_NAMES = {bias: "bias", scale: "scaling of the weights", paint: "painted weights",
                    edge: "edge detector"};

// Whether an edit of a neuron that network `m` has fits `m` in all else: its painted cells lie
// on the grid of the neuron's incoming weights (28x28 pixels in layer 1 of an image model, else
// one row of the layer before); an edge detector is in layer 1 of an image model.
function fits(m, e) {
  const image = e.layer === 1 && m.input_shape;
  if (e.op === "edge") return !!image;
  if (e.op !== "paint") return true;
  const [rows, cols] = image ? m.input_shape : [1, m.layers[e.layer - 1].n_in];
  return e.cells.every((c) => c.row >= 0 && c.row < rows && c.col >= 0 && c.col < cols);
}

/**
 * A store of changes. Returns body() (the {off, edits} to send), isOff(layer, index),
 * toggleOff(layer, index), offKeys() ("layer:index" of each), setBias, scale, paint and edge
 * (add an edit of one neuron), editsOf(layer, index), resetNeuron(layer, index), resetAll(),
 * fit(model) and drop(sent, kind, index) (take out changes that no longer fit, or that the
 * server refused), count(), and subscribe(f): f() is called after every change.
 */
export function createChanges() {
  const off = new Map();  // "layer:index" -> [layer, index], in the order switched off
  let edits = [];
  const listeners = [];
  const key = (l, j) => `${l}:${j}`;
  const changed = () => { for (const f of listeners) f(); };
  const same = (e, l, j) => e.layer === l && e.neuron === j;

  // An edit that repeats the last one's kind on the same neuron replaces or merges with it, so
  // that dragging a slider or painting a stroke keeps the list short; merged into one that
  // changes nothing (merge answers null: ×2 then ×½), it is gone, the neuron as it was.
  function add(edit, merge) {
    const last = edits[edits.length - 1];
    if (last && last.op === edit.op && same(last, edit.layer, edit.neuron)) {
      const merged = merge(last, edit);
      if (merged) edits[edits.length - 1] = merged; else edits.pop();
    } else {
      edits.push(edit);
    }
    changed();
  }

  return {
    body: () => ({off: [...off.values()], edits: edits.map((e) => ({...e}))}),
    isOff: (l, j) => off.has(key(l, j)),
    offKeys: () => [...off.keys()],
    toggleOff(l, j) {
      if (off.has(key(l, j))) off.delete(key(l, j)); else off.set(key(l, j), [l, j]);
      changed();
    },
    setBias(l, j, value) {
      add({op: "bias", layer: l, neuron: j, value}, (_, e) => e);
    },
    scale(l, j, factor) {
      add({op: "scale", layer: l, neuron: j, factor}, (a, b) => {
        const f = Math.max(-1000, Math.min(1000, a.factor * b.factor));
        return f === 1 ? null : {...a, factor: f};
      });
    },
    paint(l, j, cells) {  // cells: [{row, col, weight}]; a later one replaces an earlier one
      if (!cells.length) return;
      add({op: "paint", layer: l, neuron: j, cells}, (a, b) => {
        const at = new Map(a.cells.map((c) => [`${c.row},${c.col}`, c]));
        for (const c of b.cells) at.set(`${c.row},${c.col}`, c);
        return {...a, cells: [...at.values()]};
      });
    },
    edge(l, j, strip) {  // strip: {top, left, height, width, margin, weight}
      add({op: "edge", layer: l, neuron: j, ...strip}, (_, e) => e);
    },
    editsOf: (l, j) => edits.filter((e) => same(e, l, j)),
    resetNeuron(l, j) {
      edits = edits.filter((e) => !same(e, l, j));
      off.delete(key(l, j));
      changed();
    },
    resetAll() {
      edits = [];
      off.clear();
      changed();
    },
    // The served network was replaced by `m` (GET /api/model's answer): drop the neurons
    // switched off and the edits it has no place for. Answers how many of each were dropped.
    fit(m) {
      const exists = (l, j, hidden) => l >= 1 && l <= m.layers.length - (hidden ? 1 : 0) && j >= 0 && j < m.layers[l - 1].n_out;
      const gone = [...off.entries()].filter(([, [l, j]]) => !exists(l, j, true));
      for (const [k] of gone) off.delete(k);
      const before = edits.length;
      edits = edits.filter((e) => exists(e.layer, e.neuron, false) && fits(m, e));
      const dropped = {off: gone.length, edits: before - edits.length};
      if (dropped.off || dropped.edits) changed();
      return dropped;
    },
    // The server refused the change at `sent[kind][index]` (`sent`: the body a request carried;
    // kind "off" or "edits"): undo it. Answers what it was, in words, or null if it is gone.
    drop(sent, kind, index) {
      const c = (sent[kind] || [])[index];
      if (!c) return null;
      if (kind === "off") {
        if (!off.delete(key(c[0], c[1]))) return null;
        changed();
        return `switching off neuron ${c[1]} of layer ${c[0]}`;
      }
      const at = edits.findIndex((e) => JSON.stringify(e) === JSON.stringify(c));
      if (at < 0) return null;
      edits.splice(at, 1);
      changed();
      return `your ${EDIT_NAMES[c.op] || c.op} on neuron ${c.neuron} of layer ${c.layer}`;
    },
    count: () => off.size + edits.length,
    subscribe(f) { listeners.push(f); },
  };
}
