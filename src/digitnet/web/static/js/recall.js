// The server remembers the inputs it was sent (a drawing, an image, a recording) under an
// input_id, for a neuron's z and a to be asked for later, but only the last few hundred of
// everyone using it (a class of forty draws that many in minutes), and none after a restart.
// When it has forgotten the input shown, the page sends that input again, once (getting its
// input_id back), and asks again: the learner sees nothing of it unless that fails too.

// How the server says it has forgotten one (404 "input_id 0123... is not known (...)").
const forgotten = (err) => err.status === 404 && /^input_id \S+ is not known/.test(err.message);

const AGAIN = "the server has forgotten your input (it keeps only the latest of everyone " +
  "using it, and none after a restart), and lost it again at once: draw it again (or upload " +
  "or say it again).";
const UNKNOWN = "the server has forgotten your input (it keeps only the latest of everyone " +
  "using it, and none after a restart): draw it again (or upload or say it again).";

const KEPT = 16;  // inputs the page keeps to send again: the one shown, and any on their way

/**
 * `predict(input)` answers a promise of POST /api/predict's answer for an input as
 * js/explorer.js gives it ({pixels} or {file}). Returns sent(answer, input) (remember the input
 * a prediction was made of) and recalling(inputId, ask): ask(inputId), a promise of an answer
 * about the input named `inputId`; if the server has forgotten it, that input is sent again
 * and ask(itsNewId) answers instead.
 */
export function keepInputs(predict) {
  const inputs = new Map();  // input_id -> the input, the latest last

  function sent(answer, input) {
    if (!answer || !answer.input_id) return;
    inputs.delete(answer.input_id);
    inputs.set(answer.input_id, input);
    if (inputs.size > KEPT) inputs.delete(inputs.keys().next().value);
  }

  async function recalling(inputId, ask) {
    try {
      return await ask(inputId);
    } catch (err) {
      if (!inputId || !forgotten(err)) throw err;
      const input = inputs.get(inputId);
      if (!input) throw new Error(UNKNOWN);
      const again = await predict(input);  // (the same input: the same input_id, as a rule)
      sent(again, input);
      try {
        return await ask(again.input_id);
      } catch (e) {
        throw forgotten(e) ? new Error(AGAIN) : e;
      }
    }
  }

  return {sent, recalling};
}
