// Keeping the page on the network the server serves now. A training run (from this page or any
// other: a teacher's, in a class) or a voice taught replaces the served network for everyone,
// and every answer about it (a prediction, a poking panel's) says which one answered (its
// model_version). When that is not the one the page shows, the page loads the new one, drops
// the learner's changes that no longer fit it, says so, and asks again. So it does when the
// server was restarted (js/api.js hears it), whatever model_version says: every server process
// counts from 1, whichever network it serves. A request the server refuses for one of the
// learner's changes ("edits[0]: ...") has that change undone, with the reason, rather than left
// to fail forever.

// The server's refusal of one of the changes a request carried: "off[1]: ...",
// "edits[0].cells[3]: ...": which (its place in the request), and why.
const REFUSED = /^(off|edits)\[(\d+)\][^:]*: (.*)$/;

// What became of the learner's changes when the network was replaced (`dropped`: how many of
// each no longer fit it; `left`: how many stay), as a sentence to add; "" when there were none.
function changesText(dropped, left) {
  const gone = dropped.off + dropped.edits;
  const what = [dropped.off && count(dropped.off, "switched-off neuron"),
                dropped.edits && count(dropped.edits, "edit")].filter(Boolean);
  const rest = left === 1 ? "change still fits it and stays" : "changes still fit it and stay";
  if (!gone) return left ? ` Your ${rest}.` : "";
  return ` Your ${what.join(" and ")} no longer ${gone === 1 ? "fits it and was" : "fit it and were"} ` +
    `cleared${left ? `; your other ${rest}` : ""}.`;
}
const count = (n, thing) => (n === 1 ? thing : `${n} ${thing}s`);

/**
 * calls.getModel() answers a promise of GET /api/model's answer; calls.shown() is the model the
 * page shows; calls.show(m) shows another and answers the changes it dropped ({off, edits}:
 * how many); calls.changes is the page's store of changes (js/changes.js); calls.following()
 * whether the page follows a training run (whose end replaces the network); calls.say(text)
 * writes the page's note.
 *
 * Returns asking(ask): ask(body) answers a promise of an answer to a request carrying the
 * changes `body`, asked again once if the server refused it for what recover() could mend, and
 * again once of the new network (loaded and shown first) if another network answered than the
 * one shown; predict(ask): the same, for a prediction; and refresh(expected): load the served
 * network if it is not the one shown (after a run this page followed: `expected`), answering
 * whether it was not; and restarted(): the server was restarted, so load its network whatever
 * its model_version (answers refresh()'s promise).
 */
export function keepCurrent(calls) {
  let loading = null;
  let restarted = false;  // (until the restarted server's network is loaded)

  function refresh(expected = false) {
    if (!loading) loading = load(expected).finally(() => { loading = null; });
    return loading;
  }

  async function load(expected) {
    const m = await calls.getModel(), before = calls.shown(), restart = restarted;
    restarted = false;
    if (before && !restart && m.model_version === before.model_version &&
        m.sizes.join() === before.sizes.join()) return false;
    const kept = calls.changes.count(), dropped = calls.show(m);
    const changes = changesText(dropped, kept - dropped.off - dropped.edits);
    if (restart) {
      calls.say(`The server was restarted, so the page reloaded its network: it is now ` +
                `${m.sizes.join("–")}.${changes}`);
    } else if (!expected && !calls.following()) {
      calls.say(`The network was retrained by someone else, so the page reloaded it: it is now ` +
                `${m.sizes.join("–")}.${changes}`);
    } else if (changes) {
      calls.say(`The page now uses the new network.${changes}`);
    }
    return true;
  }

  // After a 422: the network was replaced, or one of the changes `sent` was refused and is now
  // undone. Answers whether asking again can be answered otherwise.
  async function recover(err, sent) {
    if (err.status !== 422) return false;
    try {
      if (await refresh()) return true;
    } catch (e) {
      return false;  // (the server's first answer says more)
    }
    const at = REFUSED.exec(err.message);
    if (!at) return false;
    const what = calls.changes.drop(sent, at[1], Number(at[2])), why = at[3];
    if (what) calls.say(`The server refused ${what}, so the page undid it: ${why}${why.endsWith(".") ? "" : "."}`);
    return JSON.stringify(calls.changes.body()) !== JSON.stringify(sent);
  }

  // ask(body) with the page's changes, and again once if recover() mended what the server refused.
  async function mending(ask) {
    const sent = calls.changes.body();
    try {
      return await ask(sent);
    } catch (err) {
      if (!(await recover(err, sent))) throw err;
      return ask(calls.changes.body());
    }
  }

  // (An answer without a model_version, such as a saved model file, says nothing of which.)
  const another = (answer) => answer && (restarted || (answer.model_version !== undefined &&
    answer.model_version !== calls.shown().model_version));
  // A prediction is of another network, too, where its layers are not the shown one's (a
  // server restarted with a network of other sizes, unheard of): the diagram could not show it.
  const otherLayers = (p) => {
    const m = calls.shown();
    return !!p && Array.isArray(p.layers) && !!m && (p.layers.length !== m.layers.length ||
      p.layers.some((l, k) => l.a.length !== m.layers[k].n_out));
  };

  async function asking(ask, stale = another) {
    let answer = await mending(ask);
    if (stale(answer)) {
      await refresh();
      answer = await mending(ask);
    }
    return answer;
  }

  return {
    asking,
    predict: (ask) => asking(ask, (p) => another(p) || otherLayers(p)),
    refresh,
    restarted() {
      restarted = true;
      return refresh();
    },
  };
}

