// @descent/amp with @descent/backend-webgpu's amp kernels on WebGPU through Dawn on Mesa's lavapipe (which offers shader-f16):
// WGSL rounding and unscale kernels against their fallbacks, and autocast's native
// f16 matmul/conv2d against the emulated path. The drivers come from
// scripts/provision.d/webgpu.sh; a missing driver fails these tests, never skips them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { Generator, useBackend } from '@descent/core';
import { assertKernelMatchesFallback, randomTensor } from '@descent/core/testing';
import { registerWebGPUAmpKernels, WEBGPU_NATIVE_F16_KERNELS, webgpuAdapter } from '@descent/backend-webgpu';
import { useDriver } from '@descent/backend-webgpu/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { GradScaler, ampRoundHalf, ampUnscale, autocast, roundToBFloat16, roundToFloat16 } from '@descent/amp';

let setupError: unknown;
let nativeHalf = false;
const codes: string[] = [];
beforeAll(async () => {
  try {
    useDriver('lavapipe');
    await useBackend(webgpuAdapter);
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    nativeHalf = registerWebGPUAmpKernels().nativeHalf;
    // Record every shader compiled: the native kernels' must declare and use f16.
    const device = (tf.backend() as unknown as { device: { createShaderModule(d: { code: string }): unknown } }).device;
    const create = device.createShaderModule;
    device.createShaderModule = (d) => {
      codes.push(d.code);
      return create.call(device, d);
    };
  } catch (err) {
    setupError = err;
  }
});
const ready = () => {
  if (setupError) throw setupError;
};

const bitsOf = async (t: tf.Tensor) => Array.from(new Uint32Array(((await t.data()) as Float32Array).slice().buffer));
const hostRound = async (t: tf.Tensor, bf16 = false) => {
  const v = (await t.data()) as Float32Array;
  return Array.from(new Uint32Array((bf16 ? roundToBFloat16(v) : roundToFloat16(v)).buffer));
};

