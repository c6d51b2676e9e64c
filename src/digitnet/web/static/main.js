// digitnet's page: draw a digit, watch the network read it, poke it, train a new one. This
// module wires the page's components (js/) to the server's API (js/api.js). Plain JavaScript
// modules, no libraries, nothing fetched from anywhere but this server.

import * as api from "./js/api.js";
import {mountAccess} from "./js/access.js";
import {keepCurrent} from "./js/current.js";
import {keepInputs} from "./js/recall.js";
import {mountExplorer} from "./js/explorer.js";
import {mountModels} from "./js/models.js";
import {mountPoke} from "./js/poke.js";
import {hearsSound, modelSummary, readsOf} from "./js/summary.js";
import {mountTraining} from "./js/training.js";
import {mountVoice} from "./js/voice.js";

const main = document.querySelector("main");
let poke = null, access = null, current = null;  // (made below; the callbacks run later)
const say = (text) => { document.getElementById("note").textContent = text; };

// The questions that carry the learner's changes (their last argument), asked through
// js/current.js: with the page's changes as they are, and again once if the server refused
// them for a reason the page could mend (the network was replaced, a change does not fit).
const asked = {...api};
for (const name of ["ablate", "ranking", "top", "layerMap", "robustness", "exportModel"]) {
  asked[name] = (...args) => current.asking((body) => api[name](...args.slice(0, -1), body));
}
// A neuron's z and a, and a backpropagation step, are for an input the server read for the
// answer shown (for an upload, the file itself, not the pad's copy of it), which it remembers
// only for a while: sent again, once, if it has forgotten it (js/recall.js).
const inputs = keepInputs((input) => api.predict(input));
asked.changedNeuron = (layer, index, inputId) => current.asking((body) =>
  inputs.recalling(inputId, (id) => api.changedNeuron(layer, index, id, body)));
asked.backprop = (inputId, label, lr) => current.asking((body) =>
  inputs.recalling(inputId, (id) => api.backprop(id, label, lr, body)));

const explorer = mountExplorer(main, {
  id: (name) => name,
  keyTarget: document,
  predict: async (input) => {
    const answer = await current.predict((body) => api.predict(input, body));
    inputs.sent(answer, input);
    return answer;
  },
  neuron: (layer, index, prediction) => asked.changedNeuron(layer, index, prediction && prediction.input_id, poke.changes.body()),
  read: (p, settled) => poke.predicted(p, settled),
  intercept: (sel) => poke.intercept(sel),
  switches: (sel) => !!poke && poke.switches(sel),
  selected: (sel) => poke.select(sel),
});

// Panels 6 to 11: poke the network. The learner's changes live in this page only.
poke = mountPoke(main, (name) => name, asked, {
  model: () => explorer.model,
  prediction: () => explorer.prediction,
  changed: () => explorer.redo(),
  markOff: (keys) => explorer.markOff(keys),
  relabel: () => explorer.relabel(),
});

// What the server lets the page do, read again when it was restarted (below): a refusal from
// a server just restarted is said once that is read (in class mode, it names the token field).
let reread = Promise.resolve();
const afterReread = (asked) => asked.catch(async (err) => {
  await reread;
  throw err;
});

const training = mountTraining({
  start: (options) => afterReread(api.startTraining(options, access && access.token())),
  stop: () => afterReread(api.stopTraining(access && access.token())),
  refusal: (err, action) => (access ? access.refusal(err, action) : err.message),
  events: api.trainingEvents,
  status: api.trainingStatus,
  // (a run started elsewhere is said as one: "retrained by someone else", with the changes lost)
  done: async (mine) => {
    await current.refresh(mine);
    explorer.redo();
  },
});

// The served network can be replaced while the page is open (by a run from any page).
current = keepCurrent({
  getModel: api.getModel,
  shown: () => explorer.model,
  show: showModel,
  changes: poke.changes,
  following: () => training.running(),
  say,
});

// The server stopped and started again, perhaps with another model: the page loads its network,
// as after a run (its model_version, counted from 1 again, cannot tell), and reads the input
// shown again (the drawing, the picture uploaded, the recording heard: explorer.redo());
// and it reads again what it read of the server at start: the models it serves (the one shown
// may be gone) and who may train (perhaps now a class's teacher only, or nobody).
api.onRestart(() => {
  reread = current.restarted().then(async (changed) => {
    if (changed) explorer.redo();
    await readServer(explorer.model);
  }, (err) => (err.status === 404 ? noModel(err) : undefined)).catch(() => {});
});

// For a model of spoken digits: teach it your voice (a fine-tuning run the panel above follows).
const voice = mountVoice(document.getElementById("voice"), (name) => name, {
  hear: (file) => api.predict({file}),
  teach: (form) => training.starts(afterReread(api.teachVoice(form, access && access.token()))),
  refusal: (err) => (access ? access.refusal(err, "teach") : err.message),
  save: api.voiceRecordings,
  follow: () => training.follow(true),
});

