// Runs an ONNX model with onnxruntime-node on the CPU, for tests/onnx_parity_test.cpp.
//
//   node tests/onnx/run_onnx.mjs <model.onnx> <dir>
//
// <dir>/inputs.json: {"inputs": [{"name": "audio", "shape": [1, 2, 3001]}, ...]}; each
// input's values are <dir>/<name>.bin (raw little-endian float32). Writes every model
// output as <dir>/<name>.out.bin (raw float32) and <dir>/outputs.json:
// {"outputs": [{"name": "z", "shape": [1, 8]}, ...]}. Exit code 0 on success.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

const [modelPath, dir] = process.argv.slice(2);
if (!modelPath || !dir) {
  console.error('usage: node run_onnx.mjs <model.onnx> <dir>');
  process.exit(2);
}

function readFloats(path, count) {
  const bytes = readFileSync(path);
  if (bytes.length !== count * 4) throw new Error(`${path}: ${bytes.length} bytes, expected ${count * 4}`);
  // Copy into a fresh, aligned buffer (a Buffer may be a view at any offset of a pool).
  const out = new Float32Array(count);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

const spec = JSON.parse(readFileSync(join(dir, 'inputs.json'), 'utf8'));
const feeds = {};
for (const { name, shape } of spec.inputs) {
  const count = shape.reduce((a, b) => a * b, 1);
  feeds[name] = new ort.Tensor('float32', readFloats(join(dir, `${name}.bin`), count), shape);
}

const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'] });
const results = await session.run(feeds);
const outputs = [];
for (const name of session.outputNames) {
  const t = results[name];
  if (t.type !== 'float32') throw new Error(`output ${name}: type ${t.type}, expected float32`);
  writeFileSync(join(dir, `${name}.out.bin`), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  outputs.push({ name, shape: t.dims.map(Number) });
}
writeFileSync(join(dir, 'outputs.json'), JSON.stringify({ outputs }));
