// Panel 6, "Switch neurons off": which neurons are off, the held-out accuracy overall and per
// digit against the intact network, and a ranking of every hidden neuron by the accuracy lost
// without it. It reads and changes the page's changes (js/changes.js) and asks the server only
// through the functions it is given.

import {busyWhile, find, fmt, keepFocus} from "./dom.js";
import {bars, pct} from "./charts.js";
import {readsOf} from "./summary.js";

const markup = (id) => `
  <section class="card poke-off" aria-labelledby="${id("off-title")}">
    <h2 id="${id("off-title")}" tabindex="-1">6. Switch neurons off</h2>
    <p class="hint">Does the network need each hidden neuron? A neuron switched off sends 0 to
      the next layer, whatever it sees. How many of the held-out <span id="${id("off-examples")}">digits</span>
      (ones it never trained on) does it still read right?</p>
    <fieldset class="mode">
      <legend>Clicking a neuron in the diagram</legend>
      <label><input type="radio" name="${id("click-mode")}" value="open" checked> opens it</label>
      <label><input type="radio" name="${id("click-mode")}" value="off"> switches it off (or back on)</label>
    </fieldset>
    <p class="off-line"><span id="${id("off-label")}">Switched off:</span>
      <span id="${id("off-none")}" class="muted">none</span></p>
    <ul id="${id("off-list")}" class="chips" aria-labelledby="${id("off-label")}"></ul>
    <p id="${id("off-accuracy")}" class="big-number" role="status" aria-live="polite">Held-out accuracy: …</p>
    <svg id="${id("off-classes")}" class="chart" role="img" aria-label="Accuracy per digit: not measured yet"></svg>
    <p class="legend"><span class="key before">intact network</span> <span class="key now">with your changes</span></p>
    <div class="buttons">
      <button id="${id("rank")}" type="button">Rank every neuron</button>
      <button id="${id("off-reset")}" type="button" disabled>Turn all back on</button>
    </div>
    <div id="${id("rank-box")}" hidden>
      <table id="${id("rank-table")}" class="rank">
        <caption>The neurons whose loss costs most accuracy (each switched off alone)</caption>
        <thead><tr><th scope="col">neuron</th><th scope="col">accuracy without it</th>
          <th scope="col" id="${id("rank-suffer")}">digits that suffer</th><th scope="col"><span class="visually-hidden">switch</span></th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>`;

const RANKED = 10;  // rows of the ranking shown

/**
 * Adds the panel to `root`. calls.ablate(body) and calls.ranking(body) answer promises of
 * POST /api/ablate and /api/ranking; calls.model() is the network's description and
 * calls.heldOut() its held-out digits ({n, description}); calls.modeChanged(), if given, hears
 * that what a click on a neuron does changed; `changes` is the page's store. Returns
 * intercept(sel) (for the explorer: true when a click switched the neuron off or on),
 * switches(sel) (whether a click would), refresh() (after the changes changed) and setModel()
 * (a new network: the ranking of the old one goes).
 */
