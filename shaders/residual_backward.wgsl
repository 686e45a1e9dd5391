// dL/dx of Ψ's residual path, a 1x1 convolution with stride s and no bias, ADDED into gx
// (which already holds the main convolution's dL/dx). One invocation per element of gx.
//   forward: r[o][t] = sum_i w[o][i] * x[i][t*s]      (full, w: (out_ch, in_ch))
//            r[c][t] = w[c] * x[c][t*s]               (depthwise, in_ch == out_ch, w: (out_ch))
// so only input frames m = t*s with t < frames_out receive a gradient.

struct Shape {
  in_ch: u32,
  out_ch: u32,
  stride: u32,
  depthwise: u32,  // 1: one weight per channel
  frames_in: u32,
  frames_out: u32,
  unused0: u32,
  unused1: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> gy: array<f32>;        // (out_ch, frames_out)
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;  // (in_ch, frames_in)

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let idx = gid.x + gid.y * groups.x * 64u;
  if (idx >= shape.in_ch * shape.frames_in) {
    return;
  }
  let i = idx / shape.frames_in;
  let m = idx % shape.frames_in;
  if (m % shape.stride != 0u) {
    return;
  }
  let t = m / shape.stride;
  if (t >= shape.frames_out) {
    return;
  }
  var acc = 0.0;
  if (shape.depthwise == 1u) {
    acc = w[i] * gy[i * shape.frames_out + t];
  } else {
    for (var o = 0u; o < shape.out_ch; o++) {
      acc += w[o * shape.in_ch + i] * gy[o * shape.frames_out + t];
    }
  }
  gx[idx] += acc;
}
