// Real FFT (a thin wrapper over kiss_fftr) and the centered STFT framing that the
// losses and metrics share.
//
// Framing follows torch.stft(center=True, pad_mode="reflect"): the signal is padded
// by n/2 samples on both sides by mirroring (without repeating the edge sample) and
// frame t covers padded samples [t*hop, t*hop + n), i.e. it is centered on signal
// sample t*hop. There are 1 + len/hop frames. Where the signal is shorter than the
// padding (torch refuses), the mirroring simply repeats: the signal is extended
// periodically as x0 x1 .. x_{len-1} x_{len-2} .. x1 x0 x1 ... (what numpy's
// np.pad(mode="reflect") also does).
#pragma once
#include <complex>
#include <cstddef>
#include <memory>
#include <vector>

struct kiss_fftr_state;

namespace ito {

class RealFft {
 public:
  // n must be even and positive.
  explicit RealFft(int n);
  int size() const { return n_; }
  int num_bins() const { return n_ / 2 + 1; }

  // n reals -> n/2+1 bins, unnormalized: X_k = sum_j x_j exp(-2 pi i j k / n).
  void forward(const float* in, std::complex<float>* out) const;

  // Vector-Jacobian product of forward(): given G_k = dL/dRe(X_k) + i dL/dIm(X_k)
  // for the n/2+1 bins, writes dL/dx_j = sum_k Re(G_k exp(+2 pi i j k / n)) (n reals).
  // Implemented as an inverse real FFT with the interior bins halved, because the
  // inverse counts them twice (k and n-k). Imag parts of DC and Nyquist are ignored
  // (those bins are real for real input).
  void backward(const std::complex<float>* grad_bins, float* grad_in) const;

 private:
  struct Free {
    void operator()(kiss_fftr_state* p) const;
  };
  int n_;
  std::unique_ptr<kiss_fftr_state, Free> forward_plan_, inverse_plan_;
  // kiss_fftr plans carry their own scratch, so a RealFft is not reentrant: use one
  // per thread (cached_real_fft does that).
  mutable std::vector<std::complex<float>> scratch_;
};

// One RealFft per size, created on first use and kept for the thread's lifetime.
const RealFft& cached_real_fft(int n);

// Periodic Hann window (torch.hann_window default): 0.5 - 0.5 cos(2 pi j / n).
std::vector<float> hann_window(int n);

// --- Centered, reflect-padded STFT framing (see the top of this file) ---------

// Number of frames for a signal of `len` samples: 1 + len / hop.
int stft_num_frames(std::size_t len, int hop);

// Index into the signal for position i of the reflect-extended signal (len >= 1).
std::size_t reflect_index(std::ptrdiff_t i, std::size_t len);

// Writes window[j] * x_ext[t*hop - n/2 + j] for j in [0, n) into frame.
// len must be >= 1.
void stft_frame(const float* x, std::size_t len, int t, int hop, const float* window, int n,
                float* frame);

// stft_frame of a signal given sample by sample (sample(i) for i in [0, len)), e.g. the mid of
// a stereo signal computed on the fly instead of stored: the same values as stft_frame on
// the stored signal.
template <class Sample>
void stft_frame_of(const Sample& sample, std::size_t len, int t, int hop, const float* window, int n, float* frame) {
  const std::ptrdiff_t start = static_cast<std::ptrdiff_t>(t) * hop - n / 2;
  if (start >= 0 && start + n <= static_cast<std::ptrdiff_t>(len)) {
    for (int j = 0; j < n; ++j) frame[j] = window[j] * sample(static_cast<std::size_t>(start + j));
    return;
  }
  for (int j = 0; j < n; ++j) frame[j] = window[j] * sample(reflect_index(start + j, len));
}

// Adjoint of stft_frame: adds window[j] * grad_frame[j] into grad_x at the source
// sample of each framed position (mirrored positions fold back onto the signal).
void stft_frame_backward(const float* grad_frame, std::size_t len, int t, int hop,
                         const float* window, int n, float* grad_x);

}  // namespace ito