export function mountAblation(root, id, calls, changes) {
  root.insertAdjacentHTML("beforeend", markup(id));
  const part = (name) => find(root, id(name));
  const list = part("off-list"), accuracy = part("off-accuracy"), chart = part("off-classes");
  const rankBox = part("rank-box"), rankBody = part("rank-table").tBodies[0];
  let asked = 0, timer = null;
  const examples = () => readsOf(calls.model()).examples;  // "digits", "rows", ...

  function mode() {
    return root.querySelector(`input[name="${CSS.escape(id("click-mode"))}"]:checked`).value;
  }

  function showList() {
    const body = changes.body();
    part("off-none").hidden = body.off.length > 0;
    part("off-reset").disabled = changes.count() === 0;
    // (a chip that had the focus: it stays on its neuron, or goes to the chip now in its place,
    // or to the panel's heading when none is left; not to the start of the page)
    const chips = () => [...list.querySelectorAll("button")];
    const had = chips().indexOf(document.activeElement), key = had >= 0 && document.activeElement.dataset.key;
    list.replaceChildren(...body.off.map(([l, j]) => {
      const li = document.createElement("li"), b = document.createElement("button");
      b.type = "button";
      b.dataset.key = `${l}:${j}`;
      b.innerHTML = `layer ${l} · ${j} <span aria-hidden="true">✕</span><span class="visually-hidden">: switch it back on</span>`;
      b.addEventListener("click", () => changes.toggleOff(l, j));
      li.appendChild(b);
      return li;
    }));
    if (had < 0) return;
    const now = chips();
    (now.find((b) => b.dataset.key === key) || now[Math.min(had, now.length - 1)] || part("off-title")).focus();
  }

  async function measure() {
    const mine = ++asked, held = calls.heldOut();
    part("rank").disabled = !held.n;
    if (!held.n) {
      accuracy.textContent = `No held-out ${examples()} to measure with: ${held.description}.`;
      return;
    }
    accuracy.setAttribute("aria-busy", "true");
    try {
      const r = await calls.ablate(changes.body());
      if (mine !== asked) return;
      const base = r.baseline.accuracy, now = r.accuracy;
      accuracy.textContent = changes.count()
        ? `Held-out accuracy: ${fmt(base * 100, 1)}% → ${fmt(now * 100, 1)}% (${r.n.toLocaleString("en")} ${examples()})`
        : `Held-out accuracy: ${fmt(base * 100, 1)}% of ${r.n.toLocaleString("en")} ${examples()} it never trained on`;
      accuracy.dataset.accuracy = String(now);
      bars(chart, r.classes, r.per_class, {before: r.baseline.per_class});
      chart.setAttribute("aria-label", `Accuracy per ${examples() === "digits" ? "digit" : "class"}, intact → with your changes: ` +
        r.classes.map((c, k) => `${c}: ${pct(r.baseline.per_class[k])} → ${pct(r.per_class[k])}`).join(", "));
    } catch (err) {
      if (mine === asked) accuracy.textContent = err.message;
    } finally {
      if (mine === asked) accuracy.setAttribute("aria-busy", "false");
    }
  }

  // (busy while it ranks: aria-disabled, so that the button keeps the keyboard's focus)
  const rank = () => busyWhile(part("rank"), async () => {
    try {
      const r = await calls.ranking(changes.body());
      rankBody.replaceChildren(...r.neurons.slice(0, RANKED).map((d) => rankRow(d, r)));
      showSwitches();
      rankBox.hidden = false;
    } catch (err) {
      accuracy.textContent = err.message;
    }
  });

  function rankRow(d, r) {
    const tr = document.createElement("tr");
    const worst = d.per_class_drop.map((v, k) => [v, k]).filter(([v]) => v > 0.005)
      .sort((a, b) => b[0] - a[0]).slice(0, 3);
    const cells = [`layer ${d.layer} · ${d.neuron}`, `${fmt(d.accuracy * 100, 1)}% (−${fmt(d.drop * 100, 1)})`,
                   // each class's accuracy before and without it: a drop alone (−92%) reads as a share
                   worst.map(([v, k]) => `${r.classes[k]} (${Math.round(r.per_class[k] * 100)}% → ` +
                                         `${Math.round((r.per_class[k] - v) * 100)}%)`).join(", ") || "none"];
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    const td = document.createElement("td"), b = document.createElement("button");
    b.type = "button";
    b.dataset.layer = String(d.layer);
    b.dataset.neuron = String(d.neuron);
    b.addEventListener("click", () => changes.toggleOff(d.layer, d.neuron));
    td.appendChild(b);
    tr.appendChild(td);
    return tr;
  }

  // Each ranked neuron's switch, as the changes leave it: pressed while the neuron is off,
  // named for what a press does (as panel 7's "Switch it off" and "Switch it back on").
  function showSwitches() {
    for (const b of rankBody.querySelectorAll("button")) {
      const l = Number(b.dataset.layer), j = Number(b.dataset.neuron), off = changes.isOff(l, j);
      // A button whose words say what pressing it does, so no aria-pressed: a toggle's label
      // must not change with its state (WAI-ARIA Authoring Practices, button pattern).
      b.dataset.off = String(off);
      b.textContent = off ? "Switch on" : "Switch off";
      b.setAttribute("aria-label", `${b.textContent} neuron ${j} of layer ${l}`);
    }
  }

  part("rank").addEventListener("click", rank);
  for (const radio of root.querySelectorAll(`input[name="${CSS.escape(id("click-mode"))}"]`)) {
    radio.addEventListener("change", () => { if (calls.modeChanged) calls.modeChanged(); });
  }
  // (output neurons have nothing after them to be silent to: they open)
  const switches = (sel) => mode() === "off" && !!sel && sel.layer < calls.model().layers.length;
  // (it disables itself: the focus goes to the panel's heading)
  part("off-reset").addEventListener("click", () => keepFocus(part("off-reset"), () => changes.resetAll(), () => part("off-title")));

  function refresh() {
    showList();
    showSwitches();
    clearTimeout(timer);
    timer = setTimeout(measure, 60);
  }

  return {
    intercept(sel) {
      if (!switches(sel)) return false;
      changes.toggleOff(sel.layer, sel.index);
      return true;
    },
    switches,
    refresh,
    setModel() {  // (the ranking was the old network's, its neurons maybe not the new one's)
      part("off-examples").textContent = examples();
      part("rank-suffer").textContent = `${examples() === "digits" ? "digits" : "classes"} that suffer`;
      rankBody.replaceChildren();
      rankBox.hidden = true;
      refresh();
    },
  };
}
