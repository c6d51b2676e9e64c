/* digitnet's compiled training steps: the fast path for small fully connected networks.
 *
 * One call runs a stretch of consecutive mini-batch steps of an epoch. Each step does exactly
 * what the readable NumPy engine does (digitnet/engines/numpy.py, then digitnet/optimizers.py):
 *
 *   gather the batch's uint8 pixels (optionally shifted) and scale them to [0, 1];
 *   forward:   z_l = a_l W_l^T + b_l,  a_{l+1} = sigma(z_l)        (one row per image)
 *   output:    softmax + cross-entropy, or sigmoid + squared error: the loss and delta_L
 *   backward:  dC/dW_l = delta_l^T a_l,  dC/db_l = sum of delta_l's rows,
 *              delta_{l-1} = (delta_l W_l) * sigma'(z_{l-1})
 *   update:    SGD (optionally with momentum) or Adam on the flat parameter buffer.
 *
 * Why C: a step of the video's 784-16-16-10 network at small batches is little arithmetic, and
 * a NumPy step spends most of its time in the overhead of its ~40 calls; here Python is visited
 * once per stretch of steps. The matrix products are written for the narrow shapes of these
 * networks (a few dozen rows, up to a hundred or so neurons): blocks of 8-float vectors held in
 * registers, read from memory once per block. For wide layers NumPy's BLAS is faster, and
 * digitnet.engines.choose leaves those to the NumPy engine (bench/results/speed.md).
 *
 * Same inputs give the same bytes: every sum runs in a fixed order, and nothing depends on how
 * the steps of an epoch are split into calls.
 *
 * The Python face is one type, Steps (end of file), made once per training run by
 * digitnet/engines/compiled.py: it keeps views of the network's parameters, the optimiser's
 * state and the training images for the run, checking every length and index it is given, so
 * that a wrong buffer is a ValueError, never a read out of bounds.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#if !defined(__GNUC__)
#error "digitnet's kernel needs GCC or Clang vector extensions; the NumPy engine is used instead"
#endif

/* Compile the step twice on x86-64, with and without AVX2 + FMA, and pick at load time. */
#if defined(__x86_64__) && defined(__linux__) && !defined(DIGITNET_NO_CLONES)
#define CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CLONES
#endif
#define INLINE static inline __attribute__((always_inline))
/* The larger pieces: compiled once per instruction set, called (not inlined) from the step. */
#define PIECE CLONES static __attribute__((noinline))

enum { ACT_SIGMOID = 0, ACT_TANH = 1, ACT_RELU = 2, ACT_LEAKY_RELU = 3 };
enum { OUT_SOFTMAX = 0, OUT_SIGMOID = 1 };
enum { OPT_SGD = 0, OPT_ADAM = 1 };

/* Everything fixed for a training run. The Steps type below fills it once and owns it. */
typedef struct {
    int64_t n_layers;        /* weight layers L; sizes has L + 1 entries, input first */
    int64_t *sizes;
    int64_t n_params;
    float *params;           /* every W_l (n_out, n_in) row-major, then every b_l: Network.params */
    float *grads;            /* laid out like params */
    int32_t activation;      /* ACT_* of the hidden layers */
    int32_t output;          /* OUT_* */
    float leaky_alpha;
    int64_t batch;           /* rows of each buffer below */
    float **zs;              /* zs[l]: (batch, sizes[l + 1]) */
    float **acts;            /* acts[0]: the input (batch, sizes[0]); acts[l + 1] = sigma(zs[l]) */
    float **deltas;          /* deltas[l]: (batch, sizes[l + 1]) */
    const uint8_t *pixels;   /* (n_images, sizes[0]) */
    int64_t n_images;
    const int64_t *labels;   /* (n_images,), each in 0..sizes[L] - 1 */
    const int64_t *shift_maps; /* (n_shifts, sizes[0]): source pixel, or sizes[0] for "0"; or NULL */
    int64_t n_shifts;
    int32_t optimizer;       /* OPT_* */
    float momentum;
    float weight_decay;
    int64_t n_decayed;       /* weight decay applies to params[:n_decayed], the weights */
    double beta1, beta2, eps;
    float *velocity;         /* SGD with momentum; else NULL */
    float *m, *v;            /* Adam's moments; else NULL */
} Run;

/* -- 8-float vectors -------------------------------------------------------------------------- */

typedef float vf __attribute__((vector_size(32)));
#define VL 8

INLINE vf vload(const float *p) { vf v; memcpy(&v, p, sizeof v); return v; }
INLINE void vstore(float *p, vf v) { memcpy(p, &v, sizeof v); }
INLINE vf vsplat(float x) { return (vf){x, x, x, x, x, x, x, x}; }
INLINE float vsum(vf v) { return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7])); }

/* -- matrix products -------------------------------------------------------------------------- */

