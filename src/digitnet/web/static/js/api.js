// The page's calls to digitnet's API (see /docs): the only module that talks to the server.
// Each returns a promise of the answer's JSON, or fails with an Error carrying the server's
// one-line message and `status`.

// The model this page shows: the page at /?model=N (or /models/N/) shows the server's model N
// (see GET /api/models), whose API is at /models/N/api; model 1's (the default) is at /api
// (and answers at /models/1/api too).
const shown = new URLSearchParams(location.search).get("model") || (location.pathname.match(/^\/models\/([0-9]+)\//) || [])[1];
export const MODEL = /^[0-9]+$/.test(shown || "") ? shown : "1";
/** The model the address asked for, as it was written ("abc" shows model 1), or null. */
export const ASKED = shown || null;
const BASE = MODEL === "1" ? "" : `/models/${MODEL}`;

/** The message of a request that got no answer at all (the server stopped, the wifi gone):
 * the browser's own ("Failed to fetch", "NetworkError when attempting to fetch resource.")
 * names neither the server nor what to do. */
export const UNREACHABLE = `the server at ${location.origin} cannot be reached: is digitnet ` +
  "serve still running there, and this device still on its network? Then try again.";

// Which server process answers: digitnet serve names itself in every answer's
// X-Digitnet-Server header, anew each time it starts. An answer naming another process than
// the one before comes from a restarted server, perhaps serving another model (whose
// model_version counts from 1 again, like every server's): the page hears of it (onRestart).
let server = null;
const restartHooks = [];

/** Calls hook() each time an answer comes from another server process than the answers before
 * it (digitnet serve was stopped and started again), before the answer is handed on. */
export function onRestart(hook) {
  restartHooks.push(hook);
}

function noteServer(response) {
  const id = response.headers.get("X-Digitnet-Server");
  if (!id || id === server) return;  // (an answer without it, from a proxy say, tells nothing)
  const restarted = server !== null;
  server = id;
  if (restarted) for (const hook of restartHooks) hook();
}

// fetch(), failing with UNREACHABLE (and `status` 0) where no answer came back.
async function reach(url, options) {
  let response;
  try {
    response = await fetch(url, options);
  } catch (err) {
    const error = new Error(UNREACHABLE);
    error.status = 0;
    throw error;
  }
  noteServer(response);
  return response;
}

async function call(method, path, body, headers = {}) {
  const options = {method, headers: {...headers}};
  if (body instanceof FormData) {
    options.body = body;
  } else if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await reach(path.startsWith("/api/models") ? path : BASE + path, options);
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok) {
    const message = (data && data.error) || `${method} ${path} failed with status ${response.status}`;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return data;
}

/** What the network reads in a drawing (rows of brightness 0..1) or an image file; with
 * `changes` ({off, edits}, see js/changes.js), what the network so changed reads (for this
 * request only: the server keeps nothing). */
export function predict(input, changes) {
  if (input.file) {
    const form = new FormData();
    form.append("file", input.file, input.file.name);
    if (changes) form.append("changes", JSON.stringify(changes));
    return call("POST", "/api/predict", form);
  }
  return call("POST", "/api/predict", {pixels: input.pixels, ...changes});
}

/** Every model the server serves: [{name, api, input, sizes, source}]. */
export const listModels = () => call("GET", "/api/models").then((a) => a.models);

/** The served network: sizes, weights, biases, metadata. */
export const getModel = () => call("GET", "/api/model");

/** Neuron `index` of `layer` (1 = the first hidden layer), with z and a for an earlier input. */
export function getNeuron(layer, index, inputId) {
  return call("GET", `/api/neuron/${layer}/${index}${inputId ? `?input_id=${inputId}` : ""}`);
}

export const trainingStatus = () => call("GET", "/api/train");
// Start or stop a run; `token` is the one digitnet serve printed, where it asks for one.
const tokenHeader = (token) => (token ? {"X-Digitnet-Token": token} : {});
export const startTraining = (options, token) => call("POST", "/api/train", options, tokenHeader(token));
export const stopTraining = (token) => call("DELETE", "/api/train", undefined, tokenHeader(token));
/** Teach a model of spoken digits a voice: `form` holds a `file` and a `digit` field for each
 * recording; the fine-tuning run is followed like any training run. */
export const teachVoice = (form, token) => call("POST", "/api/voice", form, tokenHeader(token));
/** The same recordings back as one zip file (a Blob to download): my-voice/DIGIT/N.wav. */
export const voiceRecordings = (form) => download("/api/voice/recordings", form, "saving the recordings");
/** The current run's server-sent events. */
export const trainingEvents = () => new EventSource(BASE + "/api/train/events");

// -- poking the network: every call carries the learner's changes {off, edits} ---------------

/** A neuron as getNeuron describes it, in the network with `changes`. */
export function changedNeuron(layer, index, inputId, changes) {
  return call("POST", `/api/neuron/${layer}/${index}`, {...changes, ...(inputId ? {input_id: inputId} : {})});
}
/** Held-out accuracy (overall, per class) with the changes, and the intact network's. */
export const ablate = (changes) => call("POST", "/api/ablate", changes);
/** Every hidden neuron by the accuracy lost without it. */
export const ranking = (changes) => call("POST", "/api/ranking", changes);
/** The held-out digits neuron `neuron` of `layer` answers to most, and its classes. */
export const top = (layer, neuron, count, changes) => call("POST", "/api/top", {layer, neuron, count, ...changes});
/** A layer's activations over held-out digits laid out in 2-D. */
export const layerMap = (layer, method, count, changes) => call("POST", "/api/map", {layer, method, count, ...changes});
/** One held-out digit: its label and picture. */
export const heldOut = (index) => call("GET", `/api/heldout/${index}`);
/** Accuracy as held-out digits are distorted: the served network, and the changed one. */
export const robustness = (count, changes) => call("POST", "/api/robustness", {count, ...changes});
/** An input the server read (named by its prediction's input_id) and its label through
 * backpropagation, and one gradient step on a copy. */
export const backprop = (inputId, label, lr, changes) => call("POST", "/api/backprop", {input_id: inputId, label, lr, ...changes});

/** The changed network as a model file (a File to download, named as the server names it). */
export const exportModel = (changes) => download("/api/export", JSON.stringify(changes), "saving", {"Content-Type": "application/json"});

/** POST `body` to `path` and answer the file it returns: a File named as its Content-Disposition
 * names it (a Blob if it names none); fails with the server's one-line message. */
async function download(path, body, what, headers = {}) {
  const response = await reach(BASE + path, {method: "POST", headers, body});
  if (!response.ok) {
    let message = `${what} failed with status ${response.status}`;
    try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  const blob = await response.blob(), name = fileName(response.headers.get("Content-Disposition"));
  return name ? new File([blob], name, {type: blob.type}) : blob;
}

// The file name a Content-Disposition header gives (RFC 6266: filename*=utf-8''..., which the
// server sends for a name that is not plain ASCII, else filename="..."), or null.
function fileName(header) {
  const encoded = /filename\*\s*=\s*utf-8''([^;\s]+)/i.exec(header || "");
  if (encoded) {
    try { return decodeURIComponent(encoded[1]); } catch (e) { /* not percent-encoded */ }
  }
  const plain = /filename\s*=\s*"([^"]*)"/i.exec(header || "");
  return plain ? plain[1] : null;
}
