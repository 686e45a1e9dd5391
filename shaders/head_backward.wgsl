// dL/dx of the white-box head c = mean_t(conv1x1(x)) (46 logits): with gm = dL/dc,
//   dL/dx[i][t] = sum_j w[j][i] * gm[j] / frames
// (the same for every frame). One invocation per element of gx; w: (out_ch, in_ch).

struct Shape {
  in_ch: u32,
  out_ch: u32,
  frames: u32,
  unused: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> gm: array<f32>;        // (out_ch)
@group(0) @binding(2) var<storage, read> w: array<f32>;         // (out_ch, in_ch)
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;  // (in_ch, frames)

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let idx = gid.x + gid.y * groups.x * 64u;
  if (idx >= shape.in_ch * shape.frames) {
    return;
  }
  let i = idx / shape.frames;
  var acc = 0.0;
  for (var j = 0u; j < shape.out_ch; j++) {
    acc += w[j * shape.in_ch + i] * gm[j];
  }
  gx[idx] = acc / f32(shape.frames);
}
