// Poking the network: the page's panels 6 to 11 (switch neurons off, rewrite one, what it
// answers to, maps, robustness, backpropagation), wired to one store of the learner's changes
// (js/changes.js) that travels with every request. Each panel is a component of its own that
// takes the data it shows and functions to call; this module only connects them.

import {createChanges} from "./changes.js";
import {mountAblation} from "./ablation.js";
import {mountRewrite} from "./rewrite.js";
import {mountAnswers} from "./answers.js";
import {mountMaps} from "./maps.js";
import {mountSturdy} from "./sturdy.js";
import {mountBackprop} from "./backprop.js";

/**
 * Adds the panels to the end of `root`. `api` is js/api.js; `page` gives the explorer's state:
 * page.model(), page.prediction() (the answer shown, null when there is none: its input, named
 * by its input_id, is the one the panels ask about), and
 * page.changed() (read the input shown again, the drawing, the picture uploaded or the
 * recording heard, and the open neuron, with the new changes),
 * page.markOff(keys), page.relabel() (what a click on a neuron does changed). Returns the
 * `changes` store, and intercept(sel) / switches(sel) / select(sel) /
 * setModel() (after the page showed another network, with the changes fitted to it) /
 * predicted(p, settled) for the page to call.
 */
export function mountPoke(root, id, api, page) {
  const changes = createChanges();
  // The held-out digits the server scores on ({n, description}): none, and panels say why.
  const heldOut = () => (page.model() && page.model().held_out) || {n: 0, description: "the network is loading"};
  const ablation = mountAblation(root, id, {ablate: api.ablate, ranking: api.ranking, model: page.model, heldOut,
    modeChanged: page.relabel}, changes);
  const rewrite = mountRewrite(root, id, {
    neuron: (l, j, body) => api.changedNeuron(l, j, page.prediction() && page.prediction().input_id, body),
    save: api.exportModel, model: page.model, prediction: page.prediction,
  }, changes);
  const answers = mountAnswers(root, id, {top: api.top, model: page.model, heldOut}, changes);
  const maps = mountMaps(root, id, {map: api.layerMap, digit: api.heldOut, model: page.model, heldOut}, changes);
  const sturdy = mountSturdy(root, id, {robustness: api.robustness, heldOut, model: page.model}, changes);
  const backprop = mountBackprop(root, id, {backprop: api.backprop, prediction: page.prediction, model: page.model}, changes);

  changes.subscribe(() => {
    page.markOff(changes.offKeys());
    page.changed();
    ablation.refresh();
    rewrite.refresh(true);
    answers.refresh();
  });

  let selected = null;  // the open neuron (the explorer's selection), or null

  return {
    changes,
    intercept: (sel) => ablation.intercept(sel),
    switches: (sel) => ablation.switches(sel),
    select(sel) {
      selected = sel;
      rewrite.select(sel);
      answers.select(sel);
    },
    // A new network (the page's own run, someone else's, a voice taught): no panel keeps what
    // it showed of the old one. The cheap and asked-for are asked again of the new one (the
    // accuracy, the open neuron's panels); the rest go until asked for again.
    setModel() {
      ablation.setModel();
      rewrite.select(selected);  // (its neuron again, named and scaled as the new network has it)
      answers.setModel();
      maps.setModel();
      sturdy.setModel();
      backprop.setModel();
    },
    // (`settled`: the answer a screen reader hears, once a stroke is over; see js/explorer.js)
    predicted(p, settled = true) {
      backprop.prediction(p, settled);
      rewrite.refresh();
    },
  };
}