/* z[r, j] = bias[j] + a[r, :] . w[j, :] for R rows (R <= 4) and J neurons (J <= 2) from (i, j).
 * R and J are constants after inlining, so the R*J accumulators live in registers. */
INLINE void dot_block(int R, int J, const float *a, const float *w, const float *bias, float *z,
                      int64_t ni, int64_t no, int64_t i, int64_t j)
{
    vf acc[4][2];
    for (int r = 0; r < R; r++)
        for (int c = 0; c < J; c++) acc[r][c] = vsplat(0.0f);
    int64_t k = 0;
    for (; k + VL <= ni; k += VL) {
        vf wv[2];
        for (int c = 0; c < J; c++) wv[c] = vload(w + (j + c) * ni + k);
        for (int r = 0; r < R; r++) {
            vf x = vload(a + (i + r) * ni + k);
            for (int c = 0; c < J; c++) acc[r][c] += x * wv[c];
        }
    }
    for (int r = 0; r < R; r++) {
        for (int c = 0; c < J; c++) {
            float s = vsum(acc[r][c]);
            for (int64_t t = k; t < ni; t++) s += a[(i + r) * ni + t] * w[(j + c) * ni + t];
            z[(i + r) * no + j + c] = s + bias[j + c];
        }
    }
}

/* dot_block(4, 2, ...) spelled out: the same sums, but with one pointer per row and named
 * accumulators the compiler keeps every value in a register (the general form makes it spill). */
INLINE void dot_4x2(const float *a, const float *w, const float *bias, float *z,
                    int64_t ni, int64_t no, int64_t i, int64_t j)
{
    const float *a0 = a + i * ni, *a1 = a0 + ni, *a2 = a1 + ni, *a3 = a2 + ni;
    const float *w0 = w + j * ni, *w1 = w0 + ni;
    vf s00 = vsplat(0.0f), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00,
       s31 = s00;
    int64_t k = 0;
    for (; k + VL <= ni; k += VL) {
        vf v0 = vload(w0 + k), v1 = vload(w1 + k), x;
        x = vload(a0 + k); s00 += x * v0; s01 += x * v1;
        x = vload(a1 + k); s10 += x * v0; s11 += x * v1;
        x = vload(a2 + k); s20 += x * v0; s21 += x * v1;
        x = vload(a3 + k); s30 += x * v0; s31 += x * v1;
    }
    float t[4][2] = {{vsum(s00), vsum(s01)}, {vsum(s10), vsum(s11)},
                     {vsum(s20), vsum(s21)}, {vsum(s30), vsum(s31)}};
    const float *rows[4] = {a0, a1, a2, a3};
    for (int r = 0; r < 4; r++) {
        for (int64_t u = k; u < ni; u++) {
            t[r][0] += rows[r][u] * w0[u];
            t[r][1] += rows[r][u] * w1[u];
        }
        z[(i + r) * no + j] = t[r][0] + bias[j];
        z[(i + r) * no + j + 1] = t[r][1] + bias[j + 1];
    }
}

/* z = a w^T + bias: a (b, ni), w (no, ni), z (b, no). */
PIECE void forward_dense(const float *a, const float *w, const float *bias, float *z,
                          int64_t b, int64_t ni, int64_t no)
{
    int64_t i = 0;
    for (; i + 4 <= b; i += 4) {
        int64_t j = 0;
        for (; j + 2 <= no; j += 2) dot_4x2(a, w, bias, z, ni, no, i, j);
        if (j < no) dot_block(4, 1, a, w, bias, z, ni, no, i, j);
    }
    for (; i < b; i++) {
        int64_t j = 0;
        for (; j + 2 <= no; j += 2) dot_block(1, 2, a, w, bias, z, ni, no, i, j);
        if (j < no) dot_block(1, 1, a, w, bias, z, ni, no, i, j);
    }
}

/* gw[j, k..k+8V) = sum over rows r of d[r, j] a[r, k..] for J neurons (J <= 4) and V vectors
 * (V <= 2) of 8 columns: the accumulators stay in registers for the whole batch. */
INLINE void outer_block(int J, int V, const float *d, const float *a, float *gw,
                        int64_t b, int64_t ni, int64_t no, int64_t j, int64_t k)
{
    vf acc[4][2];
    for (int c = 0; c < J; c++)
        for (int u = 0; u < V; u++) acc[c][u] = vsplat(0.0f);
    for (int64_t r = 0; r < b; r++) {
        vf x[2];
        for (int u = 0; u < V; u++) x[u] = vload(a + r * ni + k + u * VL);
        for (int c = 0; c < J; c++) {
            vf dv = vsplat(d[r * no + j + c]);
            for (int u = 0; u < V; u++) acc[c][u] += dv * x[u];
        }
    }
    for (int c = 0; c < J; c++)
        for (int u = 0; u < V; u++) vstore(gw + (j + c) * ni + k + u * VL, acc[c][u]);
}

