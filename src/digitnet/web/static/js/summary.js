// A network in one line: "784–16–16–10 network, relu hidden layers, softmax output · 13,002
// weights and biases · test accuracy 95.1%", from a model description (GET /api/model's answer).
// One changed by hand after training (its `edited`: the words of the notebook's summary table,
// "by hand after training: 1 neuron switched off (digitnet info lists them)") says so, and its
// accuracy as from before the edits.

export function modelSummary(m) {
  const meta = m.metadata || {}, metrics = meta.metrics || {};
  const acc = metrics.test_accuracy ?? metrics.val_accuracy;
  const before = m.edited ? " before the edits" : "";
  const accText = acc != null ? ` · ${metrics.test_accuracy != null ? "test" : "validation"} accuracy ${(acc * 100).toFixed(1)}%${before}` : "";
  const edited = m.edited ? ` · edited ${m.edited}` : "";
  return `${m.sizes.join("–")} network, ${m.activation} hidden layers, ${m.output} output · ${m.parameters.toLocaleString("en")} weights and biases${edited}${accText}`;
}

/** Whether the model described hears recordings (a model of spoken digits) rather than pictures. */
export function hearsSound(m) {
  return ((m && m.metadata || {}).input || {}).kind === "audio";
}

/**
 * What the model described reads, in the page's words: `kind` ("images", "audio" or "table":
 * as its file records it, else square images when `input_shape` says so, else a table),
 * `data` (the name of what it was trained on, "wine.csv", "mnist-train-prefix", or null when
 * its file does not say), `examples` (what its examples are called: "digits", "pictures",
 * "recordings", "rows"; `example`, one of them) and, for a table, its `columns`.
 */
export function readsOf(m) {
  const meta = (m && m.metadata) || {}, input = meta.input || {};
  const kind = input.kind || (m.input_shape ? "images" : "table");
  const name = ((meta.data || {}).train || {}).name;
  const data = name ? String(name).split(/[\\/]/).filter(Boolean).pop() || null : null;
  const digits = m.classes.every((c, k) => c === String(k));
  const examples = kind === "table" ? "rows" : kind === "audio" ? "recordings" : digits ? "digits" : "pictures";
  const columns = kind !== "table" ? null
    : input.columns || Array.from({length: m.sizes[0]}, (_, k) => `x${k}`);
  return {kind, data, examples, example: examples.slice(0, -1), columns};
}

/**
 * The input of prediction `p` (the page's answer shown; null: none yet) of model `m`, in the
 * learner's words, as every panel names it: "the recording it heard" for a model of spoken
 * digits, "the picture you uploaded" for an answer of an uploaded picture (its `uploaded`,
 * js/explorer.js), else "your drawing".
 */
export function inputNamed(m, p) {
  if (hearsSound(m)) return "the recording it heard";
  return p && p.uploaded ? "the picture you uploaded" : "your drawing";
}
