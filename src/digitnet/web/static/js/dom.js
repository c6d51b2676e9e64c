// Small helpers shared by the components: finding their elements, SVG elements, numbers as text.
//
// Every component adds its own markup to a container it is given and names its elements with
// ids made by an `id(name)` function: the page's ids are the names themselves ("pad", "net"),
// a notebook widget's carry a prefix of their own, so that two widgets on one page never share
// an id. Components look their elements up inside their container (which need not be in the
// document yet), never through `document`.

const SVG_NS = "http://www.w3.org/2000/svg";

/** The element with id `id` inside `root`. */
export function find(root, id) {
  return root.querySelector("#" + CSS.escape(id));
}

/** An SVG element with attributes `attrs`, appended to `parent` if given. */
export function svg(name, attrs, parent) {
  const e = document.createElementNS(SVG_NS, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}

/** A number as the page writes it: `digits` decimals (none from 100 on), a true minus sign. */
export function fmt(v, digits = 2) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  const s = Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(digits);
  return s.replace("-", "−");
}

/** A probability as the page writes it, to a tenth of a percent ("99.7%"), the verdict and the
 * diagram's bars alike; never rounded up to 100% nor down to 0.0%: ">99.9%", "<0.1%". */
export function percent(p) {
  const s = (p * 100).toFixed(1);
  if (s === "100.0") return ">99.9%";
  return s === "0.0" && p > 0 ? "<0.1%" : `${s}%`;
}

// A focused button that an action disables or removes drops the keyboard's focus to the start
// of the page (document.activeElement becomes <body>): a keyboard or screen reader user is lost.
// These keep it somewhere that makes sense.

/** Runs `change()`; if the focus was on `el` (or inside it) and `el` can no longer hold it
 * (disabled, hidden or gone), moves it to the element `next()` answers (if any). */
export function keepFocus(el, change, next) {
  const had = el.contains(document.activeElement);
  change();
  if (had && (!el.isConnected || el.disabled || el.closest("[hidden]"))) {
    const to = next();
    if (to) to.focus();
  }
}

/** Runs `work()` (answering a promise) with `button` busy: aria-disabled rather than disabled,
 * so that it keeps the focus while it works; a click meanwhile does nothing. */
export async function busyWhile(button, work) {
  if (button.getAttribute("aria-disabled") === "true") return undefined;
  button.setAttribute("aria-disabled", "true");
  try {
    return await work();
  } finally {
    button.removeAttribute("aria-disabled");
  }
}
