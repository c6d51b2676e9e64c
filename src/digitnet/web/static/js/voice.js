// "Teach it your voice", in panel 5 for a model of spoken digits: say each digit a few times
// (hold to speak, or upload recordings), see what the network hears in each now, then teach:
// the server fine-tunes the network on them (POST /api/voice) as a training run the panel's
// chart follows, and says how many of the recordings it kept to check on it heard right
// before and after. The recordings stay in this page until they are sent.

import {busyWhile, find, keepFocus} from "./dom.js";
import {mountMicrophone} from "./microphone.js";

const ENOUGH = 5;    // recordings of each digit the page asks for (FSDD's test split has 5)
const AT_LEAST = 2;  // the server's minimum: one of each digit is kept to check on

const markup = (id) => `
  <h3 id="${id("voice-title")}">Teach it your voice</h3>
  <p class="hint">Say each digit ${ENOUGH} times (at least ${AT_LEAST}): choose the digit, then
    <span id="${id("voice-how")}">hold to speak</span>. Then teach it: the network is fine-tuned
    on your recordings, except the last of each digit, which it is checked on before and after.</p>
  <label class="voice-digit">Digit you will say
    <select id="${id("voice-digit")}">${[...Array(10).keys()].map((d) => `<option value="${d}">${d}</option>`).join("")}</select>
  </label>
  <div id="${id("voice-mic")}"></div>
  <p id="${id("voice-counts")}" class="voice-counts" aria-live="polite"></p>
  <div class="buttons">
    <button id="${id("voice-teach")}" type="button" disabled>Teach it my voice</button>
    <button id="${id("voice-save")}" type="button" disabled>Save my recordings</button>
    <button id="${id("voice-clear")}" type="button" disabled>Start over</button>
  </div>`;

/**
 * Adds the voice section to `root` (hidden until show(true)). calls.hear(file) answers a
 * promise of what the served network hears in a recording (POST /api/predict's answer);
 * calls.teach(form) sends the recordings (a FormData of `file` and `digit` fields) and answers
 * a promise once the run has started; calls.follow() shows the run in the training panel;
 * calls.save(form) answers a promise of the recordings as a zip file (a Blob);
 * calls.refusal(err), if given, says in the page's words why the server refused to teach.
 * Returns {show(hears), allow(yes) (whether the server lets the page train), count()}.
 */
export function mountVoice(root, id, calls) {
  root.insertAdjacentHTML("beforeend", markup(id));
  const digit = find(root, id("voice-digit")), counts = find(root, id("voice-counts"));
  const teach = find(root, id("voice-teach")), clear = find(root, id("voice-clear"));
  const save = find(root, id("voice-save"));
  let taken = [];  // [{file, digit}]
  let allowed = true;  // whether this server lets the page train (digitnet serve --no-train: no)
  const mic = mountMicrophone(find(root, id("voice-mic")), (name) => id("voice-" + name), {heard});
  if (!mic.records) find(root, id("voice-how")).textContent = "upload a recording of it";

  async function heard(file) {
    const said = digit.value;
    const p = await calls.hear(file);  // a recording the server cannot read throws: not kept
    const n = taken.filter((t) => t.digit === said).length + 1;
    taken.push({file: new File([file], `${said}_voice_${n}.wav`, {type: file.type || "audio/wav"}), digit: said});
    update();
    digit.value = next();
    return `Recording ${n} of the digit ${said} kept; the network hears ${p.class ?? p.digit} in it now.`;
  }

  const countOf = (d) => taken.filter((t) => t.digit === String(d)).length;
  // The digit with the fewest recordings (the lowest of them), until each has ENOUGH.
  function next() {
    let best = digit.value;
    for (let d = 0; d < 10; d++) if (countOf(d) < countOf(best)) best = String(d);
    return best;
  }

  function update() {
    const low = [...Array(10).keys()].filter((d) => countOf(d) < AT_LEAST);
    counts.textContent = `Recordings of each digit: ${[...Array(10).keys()].map((d) => `${d}: ${countOf(d)}`).join(", ")}` +
      (low.length ? `. Say ${low.join(", ")} ${AT_LEAST} times or more to teach.` : ". Ready to teach.");
    counts.dataset.total = String(taken.length);
    teach.disabled = !allowed || low.length > 0;
    clear.disabled = save.disabled = taken.length === 0;
  }

  function form() {
    const f = new FormData();
    for (const t of taken) { f.append("file", t.file, t.file.name); f.append("digit", t.digit); }
    return f;
  }

  // The recordings as a zip of class folders (my-voice/7/1.wav): kept beyond this page, and
  // what `digitnet train --init MODEL --data my-voice/` teaches from.
  save.addEventListener("click", async () => {
    try {
      const a = document.createElement("a");
      a.href = URL.createObjectURL(await calls.save(form()));
      a.download = "my-voice.zip";
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      mic.say(`Saved ${taken.length} recordings as my-voice.zip: unzip it, then digitnet train --init MODEL --data my-voice/ teaches a model from the command line.`);
    } catch (err) {
      mic.say(err.message);
    }
  });

  // (busy while the recordings go: aria-disabled, so that the button keeps the keyboard's focus)
  teach.addEventListener("click", () => busyWhile(teach, async () => {
    try {
      await calls.teach(form());
      mic.say(`Teaching it your voice: ${taken.length} recordings sent.`);
      calls.follow();
    } catch (err) {
      mic.say(calls.refusal ? calls.refusal(err) : err.message);
    } finally {
      update();
    }
  }));

  clear.addEventListener("click", () => {
    if (!window.confirm(`Forget your ${taken.length} recordings? (Save my recordings keeps them.)`)) return;
    keepFocus(clear, () => { taken = []; update(); }, () => digit);  // (it disables itself)
    mic.say("Your recordings are gone from this page; say each digit again.");
    digit.value = "0";
  });

  update();
  return {
    show(hears) { root.hidden = !hears; },
    // A server that does not let the page train (--no-train): recordings can still be said
    // and saved, to teach a model from the command line.
    allow(yes) {
      const was = allowed;
      allowed = yes;
      if (!yes) mic.say("Teaching is turned off on this server; Save my recordings keeps them for digitnet train --init.");
      else if (!was) mic.say("");  // (a server restarted with training on again)
      update();
    },
    count: () => taken.length,
  };
}
