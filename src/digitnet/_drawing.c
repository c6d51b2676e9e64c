/* Drawings to MNIST inputs in C: preprocess.to_mnist's work for the web page's drawings.
 *
 * The web server preprocesses every drawing the page sends, many a second. For a drawing (ink
 * on a background of one exact value) to_mnist's steps are simple, but done with NumPy they
 * are some forty calls on small arrays, and the calls' overhead is most of the time (about
 * 180 microseconds for the page's 56x56 grid, against 20 here). digitnet/preprocess.py is
 * the reference, and says what each step is for; this file does the same arithmetic, in the
 * same precision, in two functions:
 *
 *   ink:   the background subtracted, the ink's side chosen, the noise (none: most pixels are
 *          exactly background) left out and the strokes stretched to reach 1
 *          (_extract_ink and _stretch), and the digit's bounding box (_digit_box);
 *   place: the box with its margin cut out, resampled with Pillow's filter weights (_resize),
 *          scaled to a brightest pixel of 1 and put in the 28x28 field with its centre of mass
 *          at the middle (center_digit).
 *
 * Where the answer could depend on how sums are rounded (a near tie between dark-on-light and
 * light-on-dark, a centre of mass half-way between two pixels), and for anything not a
 * drawing, each says so and preprocess.py does that step with NumPy; so the results agree with
 * the NumPy path's to float32 rounding (tests/unit/test_preprocess.py checks it).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* max(v, 0) and min(v, 1) as NumPy's maximum and minimum give them for numbers (fmaxf would
 * be a call into the maths library for every pixel). */
static inline float at_least_0(float v) { return v > 0 ? v : 0; }
static inline float at_most_1(float v) { return v < 1 ? v : 1; }

/* The k-th smallest of v[0..n), by Hoare's quickselect; v is reordered so that every value
 * after index k is at least v[k]. */
static float select_kth(float *v, int64_t n, int64_t k)
{
    int64_t lo = 0, hi = n - 1;
    while (lo < hi) {
        const float pivot = v[lo + (hi - lo) / 2];
        int64_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                const float t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break; /* v[j+1 .. i-1] all equal the pivot */
    }
    return v[k];
}

/* (start, end) of the true flags if they form one unbroken run; 0 if they do not. */
static int one_run(const uint8_t *flags, int64_t n, int64_t *start, int64_t *end)
{
    int64_t first = -1, last = -1, count = 0;
    for (int64_t i = 0; i < n; i++)
        if (flags[i]) {
            if (first < 0)
                first = i;
            last = i;
            count++;
        }
    if (first < 0 || last + 1 - first != count)
        return 0;
    *start = first;
    *end = last + 1;
    return 1;
}

/* Status of ink(): */
enum { NOT_HANDLED = 0, DONE = 1, DONE_BOX_WITH_SPECKS = 2 };

static int drawing_ink(const float *gray, int64_t h, int64_t w, float flat, float *ink,
                       int64_t *box)
{
    const int64_t n = h * w;
    int64_t nonzero = 0;
    float lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        const float r = gray[i] - flat;
        if (!isfinite(r))
            return NOT_HANDLED;
        ink[i] = r;
        nonzero += r != 0;
        lo = r < lo ? r : lo;
        hi = r > hi ? r : hi;
    }
    /* _noise: over half the pixels exactly background means no noise; else NumPy's medians. */
    if (2 * nonzero >= n)
        return NOT_HANDLED;

    /* _ink_side with no noise: which side departs further beyond t. */
    const float t = 0.05f;
    float sign = 1;
    if (lo >= -t)
        sign = 1;
    else if (hi <= t)
        sign = -1;
    else {
        double darker = 0, lighter = 0;
        for (int64_t i = 0; i < n; i++) {
            const float r = ink[i];
            darker += at_least_0(-r - t);
            lighter += at_least_0(r - t);
        }
        if (fabs(darker - lighter) <= 1e-4 * (darker + lighter))
            return NOT_HANDLED; /* too close to call the same way as NumPy's float32 sums */
        sign = darker > lighter ? -1 : 1;
    }

    /* _stretch with no noise: strokes are what exceeds 0.08; their 90th percentile is 1. */
    float *strong = malloc((size_t)n * sizeof(float));
    if (!strong)
        return -1;
    int64_t n_strong = 0;
    for (int64_t i = 0; i < n; i++) {
        const float v = sign * ink[i];
        ink[i] = v;
        if (v > 0.08f)
            strong[n_strong++] = v;
    }
    if ((double)n_strong < fmax(3.0, 1e-4 * (double)n)) {
        free(strong);
        return NOT_HANDLED; /* blank: NumPy's path says so in its words */
    }
    const double position = 90.0 / 100.0 * (double)(n_strong - 1);
    const int64_t k = (int64_t)position;
    const double below = select_kth(strong, n_strong, k);
    double above = below;
    if (k + 1 < n_strong) {
        above = strong[k + 1];
        for (int64_t i = k + 2; i < n_strong; i++)
            above = strong[i] < above ? strong[i] : above;
    }
    free(strong);
    const double full = below + (above - below) * (position - (double)k);
    const double floor_ = fmin(fmax(0.0, 0.02 * full), 0.5 * full);
    const float f_floor = (float)floor_, f_range = (float)(full - floor_);
    float top = 0;
    for (int64_t i = 0; i < n; i++) {
        const float v = at_most_1(at_least_0((ink[i] - f_floor) / f_range));
        ink[i] = v;
        top = v > top ? v : top;
    }

    /* _digit_box, the usual case: the lit rows, and the lit columns, form one run each. */
    const float level = 0.25f * top;
    uint8_t *flags = calloc((size_t)(h + w), 1);
    if (!flags)
        return -1;
    uint8_t *rows = flags, *cols = flags + h;
    for (int64_t y = 0; y < h; y++)
        for (int64_t x = 0; x < w; x++)
            if (ink[y * w + x] >= level) {
                rows[y] = 1;
                cols[x] = 1;
            }
    const int single = one_run(rows, h, &box[0], &box[1]) && one_run(cols, w, &box[2], &box[3]);
    free(flags);
    return single ? DONE : DONE_BOX_WITH_SPECKS;
}

