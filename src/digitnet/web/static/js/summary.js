// A network in one line: "784–16–16–10 network, relu hidden layers, softmax output · 13,002
// weights and biases · test accuracy 95.1%", from a model description (GET /api/model's answer).

export function modelSummary(m) {
  const meta = m.metadata || {}, metrics = meta.metrics || {};
  const acc = metrics.test_accuracy ?? metrics.val_accuracy;
  const accText = acc != null ? ` · ${metrics.test_accuracy != null ? "test" : "validation"} accuracy ${(acc * 100).toFixed(1)}%` : "";
  return `${m.sizes.join("–")} network, ${m.activation} hidden layers, ${m.output} output · ${m.parameters.toLocaleString("en")} weights and biases${accText}`;
}

/** Whether the model described hears recordings (a model of spoken digits) rather than pictures. */
export function hearsSound(m) {
  return ((m && m.metadata || {}).input || {}).kind === "audio";
}