/* outer_block(4, 2, ...) spelled out, for the same reason as dot_4x2. */
INLINE void outer_4x2(const float *d, const float *a, float *gw,
                      int64_t b, int64_t ni, int64_t no, int64_t j, int64_t k)
{
    vf s00 = vsplat(0.0f), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00,
       s31 = s00;
    const float *ar = a + k, *dr = d + j;
    for (int64_t r = 0; r < b; r++, ar += ni, dr += no) {
        vf x0 = vload(ar), x1 = vload(ar + VL), dv;
        dv = vsplat(dr[0]); s00 += dv * x0; s01 += dv * x1;
        dv = vsplat(dr[1]); s10 += dv * x0; s11 += dv * x1;
        dv = vsplat(dr[2]); s20 += dv * x0; s21 += dv * x1;
        dv = vsplat(dr[3]); s30 += dv * x0; s31 += dv * x1;
    }
    float *g = gw + j * ni + k;
    vstore(g, s00); vstore(g + VL, s01); g += ni;
    vstore(g, s10); vstore(g + VL, s11); g += ni;
    vstore(g, s20); vstore(g + VL, s21); g += ni;
    vstore(g, s30); vstore(g + VL, s31);
}

INLINE void outer_columns(int J, const float *d, const float *a, float *gw,
                          int64_t b, int64_t ni, int64_t no, int64_t j)
{
    int64_t k = 0;
    for (; k + 2 * VL <= ni; k += 2 * VL) {
        if (J == 4) outer_4x2(d, a, gw, b, ni, no, j, k);
        else outer_block(J, 2, d, a, gw, b, ni, no, j, k);
    }
    if (k + VL <= ni) {
        outer_block(J, 1, d, a, gw, b, ni, no, j, k);
        k += VL;
    }
    for (; k < ni; k++) {
        for (int c = 0; c < J; c++) {
            float s = 0.0f;
            for (int64_t r = 0; r < b; r++) s += d[r * no + j + c] * a[r * ni + k];
            gw[(j + c) * ni + k] = s;
        }
    }
}

/* gw = d^T a (the weight gradient) and gb = column sums of d, for one layer:
 * d (b, no), a (b, ni), gw (no, ni), gb (no,). */
PIECE void gradient_dense(const float *d, const float *a, float *gw, float *gb,
                           int64_t b, int64_t ni, int64_t no)
{
    int64_t j = 0;
    for (; j + 4 <= no; j += 4) outer_columns(4, d, a, gw, b, ni, no, j);
    for (; j < no; j++) outer_columns(1, d, a, gw, b, ni, no, j);
    for (int64_t c = 0; c < no; c++) {
        float s = 0.0f;
        for (int64_t r = 0; r < b; r++) s += d[r * no + c];
        gb[c] = s;
    }
}

/* p = d w: d (b, no), w (no, ni), p (b, ni): the error passed back one layer. */
PIECE void backward_dense(const float *d, const float *w, float *p, int64_t b, int64_t ni, int64_t no)
{
    for (int64_t r = 0; r < b; r++) {
        float *row = p + r * ni;
        for (int64_t k = 0; k < ni; k++) row[k] = 0.0f;
        for (int64_t c = 0; c < no; c++) {
            float dc = d[r * no + c];
            const float *wc = w + c * ni;
            for (int64_t k = 0; k < ni; k++) row[k] += dc * wc[k];
        }
    }
}

/* -- activations and outputs ------------------------------------------------------------------ */

/* e^x for 8 floats at once, to about 1 ulp (Cephes' expf: e^x = 2^n e^r with |r| <= ln2/2,
 * e^r by a degree-7 polynomial). x is clamped to [-87, 87], so the result is never 0,
 * infinite or subnormal. libm's expf and tanhf take one number at a time. */
typedef int32_t vi __attribute__((vector_size(32)));

/* where mask (all ones or all zeros per element, from a comparison): a, else b */
INLINE vf vselect(vi mask, vf a, vf b) { return (vf)((mask & (vi)a) | (~mask & (vi)b)); }

INLINE vf vexp(vf x)
{
    x = vselect(x > vsplat(87.0f), vsplat(87.0f), x);
    x = vselect(x < vsplat(-87.0f), vsplat(-87.0f), x);
    const vf magic = vsplat(12582912.0f); /* 1.5 * 2^23: adding it rounds to an integer */
    vf t = x * vsplat(1.44269504088896341f) + magic;
    vf n = t - magic;                                        /* round(x / ln 2) */
    vf r = x - n * vsplat(0.693359375f) - n * vsplat(-2.12194440e-4f);
    vf p = vsplat(1.9875691500e-4f);
    p = p * r + vsplat(1.3981999507e-3f);
    p = p * r + vsplat(8.3334519073e-3f);
    p = p * r + vsplat(4.1665795894e-2f);
    p = p * r + vsplat(1.6666665459e-1f);
    p = p * r + vsplat(5.0000001201e-1f);
    p = p * r * r + r + vsplat(1.0f);
    vi e = ((vi)t - (vi)magic + 127) << 23;                   /* 2^n, built from its bits */
    return p * (vf)e;
}

