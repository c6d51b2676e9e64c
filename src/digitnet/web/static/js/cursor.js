// Painting with the keyboard: a cursor on a grid of cells over a canvas, for the drawing pad
// (js/pad.js) and panel 7's grid of weights (js/rewrite.js). The arrow keys move it one cell;
// Shift with an arrow key paints on its way (one stroke, until Shift is let go); Space or Enter
// paints the cell it is on. Where it is (in the caller's words) goes to a live region of its
// own after each key, so that a screen reader says it.

const MOVES = {ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1]};

/**
 * Listens to the keys on `canvas` (which should have role="application", so that a screen
 * reader hands it the arrow keys). `on.grid()` is the grid's [rows, cols] now, or null when
 * there is nothing to paint on; `on.paint(cell, from)` paints cell [row, col], as a line from
 * cell `from` when a stroke goes on (null: a stroke starts there); `on.lift()` ends the stroke;
 * `on.moved()` hears each key's doing (to draw the cursor); `on.where(cell)` words the place.
 *
 * Returns cell() (where the cursor is), drawing() (whether a stroke is going on) and fit()
 * (keep the cursor on the grid after it changed size).
 */
export function mountCursor(canvas, start, on) {
  const live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("role", "status");
  canvas.after(live);
  let cell = start.slice(), stroke = false;

  function fit() {
    const size = on.grid();
    if (size) cell = [0, 1].map((k) => Math.max(0, Math.min(size[k] - 1, cell[k])));
  }

  function lift() {
    if (!stroke) return;
    stroke = false;
    on.lift();
  }

  function told() {
    on.moved();
    live.textContent = on.where(cell);
  }

  canvas.addEventListener("keydown", (e) => {
    if (!on.grid() || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key in MOVES) {
      e.preventDefault();
      const from = cell;
      cell = [cell[0] + MOVES[e.key][0], cell[1] + MOVES[e.key][1]];
      fit();
      if (e.shiftKey) {
        if (!stroke) on.paint(from, null);
        stroke = true;
        on.paint(cell, from);
      } else {
        lift();
      }
      told();
    } else if (e.key === " " || e.key === "Enter") {
      e.preventDefault();
      lift();
      on.paint(cell, null);
      stroke = true;
      lift();
      told();
    }
  });
  canvas.addEventListener("keyup", (e) => { if (e.key === "Shift") lift(); });
  canvas.addEventListener("blur", lift);

  return {cell: () => cell, drawing: () => stroke, fit};
}