/* ink(gray, h, w, flat, ink, box) -> int: see drawing_ink. gray: float32 h x w; ink: writable
 * float32 h x w; box: writable int64[4], (y0, y1, x0, x1). Returns 0 (not done: take NumPy's
 * path), 1 (ink and box done) or 2 (ink done; the box has specks to weigh: _digit_box). */
static PyObject *py_ink(PyObject *self, PyObject *args)
{
    Py_buffer gray, ink, box;
    long long h, w;
    double flat;
    if (!PyArg_ParseTuple(args, "y*LLdw*w*", &gray, &h, &w, &flat, &ink, &box))
        return NULL;
    PyObject *result = NULL;
    if (h < 1 || w < 1 || gray.len != h * w * (Py_ssize_t)sizeof(float)
            || ink.len != gray.len || box.len != 4 * (Py_ssize_t)sizeof(int64_t)) {
        PyErr_SetString(PyExc_ValueError, "ink: arrays do not match the image's size");
        goto done;
    }
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = drawing_ink(gray.buf, h, w, (float)flat, ink.buf, box.buf);
    Py_END_ALLOW_THREADS
    result = status < 0 ? PyErr_NoMemory() : PyLong_FromLong(status);
done:
    PyBuffer_Release(&gray);
    PyBuffer_Release(&ink);
    PyBuffer_Release(&box);
    return result;
}

/* The first and one-past-last column of each row of an m x n weight matrix that is not 0. */
static void taps(const double *weights, int64_t m, int64_t n, int64_t *first, int64_t *end)
{
    for (int64_t o = 0; o < m; o++) {
        int64_t a = 0, b = n;
        while (a < n && weights[o * n + a] == 0)
            a++;
        while (b > a && weights[o * n + b - 1] == 0)
            b--;
        first[o] = a;
        end[o] = b;
    }
}

/* Rounding 14 - c to whole pixels the way NumPy's sums do, unless c is too near a tie. */
static int centre_offset(double c, long *offset)
{
    const double v = 14.0 - c, frac = v - floor(v);
    if (fabs(frac - 0.5) < 1e-4)
        return 0;
    *offset = lrint(v); /* round half to even, as Python's round() */
    return 1;
}