/* Apply f to n floats from src into dst, 8 at a time (the tail through a padded vector). */
#define MAP8(f, dst, src, n)                                                                  \
    do {                                                                                      \
        int64_t k_ = 0;                                                                       \
        for (; k_ + VL <= (n); k_ += VL) vstore((dst) + k_, f(vload((src) + k_)));             \
        if (k_ < (n)) {                                                                       \
            float in_[VL] = {0}, out_[VL];                                                    \
            memcpy(in_, (src) + k_, ((n) - k_) * sizeof(float));                              \
            vstore(out_, f(vload(in_)));                                                      \
            memcpy((dst) + k_, out_, ((n) - k_) * sizeof(float));                             \
        }                                                                                     \
    } while (0)

/* sigma(z) = 1 / (1 + e^-z): the same function as activations.Sigmoid's 0.5 (1 + tanh(z/2)). */
INLINE vf vsigmoid(vf z) { return vsplat(1.0f) / (vsplat(1.0f) + vexp(-z)); }

PIECE void activate(int32_t kind, float alpha, const float *z, float *a, int64_t n)
{
    switch (kind) {
    case ACT_SIGMOID: MAP8(vsigmoid, a, z, n); break;
    case ACT_TANH: for (int64_t k = 0; k < n; k++) a[k] = tanhf(z[k]); break;
    case ACT_RELU: for (int64_t k = 0; k < n; k++) a[k] = z[k] > 0.0f ? z[k] : 0.0f; break;
    default: for (int64_t k = 0; k < n; k++) a[k] = z[k] > alpha * z[k] ? z[k] : alpha * z[k]; break;
    }
}

/* delta *= sigma'(z), written with a = sigma(z) where that is cheaper (as activations.py). */
PIECE void activation_backward(int32_t kind, float alpha, float *delta, const float *z,
                                const float *a, int64_t n)
{
    switch (kind) {
    case ACT_SIGMOID:
        for (int64_t k = 0; k < n; k++) { float t = delta[k] * a[k]; delta[k] = t - t * a[k]; }
        break;
    case ACT_TANH: for (int64_t k = 0; k < n; k++) delta[k] -= delta[k] * a[k] * a[k]; break;
    case ACT_RELU: for (int64_t k = 0; k < n; k++) delta[k] = z[k] > 0.0f ? delta[k] : 0.0f; break;
    default: for (int64_t k = 0; k < n; k++) delta[k] *= z[k] > 0.0f ? 1.0f : alpha; break;
    }
}

/* Output activations, the batch's summed cost, and delta_L = dC/dz_L for the batch-mean cost
 * (see losses.py). Returns the sum of the b costs. */
PIECE double output_layer(int32_t kind, const float *z, float *a, float *delta,
                           const int64_t *labels, const int64_t *index, int64_t b, int64_t no)
{
    double total = 0.0;
    if (kind == OUT_SOFTMAX) {
        /* a = e^(z - max z) row by row, then one vectorised exp over the whole batch */
        for (int64_t r = 0; r < b; r++) {
            const float *zr = z + r * no;
            float m = zr[0];
            for (int64_t c = 1; c < no; c++) m = zr[c] > m ? zr[c] : m;
            for (int64_t c = 0; c < no; c++) a[r * no + c] = zr[c] - m;
        }
        MAP8(vexp, a, a, b * no);
    } else {
        MAP8(vsigmoid, a, z, b * no);
    }
    for (int64_t r = 0; r < b; r++) {
        const float *zr = z + r * no;
        float *ar = a + r * no, *dr = delta + r * no;
        int64_t y = labels[index[r]];
        if (kind == OUT_SOFTMAX) {
            float s = 0.0f, m = zr[0];
            for (int64_t c = 1; c < no; c++) m = zr[c] > m ? zr[c] : m;
            for (int64_t c = 0; c < no; c++) s += ar[c];
            for (int64_t c = 0; c < no; c++) ar[c] /= s;
            total += (double)(m + logf(s) - zr[y]);   /* -log softmax_y = logsumexp(z) - z_y */
            /* softmax with cross-entropy: delta = a - e_y */
            for (int64_t c = 0; c < no; c++) dr[c] = (ar[c] - (c == y ? 1.0f : 0.0f)) / (float)b;
        } else {
            float two_over_b = (float)(2.0 / (double)b);
            for (int64_t c = 0; c < no; c++) {
                float diff = ar[c] - (c == y ? 1.0f : 0.0f);
                total += (double)diff * (double)diff;
                float t = diff * two_over_b * ar[c];   /* 2 (a - e_y) / b * a (1 - a) */
                dr[c] = t - t * ar[c];
            }
        }
    }
    return total;
}

