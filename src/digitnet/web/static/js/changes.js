// The learner's changes to the network: neurons switched off and neurons rewritten. They live
// in this page only and travel with each request as {off: [[layer, neuron], ...], edits: [...]}
// (the server keeps nothing, so two people poking at once never see each other's changes).
// The edits are those of digitnet.poke.changes: bias, scale, paint, edge.

/**
 * A store of changes. Returns body() (the {off, edits} to send), isOff(layer, index),
 * toggleOff(layer, index), offKeys() ("layer:index" of each), setBias, scale, paint and edge
 * (add an edit of one neuron), editsOf(layer, index), resetNeuron(layer, index), resetAll(),
 * count(), and subscribe(f): f() is called after every change.
 */
export function createChanges() {
  const off = new Map();  // "layer:index" -> [layer, index], in the order switched off
  let edits = [];
  const listeners = [];
  const key = (l, j) => `${l}:${j}`;
  const changed = () => { for (const f of listeners) f(); };
  const same = (e, l, j) => e.layer === l && e.neuron === j;

  // An edit that repeats the last one's kind on the same neuron replaces or merges with it, so
  // that dragging a slider or painting a stroke keeps the list short.
  function add(edit, merge) {
    const last = edits[edits.length - 1];
    if (last && last.op === edit.op && same(last, edit.layer, edit.neuron)) {
      edits[edits.length - 1] = merge(last, edit);
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
      add({op: "scale", layer: l, neuron: j, factor},
          (a, b) => ({...a, factor: Math.max(-1000, Math.min(1000, a.factor * b.factor))}));
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
    count: () => off.size + edits.length,
    subscribe(f) { listeners.push(f); },
  };
}
