// What every driver must do: report itself, agree with tfjs's cpu and wasm
// backends on matmuls and MLP gradients, and train without leaking tensors.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { activeAdapter, useBackend } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { webgpuAdapter } from '../src/index.js';
import { useDriver, type Driver } from '../src/testing.js';
import { fixedValues, matmuls, mlpGradients, mlpInputs, mlpLoss, mlpParams, worstError, type Result } from './workload.js';

// float32: the backends sum in different orders and use different exp/log.
const RTOL = 1e-5;
const ATOL = 1e-5;

async function on<T>(backend: string, fn: () => Promise<T>): Promise<T> {
  expect(await tf.setBackend(backend)).toBe(true);
  return fn();
}

export interface DriverExpectation {
  driver: string;
  /** Matches vendor/architecture/description. */
  pattern: RegExp;
  float16: boolean;
}

export function driverSuite(driver: Driver, want: DriverExpectation): void {
  describe(`webgpu on ${want.driver} (Dawn, Node)`, () => {
    let reference: { cpu: Result; wasm: Result }[] = [];
    // A failed setup (no adapter, say) must fail every test, not leave them skipped.
    let setupError: unknown;
    const ready = (): void => {
      if (setupError) throw setupError;
    };

    beforeAll(async () => {
      try {
        await setUp();
      } catch (err) {
        setupError = err;
      }
    });

    async function setUp(): Promise<void> {
      useDriver(driver);
      const cpu = { mm: await on('cpu', matmuls), grads: await on('cpu', mlpGradients) };
      const wasm = { mm: await on('wasm', matmuls), grads: await on('wasm', mlpGradients) };
      reference = [
        { cpu: cpu.mm, wasm: wasm.mm },
        { cpu: cpu.grads, wasm: wasm.grads },
      ];
      await useBackend(webgpuAdapter);
      // Make tfjs-webgpu run every op on the GPU: by default it computes small
      // ops on fresh CPU data on the CPU, which would test nothing here.
      tf.env().set('WEBGPU_CPU_FORWARD', false);
    }

    it('activates through useBackend and reports the driver, shader-f16 and limits', () => {
      ready();
      expect(tf.getBackend()).toBe('webgpu');
      expect(activeAdapter()).toBe(webgpuAdapter);
      const { info, float16, limits } = webgpuAdapter.capabilities;
      expect(info.runtime).toBe('node (Dawn)');
      expect(info.driver).toBe(want.driver);
      expect(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`).toMatch(want.pattern);
      expect(float16).toBe(want.float16);
      expect(String(info.features).split(',').includes('shader-f16')).toBe(want.float16);
      expect(limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
      expect(limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
    });

    it('matmul, with either operand transposed and batched, agrees with cpu and wasm', async () => {
      ready();
      const got = await matmuls();
      for (const ref of [reference[0].cpu, reference[0].wasm]) {
        const worst = worstError(got, ref, RTOL, ATOL);
        expect(worst.ratio, worst.name).toBeLessThanOrEqual(1);
      }
      // The references themselves agree, so the comparison means something.
      expect(worstError(reference[0].wasm, reference[0].cpu, RTOL, ATOL).ratio).toBeLessThanOrEqual(1);
      expect(got.abT.values.some((v) => v !== 0)).toBe(true);
    });

    it('tf.grad of a 2-layer ReLU MLP with softmax cross-entropy agrees with cpu and wasm', async () => {
      ready();
      const got = await mlpGradients();
      expect(Object.keys(got).sort()).toEqual(['db1', 'db2', 'dw1', 'dw2', 'dx', 'loss']);
      for (const ref of [reference[1].cpu, reference[1].wasm]) {
        const worst = worstError(got, ref, RTOL, ATOL);
        expect(worst.ratio, worst.name).toBeLessThanOrEqual(1);
      }
      expect(got.loss.values[0]).toBeGreaterThan(1); // about ln(10) for a fresh net
    });

    it('trains with SGD without leaking tensors or GPU memory across steps', async () => {
      ready();
      const { x, labels } = mlpInputs();
      const init = mlpParams();
      const p = {
        w1: tf.variable(init.w1, true, `w1_${driver}`),
        b1: tf.variable(init.b1, true, `b1_${driver}`),
        w2: tf.variable(init.w2, true, `w2_${driver}`),
        b2: tf.variable(init.b2, true, `b2_${driver}`),
      };
      tf.dispose(Object.values(init));
      const lr = tf.scalar(0.5);
      const step = async (): Promise<number> => {
        const loss = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => mlpLoss(x, labels, p));
          for (const v of Object.values(p)) v.assign(tf.sub(v, tf.mul(grads[v.name], lr)));
          return value;
        });
        const value = (await loss.data())[0];
        loss.dispose();
        return value;
      };
      const losses = [await step(), await step()];
      const before = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
      for (let i = 0; i < 5; i++) losses.push(await step());
      const after = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numDataBuffers).toBe(before.numDataBuffers);
      expect(after.numBytes).toBe(before.numBytes);
      expect(after.numBytesInGPU).toBe(before.numBytesInGPU);
      expect(losses.at(-1)!).toBeLessThan(losses[0]); // it learns
      tf.dispose([x, labels, lr, ...Object.values(p)]);
    });

    it('runs a large matmul on the GPU and reads it back asynchronously', async () => {
      ready();
      const [m, k, n] = [300, 200, 100];
      const [av, bv] = [fixedValues(m * k, 21), fixedValues(k * n, 22)];
      const c = tf.matMul(tf.tensor2d(av, [m, k]), tf.tensor2d(bv, [k, n]));
      const values = await c.data();
      expect(values.length).toBe(m * n);
      // A few elements against float64 sums on the host.
      for (const [row, col] of [[0, 0], [123, 45], [m - 1, n - 1]]) {
        let sum = 0;
        for (let i = 0; i < k; i++) sum += av[row * k + i] * bv[i * n + col];
        expect(Math.abs(values[row * n + col] - sum)).toBeLessThan(1e-4 * (1 + Math.abs(sum)));
      }
      tf.dispose(c);
    });
  });
}