/* -- optimisers (optimizers.py, on the whole flat buffer at once) ------------------------------- */

#define TINY 1e-30f /* Adam's moments are kept away from float32's slow subnormal range */

INLINE void sgd_step(const Run *run, float lr)
{
    float *p = run->params, *g = run->grads, *vel = run->velocity;
    const int64_t n = run->n_params;
    if (run->weight_decay != 0.0f)
        for (int64_t k = 0; k < run->n_decayed; k++) g[k] += p[k] * run->weight_decay;
    if (vel) {
        for (int64_t k = 0; k < n; k++) {
            vel[k] = vel[k] * run->momentum + g[k];
            p[k] -= vel[k] * lr;
        }
    } else {
        for (int64_t k = 0; k < n; k++) p[k] -= g[k] * lr;
    }
}

INLINE void adam_step(const Run *run, double lr, int64_t t)
{
    float *p = run->params, *g = run->grads, *m = run->m, *v = run->v;
    const int64_t n = run->n_params;
    if (run->weight_decay != 0.0f)
        for (int64_t k = 0; k < run->n_decayed; k++) g[k] += p[k] * run->weight_decay;
    const float b1 = (float)run->beta1, c1 = (float)(1.0 - run->beta1);
    const float b2 = (float)run->beta2, c2 = (float)(1.0 - run->beta2);
    /* lr m_hat / (sqrt(v_hat) + eps) = step_size m / (sqrt(v) + eps sqrt(1 - b2^t)) */
    double correction2 = sqrt(1.0 - pow(run->beta2, (double)t));
    const float step_size = (float)(lr * correction2 / (1.0 - pow(run->beta1, (double)t)));
    const float eps = (float)(run->eps * correction2);
    for (int64_t k = 0; k < n; k++) {
        float mk = m[k] * b1 + g[k] * c1;
        float vk = v[k] * b2 + g[k] * g[k] * c2;
        mk = fabsf(mk) < TINY ? 0.0f : mk;
        vk = vk > TINY ? vk : TINY;
        m[k] = mk;
        v[k] = vk;
        p[k] -= mk / (sqrtf(vk) + eps) * step_size;
    }
}

/* One step of the optimiser on the whole flat buffer; t counts Adam's steps from 1. */
PIECE void optimizer_step(const Run *run, double lr, int64_t t)
{
    if (run->optimizer == OPT_ADAM) adam_step(run, lr, t);
    else sgd_step(run, (float)lr);
}

/* -- the steps -------------------------------------------------------------------------------- */

/* The batch of step s: pixels / 255, moved by each image's shift when augmenting. While each
 * image is converted, the same row of the next batch is asked for: images are scattered over
 * the whole training set, and fetching them from memory would stall the next step. */
PIECE void gather_batch(const Run *run, const int64_t *order, const int64_t *shift_ids,
                        int64_t n, int64_t first, int64_t b)
{
    const int64_t ni0 = run->sizes[0];
    const float scale = (float)(1.0 / 255.0);
    float *x = run->acts[0];
    for (int64_t r = 0; r < b; r++) {
        if (first + run->batch + r < n) {
            const int64_t next = order[first + run->batch + r];
            for (int64_t k = 0; k < ni0; k += 64) __builtin_prefetch(run->pixels + next * ni0 + k);
        }
        const uint8_t *src = run->pixels + order[first + r] * ni0;
        float *xr = x + r * ni0;
        if (run->shift_maps) {
            const int64_t *map = run->shift_maps + shift_ids[first + r] * ni0;
            for (int64_t k = 0; k < ni0; k++) xr[k] = map[k] < ni0 ? src[map[k]] * scale : 0.0f;
        } else {
            for (int64_t k = 0; k < ni0; k++) xr[k] = src[k] * scale;
        }
    }
}

/* Run steps [start, stop) of an epoch whose images come in `order` (n of them, in batches of
 * run->batch; the last may be short). Step s's loss goes to losses[s - start]. Adam's step
 * counter is t before the first step. Stops after the first step whose loss is not finite,
 * leaving the parameters as they were before it. Returns the number of losses written. */