// The page's state, to look at from the browser's console (the browser tests read it too).
window.state = {
  get model() { return explorer.model; },
  get prediction() { return explorer.prediction; },
  get changes() { return poke.changes.body(); },
  get grid() { return explorer.grid(); },
};

// What the page's heading says it is for, by what the network reads (and its title, as it
// came, for a model of pictures).
const TITLE = document.title;
const TAGLINES = {
  images: "draw a digit and watch the network think",
  audio: "say a digit and watch the network think",
  table: "look inside a network that reads a table",
};

// What a model learned from, in words: "the table wine.csv", "handwritten digits (mnist)".
function learnedFrom(reads) {
  const name = reads.data ? ` (${reads.data})` : "";
  if (reads.kind === "table") return reads.data ? `the table ${reads.data}` : "a table";
  if (reads.kind === "audio") return `recordings of spoken digits${name}`;
  return `${reads.examples === "digits" ? "handwritten digits" : "pictures"}${name}`;
}

// A model of spoken digits: the explorer puts the microphone in place of the pad (and for a
// model of a table, says what to do instead); the page says which the model reads (the browser
// tests wait for it), what it learned from and what training learns from.
function adaptTo(m) {
  const hears = hearsSound(m), reads = readsOf(m);
  document.body.dataset.input = reads.kind;
  voice.show(hears);
  const server = {audio: "recordings of spoken digits", table: "table"}[reads.kind] ||
    (reads.examples === "digits" ? "handwritten digits" : "pictures");
  document.querySelector("#train-title + .hint").textContent = "Train a fresh network from " +
    `random weights on the server’s ${server}${reads.data ? ` (this one learned from ${reads.data})` : ""}. ` +
    "The page keeps using the current network until the run finishes.";
  // (the weight images of the first layer are pictures only of a picture's pixels)
  document.querySelector("#filters").closest("figure").hidden = !m.input_shape;
  document.getElementById("trained-on").textContent = `trained on ${learnedFrom(reads)}`;
  const tagline = TAGLINES[reads.kind] || TAGLINES.images;
  document.getElementById("tagline").textContent = tagline;
  document.title = reads.kind === "images" ? TITLE : `digitnet: ${tagline}`;
}

// Shows network `m` (GET /api/model's answer) everywhere on the page; answers how many of the
// learner's changes it dropped for not fitting it ({off, edits}).
function showModel(m) {
  adaptTo(m);
  document.getElementById("model-summary").textContent = modelSummary(m);
  training.showModel(m);
  explorer.setModel(m);
  const dropped = poke.changes.fit(m);
  poke.setModel();
  return dropped;
}

// The address names a model the server does not serve: the page's main part says so, in place
// of the panels of a network there is not (style.css hides them), and links to those it serves.
async function noModel(err) {
  const summary = document.getElementById("model-summary");
  let models = [];
  try { models = await api.listModels(); } catch (e) { /* the error below says enough */ }
  if (err.status !== 404 || !models.length) {
    summary.textContent = `Could not load the network: ${err.message}`;
    return;
  }
  const missing = document.getElementById("no-model"), nav = document.getElementById("models");
  document.body.dataset.model = "missing";
  document.title = `digitnet: no model ${api.MODEL}`;
  document.getElementById("no-model-title").textContent = `No model ${api.MODEL}`;
  missing.append(summary, nav);  // (the sentence and the links, from the header)
  missing.hidden = false;
  summary.textContent = `This server has no model ${api.MODEL}. Open ${models.length === 1 ? "the one" : "one of the " + models.length} it serves:`;
  mountModels(nav, models, null, true);
  const skip = document.querySelector(".skip");  // (there is no drawing to skip to)
  skip.href = "#no-model";
  skip.textContent = "Skip to the models served";
}

async function start() {
  let m;
  try {
    m = await api.getModel();
  } catch (err) {
    await noModel(err);
    return;
  }
  showModel(m);
  if (api.ASKED !== null && api.ASKED !== api.MODEL) {
    say(`“${api.ASKED}” is not a model number, so the page shows model ${api.MODEL}.`);
  }
  await readServer(m);
  document.body.dataset.ready = "true";
}

// What the page reads of the server besides network `m` (the one shown), at start and again
// when the server was restarted: the models it serves, to switch between, and who may train.
async function readServer(m) {
  try {
    mountModels(document.getElementById("models"), await api.listModels(), api.MODEL);
  } catch (err) { /* the links there were stay: the page can do without them */ }
  try {
    const status = await api.trainingStatus();
    // (a refusal said for another access than this server's no longer holds)
    if (access && status.access !== access.mode) document.getElementById("train-refusal").textContent = "";
    access = mountAccess(document.getElementById("train-form"), document.getElementById("train-status"), status.access, hearsSound(m));
    voice.allow(status.access !== "off");
    training.watch(status);  // (follows the run going, and any started later, from anywhere)
  } catch (err) { /* training is optional */ }
}

start();
