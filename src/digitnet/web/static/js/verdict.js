// What the network sees and what it reads: the 28x28 input, the digit and how sure it is.

import {find, percent} from "./dom.js";
import {paintGray} from "./paint.js";

const BLANK_LABEL = "The 28 by 28 image the network reads: nothing drawn yet";
const CAPTION = "28×28, centred and scaled like MNIST’s digits";
// (for a model that deskews what it reads: the picture shown is straightened too)
const CAPTION_DESKEWED = "28×28, centred and scaled like MNIST’s digits, its slant straightened";
const HEARD = "the picture of the sound: pitch up, time to the right";
// What the verdict says before there is anything to read: drawn, or heard.
const ASK = {draw: "draw to find out", hear: "speak or upload a recording to find out"};

const markup = (id) => `
  <div class="sees">
    <figure>
      <canvas id="${id("seen")}" class="seen" width="28" height="28" role="img"
              aria-label="${BLANK_LABEL}"></canvas>
      <figcaption id="${id("seen-caption")}">${CAPTION}</figcaption>
    </figure>
    <div class="verdict" aria-busy="false">
      <span class="verdict-label">It reads</span>
      <output id="${id("prediction")}" class="prediction" data-digit="" aria-label="predicted digit">?</output>
      <span id="${id("confidence")}" class="confidence">${ASK.draw}</span>
    </div>
  </div>
  <p id="${id("message")}" class="message"></p>
  <p id="${id("verdict-said")}" class="visually-hidden" aria-live="polite" aria-atomic="true"></p>`;

/**
 * Adds the input image, the verdict and a message line to `root`. Returns
 * `show(prediction, say)`, `blank(message, say)` (nothing read; an optional message why),
 * `busy(yes)` (an answer for the drawing shown is on its way), `say(message)` and
 * `hears(yes, deskews)` (the input is a picture of a sound, for a model of spoken digits; or
 * `deskews`: the picture shown is a drawing straightened, as the model reads it).
 *
 * What is shown changes with every answer, ten a second while a digit is drawn; what a screen
 * reader is told (a live region of its own) only when `say` is true: once a stroke is over.
 */
export function mountVerdict(root, id) {
  root.insertAdjacentHTML("beforeend", markup(id));
  const seen = find(root, id("seen")), out = find(root, id("prediction"));
  const confidence = find(root, id("confidence")), message = find(root, id("message"));
  const verdict = root.querySelector(".verdict"), said = find(root, id("verdict-said"));
  let ask = ASK.draw;
  const label = () => verdict.querySelector(".verdict-label").textContent;

  function show(p, say = true) {
    message.textContent = "";
    const name = p.class !== undefined ? p.class : String(p.digit);
    out.textContent = name;
    out.dataset.digit = String(p.digit);
    const conf = p.probabilities[p.digit];
    confidence.textContent = `${percent(conf).replace(">", "over ")} sure`;
    paintGray(seen, p.input);
    seen.setAttribute("aria-label", `The 28 by 28 image the network reads; it reads ${name}`);
    if (say) said.textContent = `${label()} ${name}, ${confidence.textContent}.`;
  }

  function blank(text, say = true) {
    out.textContent = "?";
    out.dataset.digit = "";
    confidence.textContent = ask;
    message.textContent = text || "";
    paintGray(seen, null);
    seen.setAttribute("aria-label", BLANK_LABEL);
    if (say) said.textContent = text || `${label()} nothing yet: ${ask}.`;
  }

  // aria-busy on the verdict: true from a change of the drawing until its answer is shown.
  const busy = (yes) => verdict.setAttribute("aria-busy", yes ? "true" : "false");
  const say = (text) => { message.textContent = said.textContent = text; };

  paintGray(seen, null);
  function hears(yes, deskews = false) {
    find(root, id("seen-caption")).textContent = yes ? HEARD : deskews ? CAPTION_DESKEWED : CAPTION;
    ask = yes ? ASK.hear : ASK.draw;
    verdict.querySelector(".verdict-label").textContent = yes ? "It hears" : "It reads";
    if (out.dataset.digit === "") confidence.textContent = ask;
  }
  return {show, blank, busy, say, hears};
}
