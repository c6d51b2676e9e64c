// Which model the page shows, when the server serves more than one (digitnet serve MODEL
// MODEL2 ...): links to /?model=N, the one shown marked as the current page, each named by its
// file ("2: video.safetensors, pictures (784–16–16–10)"): two models of the same kind and sizes
// are told apart by it. Filled again when the server was restarted, perhaps with other models.

const KINDS = {images: "pictures", audio: "spoken digits", table: "a table"};

/** Fills `nav` with a link per model of `models` (GET /api/models), `shown` (its name) current,
 * in place of the links it had; for one model alone, only if `always` (the page asked for a
 * model there is not): else `nav` is hidden. */
export function mountModels(nav, models, shown, always = false) {
  // (a link the keyboard was on keeps the focus, where the model is still served)
  const focused = nav.contains(document.activeElement) && document.activeElement.getAttribute("href");
  nav.hidden = models.length < (always ? 1 : 2);
  if (nav.hidden) {
    nav.replaceChildren();
    return;
  }
  nav.replaceChildren("Model: ");
  for (const m of models) {
    const a = document.createElement("a");
    a.href = `/?model=${encodeURIComponent(m.name)}`;
    const kind = KINDS[m.input] || m.input;
    a.textContent = `${m.name}: ${named(m.source)}${kind} (${m.sizes.join("–")})`;
    if (m.name === shown) a.setAttribute("aria-current", "page");
    nav.append(a, " ");
    if (a.getAttribute("href") === focused) a.focus();
  }
}

// What a link calls a model: its file's name without the folders ("video.safetensors" for
// /home/teacher/video.safetensors), or where it came from ("trained from the page"), then ", ".
function named(source) {
  const name = String(source || "").split(/[\\/]/).pop();
  return name ? `${name}, ` : "";
}
