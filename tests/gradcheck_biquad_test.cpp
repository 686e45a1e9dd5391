// The biquad's adjoint recursion and coefficient Jacobian against finite differences.
#include <gtest/gtest.h>

#include "dsp/biquad.h"
#include "gradcheck_util.h"

namespace ito {
namespace {

using testing::rel_err;

double filtered_projection(const BiquadCoeffs& c, const std::vector<float>& x, const std::vector<float>& w) {
  std::vector<float> y(x.size());
  biquad_forward(c, x.data(), y.data(), x.size());
  double s = 0;
  for (std::size_t i = 0; i < y.size(); ++i) s += double(w[i]) * y[i];
  return s;
}

TEST(BiquadGradcheck, CoefficientsAndInput) {
  const Stereo sig = testing::music_like(4096, 0.5, 3);
  const Stereo wsig = testing::white_noise(4096, 1.0, 4);
  const std::vector<float>& x = sig.l;
  const std::vector<float>& w = wsig.l;
  const auto design = design_biquad_with_jacobian(BiquadType::Peaking, 4.0, 900.0, 1.3, 44100.0);
  std::vector<float> y(x.size()), gx(x.size());
  biquad_forward(design.c, x.data(), y.data(), x.size());
  double grad_c[5] = {0, 0, 0, 0, 0};
  biquad_backward(design.c, x.data(), y.data(), w.data(), gx.data(), x.size(), grad_c);

  for (int k = 0; k < 5; ++k) {
    BiquadCoeffs up = design.c, down = design.c;
    double* pu = &up.b0 + k;
    double* pd = &down.b0 + k;
    const double h = 1e-5;
    *pu += h;
    *pd -= h;
    const double fd = (filtered_projection(up, x, w) - filtered_projection(down, x, w)) / (2 * h);
    EXPECT_LT(rel_err(grad_c[k], fd, 1.0), 2e-3) << "coefficient " << k << ": " << grad_c[k] << " vs " << fd;
  }
  // Input gradient: a few single samples.
  for (std::size_t i : {0ul, 100ul, 2048ul, 4095ul}) {
    std::vector<float> xp = x, xm = x;
    const double h = 1e-2;
    xp[i] += h;
    xm[i] -= h;
    const double fd = (filtered_projection(design.c, xp, w) - filtered_projection(design.c, xm, w)) / (2 * h);
    EXPECT_LT(rel_err(gx[i], fd, 0.05), 2e-2) << "sample " << i;
  }
}

TEST(BiquadGradcheck, DesignJacobianAgainstFiniteDifferences) {
  const BiquadType types[] = {BiquadType::Peaking, BiquadType::LowShelf, BiquadType::HighShelf,
                              BiquadType::LowPass, BiquadType::HighPass};
  for (BiquadType type : types) {
    const double p[3] = {5.0, 1200.0, 0.9};
    const auto d = design_biquad_with_jacobian(type, p[0], p[1], p[2], 44100.0);
    for (int j = 0; j < 3; ++j) {
      double up[3] = {p[0], p[1], p[2]}, dn[3] = {p[0], p[1], p[2]};
      const double h = 1e-6 * std::max(1.0, p[j]);
      up[j] += h;
      dn[j] -= h;
      const auto cu = design_biquad<double>(type, up[0], up[1], up[2], 44100.0);
      const auto cd = design_biquad<double>(type, dn[0], dn[1], dn[2], 44100.0);
      const double* au = &cu.b0;
      const double* ad = &cd.b0;
      for (int k = 0; k < 5; ++k)
        EXPECT_LT(rel_err(d.jacobian[k][j], (au[k] - ad[k]) / (2 * h), 1e-8), 1e-5)
            << "type " << int(type) << " coeff " << k << " param " << j;
    }
  }
}

}  // namespace
}  // namespace ito
