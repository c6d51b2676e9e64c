// Who may train from this page: the server says (GET /api/train's "access"). "open": anyone;
// "token": whoever has the token digitnet serve printed when it started (a class in one room,
// so that students cannot restart or stop each other's runs): the form asks for it, in words
// for a student on a phone, who never saw that terminal (ask the teacher for it); "off":
// training is turned off, and the form says so. The page asks again when the server was
// restarted (perhaps for a class, or with --no-train), and the form follows.

import {keepFocus} from "./dom.js";

// What each refused action is (as the server's refusals name it: "stopping a training run on
// this server needs the token ..."), its button, and where the token field is from that button.
const ACTIONS = {
  start: ["Starting a run", "Train", ""],
  stop: ["Stopping the run", "Stop", ""],
  teach: ["Teaching it a voice", "“Teach it my voice”", " below"],  // (panel 5's voice section)
};

// Where a student gets the token: the teacher's terminal, which is kept off the projected screen.
const ASK = "ask the teacher for the one shown on their screen";

// What the status line says before any run (index.html's words).
const NO_RUN = "No training run yet.";

/**
 * Adapts the training form (`form`, with its buttons and status line `status`) to `access`;
 * `voice`: whether the model hears recordings, whose voice section the token also opens.
 * Called again (the server was restarted), it undoes what the last call did that no longer
 * fits: the token field goes unless `access` is "token" (where it stays, with what was typed),
 * and the buttons come back unless it is "off".
 * Returns mode (`access`); token(): what was typed, to send with a start or stop; and
 * refusal(err, action): what the page says when the server refused to "start" or "stop" a run,
 * or to "teach" a voice (`err`, from js/api.js), in the page's words rather than the API's; a
 * refusal for want of the token is then the one place that says the token is needed (with the
 * field's description): the status line stops saying it.
 */
export function mountAccess(form, status, access, voice = false) {
  const train = form.querySelector("button[type=submit]");
  let field = form.querySelector("#train-token");  // (an earlier call's)
  if (field && access !== "token") {
    // (the keyboard's focus, if it was in the field, goes on to the button after it that works)
    keepFocus(field, () => {
      field.closest("label").remove();
      form.querySelector("#train-token-hint").remove();
    }, () => [...form.querySelectorAll("button")].find((b) => !b.disabled));
    field = null;
  }
  if (form.dataset.off && access !== "off") {
    // As with no run going: Train, not Stop (a run the server has going is followed after).
    for (const b of form.querySelectorAll("button")) b.disabled = b !== train;
    delete form.dataset.off;
  }
  const also = voice ? " or teaching it a voice" : "";
  if (access === "token" && !field) {
    form.querySelector(".buttons").insertAdjacentHTML("beforebegin", `
      <label>Teacher’s token <input id="train-token" name="token" type="password"
             autocomplete="off" size="10" aria-describedby="train-token-hint train-refusal"></label>
      <span id="train-token-hint" class="visually-hidden"></span>`);
    field = form.querySelector("#train-token");
  }
  if (field) {
    form.querySelector("#train-token-hint").textContent =
      `Starting or stopping training${also} on this server needs the teacher’s token: ${ASK}`;
  } else if (access === "off") {
    // (the focus, if on a button, goes to the form's first field: they can still be filled in)
    for (const b of form.querySelectorAll("button")) {
      keepFocus(b, () => { b.disabled = true; }, () => form.querySelector("input, select"));
    }
    form.dataset.off = "true";
  }
  say(status, form, {
    token: `Training${voice ? " or teaching a voice" : ""} on this server needs the teacher’s token: ${ASK}.`,
    off: "Training from the page is turned off on this server.",
  }[access]);
  const token = () => (field ? field.value.trim() : "");

  function refusal(err, action) {
    if (err.status !== 403 || !field) return err.message;  // (turned off: the server's words do)
    // (said by the refusal, with what to do: the status line no longer says it too)
    say(status, form, "");
    const [doing, press, below] = ACTIONS[action] || ACTIONS.start;
    const then = `type it in the “Teacher’s token” field${below}, then press ${press} again.`;
    return token() ? `${doing} on this server needs the teacher’s token, and the one typed is wrong: it changes each time the server starts, so ${ASK} now, ${then}`
      : `${doing} on this server needs the teacher’s token: ${ASK}, ${then}`;
  }
  return {mode: access, token, refusal};
}

// The status line says `text` (what this access means; none for "open"), once: where it still
// says what an earlier call had it say that no longer holds, it goes back to its first words.
function say(status, form, text) {
  if (text && status.textContent !== text) status.textContent = text;
  else if (!text && form.dataset.said && status.textContent === form.dataset.said) status.textContent = NO_RUN;
  form.dataset.said = text || "";
}