static int64_t run_steps(const Run *run, const int64_t *order, const int64_t *shift_ids,
                         int64_t n, int64_t start, int64_t stop, const double *lrs, int64_t t,
                         double *losses)
{
    const int64_t L = run->n_layers, *sizes = run->sizes;
    float *weights[L], *biases[L], *gw[L], *gb[L];
    int64_t offset = 0;
    for (int64_t l = 0; l < L; l++) {
        weights[l] = run->params + offset;
        gw[l] = run->grads + offset;
        offset += sizes[l] * sizes[l + 1];
    }
    for (int64_t l = 0; l < L; l++) {
        biases[l] = run->params + offset;
        gb[l] = run->grads + offset;
        offset += sizes[l + 1];
    }
    for (int64_t s = start; s < stop; s++) {
        const int64_t first = s * run->batch;
        const int64_t b = first + run->batch <= n ? run->batch : n - first;
        gather_batch(run, order, shift_ids, n, first, b);
        for (int64_t l = 0; l < L; l++) {
            forward_dense(run->acts[l], weights[l], biases[l], run->zs[l], b, sizes[l], sizes[l + 1]);
            if (l < L - 1)
                activate(run->activation, run->leaky_alpha, run->zs[l], run->acts[l + 1],
                         b * sizes[l + 1]);
        }
        const double loss = output_layer(run->output, run->zs[L - 1], run->acts[L],
                                         run->deltas[L - 1], run->labels, order + first, b,
                                         sizes[L]) / (double)b;
        losses[s - start] = loss;
        if (!isfinite(loss)) return s - start + 1;
        for (int64_t l = L - 1; l >= 0; l--) {
            gradient_dense(run->deltas[l], run->acts[l], gw[l], gb[l], b, sizes[l], sizes[l + 1]);
            if (l > 0) {
                backward_dense(run->deltas[l], weights[l], run->deltas[l - 1], b, sizes[l],
                               sizes[l + 1]);
                activation_backward(run->activation, run->leaky_alpha, run->deltas[l - 1],
                                    run->zs[l - 1], run->acts[l], b * sizes[l]);
            }
        }
        optimizer_step(run, lrs[s - start], t + (s - start) + 1);
    }
    return stop - start;
}

/* -- the Python type -------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    Run run;
    Py_buffer params, pixels, labels, shift_maps, velocity, m, v;   /* .obj NULL when absent */
    void *memory;   /* sizes, grads and the per-layer buffers, in one allocation */
    int busy;
} StepsObject;

/* A view of `obj` as a C-contiguous array of `count` items (count < 0: any multiple of
 * -count) of the format `kind` ('f' float32, 'd' float64, 'B' uint8, 'q' int64), or fail
 * naming `what`. None is accepted (view.obj stays NULL) where `optional`. */
static int view(PyObject *obj, Py_buffer *out, const char *what, char kind, Py_ssize_t count,
                int writable, int optional)
{
    out->obj = NULL;
    if (obj == Py_None && optional) return 0;
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, out, flags) < 0) {
        out->obj = NULL;
        PyObject *type, *value, *traceback;
        PyErr_Fetch(&type, &value, &traceback);
        PyErr_Format(PyExc_ValueError, "Steps: %s must be a C-contiguous%s array (%S)", what,
                     writable ? ", writable" : "", value ? value : Py_None);
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(traceback);
        return -1;
    }
    const char *f = out->format ? out->format : "B";
    if (*f == '<' || *f == '=' || *f == '@') f++;
    const Py_ssize_t itemsize = kind == 'B' ? 1 : kind == 'f' ? 4 : 8;
    int ok = out->itemsize == itemsize && (f[0] == kind || (kind == 'q' && f[0] == 'l'))
             && f[1] == '\0';
    const Py_ssize_t items = out->len / itemsize;
    if (ok) ok = count >= 0 ? items == count : items % (-count) == 0;
    if (!ok) {
        PyErr_Format(PyExc_ValueError, "Steps: %s must be a contiguous array of %zd '%c' items "
                     "(%s), got %zd bytes of format '%s'", what, count, kind,
                     count >= 0 ? "exactly" : "a multiple of that", out->len, f);
        PyBuffer_Release(out);
        out->obj = NULL;
        return -1;
    }
    return 0;
}

static void release(StepsObject *self)
{
    Py_buffer *views[] = {&self->params, &self->pixels, &self->labels, &self->shift_maps,
                          &self->velocity, &self->m, &self->v};
    for (size_t i = 0; i < sizeof views / sizeof *views; i++)
        if (views[i]->obj) {
            PyBuffer_Release(views[i]);
            views[i]->obj = NULL;
        }
    PyMem_RawFree(self->memory);
    self->memory = NULL;
}

