// Who may train from this page: the server says (GET /api/train's "access"). "open": anyone;
// "token": whoever has the token digitnet serve printed when it started (a class in one room,
// so that students cannot restart or stop each other's runs): the form asks for it; "off":
// training is turned off, and the form says so.

// What each refused action is, its button, and where the token field is from that button.
const ACTIONS = {
  start: ["start a run", "Train", ""],
  stop: ["stop the run", "Stop", ""],
  teach: ["teach it a voice", "“Teach it my voice”", " below"],  // (panel 5's voice section)
};

/**
 * Adapts the training form (`form`, with its buttons and status line `status`) to `access`;
 * `voice`: whether the model hears recordings, whose voice section the token also opens.
 * Returns token(): what was typed, to send with a start or stop; and refusal(err, action): what
 * the page says when the server refused to "start" or "stop" a run, or to "teach" a voice (`err`,
 * from js/api.js), in the page's words rather than the API's.
 */
export function mountAccess(form, status, access, voice = false) {
  let field = null;
  if (access === "token") {
    form.querySelector(".buttons").insertAdjacentHTML("beforebegin", `
      <label>Teacher’s token <input id="train-token" name="token" type="password"
             autocomplete="off" size="10" aria-describedby="train-token-hint train-refusal"></label>
      <span id="train-token-hint" class="visually-hidden">This server lets only whoever has the
        token digitnet serve printed start or stop training${voice ? " or teach it a voice" : ""}</span>`);
    field = form.querySelector("#train-token");
    status.textContent = `Training${voice ? " or teaching a voice" : ""} on this server needs the token digitnet serve printed when it started.`;
  } else if (access === "off") {
    for (const b of form.querySelectorAll("button")) b.disabled = true;
    form.dataset.off = "true";
    status.textContent = "Training from the page is turned off on this server.";
  }
  const token = () => (field ? field.value.trim() : "");

  function refusal(err, action) {
    if (err.status !== 403 || !field) return err.message;  // (turned off: the server's words do)
    const [what, press, below] = ACTIONS[action] || ACTIONS.start;
    const where = "(printed where digitnet serve was started) in the “Teacher’s token” " +
      `field${below}, then press ${press} again.`;
    return token() ? `The server would not ${what}: the token typed is not the teacher’s (a new one is printed each time the server starts). Type the right one ${where}`
      : `Only the teacher can ${what} on this server: type the teacher’s token ${where}`;
  }
  return {token, refusal};
}
