// dL/dx of Ψ's main convolution (wasm/nn/conv1d.h), one invocation per element of gx.
// The forward pass is
//   y[o][t] = b[o] + sum_i sum_k w[o][i][k] * x[i][t*stride + k*dilation - pad_left]
// (zeros outside x), so input frame m of channel i collects, for every tap k with
//   t*stride == m + pad_left - k*dilation  and  0 <= t < frames_out,
// the products w[o][i][k] * gy[o][t] over all output channels o. Weights: w[out][in][kernel].
// gx is SET (not accumulated); residual_backward.wgsl adds the skip path afterwards.

struct Shape {
  in_ch: u32,
  out_ch: u32,
  kernel: u32,
  stride: u32,
  dilation: u32,
  pad_left: u32,
  frames_in: u32,
  frames_out: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> gy: array<f32>;        // (out_ch, frames_out)
@group(0) @binding(2) var<storage, read> w: array<f32>;         // (out_ch, in_ch, kernel)
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;  // (in_ch, frames_in)

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  // A 2-D grid of workgroups when one dimension (at most 65535) is not enough.
  let idx = gid.x + gid.y * groups.x * 64u;
  if (idx >= shape.in_ch * shape.frames_in) {
    return;
  }
  let i = idx / shape.frames_in;
  let m = i32(idx % shape.frames_in);
  var acc = 0.0;
  for (var k = 0u; k < shape.kernel; k++) {
    let shifted = m + i32(shape.pad_left) - i32(k * shape.dilation);  // t * stride
    if (shifted < 0 || u32(shifted) % shape.stride != 0u) {
      continue;
    }
    let t = u32(shifted) / shape.stride;
    if (t >= shape.frames_out) {
      continue;
    }
    for (var o = 0u; o < shape.out_ch; o++) {
      acc += w[(o * shape.in_ch + i) * shape.kernel + k] * gy[o * shape.frames_out + t];
    }
  }
  gx[idx] = acc;
}
