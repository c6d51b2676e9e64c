// Panel 5 of the page, "Watch it learn": the training form, the loss and accuracy chart, the
// first layer's weight images after every epoch, and the history table. It binds to the
// markup in index.html and talks to the server only through the functions it is given.

import {UNREACHABLE} from "./api.js";
import {keepFocus} from "./dom.js";
import {paintWeights} from "./paint.js";
import {hearsSound} from "./summary.js";

const $ = (id) => document.getElementById(id);

// How often an open page asks the server (GET /api/train) whether a run was started from
// elsewhere (a teacher's page, curl), while it is visible and follows none; and after a question
// that got no answer (the server stopped), until one does.
const WATCH_EVERY = 5000, WATCH_UNREACHED = 30000;

/**
 * Wires the training panel. calls.start(options) and calls.stop() answer promises (POST and
 * DELETE /api/train); calls.events() opens the run's event stream (an EventSource);
 * calls.status() answers a promise of GET /api/train's answer;
 * calls.done(mine) is awaited once a run has finished and its network is served (`mine`: the
 * run was started from this page);
 * calls.refusal(err, action), if given, says in the page's words why the server refused to
 * "start" or "stop" a run (else the server's message is shown).
 * Returns follow() (show a run that is going), running() (whether it follows one),
 * starts(asked) (the page's own request `asked` that starts a run, a promise of its
 * TrainStatus: the run not to be followed twice), watch(status) (follow, from GET /api/train's
 * answer `status` on, every run started anywhere) and showModel(model) (the form's defaults).
 */