static void steps_dealloc(StepsObject *self)
{
    release(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* sizes, grads, and zs, acts, deltas for `batch` rows, carved out of one allocation. */
static int allocate(StepsObject *self, PyObject *sizes_seq)
{
    Run *run = &self->run;
    const Py_ssize_t n_sizes = PySequence_Length(sizes_seq);
    if (n_sizes < 2) {
        PyErr_SetString(PyExc_ValueError, "Steps: sizes needs at least two layers");
        return -1;
    }
    int64_t sizes[n_sizes], n_params = 0, floats = 0;
    for (Py_ssize_t l = 0; l < n_sizes; l++) {
        PyObject *item = PySequence_GetItem(sizes_seq, l);
        sizes[l] = item ? PyLong_AsLongLong(item) : -1;
        Py_XDECREF(item);
        if (sizes[l] < 1) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "Steps: sizes must be >= 1");
            return -1;
        }
    }
    const int64_t L = n_sizes - 1;
    for (int64_t l = 0; l < L; l++) n_params += sizes[l] * sizes[l + 1] + sizes[l + 1];
    floats = n_params + run->batch * sizes[0];
    for (int64_t l = 1; l <= L; l++) floats += 3 * run->batch * sizes[l];
    const size_t bytes = (size_t)(n_sizes) * sizeof(int64_t) + (size_t)(3 * L + 1) * sizeof(float *)
                         + (size_t)floats * sizeof(float);
    char *memory = PyMem_RawCalloc(1, bytes);
    if (!memory) {
        PyErr_NoMemory();
        return -1;
    }
    self->memory = memory;
    run->n_layers = L;
    run->n_params = n_params;
    run->sizes = (int64_t *)memory;
    memcpy(run->sizes, sizes, sizeof sizes);
    run->zs = (float **)(run->sizes + n_sizes);
    run->deltas = run->zs + L;
    run->acts = run->deltas + L;
    float *next = (float *)(run->acts + L + 1);
    run->grads = next;
    next += n_params;
    run->acts[0] = next;
    next += run->batch * sizes[0];
    for (int64_t l = 0; l < L; l++) {
        run->zs[l] = next;
        run->acts[l + 1] = next + run->batch * sizes[l + 1];
        run->deltas[l] = next + 2 * run->batch * sizes[l + 1];
        next += 3 * run->batch * sizes[l + 1];
    }
    return 0;
}

/* Every value of `values` (n of them) in [lo, hi), or a ValueError naming `what`. */
static int in_range(const int64_t *values, int64_t n, int64_t lo, int64_t hi, const char *what)
{
    for (int64_t k = 0; k < n; k++)
        if (values[k] < lo || values[k] >= hi) {
            PyErr_Format(PyExc_ValueError, "Steps: %s[%lld] = %lld is outside %lld..%lld", what,
                         (long long)k, (long long)values[k], (long long)lo, (long long)hi - 1);
            return -1;
        }
    return 0;
}

static int steps_setup(StepsObject *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"sizes", "params", "pixels", "labels", "shift_maps", "batch",
                            "activation", "leaky_alpha", "output", "optimizer", "momentum",
                            "weight_decay", "n_decayed", "beta1", "beta2", "eps", "velocity",
                            "m", "v", NULL};
    PyObject *sizes, *params, *pixels, *labels, *shift_maps, *velocity, *m, *v;
    Run *run = &self->run;
    long long batch, n_decayed;
    int activation, output, optimizer;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOOLifiiffLdddOOO", names, &sizes, &params,
                                     &pixels, &labels, &shift_maps, &batch, &activation,
                                     &run->leaky_alpha, &output, &optimizer, &run->momentum,
                                     &run->weight_decay, &n_decayed, &run->beta1, &run->beta2,
                                     &run->eps, &velocity, &m, &v))
        return -1;
    if (batch < 1 || activation < 0 || activation > 3 || output < 0 || output > 1
            || optimizer < 0 || optimizer > 1) {
        PyErr_SetString(PyExc_ValueError, "Steps: batch, activation, output or optimizer out of range");
        return -1;
    }
    run->batch = batch;
    run->activation = activation;
    run->output = output;
    run->optimizer = optimizer;
    if (allocate(self, sizes) < 0) return -1;
    const int64_t n_in = run->sizes[0], n_out = run->sizes[run->n_layers], P = run->n_params;
    if (n_decayed < 0 || n_decayed > P) {
        PyErr_SetString(PyExc_ValueError, "Steps: n_decayed outside the parameters");
        return -1;
    }
    run->n_decayed = n_decayed;
    if (view(params, &self->params, "params", 'f', P, 1, 0) < 0
            || view(pixels, &self->pixels, "pixels", 'B', -n_in, 0, 0) < 0
            || view(shift_maps, &self->shift_maps, "shift_maps", 'q', -n_in, 0, 1) < 0
            || view(velocity, &self->velocity, "velocity", 'f', P, 1, 1) < 0
            || view(m, &self->m, "m", 'f', P, 1, 1) < 0
            || view(v, &self->v, "v", 'f', P, 1, 1) < 0)
        return -1;
    run->n_images = self->pixels.len / n_in;
    if (view(labels, &self->labels, "labels", 'q', run->n_images, 0, 0) < 0) return -1;
    run->params = self->params.buf;
    run->pixels = self->pixels.buf;
    run->labels = self->labels.buf;
    run->shift_maps = self->shift_maps.obj ? self->shift_maps.buf : NULL;
    run->n_shifts = self->shift_maps.obj ? self->shift_maps.len / 8 / n_in : 0;
    run->velocity = self->velocity.obj ? self->velocity.buf : NULL;
    run->m = self->m.obj ? self->m.buf : NULL;
    run->v = self->v.obj ? self->v.buf : NULL;
    if (optimizer == OPT_ADAM && !(run->m && run->v)) {
        PyErr_SetString(PyExc_ValueError, "Steps: Adam needs m and v");
        return -1;
    }
    if (optimizer == OPT_SGD && run->momentum != 0.0f && !run->velocity) {
        PyErr_SetString(PyExc_ValueError, "Steps: SGD with momentum needs velocity");
        return -1;
    }
    if (in_range(run->labels, run->n_images, 0, n_out, "labels") < 0) return -1;
    if (run->shift_maps && in_range(run->shift_maps, run->n_shifts * n_in, 0, n_in + 1,
                                    "shift_maps") < 0)
        return -1;
    return 0;
}

