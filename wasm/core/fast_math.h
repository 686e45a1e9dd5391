// Branch-free approximations of transcendental functions that the compiler can
// vectorize (std:: versions are library calls it cannot). Accurate to float
// precision; backward passes differentiate the value actually computed.
#pragma once
#include <algorithm>

namespace ito {

// tanh as a 13/6 rational function of x on [-7.9, 7.9] (|error| < 1e-6 there,
// saturating to +-1 outside, where float tanh is 1 anyway).
inline float fast_tanh(float x) {
  const float c = std::clamp(x, -7.90531110763549805f, 7.90531110763549805f);
  const float x2 = c * c;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 - 8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  p = p * c;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  return p / q;
}

}  // namespace ito
