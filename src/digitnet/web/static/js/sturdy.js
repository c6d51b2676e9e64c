// Panel 10, "How sturdy it is": held-out accuracy as the digits get noisier, turned, moved and
// thicker or thinner, for the served network and (when there are changes) the changed one. These
// are distortions of handwriting: for a model of spoken digits or of a table the panel says so
// instead (the server refuses the curves for it too: digitnet.poke.robustness).

import {busyWhile, find} from "./dom.js";
import {lines, pct} from "./charts.js";
import {readsOf} from "./summary.js";

const COUNT = 500;

const markup = (id) => `
  <section class="card poke-sturdy" aria-labelledby="${id("sturdy-title")}">
    <h2 id="${id("sturdy-title")}">10. How sturdy it is</h2>
    <p id="${id("sturdy-sound")}" class="hint" hidden>Robustness curves are for image models:
      they turn, move, thicken and add noise to handwriting, which means nothing for
      <span id="${id("sturdy-what")}">the pictures of sounds that this network hears</span>.</p>
    <div id="${id("sturdy-body")}">
    <p class="hint">Distort ${COUNT} held-out digits more and more and count how many it still
      reads right: with noise, turned, moved, with strokes thicker or thinner.</p>
    <div class="buttons left"><button id="${id("sturdy-run")}" type="button">Measure</button></div>
    <p id="${id("sturdy-status")}" class="now" role="status" aria-live="polite"></p>
    <div id="${id("sturdy-charts")}" class="curves"></div>
    <p class="legend"><span class="key served">served network</span> <span class="key changed">with your changes</span></p>
    </div>
  </section>`;

/**
 * Adds the panel to `root`. calls.robustness(count, body) answers a promise of
 * POST /api/robustness's answer; calls.heldOut() is the server's held-out digits ({n,
 * description}); calls.model() the network's description. Returns setModel() (a new network:
 * the old one's curves go).
 */
export function mountSturdy(root, id, calls, changes) {
  root.insertAdjacentHTML("beforeend", markup(id));
  const part = (name) => find(root, id(name));

  // (busy while it measures: aria-disabled, so that the button keeps the keyboard's focus)
  const running = () => part("sturdy-run").getAttribute("aria-disabled") === "true";
  part("sturdy-run").addEventListener("click", () => busyWhile(part("sturdy-run"), async () => {
    const status = part("sturdy-status"), held = calls.heldOut();
    if (!held.n) {
      status.textContent = `No held-out ${readsOf(calls.model()).examples} to distort: ${held.description}.`;
      return;
    }
    status.textContent = "Distorting and reading…";
    try {
      const r = await calls.robustness(COUNT, changes.body());
      part("sturdy-charts").replaceChildren(...r.curves.map((c) => chart(c, r.models)));
      status.textContent = `${r.n} held-out ${readsOf(calls.model()).examples}, read by ${r.models.length === 2 ? "the served network and the changed one" : "the served network"}.`;
    } catch (err) {
      status.textContent = err.message;
    }
  }));

  function chart(curve, models) {
    const figure = document.createElement("figure");
    const el = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    el.setAttribute("class", "chart");
    el.setAttribute("role", "img");
    const series = models.map((name, m) => ({name, values: curve.accuracy[m], cls: m ? "changed" : "served"}));
    lines(el, curve.levels, series, curve.unit);
    el.setAttribute("aria-label", `${curve.name}: accuracy at ${curve.unit} ` + curve.levels.map((v, i) =>
      `${v}: ${series.map((s) => pct(s.values[i])).join(" and ")}`).join("; "));
    const cap = document.createElement("figcaption");
    cap.textContent = curve.name;
    figure.append(cap, el);
    return figure;
  }

  return {
    setModel() {  // a model of spoken digits or of a table: the sentence why, in place of the panel
      const kind = readsOf(calls.model()).kind, hears = kind !== "images";
      part("sturdy-what").textContent = kind === "table" ? "the rows of a table that this network reads"
        : "the pictures of sounds that this network hears";
      part("sturdy-sound").hidden = !hears;
      part("sturdy-body").hidden = hears;
      part("sturdy-charts").replaceChildren();
      // (curves on their way are the new network's: js/current.js asks again of it)
      if (!running()) part("sturdy-status").textContent = "";
    },
  };
}