export function mountTraining(calls) {
  let chart = {progress: [], epochs: [], total: 1};
  let events = null;  // the EventSource of a training run
  let unit = "digits";  // what the served model learns from: "recordings" for spoken digits
  let running = false;  // whether the page follows a run (whose end replaces the network)
  let known = 0;  // the run_id of the last run the page followed, started or knew of
  let mine = false;  // whether the run followed was started from this page
  let starting = 0;  // how many of this page's requests to start a run are unanswered
  let watching = null;  // the timer of the next question to the server (watch()), or null
  let watched = false;  // whether watch() asks at all (not where training is turned off)

  $("train-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    refuse(null);
    // (an empty field is refused too: it would train, for everyone, a network with no hidden layer)
    const hidden = $("hidden").value.split(/[\s,]+/).filter(Boolean).map(Number);
    if (!hidden.length || hidden.length > 3 || hidden.some((v) => !Number.isInteger(v) || v < 1 || v > 128)) {
      setStatus("Hidden layers: give one to three sizes from 1 to 128, separated by commas, such as 16, 16.", "error");
      $("hidden").focus();
      return;
    }
    const body = {epochs: Number($("epochs").value), lr: Number($("lr").value), activation: $("activation").value, hidden};
    try {
      await starts(calls.start(body));
    } catch (err) {
      refuse(err, "start");
      return;
    }
    resetChart(body.epochs);
    follow(true);
  });

  $("stop").addEventListener("click", async () => {
    // Said before asking: the run's end can be told (by its last event) before the answer to
    // the stop arrives, and must not be overwritten by "Stopping…" then.
    // (refused, the run goes on: the status line says again what it said, if nothing since)
    const status = $("train-status"), before = [status.textContent, status.className];
    refuse(null);
    setStatus("Stopping…");
    try {
      await calls.stop();
    } catch (err) {
      if (status.textContent === "Stopping…") [status.textContent, status.className] = before;
      refuse(err, "stop");
    }
  });

  function setStatus(text, kind) {
    const s = $("train-status");
    s.textContent = text;
    s.className = "train-status" + (kind ? " " + kind : "");
  }

  // Why the server refused the last Train or Stop pressed (null: it did not), on a line of its
  // own: the status line below it tells a run's progress, several times a second, and would
  // overwrite it before it could be read. It stays until Train or Stop is pressed again.
  function refuse(err, action) {
    $("train-refusal").textContent = !err ? "" : calls.refusal ? calls.refusal(err, action) : err.message;
  }

  // Train is disabled while a run goes, Stop while none does: the one that had the keyboard's
  // focus hands it to the other, rather than to the start of the page.
  function setRunning(yes) {
    const [from, to] = yes ? [$("train"), $("stop")] : [$("stop"), $("train")];
    keepFocus(from, () => {
      running = yes;
      $("train").disabled = running || $("train-form").dataset.off === "true";  // (--no-train)
      $("stop").disabled = !running;
      $("train-status").setAttribute("aria-busy", running ? "true" : "false");
    }, () => to);
  }

  // Shows the run going (or just ended) on the server; `fromHere`: started from this page.
  // `over`: the run_id of a run that had ended before the page asked (a page opened or reloaded
  // after it), replayed from its events as an open page showed it, the buttons left as they are
  // (its status line busy meanwhile: read out once, at the end); unless another run began since.
  function follow(fromHere = false, over = 0) {
    if (events) events.close();
    mine = fromHere;
    if (over) $("train-status").setAttribute("aria-busy", "true");
    else setRunning(true);
    const es = calls.events();
    events = es;
    const on = (kind, f) => es.addEventListener(kind, (e) => {
      const d = JSON.parse(e.data);
      if (d.run_id) known = d.run_id;
      if (over && d.run_id && d.run_id !== over && !running) setRunning(true);
      f(d);
    });
    // (the server says what it loads: the pictures, recordings or table the model reads)
    on("loading", (d) => setStatus(d.message
      ? `${d.message[0].toUpperCase()}${d.message.slice(1)}…` : "Loading…"));
    on("start", (d) => {
      resetChart(d.config.epochs);
      setStatus(`Training ${d.config.sizes.join("–")} (${d.config.activation}) on ${d.n_train.toLocaleString("en")} ${unit}, checking on ${d.n_val.toLocaleString("en")} held out…`);
    });
    on("progress", (d) => {
      chart.progress.push([d.position, d.loss]);
      drawChart();
      setStatus(`Epoch ${d.epoch} of ${chart.total}: step ${d.step} of ${d.n_steps}, loss ${d.loss.toFixed(3)}`);
    });
    on("epoch", (d) => {
      chart.epochs.push(d);
      drawChart();
      addHistoryRow(d);
      if (d.weight_images) drawFilters(d.weight_images);
      const acc = d.val_accuracy != null ? `, validation accuracy ${(d.val_accuracy * 100).toFixed(1)}%` : "";
      setStatus(`Epoch ${d.epoch} of ${d.epochs} done: loss ${d.train_loss.toFixed(3)}${acc}`);
    });
    on("done", async (d) => {
      es.close();
      setRunning(false);
      const pct = (v) => `${(v * 100).toFixed(0)}%`, took = `${d.seconds.toFixed(d.seconds < 1 ? 2 : 1)} s`;
      if (d.before != null) {  // a voice taught (POST /api/voice): its kept recordings, before and after
        setStatus(`Taught in ${took}. Of your recordings kept to check on, it heard ${pct(d.before)} right before and ${pct(d.val_accuracy)} after; the page now uses the taught network.`, "done");
      } else {
        const acc = d.val_accuracy != null ? ` with ${(d.val_accuracy * 100).toFixed(1)}% validation accuracy` : "";
        setStatus(`Training finished${acc} in ${took}; the page now uses the new network.`, "done");
      }
      await calls.done(mine);
    });
    for (const kind of ["failed", "cancelled"]) {
      on(kind, (d) => { es.close(); setRunning(false); setStatus(d.message, kind === "failed" ? "error" : ""); });
    }
    on("idle", () => { es.close(); setRunning(false); });
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) { setRunning(false); setStatus(UNREACHABLE, "error"); }
    };
  }

  function resetChart(epochs) {
    chart = {progress: [], epochs: [], total: epochs};
    $("history").tBodies[0].replaceChildren();
    drawChart();
  }

  function addHistoryRow(d) {
    const tr = document.createElement("tr");
    for (const v of [d.epoch, d.train_loss.toFixed(4), d.val_loss != null ? d.val_loss.toFixed(4) : "–",
                     d.val_accuracy != null ? (d.val_accuracy * 100).toFixed(2) + "%" : "–"]) {
      const td = document.createElement("td");
      td.textContent = v;
      tr.appendChild(td);
    }
    $("history").tBodies[0].appendChild(tr);
  }

  function drawFilters(images) {
    const grid = $("filters");
    while (grid.children.length > images.length) grid.lastChild.remove();
    while (grid.children.length < images.length) grid.appendChild(document.createElement("canvas"));
    images.forEach((img, j) => paintWeights(grid.children[j], img));
    grid.setAttribute("aria-label", `Weight images of ${images.length} neurons of hidden layer 1 after epoch ${chart.epochs.length}`);
  }

  function drawChart() {
    const canvas = $("chart"), ch = chart;
    const dpr = window.devicePixelRatio || 1;
    const cssW = canvas.clientWidth || 560, cssH = cssW * 240 / 560;
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    const c = canvas.getContext("2d");
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    c.clearRect(0, 0, cssW, cssH);
    const L = 44, R = 44, T = 10, B = 26, w = cssW - L - R, h = cssH - T - B;
    const losses = ch.progress.map((p) => p[1]).concat(ch.epochs.flatMap((e) => [e.train_loss, e.val_loss ?? 0]));
    // Loss axis: round steps (0.1, 0.2, 0.25, 0.5, 1, 2), at most 6 of them.
    const top = Math.max(0.1, ...losses);
    const step = [0.1, 0.2, 0.25, 0.5, 1, 2, 5].find((s) => top / s <= 6) || 10;
    const ticks = Math.ceil(top * 1.001 / step), maxLoss = ticks * step;
    const X = (e) => L + w * e / Math.max(1, ch.total), Y = (v) => T + h * (1 - v / maxLoss), A = (v) => T + h * (1 - v);

    c.strokeStyle = "#30363d"; c.fillStyle = "#9aa7b4"; c.lineWidth = 1; c.font = "11px system-ui, sans-serif";
    c.textAlign = "right"; c.textBaseline = "middle";
    for (let k = 0; k <= ticks; k++) {
      const y = Y(k * step);
      c.beginPath(); c.moveTo(L, y); c.lineTo(L + w, y); c.stroke();
      c.fillText((k * step).toFixed(step < 1 ? 2 : 0), L - 4, y);
    }
    c.textAlign = "left";
    for (let k = 0; k <= 4; k++) c.fillText(`${25 * k}%`, L + w + 4, A(k / 4));
    c.textAlign = "center"; c.textBaseline = "top";
    const every = Math.ceil(ch.total / 10);
    for (let e = 0; e <= ch.total; e += every) c.fillText(String(e), X(e), T + h + 4);
    c.fillText("epoch", L + w / 2, T + h + 14);

    const path = (points, color, dots) => {
      if (!points.length) return;
      c.strokeStyle = color; c.fillStyle = color; c.lineWidth = 2;
      c.beginPath();
      points.forEach(([x, y], k) => (k ? c.lineTo(x, y) : c.moveTo(x, y)));
      c.stroke();
      if (dots) for (const [x, y] of points) { c.beginPath(); c.arc(x, y, 3, 0, 7); c.fill(); }
    };
    path(ch.progress.map(([e, v]) => [X(e), Y(v)]), "#58a6ff", false);
    path(ch.epochs.filter((e) => e.val_loss != null).map((e) => [X(e.epoch), Y(e.val_loss)]), "#f0883e", true);
    path(ch.epochs.filter((e) => e.val_accuracy != null).map((e) => [X(e.epoch), A(e.val_accuracy)]), "#3fb950", true);

    canvas.dataset.points = String(ch.progress.length + ch.epochs.length);
    canvas.dataset.epochs = String(ch.epochs.length);
    const last = ch.epochs[ch.epochs.length - 1];
    canvas.setAttribute("aria-label", last
      ? `Loss and accuracy curves: after epoch ${last.epoch}, training loss ${last.train_loss.toFixed(3)}` +
        (last.val_accuracy != null ? `, validation accuracy ${(last.val_accuracy * 100).toFixed(1)}%` : "")
      : ch.progress.length ? `Loss curve: ${ch.progress.length} points so far` : "Loss and accuracy curves: no data yet");
  }

  // The page's own request to start a run (Train, "Teach it my voice"): while it goes, and
  // after, the run it starts is this page's to follow, not watch()'s.
  async function starts(asked) {
    starting++;
    try {
      const status = await asked;
      if (status && status.run_id) known = status.run_id;
      return status;
    } finally {
      starting--;
    }
  }

  // A run the page has not followed, started anywhere (another page, curl), is followed when
  // GET /api/train names it: a run that ended between two questions too, for its new network.
  // (The run's event stream ends with the run, and says only "idle" where none was started:
  // so the page asks again every few seconds, while it is visible and follows no run.)
  // A run that ended before the page asked is shown as it ended (its curves, its last line).
  function watch(status) {
    const seen = status.run_id === known;
    known = status.run_id;
    watched = status.access !== "off";
    if (status.state === "running" && !running) follow();
    else if (status.run_id && !seen && !running && !starting) follow(false, status.run_id);
    ask(WATCH_EVERY);
  }

  function ask(after) {
    clearTimeout(watching);
    watching = watched && !document.hidden ? setTimeout(check, after) : null;
  }

  async function check() {
    let after = WATCH_EVERY;
    if (!running && !starting) {
      try {
        const status = await calls.status();
        if (status.run_id && status.run_id !== known && !running && !starting) {
          known = status.run_id;
          follow();
        }
      } catch (err) {
        if (err.status === 0) after = WATCH_UNREACHED;  // (the server stopped: fewer questions)
        // (the model shown is no longer served: nothing to follow, until watch() is told again)
        if (err.status === 404) watched = false;
      }
    }
    ask(after);
  }

  // (a page put away asks nothing; brought back, it asks at once)
  document.addEventListener("visibilitychange", () => ask(0));

  window.addEventListener("resize", drawChart);
  drawChart();

  return {
    follow,
    running: () => running,
    starts,
    watch,
    showModel(m) {
      unit = hearsSound(m) ? "recordings" : "digits";
      $("activation").value = m.activation;
      $("hidden").value = m.sizes.slice(1, -1).join(",");
    },
  };
}
