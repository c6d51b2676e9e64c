// The drawing pad: strokes drawn with a mouse, a finger, a pen or the keyboard (or a picture in
// their place), undo and clear, and the drawing read as a grid of brightness values.

import {find, keepFocus} from "./dom.js";
import {mountCursor} from "./cursor.js";

// The pad is read as a GRID x GRID grid of brightness values: enough for preprocessing to scale
// the digit into MNIST's 20x20 box with smooth edges, and small (about 12 KB, a few ms to read).
export const GRID = 56;
const PEN = 20;    // stroke width in pad pixels: about MNIST's stroke for a digit of pad height
// The keyboard's cursor moves on a CELLS x CELLS grid of the pad: half a pen's width a step, so
// that its strokes are as smooth and as thick as the mouse's.
const CELLS = 28;

const markup = (id) => `
  <div class="canvas-wrap">
    <canvas id="${id("pad")}" class="pad" width="280" height="280" tabindex="0" role="application"
            aria-label="Drawing pad: draw one digit with the mouse, a finger, a pen or the keyboard"
            aria-describedby="${id("pad-hint")} ${id("pad-keys")}"></canvas>
    <p id="${id("pad-hint")}" class="pad-hint">Draw one digit, 0 to 9, big and centred</p>
    <div class="pad-cursor" aria-hidden="true"></div>
  </div>
  <p id="${id("pad-keys")}" class="hint pad-keys">Keyboard: the arrow keys move a cursor
    (${CELLS} rows, ${CELLS} columns), Shift+arrows draw, Space draws a dot, Ctrl+Z undoes a
    stroke, Delete clears.</p>
  <div class="buttons">
    <button id="${id("undo")}" type="button" aria-keyshortcuts="Control+Z" disabled>Undo</button>
    <button id="${id("clear")}" type="button" aria-keyshortcuts="Delete" disabled>Clear</button>
    <label class="button upload">Upload an image…
      <input id="${id("upload")}" type="file" accept="image/*" class="visually-hidden">
    </label>
  </div>`;

/**
 * Adds the pad, its hint and its buttons (undo, clear, upload) to `root`.
 *
 * `on.change(now)`: the drawing changed (`now`: a stroke ended or was undone, so read it at once);
 * `on.empty()`: nothing is drawn any more; `on.upload(file)`: an image file was chosen (it is on
 * the pad already, if the browser can decode it).
 */
