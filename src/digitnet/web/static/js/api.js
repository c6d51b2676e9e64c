// The page's calls to digitnet's API (see /docs): the only module that talks to the server.
// Each returns a promise of the answer's JSON, or fails with an Error carrying the server's
// one-line message and `status`.

async function call(method, path, body) {
  const options = {method, headers: {}};
  if (body instanceof FormData) {
    options.body = body;
  } else if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
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

/** What the network reads in a drawing (rows of brightness 0..1) or an image file. */
export function predict(input) {
  if (input.file) {
    const form = new FormData();
    form.append("file", input.file, input.file.name);
    return call("POST", "/api/predict", form);
  }
  return call("POST", "/api/predict", {pixels: input.pixels});
}

/** The served network: sizes, weights, biases, metadata. */
export const getModel = () => call("GET", "/api/model");

/** Neuron `index` of `layer` (1 = the first hidden layer), with z and a for an earlier input. */
export function getNeuron(layer, index, inputId) {
  return call("GET", `/api/neuron/${layer}/${index}${inputId ? `?input_id=${inputId}` : ""}`);
}

export const trainingStatus = () => call("GET", "/api/train");
export const startTraining = (options) => call("POST", "/api/train", options);
export const stopTraining = () => call("DELETE", "/api/train");
/** The current run's server-sent events. */
export const trainingEvents = () => new EventSource("/api/train/events");
