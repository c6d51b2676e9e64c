// Which model the page shows, when the server serves more than one (digitnet serve MODEL
// MODEL2 ...): links to /?model=N, the one shown marked as the current page.

const KINDS = {images: "pictures", audio: "spoken digits", table: "a table"};

/** Fills `nav` with a link per model of `models` (GET /api/models), `shown` (its name) current;
 * for one model alone, only if `always` (the page asked for a model there is not). */
export function mountModels(nav, models, shown, always = false) {
  if (models.length < (always ? 1 : 2)) return;
  nav.hidden = false;
  nav.replaceChildren("Model: ");
  for (const m of models) {
    const a = document.createElement("a");
    a.href = `/?model=${encodeURIComponent(m.name)}`;
    a.textContent = `${m.name}: ${KINDS[m.input] || m.input} (${m.sizes.join("–")})`;
    if (m.name === shown) a.setAttribute("aria-current", "page");
    nav.append(a, " ");
  }
}