export function mountPad(root, id, on) {
  root.insertAdjacentHTML("beforeend", markup(id));
  const canvas = find(root, id("pad")), ctx = canvas.getContext("2d");
  const hint = find(root, id("pad-hint")), undoButton = find(root, id("undo"));
  const clearButton = find(root, id("clear"));
  let strokes = [];     // each a list of [x, y] in pad pixels
  let picture = null;   // an image shown on the pad in place of strokes, or null
  let drawing = null;   // the stroke being drawn, and by which pointer
  let keyed = null;     // the stroke being drawn with the keyboard

  function point(event) {
    const r = canvas.getBoundingClientRect();
    return [(event.clientX - r.left) * canvas.width / r.width, (event.clientY - r.top) * canvas.height / r.height];
  }

  function strokePath(points) {
    ctx.beginPath();
    ctx.moveTo(points[0][0], points[0][1]);
    // A stroke that never moved (one point, or a pen that rested) is a dot: a path of length 0
    // would draw nothing, and leave a stroke without ink.
    const [x0, y0] = points[0];
    if (points.every(([x, y]) => x === x0 && y === y0)) ctx.lineTo(x0 + 0.01, y0);
    for (let i = 1; i < points.length; i++) ctx.lineTo(points[i][0], points[i][1]);
    ctx.stroke();
  }

  function redraw() {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (picture) {
      const img = picture, s = Math.min(canvas.width / img.width, canvas.height / img.height);
      ctx.drawImage(img, (canvas.width - img.width * s) / 2, (canvas.height - img.height * s) / 2, img.width * s, img.height * s);
    }
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = PEN;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    for (const s of strokes) strokePath(s);
    const empty = isEmpty();
    hint.classList.toggle("gone", !empty);
    undoButton.disabled = strokes.length === 0;
    clearButton.disabled = empty;
  }

  const isEmpty = () => strokes.length === 0 && !picture;

  canvas.addEventListener("pointerdown", (e) => {
    if (e.button !== 0 && e.pointerType === "mouse") return;
    e.preventDefault();
    canvas.classList.remove("keyed");
    canvas.setPointerCapture(e.pointerId);
    picture = null;
    drawing = {id: e.pointerId, points: [point(e)]};
    strokes.push(drawing.points);
    redraw();
  });

  canvas.addEventListener("pointermove", (e) => {
    if (!drawing || e.pointerId !== drawing.id) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const c of (events.length ? events : [e])) drawing.points.push(point(c));
    redraw();
    on.change(false);
  });

  function endStroke(e) {
    if (!drawing || e.pointerId !== drawing.id) return;
    drawing = null;
    on.change(true);
  }
  canvas.addEventListener("pointerup", endStroke);
  canvas.addEventListener("pointercancel", endStroke);

  function undo() {
    strokes.pop();
    redraw();
    if (!isEmpty()) on.change(true); else on.empty();
  }

  function clear() {
    strokes = [];
    picture = null;
    redraw();
    on.empty();
  }

  // With the keyboard: a cursor on the pad's grid of cells, drawn above the pad (not on it,
  // since the pad's pixels are the drawing read), shown while the pad has the keyboard's focus.
  const cursorMark = root.querySelector(".pad-cursor"), size = canvas.width / CELLS;
  const centre = ([r, c]) => [(c + 0.5) * size, (r + 0.5) * size];
  const cursor = mountCursor(canvas, [CELLS / 2, CELLS / 2], {
    // (a pad that only shows the picture of a sound is out of the keyboard's way: tabindex -1)
    grid: () => (canvas.tabIndex < 0 ? null : [CELLS, CELLS]),
    paint(cell, from) {
      if (from === null || !keyed || !strokes.includes(keyed)) {  // (undone or cleared meanwhile)
        picture = null;
        keyed = [];
        strokes.push(keyed);
      }
      keyed.push(centre(cell));
      redraw();
      if (from !== null) on.change(false);
    },
    lift() {
      keyed = null;
      on.change(true);
    },
    moved() {
      canvas.classList.add("keyed");
      placeMark();
    },
    where(cell) {
      const [x, y] = centre(cell), px = ctx.getImageData(Math.floor(x), Math.floor(y), 1, 1).data;
      return `row ${cell[0] + 1}, column ${cell[1] + 1}${px[0] > 127 ? ", on ink" : ""}`;
    },
  });

  function placeMark() {
    const [x, y] = centre(cursor.cell());
    cursorMark.style.setProperty("--x", String(x / canvas.width));
    cursorMark.style.setProperty("--y", String(y / canvas.height));
  }

  // Undo and Clear disable themselves when nothing is left to undo or clear: the keyboard's
  // focus goes back to the pad rather than to the start of the page.
  undoButton.addEventListener("click", () => keepFocus(undoButton, undo, () => canvas));
  clearButton.addEventListener("click", () => keepFocus(clearButton, clear, () => canvas));

  find(root, id("upload")).addEventListener("change", async (e) => {
    const file = e.target.files[0];
    e.target.value = "";
    if (!file) return;
    strokes = [];
    picture = null;
    try {
      picture = await createImageBitmap(file);
    } catch (err) { /* the network's side says what is wrong with it */ }
    redraw();
    on.upload(file);
  });

  // The pad as rows of brightness 0..1 (ink = 1), shrunk to GRID x GRID.
  function grid() {
    const small = document.createElement("canvas");
    small.width = small.height = GRID;
    const sctx = small.getContext("2d");
    sctx.imageSmoothingEnabled = true;
    sctx.imageSmoothingQuality = "high";
    sctx.drawImage(canvas, 0, 0, GRID, GRID);
    const px = sctx.getImageData(0, 0, GRID, GRID).data;
    const rows = [];
    for (let y = 0; y < GRID; y++) {
      const row = new Array(GRID);
      for (let x = 0; x < GRID; x++) {
        const i = (y * GRID + x) * 4;
        row[x] = Math.round((0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2]) / 2.55) / 100;
      }
      rows.push(row);
    }
    return rows;
  }

  /** Shows `image` (anything a canvas can draw) in place of the strokes, or clears the pad
   * quietly when null: for a picture the network was given from elsewhere. */
  function showPicture(image) {
    strokes = [];
    picture = image;
    redraw();
  }

  redraw();
  placeMark();
  return {canvas, grid, undo, clear, isEmpty, showPicture, strokeCount: () => strokes.length,
          drawing: () => drawing !== null || cursor.drawing()};
}