static PyObject *steps_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    StepsObject *self = (StepsObject *)type->tp_alloc(type, 0);
    if (self && steps_setup(self, args, kwargs) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

/* run(order, shift_ids, start, stop, lrs, t, losses) -> int: see run_steps. */
static PyObject *steps_run(StepsObject *self, PyObject *args)
{
    PyObject *order_obj, *shift_obj, *lrs_obj, *losses_obj;
    long long start, stop, t;
    if (!PyArg_ParseTuple(args, "OOLLOLO", &order_obj, &shift_obj, &start, &stop, &lrs_obj, &t,
                          &losses_obj))
        return NULL;
    const Run *run = &self->run;
    Py_buffer order = {0}, shifts = {0}, lrs = {0}, losses = {0};
    PyObject *result = NULL;
    if (view(order_obj, &order, "order", 'q', -1, 0, 0) < 0) goto done;
    const int64_t n = order.len / 8, count = stop - start;
    if (start < 0 || count < 0 || (count > 0 && (stop - 1) * run->batch >= n) || t < 0) {
        PyErr_Format(PyExc_ValueError, "Steps: steps %lld..%lld do not fit an epoch of %lld "
                     "images in batches of %lld", start, stop, (long long)n, (long long)run->batch);
        goto done;
    }
    if (view(shift_obj, &shifts, "shift_ids", 'q', n, 0, 1) < 0
            || view(lrs_obj, &lrs, "lrs", 'd', count, 0, 0) < 0
            || view(losses_obj, &losses, "losses", 'd', count, 1, 0) < 0)
        goto done;
    if (!shifts.obj != !run->shift_maps) {
        PyErr_SetString(PyExc_ValueError, "Steps: shift_ids must be given exactly when shift_maps were");
        goto done;
    }
    /* The steps trust their indices: check those they will read. */
    const int64_t lo = start * run->batch, hi = stop * run->batch < n ? stop * run->batch : n;
    if (in_range((const int64_t *)order.buf + lo, hi - lo, 0, run->n_images, "order") < 0
            || (shifts.obj && in_range((const int64_t *)shifts.buf + lo, hi - lo, 0,
                                       run->n_shifts, "shift_ids") < 0))
        goto done;
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "Steps: run() is already running in another thread");
        goto done;
    }
    self->busy = 1;
    int64_t done_steps;
    Py_BEGIN_ALLOW_THREADS
    done_steps = run_steps(run, order.buf, shifts.obj ? shifts.buf : NULL, n, start, stop,
                           lrs.buf, t, losses.buf);
    Py_END_ALLOW_THREADS
    self->busy = 0;
    result = PyLong_FromLongLong(done_steps);
done:
    Py_buffer *views[] = {&order, &shifts, &lrs, &losses};
    for (size_t i = 0; i < 4; i++)
        if (views[i]->obj) PyBuffer_Release(views[i]);
    return result;
}

static PyMethodDef steps_methods[] = {
    {"run", (PyCFunction)steps_run, METH_VARARGS,
     "run(order, shift_ids, start, stop, lrs, t, losses) -> int: training steps start..stop-1 "
     "of an epoch; see digitnet/engines/compiled.py."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject StepsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "digitnet.engines._kernel.Steps",
    .tp_basicsize = sizeof(StepsObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Compiled training steps over one run's network, optimiser state and images.",
    .tp_new = steps_new,
    .tp_dealloc = (destructor)steps_dealloc,
    .tp_methods = steps_methods,
};

static struct PyModuleDef kernel_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_kernel",
    .m_doc = "digitnet's compiled training steps (used by digitnet.engines.compiled).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__kernel(void)
{
    if (PyType_Ready(&StepsType) < 0) return NULL;
    PyObject *module = PyModule_Create(&kernel_module);
    if (!module) return NULL;
    Py_INCREF(&StepsType);
    if (PyModule_AddObject(module, "Steps", (PyObject *)&StepsType) < 0) {
        Py_DECREF(&StepsType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
