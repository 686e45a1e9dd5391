// Ψ's backward pass for dL/dz on the GPU (WebGPU compute shaders in shaders/*.wgsl), for
// ITO on z. Input: the tape from the engine's psiTape(left, right, z) (wasm/app/psi_tape_api.cpp:
// activations, FiLM values and the folded weights) and dL/dp (46 values); output: dL/dz as
// a Float32Array, the same quantity as the C++ Converter::backward (psiBackwardZ).
//
// Classic-worker friendly: importScripts('gpu_backward.js') defines self.GpuBackward.
//   const gpu = await GpuBackward.create();      // null when navigator.gpu has no adapter
//   const gz = await gpu.backwardZ(tape, gParams);
// When create() gives null (or backwardZ throws), use the C++ path (psiBackwardZ).
//
// Order of work (mirrors Converter::backward, white-box head):
//   JS:  g_logit = dL/dp * p(1-p); head FiLM grads -> z; g_mean = g_logit * gamma_h
//   GPU: head_backward (mean over time + 1x1 conv) gives dL/d(last block output)
//        per block, last to first: film_leaky_backward (dL/d conv output, dgamma/dbeta sums),
//        then, except for the first block, conv1d_backward_input + residual_backward
//   JS:  dL/dz += FiLM-linear^T [dgamma, dbeta] per block (one read-back of all the sums)
(function () {
  'use strict';

  const SHADERS = ['conv1d_backward_input', 'residual_backward', 'film_leaky_backward', 'head_backward'];
  const WORKGROUP = 64;        // @workgroup_size of the elementwise shaders
  const MAX_GROUPS = 65535;    // WebGPU's default maxComputeWorkgroupsPerDimension

  // A grid of 64-wide workgroups covering n invocations (2-D when needed; the shaders
  // rebuild the flat index from num_workgroups).
  function grid(n) {
    const groups = Math.max(1, Math.ceil(n / WORKGROUP));
    const x = Math.min(groups, MAX_GROUPS);
    return [x, Math.ceil(groups / x)];
  }

  class GpuBackward {
    constructor(device, pipelines, adapterName) {
      this.device = device;
      this.pipelines = pipelines;
      this.adapterName = adapterName;
      this.lastTimings = null;  // {encodeMs, gpuMs, totalMs} of the latest backwardZ
    }

    // A software adapter (e.g. SwiftShader): the GPU emulated on the CPU, slower than WASM.
    static isSoftwareAdapter(adapter) {
      return !!((adapter.info && adapter.info.isFallbackAdapter) || adapter.isFallbackAdapter);
    }

    // Resolves to an instance, or null when WebGPU or an adapter is missing.
    // options.shaderBase: where the .wgsl files are ('shaders/' relative to the worker).
    static async create(options = {}) {
      const gpu = (typeof navigator !== 'undefined') ? navigator.gpu : undefined;
      if (!gpu) return null;
      let adapter = null;
      try { adapter = await gpu.requestAdapter(); } catch (e) { adapter = null; }
      if (!adapter) return null;
      const device = await adapter.requestDevice();
      const info = adapter.info || {};
      const adapterName = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'WebGPU';
      const base = options.shaderBase || 'shaders/';
      const pipelines = {};
      device.pushErrorScope('validation');
      await Promise.all(SHADERS.map(async (name) => {
        const response = await fetch(`${base}${name}.wgsl`);
        if (!response.ok) throw new Error(`GpuBackward: shaders/${name}.wgsl: HTTP ${response.status}`);
        const module = device.createShaderModule({ label: name, code: await response.text() });
        const messages = (await module.getCompilationInfo()).messages.filter((m) => m.type === 'error');
        if (messages.length) {
          throw new Error(`GpuBackward: ${name}.wgsl: ` +
            messages.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; '));
        }
        pipelines[name] = await device.createComputePipelineAsync({
          label: name, layout: 'auto', compute: { module, entryPoint: 'main' } });
      }));
      const error = await device.popErrorScope();
      if (error) throw new Error(`GpuBackward: pipeline creation failed: ${error.message}`);
      const gpuBackward = new GpuBackward(device, pipelines, adapterName);
      gpuBackward.isFallback = GpuBackward.isSoftwareAdapter(adapter);
      return gpuBackward;
    }

    // dL/dz (Float32Array, tape.zDim) for dL/dp = gParams (46 values).
    async backwardZ(tape, gParams) {
      const t0 = performance.now();
      const { device } = this;
      const head = tape.head;
      const blocks = tape.blocks;
      const zDim = tape.zDim;
      if (!head || !blocks || !blocks.length) throw new Error('GpuBackward: not a white-box tape');
      if (gParams.length !== head.out) throw new Error(`GpuBackward: expected ${head.out} values of dL/dp`);
      const gz = new Float64Array(zDim);
      const buffers = [];  // destroyed at the end

      const storage = (data, writable) => {
        const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
        const b = device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC |
          GPUBufferUsage.COPY_DST, mappedAtCreation: true });
        new Float32Array(b.getMappedRange()).set(data);
        b.unmap();
        buffers.push(b);
        return b;
      };
      const scratch = (floats) => {
        const b = device.createBuffer({ size: Math.max(16, Math.ceil(floats / 4) * 16),
          usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
        buffers.push(b);
        return b;
      };
      // Uniform: u32 fields, except those named in floatFields (f32).
      const uniform = (values, floatFields = []) => {
        const b = device.createBuffer({ size: Math.ceil(values.length / 4) * 16, usage: GPUBufferUsage.UNIFORM,
          mappedAtCreation: true });
        const range = b.getMappedRange();
        const u = new Uint32Array(range), f = new Float32Array(range);
        values.forEach((v, i) => { if (floatFields.includes(i)) f[i] = v; else u[i] = v; });
        b.unmap();
        buffers.push(b);
        return b;
      };

      device.pushErrorScope('validation');
      device.pushErrorScope('out-of-memory');
      const encoder = device.createCommandEncoder({ label: 'psi backward' });
      const pass = encoder.beginComputePass();
      const run = (name, bindings, groups) => {
        const pipeline = this.pipelines[name];
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, device.createBindGroup({
          layout: pipeline.getBindGroupLayout(0),
          entries: bindings.map((buffer, binding) => ({ binding, resource: { buffer } })),
        }));
        pass.dispatchWorkgroups(groups[0], groups[1] || 1);
      };

      // ---- Head (JS): sigmoid', the head FiLM and its linear map to z.
      const outs = head.out;
      const gMean = new Float32Array(outs), gHeadFilm = new Float32Array(2 * outs);
      for (let j = 0; j < outs; ++j) {
        const p = sigmoid(head.gamma[j] * head.logitsMean[j] + head.beta[j]);
        const gLogit = gParams[j] * p * (1 - p);
        gHeadFilm[j] = gLogit * head.logitsMean[j];
        gHeadFilm[outs + j] = gLogit;
        gMean[j] = gLogit * head.gamma[j];
      }
      addLinearTranspose(gz, head.filmW, gHeadFilm, zDim);

      // ---- GPU: dL/d(last block output), then the blocks from last to first.
      let g = scratch(head.in * head.frames);
      run('head_backward', [uniform([head.in, outs, head.frames, 0]), storage(gMean), storage(head.w), g],
        grid(head.in * head.frames));
      const sumOffsets = [];
      let sumCount = 0;
      for (const b of blocks) { sumOffsets.push(sumCount); sumCount += 2 * b.out; }
      const sums = scratch(sumCount);
      for (let n = blocks.length - 1; n >= 0; --n) {
        const b = blocks[n];
        const gh = scratch(b.out * b.framesOut);
        run('film_leaky_backward', [uniform([b.out, b.framesOut, tape.slope, sumOffsets[n]], [2]),
          g, storage(b.hidden), storage(b.gamma), gh, sums], [b.out]);
        if (n === 0) break;  // dL/d(audio) is not needed
        const gx = scratch(b.in * b.framesIn);
        run('conv1d_backward_input', [uniform([b.in, b.out, b.kernel, b.stride, b.dilation, b.padLeft, b.framesIn,
          b.framesOut]), gh, storage(b.convW), gx], grid(b.in * b.framesIn));
        run('residual_backward', [uniform([b.in, b.out, b.stride, b.depthwise ? 1 : 0, b.framesIn, b.framesOut, 0, 0]),
          g, storage(b.resW), gx], grid(b.in * b.framesIn));
        g = gx;
      }
      pass.end();
      const readBack = device.createBuffer({ size: Math.max(16, Math.ceil(sumCount / 4) * 16),
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      buffers.push(readBack);
      encoder.copyBufferToBuffer(sums, 0, readBack, 0, sumCount * 4);
      const t1 = performance.now();
      device.queue.submit([encoder.finish()]);
      const oom = await device.popErrorScope();
      const invalid = await device.popErrorScope();
      try {
        if (oom || invalid) throw new Error(`GpuBackward: ${(invalid || oom).message}`);
        await readBack.mapAsync(GPUMapMode.READ);
        const s = new Float32Array(readBack.getMappedRange().slice(0, sumCount * 4));
        readBack.unmap();
        const t2 = performance.now();
        // ---- JS: every block's FiLM linear map (dgamma, dbeta) -> z.
        blocks.forEach((b, n) => addLinearTranspose(gz, b.filmW, s.subarray(sumOffsets[n], sumOffsets[n] + 2 * b.out),
          zDim));
        this.lastTimings = { encodeMs: t1 - t0, gpuMs: t2 - t1, totalMs: performance.now() - t0 };
        return Float32Array.from(gz);
      } finally {
        for (const b of buffers) b.destroy();
      }
    }

    destroy() { this.device.destroy(); }
  }

  function sigmoid(x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }

  // out[i] += sum_o W[o][i] * g[o] for a Linear layer W: (rows, cols = out.length), row-major.
  function addLinearTranspose(out, w, g, cols) {
    for (let o = 0; o < g.length; ++o) {
      const go = g[o];
      if (go === 0) continue;
      const row = o * cols;
      for (let i = 0; i < cols; ++i) out[i] += w[row + i] * go;
    }
  }

  self.GpuBackward = GpuBackward;
})();
