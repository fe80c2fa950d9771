/*
 * Reference trajectories of GSL's rkf45 + standard control + evolve_apply, run the way NEST
 * models run them (one `while (t < h) evolve_apply(...)` loop per simulation step, with the
 * integration step carried over). Output: crates/nestml-runtime/tests/data/gsl_rkf45.txt,
 * compared bit for bit by tests/gsl_reference.rs.
 *
 * Build and run (needs libgsl-dev; never needed to build or test the crate):
 *   gcc -O2 -ffp-contract=off -o /tmp/gsl_reference tools/gsl_reference.c -lgsl -lgslcblas -lm
 *   /tmp/gsl_reference > tests/data/gsl_rkf45.txt
 * The right-hand sides below are mirrored operation for operation in the Rust test.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv.h>

static uint64_t bits(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

/* y' = -y */
static int decay(double t, const double y[], double f[], void *p) {
  (void)t; (void)p;
  f[0] = -y[0];
  return GSL_SUCCESS;
}

/* van der Pol, mu = 5 */
static int vdp(double t, const double y[], double f[], void *p) {
  (void)t; (void)p;
  f[0] = y[1];
  f[1] = 5.0 * (1.0 - y[0] * y[0]) * y[1] - y[0];
  return GSL_SUCCESS;
}

/* Hodgkin-Huxley with alpha-shaped synaptic currents (the equations of NEST's hh_psc_alpha,
 * default parameters, I_e = 400 pA). State: V, m, h, n, dI_ex, I_ex, dI_in, I_in. */
static int hh(double t, const double y[], double f[], void *p) {
  (void)t; (void)p;
  const double g_Na = 12000.0, g_K = 3600.0, g_L = 30.0, C_m = 100.0;
  const double E_Na = 50.0, E_K = -77.0, E_L = -54.402, tau_ex = 0.2, tau_in = 2.0, I_e = 400.0;
  const double V = y[0], m = y[1], h = y[2], n = y[3];
  const double alpha_n = (0.01 * (V + 55.0)) / (1.0 - exp(-(V + 55.0) / 10.0));
  const double beta_n = 0.125 * exp(-(V + 65.0) / 80.0);
  const double alpha_m = (0.1 * (V + 40.0)) / (1.0 - exp(-(V + 40.0) / 10.0));
  const double beta_m = 4.0 * exp(-(V + 65.0) / 18.0);
  const double alpha_h = 0.07 * exp(-(V + 65.0) / 20.0);
  const double beta_h = 1.0 / (1.0 + exp(-(V + 35.0) / 10.0));
  const double I_Na = g_Na * m * m * m * h * (V - E_Na);
  const double I_K = g_K * n * n * n * n * (V - E_K);
  const double I_L = g_L * (V - E_L);
  f[0] = (-(I_Na + I_K + I_L) + I_e + y[5] + y[7]) / C_m;
  f[1] = alpha_m * (1.0 - m) - beta_m * m;
  f[2] = alpha_h * (1.0 - h) - beta_h * h;
  f[3] = alpha_n * (1.0 - n) - beta_n * n;
  f[4] = -y[4] / tau_ex;
  f[5] = y[4] - y[5] / tau_ex;
  f[6] = -y[6] / tau_in;
  f[7] = y[6] - y[7] / tau_in;
  return GSL_SUCCESS;
}

/* Adaptive exponential integrate-and-fire (NEST's aeif defaults, I_e = 1000 pA), V clipped
 * at V_peak inside the right-hand side as NEST's aeif models do. State: V, w. */
static int adex(double t, const double y[], double f[], void *p) {
  (void)t; (void)p;
  const double C_m = 281.0, g_L = 30.0, E_L = -70.6, V_th = -50.4, Delta_T = 2.0, a = 4.0;
  const double tau_w = 144.0, V_peak = 0.0, I_e = 1000.0;
  const double V = y[0] < V_peak ? y[0] : V_peak;
  const double w = y[1];
  f[0] = (-g_L * (V - E_L) + g_L * Delta_T * exp((V - V_th) / Delta_T) - w + I_e) / C_m;
  f[1] = (a * (V - E_L) - w) / tau_w;
  return GSL_SUCCESS;
}

