/* The compiled training step and forward pass: digitnet's fast path for small fully connected
 * networks.
 *
 * One call runs a stretch of consecutive mini-batch steps of an epoch. Each step does exactly
 * what the readable NumPy path does (digitnet/workspace.py, then digitnet/optimizers.py):
 *
 *   gather the batch's uint8 pixels (optionally shifted) and scale them to [0, 1];
 *   forward:   z_l = a_l W_l^T + b_l,  a_{l+1} = sigma(z_l)        (one row per image)
 *   output:    softmax + cross-entropy, or sigmoid + squared error: the loss and delta_L
 *   backward:  dC/dW_l = delta_l^T a_l,  dC/db_l = sum of delta_l's rows,
 *              delta_{l-1} = (delta_l W_l) * sigma'(z_{l-1})
 *   update:    SGD (optionally with momentum) or Adam on the flat parameter buffer.
 *
 * Why C: a step of the video's 784-16-16-10 network at batch 32 is 0.8 million multiply-adds,
 * about 60 microseconds here, while the NumPy path spends about 250 mostly on the overhead of
 * its ~40 calls. Here the only call is the one from Python per stretch of steps. The matrix
 * products are written for the narrow shapes of these networks (a few dozen rows, up to a
 * hundred or so neurons): blocks of 8-float vectors held in registers, read from memory once
 * per block. (For wide layers NumPy's BLAS is faster; kernels.py leaves those to it.)
 *
 * Same inputs give the same bytes: every sum runs in a fixed order, and nothing depends on how
 * the steps of an epoch are split into calls. digitnet/kernels.py loads this library with
 * ctypes; tests/unit/test_kernels.py checks it against the NumPy path for every activation,
 * output and optimiser.
 *
 * The forward pass of Network.forward (predict, predict_proba) is at the end of the file, in
 * the section "inference"; tests/unit/test_inference.py checks it against the NumPy loop.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#if !defined(__GNUC__)
#error "digitnet's kernel needs GCC or Clang vector extensions; the NumPy path is used instead"
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

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SPIN_PAUSE() _mm_pause()
#else
#define SPIN_PAUSE() ((void)0)
#endif

enum { ACT_SIGMOID = 0, ACT_TANH = 1, ACT_RELU = 2, ACT_LEAKY_RELU = 3 };
enum { OUT_SOFTMAX = 0, OUT_SIGMOID = 1 };
enum { OPT_SGD = 0, OPT_ADAM = 1 };

/* Everything that stays fixed during a training run; kernels.py fills it once. */
typedef struct {
    int64_t n_layers;        /* weight layers L; sizes has L + 1 entries, input first */
    const int64_t *sizes;
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
    const int64_t *labels;   /* (n_images,) */
    const int64_t *shift_maps; /* (n_shifts, sizes[0]): source pixel, or sizes[0] for "0"; or NULL */
    int32_t optimizer;       /* OPT_* */
    float momentum;
    float weight_decay;
    int64_t n_decayed;       /* weight decay applies to params[:n_decayed], the weights */
    double beta1, beta2, eps;
    float *velocity;         /* SGD with momentum; else NULL */
    float *m, *v;            /* Adam's moments; else NULL */
    int32_t threads;         /* 1, or 2 to share the first layer's work with a second thread */
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

/* gw = d^T a (the weight gradient) and gb = column sums of d, for neurons j0..j1-1 of the
 * layer: d (b, no), a (b, ni), gw (no, ni), gb (no,). */
PIECE void gradient_dense(const float *d, const float *a, float *gw, float *gb,
                           int64_t b, int64_t ni, int64_t no, int64_t j0, int64_t j1)
{
    int64_t j = j0;
    for (; j + 4 <= j1; j += 4) outer_columns(4, d, a, gw, b, ni, no, j);
    for (; j < j1; j++) outer_columns(1, d, a, gw, b, ni, no, j);
    for (int64_t c = j0; c < j1; c++) {
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

/* Parameters lo..hi-1 take one step; every update is element by element, so the buffer can be
 * shared out between threads in any way without changing a bit of the result. */
INLINE void sgd_step(const Run *run, int64_t lo, int64_t hi, float lr)
{
    float *p = run->params, *g = run->grads, *vel = run->velocity;
    for (int64_t k = lo; k < hi && k < run->n_decayed && run->weight_decay != 0.0f; k++)
        g[k] += p[k] * run->weight_decay;
    if (vel) {
        for (int64_t k = lo; k < hi; k++) {
            vel[k] = vel[k] * run->momentum + g[k];
            p[k] -= vel[k] * lr;
        }
    } else {
        for (int64_t k = lo; k < hi; k++) p[k] -= g[k] * lr;
    }
}

INLINE void adam_step(const Run *run, int64_t lo, int64_t hi, double lr, int64_t t)
{
    float *p = run->params, *g = run->grads, *m = run->m, *v = run->v;
    for (int64_t k = lo; k < hi && k < run->n_decayed && run->weight_decay != 0.0f; k++)
        g[k] += p[k] * run->weight_decay;
    const float b1 = (float)run->beta1, c1 = (float)(1.0 - run->beta1);
    const float b2 = (float)run->beta2, c2 = (float)(1.0 - run->beta2);
    /* lr m_hat / (sqrt(v_hat) + eps) = step_size m / (sqrt(v) + eps sqrt(1 - b2^t)) */
    double correction2 = sqrt(1.0 - pow(run->beta2, (double)t));
    const float step_size = (float)(lr * correction2 / (1.0 - pow(run->beta1, (double)t)));
    const float eps = (float)(run->eps * correction2);
    for (int64_t k = lo; k < hi; k++) {
        float mk = m[k] * b1 + g[k] * c1;
        float vk = v[k] * b2 + g[k] * g[k] * c2;
        mk = fabsf(mk) < TINY ? 0.0f : mk;
        vk = vk > TINY ? vk : TINY;
        m[k] = mk;
        v[k] = vk;
        p[k] -= mk / (sqrtf(vk) + eps) * step_size;
    }
}

PIECE void optimizer_step(const Run *run, int64_t lo, int64_t hi, double lr, int64_t t)
{
    if (run->optimizer == OPT_ADAM) adam_step(run, lo, hi, lr, t);
    else sgd_step(run, lo, hi, (float)lr);
}

/* -- the steps -------------------------------------------------------------------------------- */

/* One call's work, shared by the calling thread (0) and, with threads = 2, a helper (1). */
typedef struct {
    const Run *run;
    const int64_t *order, *shift_ids;
    int64_t n, start, stop;
    const double *lrs;
    int64_t t;
    double *losses;
    int threads;
    _Atomic int arrived, generation, stop_now;
} Job;

/* Wait until both threads get here. Spin briefly (the wait is usually microseconds), then give
 * the core away, so that a busy machine does not make the waiting thread burn its time slice. */
static void barrier(Job *job)
{
    if (job->threads == 1) return;
    int generation = atomic_load(&job->generation);
    if (atomic_fetch_add(&job->arrived, 1) == 1) {
        atomic_store(&job->arrived, 0);
        atomic_fetch_add(&job->generation, 1);
        return;
    }
    for (int spins = 0; atomic_load(&job->generation) == generation; spins++) {
        if (spins < 2000) SPIN_PAUSE();
        else sched_yield();
    }
}

/* [lo, hi) of n items for thread w: the first share is rounded up to a multiple of 4, the
 * block size of the matrix products. */
INLINE void share(int64_t n, int threads, int w, int64_t *lo, int64_t *hi)
{
    int64_t half = threads == 1 ? n : ((n / 2 + 3) / 4) * 4;
    half = half < n ? half : n;
    *lo = w == 0 ? 0 : half;
    *hi = w == 0 ? half : n;
}

/* Run steps [start, stop) of an epoch whose images come in `order` (n of them, in batches of
 * run->batch; the last may be short). Step s's loss goes to losses[s - start]. Adam's step
 * counter is t before the first step. Stops after the first step whose loss is not finite,
 * leaving the parameters as they were before it. Returns the number of losses written.
 *
 * With two threads the first layer, which holds nearly all the work of these networks, is
 * split: each thread gathers and multiplies half of the batch's images, then computes the
 * gradient of half of the layer's neurons and updates their weights. The rest of the network
 * is small and runs on thread 0. Every number is computed by one thread in one fixed order, so
 * the result is the same, bit for bit, with one thread or two. */
PIECE int64_t run_steps(Job *job, int w)
{
    const Run *run = job->run;
    const int64_t L = run->n_layers, *sizes = run->sizes, ni0 = sizes[0], n1 = sizes[1];
    const int64_t *order = job->order, n = job->n;
    const float scale = (float)(1.0 / 255.0);
    float *weights[L], *biases[L], *gw[L], *gb[L];
    int64_t offset = 0;
    for (int64_t l = 0; l < L; l++) {
        weights[l] = run->params + offset;
        gw[l] = run->grads + offset;
        offset += sizes[l] * sizes[l + 1];
    }
    const int64_t bias_offset = offset;
    for (int64_t l = 0; l < L; l++) {
        biases[l] = run->params + offset;
        gb[l] = run->grads + offset;
        offset += sizes[l + 1];
    }
    const int64_t n_params = offset;
    int64_t j0, j1;   /* this thread's neurons of the first layer */
    share(n1, job->threads, w, &j0, &j1);

    for (int64_t s = job->start; s < job->stop; s++) {
        const int64_t first = s * run->batch;
        const int64_t b = (first + run->batch <= n ? run->batch : n - first);
        int64_t r0, r1;   /* this thread's images of the batch */
        share(b, job->threads, w, &r0, &r1);

        /* The batch: pixels / 255, moved by the image's shift when augmenting. While each image
         * is converted, the same row of the next batch is asked for: images are scattered over
         * the whole training set, and fetching them from memory would stall the next step. */
        float *x = run->acts[0];
        for (int64_t r = r0; r < r1; r++) {
            if (first + run->batch + r < n) {
                const int64_t next = order[first + run->batch + r];
                for (int64_t k = 0; k < ni0; k += 64) __builtin_prefetch(run->pixels + next * ni0 + k);
                __builtin_prefetch(run->labels + next);
            }
            const uint8_t *src = run->pixels + order[first + r] * ni0;
            float *xr = x + r * ni0;
            if (run->shift_maps) {
                const int64_t *map = run->shift_maps + job->shift_ids[first + r] * ni0;
                for (int64_t k = 0; k < ni0; k++) xr[k] = map[k] < ni0 ? src[map[k]] * scale : 0.0f;
            } else {
                for (int64_t k = 0; k < ni0; k++) xr[k] = src[k] * scale;
            }
        }
        /* forward through the first layer, for this thread's images */
        forward_dense(x + r0 * ni0, weights[0], biases[0], run->zs[0] + r0 * n1, r1 - r0, ni0, n1);
        if (L > 1)
            activate(run->activation, run->leaky_alpha, run->zs[0] + r0 * n1,
                     run->acts[1] + r0 * n1, (r1 - r0) * n1);
        barrier(job);

        if (w == 0) {
            /* the other layers, the cost, and the errors back to the first layer */
            for (int64_t l = 1; l < L; l++) {
                forward_dense(run->acts[l], weights[l], biases[l], run->zs[l], b, sizes[l], sizes[l + 1]);
                if (l < L - 1)
                    activate(run->activation, run->leaky_alpha, run->zs[l], run->acts[l + 1],
                             b * sizes[l + 1]);
            }
            double loss = output_layer(run->output, run->zs[L - 1], run->acts[L], run->deltas[L - 1],
                                       run->labels, order + first, b, sizes[L]) / (double)b;
            job->losses[s - job->start] = loss;
            if (!isfinite(loss)) atomic_store(&job->stop_now, 1);
            else {
                for (int64_t l = L - 1; l >= 1; l--) {
                    gradient_dense(run->deltas[l], run->acts[l], gw[l], gb[l], b, sizes[l],
                                   sizes[l + 1], 0, sizes[l + 1]);
                    backward_dense(run->deltas[l], weights[l], run->deltas[l - 1], b, sizes[l],
                                   sizes[l + 1]);
                    activation_backward(run->activation, run->leaky_alpha, run->deltas[l - 1],
                                        run->zs[l - 1], run->acts[l], b * sizes[l]);
                }
            }
        }
        barrier(job);
        if (atomic_load(&job->stop_now)) return s - job->start + 1;

        /* the first layer's gradient and update, for this thread's neurons; the rest on thread 0 */
        const double lr = job->lrs[s - job->start];
        const int64_t t = job->t + (s - job->start) + 1;
        gradient_dense(run->deltas[0], x, gw[0], gb[0], b, ni0, n1, j0, j1);
        const int64_t ranges[4][2] = {{j0 * ni0, j1 * ni0}, {bias_offset + j0, bias_offset + j1},
                                      {n1 * ni0, bias_offset}, {bias_offset + n1, n_params}};
        for (int i = 0; i < (w == 0 ? 4 : 2); i++)
            optimizer_step(run, ranges[i][0], ranges[i][1], lr, t);
        barrier(job);
    }
    return job->stop - job->start;
}

static void *helper(void *job);

__attribute__((visibility("default"))) int64_t digitnet_steps(const Run *run, const int64_t *order, const int64_t *shift_ids,
                              int64_t n, int64_t start, int64_t stop, const double *lrs,
                              int64_t t, double *losses)
{
    Job job = {.run = run, .order = order, .shift_ids = shift_ids, .n = n, .start = start,
               .stop = stop, .lrs = lrs, .t = t, .losses = losses,
               .threads = run->threads == 2 ? 2 : 1};
    pthread_t thread;
    if (job.threads == 2 && pthread_create(&thread, NULL, helper, &job) != 0) job.threads = 1;
    int64_t done = run_steps(&job, 0);
    if (job.threads == 2) pthread_join(thread, NULL);
    return done;
}

static void *helper(void *job)
{
    run_steps((Job *)job, 1);
    return NULL;
}

/* -- inference -------------------------------------------------------------------------------- */

/* Network.forward for a batch of images. The products of training (forward_dense) are written
 * for a few dozen rows and finish every dot product with a sum across a vector; for thousands
 * of rows a layer is better computed in the outer-product form, from W^T, transposed once per
 * call into (n_in, ldw) with ldw = n_out rounded up to TILE and zeros as padding. For a group
 * of GROUP images and TILE neurons,
 *
 *     z[r, j..j+16) = b[j..j+16) + sum over inputs k of x[r, k] * W^T[k, j..j+16)
 *
 * keeps its 2 x GROUP vectors of partial sums in registers and reads each row of W^T once per
 * group. In the first layer, which holds nearly all the work (784 inputs against 16), a run of
 * CHUNK inputs that are 0 in every image of the group is skipped, as its products add nothing:
 * in MNIST about a third of such runs are black in six digits at once (the frame around the
 * digit), in Fashion-MNIST a few percent. The rows go through the whole network BLOCK at a
 * time, so a block's activations stay in the caches from one layer to the next and no buffer
 * grows with the batch. Fewer than TRANSPOSE_FROM rows (one image through the Python API, say)
 * go through forward_dense instead: transposing would cost more than it saves. */
enum { BLOCK = 48, GROUP = 6, TILE = 16, CHUNK = 8, TRANSPOSE_FROM = 16 };

/* One layer's W^T (n_in, ldw) and b (ldw,), both zero beyond n_out. */
typedef struct {
    float *wt, *bias;
    int64_t ldw;
} Transposed;

static void transpose_padded(const float *w, const float *bias, int64_t ni, int64_t no,
                             Transposed *t)
{
    for (int64_t k = 0; k < ni; k++) {
        float *row = t->wt + k * t->ldw;
        for (int64_t j = 0; j < no; j++) row[j] = w[j * ni + k];
        for (int64_t j = no; j < t->ldw; j++) row[j] = 0.0f;
    }
    for (int64_t j = 0; j < t->ldw; j++) t->bias[j] = j < no ? bias[j] : 0.0f;
}

/* x / 255 as floats: the scaling of run_steps and of the NumPy path, to the same bits. */
PIECE void pixels_to_floats(const uint8_t *src, float *dst, int64_t n)
{
    const float scale = (float)(1.0 / 255.0);
    for (int64_t k = 0; k < n; k++) dst[k] = src[k] * scale;
}

/* skip[c] = whether inputs c*CHUNK .. c*CHUNK + CHUNK - 1 are 0 in all R rows of ni uint8
 * pixels; a last, shorter run is never skipped. */
PIECE void zero_runs(const uint8_t *x, int R, int64_t ni, uint8_t *skip)
{
    const int64_t full = ni / CHUNK;
    for (int64_t c = 0; c < full; c++) {
        uint64_t any = 0, word;
        for (int r = 0; r < R; r++) {
            memcpy(&word, x + r * ni + c * CHUNK, sizeof word);
            any |= word;
        }
        skip[c] = any == 0;
    }
    skip[full] = 0;
}

/* z[r, j..j+TILE) for R rows (R <= GROUP); see the section's comment. R is a constant after
 * inlining, so the accumulators live in registers. skip is NULL (use every input) or from
 * zero_runs. */
INLINE void outer_tile(int R, const float *x, int64_t ni, const Transposed *t,
                       const uint8_t *skip, float *z, int64_t no, int64_t j)
{
    vf acc[GROUP][2];
    for (int r = 0; r < R; r++) {
        acc[r][0] = vload(t->bias + j);
        acc[r][1] = vload(t->bias + j + VL);
    }
    const float *wt = t->wt + j;
    const int64_t ldw = t->ldw;
    for (int64_t k0 = 0; k0 < ni; k0 += CHUNK) {
        if (skip && skip[k0 / CHUNK]) continue;
        const int64_t k1 = k0 + CHUNK < ni ? k0 + CHUNK : ni;
        for (int64_t k = k0; k < k1; k++) {
            const vf w0 = vload(wt + k * ldw), w1 = vload(wt + k * ldw + VL);
            for (int r = 0; r < R; r++) {
                const float xr = x[r * ni + k];   /* vector * scalar: one broadcast, two FMAs */
                acc[r][0] += w0 * xr;
                acc[r][1] += w1 * xr;
            }
        }
    }
    for (int r = 0; r < R; r++) {
        float *zr = z + r * no + j;
        if (j + TILE <= no) {
            vstore(zr, acc[r][0]);
            vstore(zr + VL, acc[r][1]);
        } else {
            float row[TILE];
            vstore(row, acc[r][0]);
            vstore(row + VL, acc[r][1]);
            for (int64_t c = 0; c < no - j; c++) zr[c] = row[c];
        }
    }
}

/* z (R, no) = x (R, ni) W^T + b for R <= GROUP rows, skipping the runs of inputs in skip. */
PIECE void outer_group(int R, const float *x, int64_t ni, const Transposed *t,
                       const uint8_t *skip, float *z, int64_t no)
{
    for (int64_t j = 0; j < no; j += TILE) {
        switch (R) {
        case 6: outer_tile(6, x, ni, t, skip, z, no, j); break;
        case 5: outer_tile(5, x, ni, t, skip, z, no, j); break;
        case 4: outer_tile(4, x, ni, t, skip, z, no, j); break;
        case 3: outer_tile(3, x, ni, t, skip, z, no, j); break;
        case 2: outer_tile(2, x, ni, t, skip, z, no, j); break;
        default: outer_tile(1, x, ni, t, skip, z, no, j); break;
        }
    }
}

/* The output layer's activations, in place: softmax (as losses.SoftmaxCrossEntropy.forward,
 * row maximum subtracted first) or sigmoid, for b rows of no outputs. */
PIECE void output_forward(int32_t kind, float *a, int64_t b, int64_t no)
{
    if (kind == OUT_SIGMOID) {
        MAP8(vsigmoid, a, a, b * no);
        return;
    }
    for (int64_t r = 0; r < b; r++) {
        float *ar = a + r * no, m = ar[0];
        for (int64_t c = 1; c < no; c++) m = ar[c] > m ? ar[c] : m;
        for (int64_t c = 0; c < no; c++) ar[c] -= m;
    }
    MAP8(vexp, a, a, b * no);
    for (int64_t r = 0; r < b; r++) {
        float *ar = a + r * no, s = 0.0f;
        for (int64_t c = 0; c < no; c++) s += ar[c];
        for (int64_t c = 0; c < no; c++) ar[c] /= s;
    }
}

INLINE int all_finite(const float *z, int64_t n)
{
    int ok = 1;
    for (int64_t k = 0; k < n; k++) ok &= isfinite(z[k]) != 0;
    return ok;
}

/* Where layer l's z starts in a row of forward_rows' keep. */
INLINE int64_t layer_offset(const int64_t *sizes, int64_t l)
{
    int64_t offset = 0;
    for (int64_t k = 1; k <= l; k++)
        offset += 2 * sizes[k];
    return offset;
}

/* b rows of n floats from src into dst, whose rows are `stride` floats apart. */
INLINE void keep_rows(float *dst, int64_t stride, const float *src, int64_t b, int64_t n)
{
    for (int64_t r = 0; r < b; r++)
        memcpy(dst + r * stride, src + r * n, (size_t)n * sizeof(float));
}

/* Buffers of forward_rows, carved out of one allocation by py_forward. */
typedef struct {
    float *in;          /* (BLOCK, sizes[0]): a block's pixels as floats; NULL for float input */
    float *buf[2];      /* (BLOCK, widest layer) each: z and then a of the layers in turn */
    Transposed *t;      /* (L,): every layer transposed, or NULL for forward_dense */
    uint8_t *skip;      /* (sizes[0] / CHUNK + 1,): zero_runs of a group of pixels */
} Scratch;

/* The forward pass of Network.forward for n rows: x is uint8 pixels (scaled by 1/255) when
 * `pixels`, else floats; out (n, sizes[L]) receives the output layer's activations. Each
 * layer's z goes into one of two buffers and is activated in place; the next layer reads it
 * and writes the other.
 *
 * Returns 0 if some weighted input of the first layer was NaN or infinite, else 1. NaN or
 * infinity anywhere in a row of x makes every z of that row in the first layer non-finite
 * (inf * 0 is NaN, and inf - inf too), so a look at n * sizes[1] numbers does instead of one
 * at the n * sizes[0] inputs; Python then looks at the inputs to say what is wrong. */
static int forward_rows(int64_t L, const int64_t *sizes, int32_t activation, float alpha,
                        int32_t output, const float *params, const void *x, int pixels, int64_t n,
                        float *out, const Scratch *s, float *keep)
{
    /* keep (optional): every layer's z and a too, as Network.trace has them: each row holds
     * z_1, a_1, z_2, a_2, ... z_L, a_L (a_L the output) one after the other. */
    int64_t kept = 0;
    for (int64_t l = 1; l <= L; l++)
        kept += 2 * sizes[l];
    const int64_t ni0 = sizes[0], n1 = sizes[1], no = sizes[L];
    const float *weights[L], *biases[L];
    int64_t offset = 0;
    for (int64_t l = 0; l < L; l++) {
        weights[l] = params + offset;
        offset += sizes[l] * sizes[l + 1];
    }
    for (int64_t l = 0; l < L; l++) {
        biases[l] = params + offset;
        offset += sizes[l + 1];
    }
    if (s->t)
        for (int64_t l = 0; l < L; l++)
            transpose_padded(weights[l], biases[l], sizes[l], sizes[l + 1], &s->t[l]);
    int finite = 1;
    for (int64_t r0 = 0; r0 < n; r0 += BLOCK) {
        const int64_t b = n - r0 < BLOCK ? n - r0 : BLOCK;
        const uint8_t *raw = pixels ? (const uint8_t *)x + r0 * ni0 : NULL;
        const float *a = pixels ? s->in : (const float *)x + r0 * ni0;
        for (int64_t l = 0; l < L; l++) {
            const int64_t ni = sizes[l], nl = sizes[l + 1];
            float *z = l == L - 1 ? out + r0 * no : s->buf[l % 2];
            if (l == 0 && pixels) pixels_to_floats(raw, s->in, b * ni);
            if (!s->t) {
                forward_dense(a, weights[l], biases[l], z, b, ni, nl);
            } else {
                for (int64_t g = 0; g < b; g += GROUP) {
                    const int R = (int)(b - g < GROUP ? b - g : GROUP);
                    const uint8_t *skip = NULL;
                    if (l == 0 && pixels) {
                        zero_runs(raw + g * ni, R, ni, s->skip);
                        skip = s->skip;
                    }
                    outer_group(R, a + g * ni, ni, &s->t[l], skip, z + g * nl, nl);
                }
            }
            if (l == 0 && !pixels) finite &= all_finite(z, b * n1);
            if (keep) keep_rows(keep + r0 * kept + layer_offset(sizes, l), kept, z, b, nl);
            if (l < L - 1) activate(activation, alpha, z, z, b * nl);
            else output_forward(output, z, b, no);
            if (keep) keep_rows(keep + r0 * kept + layer_offset(sizes, l) + nl, kept, z, b, nl);
            a = z;
        }
    }
    return finite;
}

/* forward(plan, alpha, params, x, pixels, out[, keep]) -> bool: the Python face of
 * forward_rows.
 *
 * plan: int64 [L, activation, output, sizes[0], ..., sizes[L]]; alpha: the leaky ReLU's slope;
 * params: float32 Network.params; x: C-contiguous rows of uint8 (pixels true) or float32;
 * out: writable float32 (n, sizes[L]); keep (optional): writable float32 (n, 2 * (sizes[1] +
 * ... + sizes[L])) for every layer's z and a. Returns whether the first layer's z were all
 * finite.
 *
 * Unlike the training steps, called through ctypes once per stretch of steps, this is a
 * function of the module: digitnet predicts one image in a few microseconds, and ctypes would
 * spend more than that turning arrays into pointers. Every length is checked against the
 * plan here, so a wrong buffer is a ValueError, never a read out of bounds. */
static PyObject *py_forward(PyObject *self, PyObject *args)
{
    Py_buffer plan, params, x, out, keep = {0};
    float alpha;
    int pixels;
    if (!PyArg_ParseTuple(args, "y*fy*y*pw*|w*", &plan, &alpha, &params, &x, &pixels, &out,
                          &keep))
        return NULL;
    PyObject *result = NULL;
    const int64_t *p = plan.buf;
    const int64_t n_plan = plan.len / (Py_ssize_t)sizeof(int64_t);
    const int64_t L = n_plan >= 1 ? p[0] : 0;
    if (L < 1 || n_plan != 4 + L) {
        PyErr_SetString(PyExc_ValueError, "forward: a malformed plan");
        goto done;
    }
    const int64_t *sizes = p + 3;
    int64_t n_params = 0, widest = 0;
    for (int64_t l = 0; l < L; l++) {
        if (sizes[l] < 1 || sizes[l + 1] < 1) {
            PyErr_SetString(PyExc_ValueError, "forward: a malformed plan");
            goto done;
        }
        n_params += sizes[l] * sizes[l + 1] + sizes[l + 1];
        widest = sizes[l + 1] > widest ? sizes[l + 1] : widest;
    }
    const int64_t row_bytes = sizes[0] * (pixels ? 1 : (int64_t)sizeof(float));
    const int64_t n = x.len / row_bytes;
    int64_t kept = 0; /* floats of keep a row */
    for (int64_t l = 1; l <= L; l++)
        kept += 2 * sizes[l];
    if (params.len != n_params * (Py_ssize_t)sizeof(float) || x.len != n * row_bytes
            || out.len != n * sizes[L] * (Py_ssize_t)sizeof(float)
            || (keep.obj && keep.len != n * kept * (Py_ssize_t)sizeof(float))) {
        PyErr_SetString(PyExc_ValueError, "forward: arrays do not match the network's sizes");
        goto done;
    }
    const int64_t rows = n < BLOCK ? n : BLOCK, ni0 = sizes[0];
    const int transpose = n >= TRANSPOSE_FROM;
    /* One allocation for every buffer, counted in floats; the Transposed records come last. */
    int64_t n_floats = (pixels ? rows * ni0 : 0) + 2 * rows * widest + ni0 / CHUNK + 1;
    if (transpose)
        for (int64_t l = 0; l < L; l++) {
            const int64_t ldw = (sizes[l + 1] + TILE - 1) / TILE * TILE;
            n_floats += sizes[l] * ldw + ldw;
        }
    n_floats += n_floats & 1;   /* so that the records after the floats are 8-byte aligned */
    float *memory = PyMem_RawMalloc((size_t)n_floats * sizeof(float) + (size_t)L * sizeof(Transposed));
    if (!memory) {
        PyErr_NoMemory();
        goto done;
    }
    float *next = memory;
    Scratch s = {0};
    if (pixels) {
        s.in = next;
        next += rows * ni0;
    }
    s.buf[0] = next;
    s.buf[1] = next + rows * widest;
    next += 2 * rows * widest;
    s.skip = (uint8_t *)next;
    next += ni0 / CHUNK + 1;
    if (transpose) {
        s.t = (Transposed *)(memory + n_floats);
        for (int64_t l = 0; l < L; l++) {
            s.t[l].ldw = (sizes[l + 1] + TILE - 1) / TILE * TILE;
            s.t[l].wt = next;
            next += sizes[l] * s.t[l].ldw;
            s.t[l].bias = next;
            next += s.t[l].ldw;
        }
    }
    int finite;
    Py_BEGIN_ALLOW_THREADS
    finite = forward_rows(L, sizes, (int32_t)p[1], alpha, (int32_t)p[2], params.buf, x.buf,
                          pixels, n, out.buf, &s, keep.obj ? keep.buf : NULL);
    Py_END_ALLOW_THREADS
    PyMem_RawFree(memory);
    result = PyBool_FromLong(finite);
done:
    PyBuffer_Release(&plan);
    PyBuffer_Release(&params);
    PyBuffer_Release(&x);
    PyBuffer_Release(&out);
    if (keep.obj)
        PyBuffer_Release(&keep);
    return result;
}

static PyMethodDef kernel_methods[] = {
    {"forward", py_forward, METH_VARARGS,
     "forward(plan, alpha, params, x, pixels, out[, keep]) -> bool: Network.forward in C "
     "(see kernels.py)."},
    {NULL, NULL, 0, NULL},
};

/* Importing digitnet._kernel also tells Python where the library is: kernels.py calls
 * digitnet_steps through ctypes and forward as a function of this module. */
static struct PyModuleDef kernel_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_kernel",
    .m_doc = "digitnet's compiled training steps and forward pass (used by digitnet.kernels).",
    .m_size = -1,
    .m_methods = kernel_methods,
};

PyMODINIT_FUNC PyInit__kernel(void) { return PyModule_Create(&kernel_module); }
