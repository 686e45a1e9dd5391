#!/usr/bin/python3
"""Independent numpy reference for the AF loss (spec section 3.2).

Written from the definition in the spec / wasm/analysis/af_loss.h, not from the C++
code: float64 throughout, numpy's rfft and np.pad(mode="reflect").

Usage: af_loss_reference.py Y.f32 TARGET.f32 FRAMES FS
Each file holds one stereo signal as raw little-endian float32, planar: FRAMES left
samples followed by FRAMES right samples. Prints "name v1 v2 ..." lines: the
features of y (prefix y_) and of the target (prefix t_), then the weighted loss terms.
"""
import sys

import numpy as np

N_FFT = 32768
HOP = N_FFT // 4
N_BANDS = 24
WEIGHTS = {"rms": 0.1, "crest": 0.001, "width": 1.0, "imbalance": 1.0, "bark": 0.1}


def traunmuller_bark(f):
    return 26.81 * f / (1960.0 + f) - 0.53


def traunmuller_hz(z):
    return 1960.0 * (z + 0.53) / (26.28 - z)


def bark_filterbank(fs):
    z_edges = np.linspace(traunmuller_bark(20.0), traunmuller_bark(20000.0), N_BANDS + 2)
    f_edges = traunmuller_hz(z_edges)
    freqs = np.arange(N_FFT // 2 + 1) * fs / N_FFT
    fb = np.zeros((N_BANDS, freqs.size))
    for b in range(N_BANDS):
        lo, mid, hi = f_edges[b], f_edges[b + 1], f_edges[b + 2]
        rising = (freqs - lo) / (mid - lo)
        falling = (hi - freqs) / (hi - mid)
        fb[b] = np.maximum(0.0, np.minimum(rising, falling))
    return fb


def mean_stft_magnitude(s):
    """torch.stft(center=True, pad_mode='reflect', periodic Hann) |X|, mean over frames."""
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(N_FFT) / N_FFT)
    padded = np.pad(s, N_FFT // 2, mode="reflect")
    n_frames = 1 + s.size // HOP
    frames = np.stack([padded[t * HOP:t * HOP + N_FFT] for t in range(n_frames)])
    return np.abs(np.fft.rfft(frames * window, axis=1)).mean(axis=0)


def features(x, fs):
    left, right = x
    mean_sq = np.array([np.mean(left ** 2), np.mean(right ** 2)])
    rms = np.sqrt(np.maximum(mean_sq, 1e-8))
    peak = np.array([np.max(np.abs(left)), np.max(np.abs(right))])
    crest = 20.0 * np.log10(np.maximum(peak / rms, 1e-8))
    mid, side = left + right, left - right
    width = np.mean(side ** 2) / max(np.mean(mid ** 2), 1e-8)
    imbalance = (mean_sq[1] - mean_sq[0]) / max(mean_sq.sum(), 1e-8)
    fb = bark_filterbank(fs)
    bark_mid = np.log(fb @ mean_stft_magnitude(mid) + 1e-8)
    bark_side = np.log(fb @ mean_stft_magnitude(side) + 1e-8)
    return {"rms": rms, "crest": crest, "width": np.array([width]),
            "imbalance": np.array([imbalance]), "bark_mid": bark_mid, "bark_side": bark_side}


def loss_terms(fy, ft):
    terms = {}
    for name in ("rms", "crest", "width", "imbalance"):
        terms[name] = WEIGHTS[name] * np.mean((fy[name] - ft[name]) ** 2)
    bark_y = np.concatenate([fy["bark_mid"], fy["bark_side"]])
    bark_t = np.concatenate([ft["bark_mid"], ft["bark_side"]])
    terms["bark"] = WEIGHTS["bark"] * np.mean((bark_y - bark_t) ** 2)
    terms["total"] = sum(terms.values())
    return terms


def read_stereo(path, n):
    data = np.fromfile(path, dtype="<f4").astype(np.float64)
    assert data.size == 2 * n, (path, data.size, n)
    return data[:n], data[n:]


def main():
    y_path, t_path, n, fs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    fy = features(read_stereo(y_path, n), fs)
    ft = features(read_stereo(t_path, n), fs)
    for prefix, f in (("y_", fy), ("t_", ft)):
        for name, v in f.items():
            print(prefix + name, " ".join(repr(float(e)) for e in np.atleast_1d(v)))
    for name, v in loss_terms(fy, ft).items():
        print("loss_" + name, repr(float(v)))


if __name__ == "__main__":
    main()
