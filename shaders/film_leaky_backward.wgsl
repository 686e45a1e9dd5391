// Backward of one block's FiLM and LeakyReLU. Forward: h = LeakyReLU(a), y = gamma*h + beta
// (per channel), so with g = dL/dy:
//   dL/da[c][t] = g[c][t] * gamma[c] * (h[c][t] > 0 ? 1 : slope)   (h has a's sign)
//   dgamma[c]   = sum_t g[c][t] * h[c][t],   dbeta[c] = sum_t g[c][t]
// One workgroup per channel: its 256 invocations stride over the frames, then a tree
// reduction in workgroup memory gives the two sums, written to
// sums[sums_offset + c] (dgamma) and sums[sums_offset + channels + c] (dbeta).

struct Shape {
  channels: u32,
  frames: u32,
  slope: f32,
  sums_offset: u32,
}

const kThreads = 256u;

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> g: array<f32>;           // (channels, frames)
@group(0) @binding(2) var<storage, read> hidden: array<f32>;      // (channels, frames)
@group(0) @binding(3) var<storage, read> gamma: array<f32>;       // (channels)
@group(0) @binding(4) var<storage, read_write> gh: array<f32>;    // (channels, frames)
@group(0) @binding(5) var<storage, read_write> sums: array<f32>;

var<workgroup> part_g: array<f32, kThreads>;
var<workgroup> part_gh: array<f32, kThreads>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x;  // uniform per workgroup, so the barriers below are reached by all
  let row = c * shape.frames;
  let scale = gamma[c];
  var sum_g = 0.0;
  var sum_gh = 0.0;
  for (var t = lid; t < shape.frames; t += kThreads) {
    let gv = g[row + t];
    let hv = hidden[row + t];
    sum_g += gv;
    sum_gh += gv * hv;
    var mask = 1.0;
    if (hv <= 0.0) {
      mask = shape.slope;
    }
    gh[row + t] = gv * scale * mask;
  }
  part_g[lid] = sum_g;
  part_gh[lid] = sum_gh;
  workgroupBarrier();
  for (var span = kThreads / 2u; span > 0u; span /= 2u) {
    if (lid < span) {
      part_g[lid] += part_g[lid + span];
      part_gh[lid] += part_gh[lid + span];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    sums[shape.sums_offset + c] = part_gh[0];
    sums[shape.sums_offset + shape.channels + c] = part_g[0];
  }
}
