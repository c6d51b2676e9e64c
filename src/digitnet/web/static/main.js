// digitnet's page: draw a digit, watch the network read it, train a new one. This module wires
// the page's components (js/) to the server's API (js/api.js). Plain JavaScript modules, no
// libraries, nothing fetched from anywhere but this server.

import * as api from "./js/api.js";
import {mountExplorer} from "./js/explorer.js";
import {modelSummary} from "./js/summary.js";
import {mountTraining} from "./js/training.js";

const explorer = mountExplorer(document.querySelector("main"), {
  id: (name) => name,
  keyTarget: document,
  predict: api.predict,
  neuron: (layer, index, prediction) => api.getNeuron(layer, index, prediction && prediction.input_id),
});

const training = mountTraining({
  start: api.startTraining,
  stop: api.stopTraining,
  events: api.trainingEvents,
  done: async () => {
    await loadModel();
    explorer.redo();
  },
});

// The page's state, to look at from the browser's console (the browser tests read it too).
window.state = {
  get model() { return explorer.model; },
  get prediction() { return explorer.prediction; },
};

async function loadModel() {
  const m = await api.getModel();
  document.getElementById("model-summary").textContent = modelSummary(m);
  training.showModel(m);
  explorer.setModel(m);
}

async function start() {
  try {
    await loadModel();
  } catch (err) {
    document.getElementById("model-summary").textContent = `Could not load the network: ${err.message}`;
    return;
  }
  try {
    const status = await api.trainingStatus();
    if (status.state === "running") training.follow();
  } catch (err) { /* training is optional */ }
  document.body.dataset.ready = "true";
}

start();