static int place(const float *ink, int64_t h, int64_t w, int64_t y0, int64_t y1, int64_t x0,
                 int64_t x1, const double *wy, int64_t oh, const double *wx, int64_t ow,
                 float *out)
{
    const int64_t wh = y1 - y0, ww = x1 - x0;
    if (!wy) {
        oh = wh;
        ow = ww;
    }
    float *digit = calloc((size_t)(oh * ow + wh * ow), sizeof(float));
    int64_t *bounds = malloc((size_t)(2 * (oh + ow)) * sizeof(int64_t));
    if (!digit || !bounds) {
        free(digit);
        free(bounds);
        return -1;
    }
    float *rows = digit + oh * ow; /* the window resampled along x: wh x ow */
    if (wy) {
        /* _resize: rows first (to float32, as Pillow keeps them), then columns. */
        int64_t *xa = bounds, *xb = bounds + ow, *ya = bounds + 2 * ow, *yb = ya + oh;
        taps(wx, ow, ww, xa, xb);
        taps(wy, oh, wh, ya, yb);
        for (int64_t i = 0; i < wh; i++) {
            const int64_t y = y0 + i;
            if (y < 0 || y >= h)
                continue; /* past the edge: background, 0 */
            for (int64_t o = 0; o < ow; o++) {
                double s = 0;
                for (int64_t j = xa[o]; j < xb[o]; j++) {
                    const int64_t x = x0 + j;
                    if (x >= 0 && x < w)
                        s += wx[o * ww + j] * (double)ink[y * w + x];
                }
                rows[i * ow + o] = (float)s;
            }
        }
        for (int64_t o = 0; o < oh; o++)
            for (int64_t c = 0; c < ow; c++) {
                double s = 0;
                for (int64_t i = ya[o]; i < yb[o]; i++)
                    s += wy[o * wh + i] * (double)rows[i * ow + c];
                digit[o * ow + c] = (float)s;
            }
    } else {
        for (int64_t i = 0; i < wh; i++)
            for (int64_t j = 0; j < ww; j++) {
                const int64_t y = y0 + i, x = x0 + j;
                digit[i * ww + j] = (y >= 0 && y < h && x >= 0 && x < w) ? ink[y * w + x] : 0;
            }
    }
    free(bounds);

    /* Lanczos rings a little below 0; then the brightest pixel becomes 1. */
    float top = 0;
    for (int64_t i = 0; i < oh * ow; i++) {
        digit[i] = at_least_0(digit[i]);
        top = digit[i] > top ? digit[i] : top;
    }
    if (top > 0 && top != 1)
        for (int64_t i = 0; i < oh * ow; i++)
            digit[i] = digit[i] / top;

    /* The centre of mass, in whole pixels to the field's centre. */
    double mass = 0, my = 0, mx = 0;
    for (int64_t y = 0; y < oh; y++) {
        double row = 0;
        for (int64_t x = 0; x < ow; x++) {
            const double v = digit[y * ow + x];
            row += v;
            mx += v * (double)x;
        }
        mass += row;
        my += row * (double)y;
    }
    long oy, ox;
    int status = 0;
    if (mass > 0 && centre_offset(my / mass, &oy) && centre_offset(mx / mass, &ox)) {
        memset(out, 0, 28 * 28 * sizeof(float));
        for (int64_t y = 0; y < oh; y++) {
            const int64_t fy = y + oy;
            if (fy < 0 || fy >= 28)
                continue;
            for (int64_t x = 0; x < ow; x++) {
                const int64_t fx = x + ox;
                if (fx >= 0 && fx < 28)
                    out[fy * 28 + fx] = digit[y * ow + x];
            }
        }
        status = 1;
    }
    free(digit);
    return status;
}

/* place(ink, h, w, y0, y1, x0, x1, wy, wx, out) -> bool: see place(). ink: float32 h x w;
 * the window [y0, y1) x [x0, x1) may reach past the edges; wy, wx: float64 Pillow weights
 * (out_h x (y1 - y0), out_w x (x1 - x0)), or None both for no resampling; out: writable
 * float32 28 x 28. False: a centre of mass too near a tie: NumPy's path places it. */
static PyObject *py_place(PyObject *self, PyObject *args)
{
    Py_buffer ink, wy = {0}, wx = {0}, out;
    long long h, w, y0, y1, x0, x1;
    PyObject *wy_obj, *wx_obj;
    if (!PyArg_ParseTuple(args, "y*LLLLLLOOw*", &ink, &h, &w, &y0, &y1, &x0, &x1, &wy_obj,
                          &wx_obj, &out))
        return NULL;
    PyObject *result = NULL;
    const int resample = wy_obj != Py_None;
    if (resample && (PyObject_GetBuffer(wy_obj, &wy, PyBUF_C_CONTIGUOUS) < 0
                     || PyObject_GetBuffer(wx_obj, &wx, PyBUF_C_CONTIGUOUS) < 0))
        goto done;
    const int64_t wh = y1 - y0, ww = x1 - x0;
    const int64_t oh = resample ? wy.len / (Py_ssize_t)sizeof(double) / (wh > 0 ? wh : 1) : wh;
    const int64_t ow = resample ? wx.len / (Py_ssize_t)sizeof(double) / (ww > 0 ? ww : 1) : ww;
    if (h < 1 || w < 1 || wh < 1 || ww < 1 || ink.len != h * w * (Py_ssize_t)sizeof(float)
            || out.len != 28 * 28 * (Py_ssize_t)sizeof(float) || oh < 1 || ow < 1
            || (resample && (wy.len != oh * wh * (Py_ssize_t)sizeof(double)
                             || wx.len != ow * ww * (Py_ssize_t)sizeof(double)))) {
        PyErr_SetString(PyExc_ValueError, "place: arrays do not match the window's size");
        goto done;
    }
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = place(ink.buf, h, w, y0, y1, x0, x1, resample ? wy.buf : NULL, oh,
                   resample ? wx.buf : NULL, ow, out.buf);
    Py_END_ALLOW_THREADS
    result = status < 0 ? PyErr_NoMemory() : PyBool_FromLong(status);
done:
    PyBuffer_Release(&ink);
    if (wy.obj)
        PyBuffer_Release(&wy);
    if (wx.obj)
        PyBuffer_Release(&wx);
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef drawing_methods[] = {
    {"ink", py_ink, METH_VARARGS,
     "ink(gray, h, w, flat, ink, box) -> int: a drawing's ink and box (see preprocess.py)."},
    {"place", py_place, METH_VARARGS,
     "place(ink, h, w, y0, y1, x0, x1, wy, wx, out) -> bool: crop, resample and centre."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef drawing_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_drawing",
    .m_doc = "digitnet's compiled preprocessing of drawings (used by digitnet.preprocess).",
    .m_size = -1,
    .m_methods = drawing_methods,
};

PyMODINIT_FUNC PyInit__drawing(void) { return PyModule_Create(&drawing_module); }