/* Runs `steps` simulation steps of h = 0.1 ms; `jump` changes the state between steps. */
static void run(const char *name, int (*fn)(double, const double[], double[], void *), size_t dim,
                double *y, int steps, gsl_odeiv_control *c, void (*jump)(int, double *)) {
  const double h = 0.1;
  double integration_step = h;
  gsl_odeiv_step *s = gsl_odeiv_step_alloc(gsl_odeiv_step_rkf45, dim);
  gsl_odeiv_evolve *e = gsl_odeiv_evolve_alloc(dim);
  gsl_odeiv_system sys = {fn, NULL, dim, NULL};
  printf("case %s %zu %d\n", name, dim, steps);
  for (int k = 0; k < steps; ++k) {
    double t = 0.0;
    while (t < h) {
      if (gsl_odeiv_evolve_apply(e, c, s, &sys, &t, h, &integration_step, y) != GSL_SUCCESS) {
        fprintf(stderr, "failure in %s at step %d\n", name, k);
        return;
      }
    }
    if (jump) jump(k, y);
    printf("%d %016llx", k, (unsigned long long)bits(integration_step));
    for (size_t i = 0; i < dim; ++i) printf(" %016llx", (unsigned long long)bits(y[i]));
    printf("\n");
  }
  printf("end %lu %lu\n", (unsigned long)e->count, (unsigned long)e->failed_steps);
  gsl_odeiv_evolve_free(e);
  gsl_odeiv_step_free(s);
}

static void hh_spikes(int k, double *y) {
  const double e = 2.718281828459045;
  if (k == 100 || k == 101) y[4] += 800.0 * e / 0.2;  /* excitatory, pA */
  if (k == 300) y[6] += -500.0 * e / 2.0;             /* inhibitory */
}

static void adex_reset(int k, double *y) {
  (void)k;
  if (y[0] >= 0.0) { y[0] = -60.0; y[1] += 80.5; }
}

int main(void) {
  {
    double y[1] = {1.0};
    gsl_odeiv_control *c = gsl_odeiv_control_y_new(1e-6, 1e-6);
    run("decay_y_1e-6_1e-6", decay, 1, y, 100, c, NULL);
    gsl_odeiv_control_free(c);
  }
  {
    double y[2] = {2.0, 0.0};
    gsl_odeiv_control *c = gsl_odeiv_control_y_new(1e-6, 1e-6);
    run("vdp5_y_1e-6_1e-6", vdp, 2, y, 300, c, NULL);
    gsl_odeiv_control_free(c);
  }
  {
    double y[8] = {-65.0, 0.0529, 0.5961, 0.3177, 0.0, 0.0, 0.0, 0.0};
    gsl_odeiv_control *c = gsl_odeiv_control_y_new(1e-3, 0.0);
    run("hh_y_1e-3_0", hh, 8, y, 500, c, hh_spikes);
    gsl_odeiv_control_free(c);
  }
  {
    double y[8] = {-65.0, 0.0529, 0.5961, 0.3177, 0.0, 0.0, 0.0, 0.0};
    gsl_odeiv_control *c = gsl_odeiv_control_y_new(1e-6, 1e-6);
    run("hh_y_1e-6_1e-6", hh, 8, y, 500, c, hh_spikes);
    gsl_odeiv_control_free(c);
  }
  {
    double y[2] = {-70.6, 0.0};
    gsl_odeiv_control *c = gsl_odeiv_control_yp_new(1e-6, 1e-6);
    run("adex_yp_1e-6_1e-6", adex, 2, y, 1000, c, adex_reset);
    gsl_odeiv_control_free(c);
  }
  return 0;
}
