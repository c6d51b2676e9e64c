// Pictures of numbers on a canvas: grey images (what the network reads) and weight images.

/** Rows of 0..1 values as a grey image, into a canvas of the same size (black when null). */
export function paintGray(canvas, rows) {
  const c = canvas.getContext("2d");
  const img = c.createImageData(canvas.width, canvas.height);
  for (let y = 0; y < canvas.height; y++) {
    for (let x = 0; x < canvas.width; x++) {
      const v = rows ? Math.round(255 * rows[y][x]) : 0, i = (y * canvas.width + x) * 4;
      img.data[i] = img.data[i + 1] = img.data[i + 2] = v;
      img.data[i + 3] = 255;
    }
  }
  c.putImageData(img, 0, 0);
}

/** Weights as an image: blue positive, red negative, black 0; scaled by the largest |w|. The
 * canvas takes the size of `rows`. */
export function paintWeights(canvas, rows) {
  const h = rows.length, w = rows[0].length;
  canvas.width = w; canvas.height = h;
  let max = 1e-9;
  for (const r of rows) for (const v of r) max = Math.max(max, Math.abs(v));
  const c = canvas.getContext("2d"), img = c.createImageData(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const t = Math.min(1, Math.abs(rows[y][x]) / max), i = (y * w + x) * 4;
      const [r, g, b] = rows[y][x] >= 0 ? [88, 166, 255] : [255, 107, 107];
      img.data[i] = r * t; img.data[i + 1] = g * t; img.data[i + 2] = b * t; img.data[i + 3] = 255;
    }
  }
  c.putImageData(img, 0, 0);
}

/** Rows of 0..1 values as a new canvas of their size (to draw or turn into an image). */
export function grayCanvas(rows) {
  const c = document.createElement("canvas");
  c.width = rows[0].length; c.height = rows.length;
  paintGray(c, rows);
  return c;
}
