// Panel 8, "What it answers to": for the open neuron (as the learner's changes leave it), the
// held-out digits that activate it most, as their real images, and how strongly it fires for
// each digit class. Asks the server only through the function it is given.

import {find, fmt} from "./dom.js";
import {bars, pct, roundUp, tick} from "./charts.js";
import {grayCanvas} from "./paint.js";
import {readsOf} from "./summary.js";

const COUNT = 16;

const markup = (id) => `
  <section class="card poke-answers" aria-labelledby="${id("answers-title")}">
    <h2 id="${id("answers-title")}">8. What a neuron answers to</h2>
    <p id="${id("answers-empty")}" class="hint">Open a neuron to see the held-out digits that
      light it up most, and how much it responds to each digit.</p>
    <div id="${id("answers-detail")}" hidden>
      <h3 id="${id("answers-name")}"></h3>
      <ul id="${id("answers-grid")}" class="digit-grid"></ul>
      <p id="${id("answers-firing")}" class="now" role="status" aria-live="polite"></p>
      <svg id="${id("answers-classes")}" class="chart" role="img" aria-label="Mean activation per digit"></svg>
      <p class="legend"><span id="${id("answers-legend")}" class="key now">mean activation for each digit</span></p>
    </div>
  </section>`;

/**
 * Adds the panel to `root`. calls.top(layer, index, count, body) answers a promise of
 * POST /api/top's answer; calls.heldOut() is the server's held-out digits ({n, description}).
 * Returns select(sel), refresh() and setModel() (a new network: the open neuron's answers are
 * asked again of it, and the old ones go meanwhile).
 */
export function mountAnswers(root, id, calls, changes) {
  root.insertAdjacentHTML("beforeend", markup(id));
  const part = (name) => find(root, id(name));
  const reads = () => readsOf(calls.model());  // what its held-out examples are: digits, rows...
  const perWhat = () => (reads().examples === "digits" ? "digit" : "class");
  let selected = null, asked = 0, timer = null;

  async function load() {
    if (!selected) return;
    const mine = ++asked, {layer, index} = selected, held = calls.heldOut();
    if (!held.n) {
      part("answers-firing").textContent = `No held-out ${reads().examples} to look through: ${held.description}.`;
      return;
    }
    let r;
    try {
      r = await calls.top(layer, index, COUNT, changes.body());
    } catch (err) {
      if (mine === asked) part("answers-firing").textContent = err.message;
      return;
    }
    if (mine !== asked) return;
    part("answers-grid").replaceChildren(...r.examples.map((e) => {
      const item = document.createElement("li");
      if (e.image) {
        const c = grayCanvas(e.image);
        c.setAttribute("role", "img");
        c.setAttribute("aria-label", `a held-out ${r.classes[e.label]}, a = ${fmt(e.a, 2)}`);
        item.appendChild(c);
      }
      const cap = document.createElement("span");
      cap.textContent = `${r.classes[e.label]} · ${fmt(e.a, 2)}`;
      item.appendChild(cap);
      return item;
    }));
    const top = r.class_firing.map((v, k) => [v ?? 0, k]).sort((a, b) => b[0] - a[0]).slice(0, 3);
    part("answers-firing").textContent = `It fires (z > 0) for ${pct(r.firing)} of the ${r.n.toLocaleString("en")} held-out ${reads().examples}; ` +
      `most often for ${top.map(([v, k]) => `${r.classes[k]} (${pct(v)})`).join(", ")}.`;
    const means = r.class_mean.map((v) => v ?? 0);
    const least = Math.min(0, ...means), lo = least < 0 ? -roundUp(-least) : 0;
    const hi = roundUp(Math.max(1e-6, ...means));
    bars(part("answers-classes"), r.classes, means, {range: [lo, hi], format: tick, signed: lo < 0});
    part("answers-classes").setAttribute("aria-label", `Mean activation per ${perWhat()}: ` +
      r.classes.map((c, k) => `${c}: ${fmt(means[k], 2)}`).join(", "));
  }

  function select(sel) {
    selected = sel;
    part("answers-empty").hidden = !!sel;
    part("answers-detail").hidden = !sel;
    if (!sel) return;
    part("answers-name").textContent = `The ${COUNT} held-out ${reads().examples} that activate ${sel.layer === calls.model().layers.length
      ? `output neuron ${sel.index}` : `neuron ${sel.index} of hidden layer ${sel.layer}`} most`;
    load();
  }

  return {
    select,
    refresh() {
      clearTimeout(timer);
      timer = setTimeout(load, 150);
    },
    setModel() {
      clearTimeout(timer);
      part("answers-grid").replaceChildren();
      part("answers-firing").textContent = "";
      part("answers-classes").replaceChildren();
      part("answers-classes").setAttribute("aria-label", `Mean activation per ${perWhat()}`);
      part("answers-empty").textContent = `Open a neuron to see the held-out ${reads().examples} ` +
        `that light it up most, and how much it responds to each ${perWhat()}.`;
      part("answers-legend").textContent = `mean activation for each ${perWhat()}`;
      select(selected);  // (named again: its layer can be the output layer now)
    },
  };
}
