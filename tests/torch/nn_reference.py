#!/usr/bin/env python3
"""Reference for tests/nn_torch_test.cpp.

Usage: nn_reference.py DIR    (exit status 77: torch cannot be imported)

DIR/desc.txt lists one op per line (first word the op, second its name, then its shape);
its inputs are raw float32 files DIR/<name>.<key>.f32, among them r, the weights of the
random functional L = sum(r * y). For each op this computes y with torch (CPU, float64) and
the gradients of L by autograd, and writes raw float64 files DIR/<name>.<key>.f64. The
shapes of the outputs are derived here from torch's own semantics (e.g. the conv output
length), so a mismatch with the C++ shapes shows up as a wrong file size.
"""
import array
import math
import os
import sys

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:  # the C++ test skips on this exit code
    print(f"cannot import torch: {e}", file=sys.stderr)
    sys.exit(77)

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

DIR = ""


def load(name, key, shape, grad=True):
    path = os.path.join(DIR, f"{name}.{key}.f32")
    with open(path, "rb") as f:
        raw = bytearray(f.read())
    count = math.prod(shape)
    if len(raw) != 4 * count:
        raise SystemExit(f"{path}: {len(raw) // 4} floats, expected {count} for shape {shape}")
    t = torch.frombuffer(raw, dtype=torch.float32).to(torch.float64).reshape(shape).clone()
    return t.requires_grad_(grad)


def save(name, key, t):
    values = t.detach().to(torch.float64).reshape(-1).tolist()
    with open(os.path.join(DIR, f"{name}.{key}.f64"), "wb") as f:
        f.write(array.array("d", values).tobytes())


def same_conv(x, w, b, stride, dilation, groups):
    """Zero padding [left, right] with left = floor(dilation*(k-1)/2), then a plain conv."""
    total = dilation * (w.shape[-1] - 1)
    left = total // 2
    return F.conv1d(F.pad(x, [left, total - left]), w, b, stride=stride, dilation=dilation, groups=groups)


def backward(name, y, leaves):
    """L = sum(r * y); saves y and dL/d(leaf) for every named leaf."""
    r = load(name, "r", tuple(y.shape), grad=False)
    (r * y).sum().backward()
    save(name, "y", y)
    for key, t in leaves.items():
        save(name, "g" + key, t.grad if t.grad is not None else torch.zeros_like(t))


def op_conv(name, batch, cin, cout, k, stride, dilation, depthwise, bias, frames):
    groups = cin if depthwise else 1
    x = load(name, "x", (batch, cin, frames))
    w = load(name, "w", (cout, cin // groups, k))
    leaves = {"x": x, "w": w}
    b = None
    if bias:
        b = leaves["b"] = load(name, "b", (cout,))
    backward(name, same_conv(x, w, b, stride, dilation, groups), leaves)


def op_bn(name, batch, channels, frames):
    x = load(name, "x", (batch, channels, frames))
    gamma, beta = load(name, "gamma", (channels,)), load(name, "beta", (channels,))
    rm, rv = load(name, "rm", (channels,), grad=False), load(name, "rv", (channels,), grad=False)
    y = F.batch_norm(x, rm, rv, gamma, beta, training=True, momentum=0.1, eps=1e-5)
    backward(name, y, {"x": x, "gamma": gamma, "beta": beta})
    save(name, "rm", rm)
    save(name, "rv", rv)


def op_lrelu(name, n, slope):
    x = load(name, "x", (n,))
    backward(name, F.leaky_relu(x, slope), {"x": x})


def op_sigmoid(name, n):
    x = load(name, "x", (n,))
    backward(name, torch.sigmoid(x), {"x": x})


def op_linear(name, cin, cout):
    x, w, b = load(name, "x", (cin,)), load(name, "w", (cout, cin)), load(name, "b", (cout,))
    backward(name, F.linear(x, w, b), {"x": x, "w": w, "b": b})


def op_film(name, channels, frames):
    x = load(name, "x", (channels, frames))
    gamma, beta = load(name, "gamma", (channels,)), load(name, "beta", (channels,))
    backward(name, gamma[:, None] * x + beta[:, None], {"x": x, "gamma": gamma, "beta": beta})


def op_mean(name, channels, frames):
    x = load(name, "x", (channels, frames))
    backward(name, x.mean(dim=1), {"x": x})


def op_chain(name, batch, cin, frames, mid, k1, s1, k2, d2, cond_dim, cout, slope):
    """conv -> batch norm (train) -> leaky relu -> depthwise conv -> FiLM from linear(cond)
    -> mean over time -> linear -> sigmoid, per example of a batch."""
    p = {
        "x": load(name, "x", (batch, cin, frames)),
        "w1": load(name, "w1", (mid, cin, k1)), "b1": load(name, "b1", (mid,)),
        "gamma": load(name, "gamma", (mid,)), "beta": load(name, "beta", (mid,)),
        "w2": load(name, "w2", (mid, 1, k2)), "b2": load(name, "b2", (mid,)),
        "cond": load(name, "cond", (batch, cond_dim)),
        "wf": load(name, "wf", (2 * mid, cond_dim)), "bf": load(name, "bf", (2 * mid,)),
        "wo": load(name, "wo", (cout, mid)), "bo": load(name, "bo", (cout,)),
    }
    h = same_conv(p["x"], p["w1"], p["b1"], s1, 1, 1)
    h = F.batch_norm(h, None, None, p["gamma"], p["beta"], training=True, eps=1e-5)
    h = F.leaky_relu(h, slope)
    h = same_conv(h, p["w2"], p["b2"], 1, d2, mid)
    film = F.linear(p["cond"], p["wf"], p["bf"])
    h = film[:, :mid, None] * h + film[:, mid:, None]
    y = torch.sigmoid(F.linear(h.mean(dim=2), p["wo"], p["bo"]))
    backward(name, y, p)


OPS = {
    "conv": (op_conv, [int] * 9),
    "bn": (op_bn, [int] * 3),
    "lrelu": (op_lrelu, [int, float]),
    "sigmoid": (op_sigmoid, [int]),
    "linear": (op_linear, [int] * 2),
    "film": (op_film, [int] * 2),
    "mean": (op_mean, [int] * 2),
    "chain": (op_chain, [int] * 10 + [float]),
}


def main():
    global DIR
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    DIR = sys.argv[1]
    with open(os.path.join(DIR, "desc.txt")) as f:
        for line in f:
            words = line.split()
            if not words:
                continue
            fn, types = OPS[words[0]]
            if len(words) != 2 + len(types):
                raise SystemExit(f"bad line: {line!r}")
            fn(words[1], *(t(v) for t, v in zip(types, words[2:])))
    with open(os.path.join(DIR, "done"), "w") as f:
        f.write(f"torch {torch.__version__}\n")


if __name__ == "__main__":
    main()