describe('amp on webgpu (lavapipe)', () => {
  it('runs on lavapipe with shader-f16, so autocast uses native f16 kernels', () => {
    ready();
    expect(tf.getBackend()).toBe('webgpu');
    expect(String(webgpuAdapter.capabilities.info.driver)).toMatch(/lavapipe|llvmpipe/i);
    expect(webgpuAdapter.capabilities.float16).toBe(true);
    expect(nativeHalf).toBe(true);
    // A CPU driver gets the barrier-free matmul by default.
    expect(registerWebGPUAmpKernels().matmul).toBe('simple');
  });

  it('the WGSL AmpRoundHalf kernel is bit-exact with the JS reference on every edge class', async () => {
    ready();
    const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'packages', 'amp', 'test', 'fixtures', 'rounding.json'), 'utf8')) as {
      cases: { name: string; input: number[]; float16: number[]; bfloat16: number[] }[];
    };
    for (const c of fixture.cases) {
      // NaNs included: the kernel works on the bits, so lavapipe keeps them as the reference does.
      const input = c.input;
      const x = tf.tensor(new Float32Array(Uint32Array.from(input).buffer));
      for (const bfloat16 of [false, true]) {
        const { y } = ampRoundHalf({ x }, { bfloat16 });
        const got = await bitsOf(y);
        const want = await hostRound(x, bfloat16);
        const bad = got.findIndex((v, i) => v !== want[i]);
        expect(bad, `${c.name} ${bfloat16 ? 'bf16' : 'f16'}: input 0x${input[bad]?.toString(16)} -> 0x${got[bad]?.toString(16)}, want 0x${want[bad]?.toString(16)}`).toBe(-1);
        y.dispose();
      }
      x.dispose();
    }
  });

  it('the WGSL AmpUnscale kernel equals its fallback, inf/NaN flags included', async () => {
    ready();
    await assertKernelMatchesFallback(ampUnscale, {
      runs: 12,
      rtol: 0,
      atol: 0,
      generate: (rng, run) => {
        const n = 1 + rng.randint(3000);
        const data = new Float32Array(n).map(() => rng.normal() * 10 ** (rng.randint(8) - 4));
        if (run % 3 === 1) data[rng.randint(n)] = run % 2 ? NaN : Infinity;
        return { inputs: { grad: tf.tensor(data) }, attrs: { invScale: [2 ** -16, 1 / 3][run % 2] } };
      },
    });
    const scaler = new GradScaler({ initScale: 4 });
    const opt = { steps: 0, step() { this.steps++; } };
    expect(await scaler.step(opt, { w: tf.tensor1d([1, 2, Infinity]) })).toBe(false);
    scaler.update();
    expect(await scaler.step(opt, { w: tf.tensor1d([1, 2, 3]) })).toBe(true);
    expect(opt.steps).toBe(1);
  });

  it.each(['simple', 'tiled'] as const)('native f16 matMul, %s kernel (f16 storage, f32 accumulation), agrees with the emulated path', async (matmul) => {
    ready();
    expect(registerWebGPUAmpKernels({ matmul }).matmul).toBe(matmul);
    const rng = new Generator(11);
    const stats: string[] = [];
    for (const [shapeA, shapeB, tA, tB] of [
      [[33, 70], [70, 17], false, false],
      [[70, 33], [17, 70], true, true],
      [[3, 8, 40], [3, 40, 9], false, false],
      [[2, 5, 64], [64, 7], false, false],
    ] as [number[], number[], boolean, boolean][]) {
      const a = randomTensor(rng, shapeA);
      const b = randomTensor(rng, shapeB);
      const native = autocast(() => tf.matMul(a, b, tA, tB));
      registerWebGPUAmpKernels({ nativeHalf: false });
      const emulated = autocast(() => tf.matMul(a, b, tA, tB));
      registerWebGPUAmpKernels({ matmul });
      expect(native.shape).toEqual(emulated.shape);
      const n = (await native.data()) as Float32Array;
      const e = (await emulated.data()) as Float32Array;
      // Both on the f16 grid; summation order may move a result by one half-ulp step.
      expect(Array.from(roundToFloat16(n))).toEqual(Array.from(n));
      let equal = 0;
      for (let i = 0; i < n.length; i++) {
        const ulp = 2 ** (Math.floor(Math.log2(Math.max(Math.abs(e[i]), 2 ** -14))) - 10);
        expect(Math.abs(n[i] - e[i]), `[${i}] ${n[i]} vs ${e[i]}`).toBeLessThanOrEqual(ulp);
        if (n[i] === e[i]) equal++;
      }
      expect(equal / n.length).toBeGreaterThan(0.9);
      stats.push(`${shapeA}x${shapeB}: ${equal}/${n.length} equal`);
      tf.dispose([a, b, native, emulated]);
    }
    expect(codes.some((c) => c.includes('enable f16;') && c.includes('bitcast<vec2<f16>>') && c.includes('load_B'))).toBe(true);
    // 'simple' runs first: no tiled shader exists until the 'tiled' case compiles one.
    expect(codes.some((c) => c.includes('tileA'))).toBe(matmul === 'tiled');
    console.log(`native (${matmul}) vs emulated f16 matmul on lavapipe: ${stats.join('; ')}`);
    registerWebGPUAmpKernels();
  });

  it('native f16 conv2d agrees with the emulated path; overflow gives Infinity', async () => {
    ready();
    const rng = new Generator(12);
    const x = randomTensor(rng, [2, 9, 9, 3]);
    const k = randomTensor(rng, [3, 3, 3, 5]);
    const run = () => autocast(() => tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, [2, 1], 'same'));
    const native = run();
    registerWebGPUAmpKernels({ nativeHalf: false });
    const emulated = run();
    registerWebGPUAmpKernels();
    const n = (await native.data()) as Float32Array;
    const e = (await emulated.data()) as Float32Array;
    expect(native.shape).toEqual([2, 5, 9, 5]);
    expect(codes.some((c) => c.includes('enable f16;') && c.includes('load_F'))).toBe(true);
    for (let i = 0; i < n.length; i++) {
      const ulp = 2 ** (Math.floor(Math.log2(Math.max(Math.abs(e[i]), 2 ** -14))) - 10);
      expect(Math.abs(n[i] - e[i])).toBeLessThanOrEqual(ulp);
    }
    const big = autocast(() => tf.matMul(tf.fill([1, 4], 200), tf.fill([4, 1], 200)));
    expect((await big.data())[0]).toBe(Infinity);
    tf.dispose([x, k, native, emulated, big]);
  });

  it('trains through autocast on webgpu: half gradients, float32 weights', async () => {
    ready();
    const rng = new Generator(13);
    const x = randomTensor(rng, [16, 20]);
    const w = tf.variable(randomTensor(rng, [20, 4]), true, 'gpu_w');
    const { grads } = autocast(() => tf.variableGrads(() => tf.mean(tf.square(tf.matMul(x, w))) as tf.Scalar));
    const g = (await grads.gpu_w.data()) as Float32Array;
    expect(Array.from(roundToFloat16(g))).toEqual(Array.from(g));
    expect(w.dtype).toBe('float32');
    tf.dispose([x, w, grads.gpu_w]);
  });
});
