import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, manualSeed, stateDictFromBinary, stateDictFromJSON, stateDictToBinary, stateDictToJSON, type HostTensor } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
// optim is not a dependency of nn; its source is imported directly (the same core and tfjs-core resolve).
import { AdamW, SGD } from '@descent/optim';
import {
  BatchNorm2d,
  Conv2d,
  Dropout,
  LoadStateDictError,
  Linear,
  Module,
  ReLU,
  Sequential,
  type StateDictInput,
} from '../../src/index.js';
import { cpu } from './setup.js';

beforeAll(cpu);

class Block extends Module {
  conv = this.registerModule('conv', new Conv2d(3, 4, 3, { padding: 1 }));
  bn = this.registerModule('bn', new BatchNorm2d(4));
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.relu(this.bn.forward(this.conv.forward(x))));
  }
}

class Flat extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.reshape(x, [x.shape[0], -1]);
  }
}

class Net extends Module {
  block = this.registerModule('block', new Block());
  head = this.registerModule('head', new Sequential({ flat: new Flat(), fc: new Linear(4 * 5 * 5, 3) }));
  scale = this.registerParameter('scale', tf.ones([3]));
  steps = this.registerBuffer('steps', tf.scalar(0, 'int32'));
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.mul(this.head.forward(this.block.forward(x)), this.scale));
  }
}

/** Every state value, read back, to prove that a failed load changed nothing. */
function snapshot(m: Module): Record<string, number[]> {
  return Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, Array.from(v.dataSync())]));
}

describe('Module tree', () => {
  it('names parameters, buffers and modules as torch does', () => {
    const net = new Net();
    // Own parameters first, then children pre-order (torch's named_parameters).
    expect(net.namedParameters().map(([n]) => n)).toEqual(['scale', 'block.conv.weight', 'block.conv.bias', 'block.bn.weight', 'block.bn.bias', 'head.fc.weight', 'head.fc.bias']);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['steps', 'block.bn.running_mean', 'block.bn.running_var', 'block.bn.num_batches_tracked']);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'block', 'block.conv', 'block.bn', 'head', 'head.flat', 'head.fc']);
    expect(net.namedChildren().map(([n]) => n)).toEqual(['block', 'head']);
    expect(net.children()).toEqual([net.block, net.head]);
    expect(net.namedParameters({ recurse: false }).map(([n]) => n)).toEqual(['scale']);
    expect(net.block.namedParameters({ prefix: 'model.block' }).map(([n]) => n)[0]).toBe('model.block.conv.weight');
    // state_dict: per module, its parameters then its buffers, modules pre-order.
    expect(Object.keys(net.stateDict())).toEqual([
      'scale',
      'steps',
      'block.conv.weight',
      'block.conv.bias',
      'block.bn.weight',
      'block.bn.bias',
      'block.bn.running_mean',
      'block.bn.running_var',
      'block.bn.num_batches_tracked',
      'head.fc.weight',
      'head.fc.bias',
    ]);
    expect(net.getSubmodule('block.bn')).toBe(net.block.bn);
    expect(net.getParameter('head.fc.weight')).toBe((net.head.at(1) as Linear).weight);
    expect(net.getBuffer('block.bn.running_var')).toBe(net.block.bn.runningVar);
    expect(() => net.getSubmodule('block.nope')).toThrow('Block has no attribute `nope`');
    expect(() => net.getParameter('block.bn.running_var')).toThrow('BatchNorm2d has no parameter `running_var`');
    net.dispose();
  });

  it('gives the state dict the live variables, parameters trainable and buffers not', () => {
    const net = new Net();
    const sd = net.stateDict();
    expect(sd['block.conv.weight']).toBe(net.block.conv.weight);
    expect(sd['block.bn.num_batches_tracked'].dtype).toBe('int32');
    for (const p of net.parameters()) expect(p.trainable).toBe(true);
    for (const b of net.buffers()) expect(b.trainable).toBe(false);
    net.dispose();
  });

  it('gives every variable a unique tfjs name, the torch name living in the tree', () => {
    const a = new Linear(2, 3);
    const b = new Linear(2, 3);
    const names = [...a.parameters(), ...b.parameters()].map((v) => v.name);
    expect(new Set(names).size).toBe(4);
    expect(a.weight.name).toMatch(/^descent\/\d+\/Linear\.weight$/);
    expect(tf.engine().registeredVariables[a.weight.name]).toBe(a.weight);
    a.dispose();
    b.dispose();
    expect(tf.engine().registeredVariables[a.weight.name]).toBeUndefined();
  });

  it('lists a shared parameter or module once (torch removes duplicates), and the state dict under every name', () => {
    const shared = new Linear(4, 4);
    const seq = new Sequential(shared, new ReLU(), shared);
    expect(seq.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias']);
    expect(seq.modules()).toHaveLength(3);
    expect(Object.keys(seq.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const x = tf.ones([1, 4]);
    expect(seq.forward(x).shape).toEqual([1, 4]);
    seq.dispose();
    x.dispose();
  });

  it('rejects bad names, duplicates, non-modules and cycles, naming the value', () => {
    const m = new Sequential();
    expect(() => m.registerParameter('a.b', tf.zeros([1]))).toThrow('parameter name can\'t contain ".", got: a.b');
    expect(() => m.registerBuffer('', tf.zeros([1]))).toThrow('buffer name can\'t be empty string ""');
    expect(() => m.registerModule(3 as unknown as string, new ReLU())).toThrow('module name should be a string. Got 3');
    m.registerModule('act', new ReLU());
    expect(() => m.registerParameter('act', tf.zeros([1]))).toThrow("attribute 'act' already exists");
    expect(() => m.registerModule('x', {} as Module)).toThrow(InvalidArgumentError);
    expect(() => m.registerParameter('w', [1, 2] as unknown as tf.Tensor)).toThrow("cannot assign [1, 2] as parameter 'w'");
    expect(() => m.registerParameter('w', tf.zeros([2, 3]), { torchPermutation: [0, 0] })).toThrow('torchPermutation of parameter');
    const outer = new Sequential(m);
    expect(() => m.registerModule('loop', outer)).toThrow("cannot register module 'loop': it contains this module");
    expect(() => m.registerModule('self', m)).toThrow("cannot register module 'self'");
    outer.dispose();
  });

  it('adopts a tf.Variable as is, and takes ownership of a plain tensor (no handle left behind)', () => {
    class M extends Module {
      forward(x: tf.Tensor) {
        return x.clone();
      }
    }
    const before = tf.memory().numTensors;
    const m = new M();
    const t = tf.ones([2, 2]);
    const p = m.registerParameter('p', t);
    expect(t.isDisposed).toBe(true);
    expect(p.dataSync()).toEqual(new Float32Array([1, 1, 1, 1]));
    const v = tf.variable(tf.zeros([3]), true, `adopted_${Date.now()}`);
    expect(m.registerBuffer('b', v)).toBe(v);
    expect(v.trainable).toBe(false);
    expect(m.registerParameter('none', null)).toBeNull();
    m.registerBuffer('scratch', tf.zeros([1]), { persistent: false });
    expect(m.namedParameters().map(([n]) => n)).toEqual(['p']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['b', 'scratch']);
    expect(Object.keys(m.stateDict())).toEqual(['p', 'b']);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before + 1); // the tf.zeros([3]) handle behind v is the caller's
  });

  it('train() and eval() set training everywhere; requiresGrad and apply reach every module', () => {
    const net = new Net();
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.block.bn.training).toBe(true);
    expect(() => net.train('no' as unknown as boolean)).toThrow('training mode is expected to be boolean');
    net.requiresGrad(false);
    expect(net.parameters().every((p) => !p.trainable)).toBe(true);
    net.requiresGrad();
    const seen: string[] = [];
    net.apply((m) => seen.push(m.constructor.name));
    expect(seen).toEqual(['Conv2d', 'BatchNorm2d', 'Block', 'Flat', 'Linear', 'Sequential', 'Net']);
    net.dispose();
  });

  it("prints like torch's repr", () => {
    const seq = new Sequential(new Linear(4, 2), new ReLU(), new Dropout(0.1));
    expect(seq.toString()).toBe('Sequential(\n  (0): Linear(inFeatures=4, outFeatures=2, bias=true)\n  (1): ReLU()\n  (2): Dropout(p=0.1)\n)');
    const nested = new Sequential({ block: new Sequential(new Conv2d(1, 2, 3, { padding: 1, bias: false })), bn: new BatchNorm2d(2) });
    expect(nested.toString()).toBe(
      [
        'Sequential(',
        '  (block): Sequential(',
        '    (0): Conv2d(1, 2, kernelSize=[3, 3], stride=[1, 1], padding=[1, 1], bias=false)',
        '  )',
        '  (bn): BatchNorm2d(2, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)',
        ')',
      ].join('\n'),
    );
    seq.dispose();
    nested.dispose();
  });
});

describe('loadStateDict', () => {
  it('copies live tensors from another model, and host tensors through JSON and binary state dicts', async () => {
    manualSeed(1);
    const a = new Net();
    manualSeed(2);
    const b = new Net();
    const c = new Net();
    expect(snapshot(a)).not.toEqual(snapshot(b));
    expect(b.loadStateDict(a.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(snapshot(b)).toEqual(snapshot(a));
    // b's variables hold their own handles: disposing a does not touch them.
    const want = snapshot(a);
    a.dispose();
    expect(snapshot(b)).toEqual(want);
    c.loadStateDict(stateDictFromJSON(await stateDictToJSON(b.stateDict())) as StateDictInput);
    expect(snapshot(c)).toEqual(want);
    manualSeed(3);
    const d = new Net();
    d.loadStateDict(stateDictFromBinary(await stateDictToBinary(b.stateDict())) as StateDictInput);
    expect(snapshot(d)).toEqual(want);
    b.dispose();
    c.dispose();
    d.dispose();
  });

  it('loads its own state dict and leaves no tensor behind', () => {
    const net = new Net();
    const want = snapshot(net);
    const before = tf.memory().numTensors;
    net.loadStateDict(net.stateDict());
    expect(tf.memory().numTensors).toBe(before);
    expect(snapshot(net)).toEqual(want);
    net.dispose();
  });

  it('copies host arrays: changing them afterwards does not reach the model', () => {
    const lin = new Linear(2, 1, { bias: false });
    const data = new Float32Array([1, 2]);
    lin.loadStateDict({ weight: { dtype: 'float32', shape: [2, 1], data } });
    data[0] = 100;
    expect(Array.from(lin.weight.dataSync())).toEqual([1, 2]);
    lin.dispose();
  });

  const host = (shape: number[], dtype: HostTensor['dtype'] = 'float32'): HostTensor => ({
    dtype,
    shape,
    data: dtype === 'float32' ? new Float32Array(shape.reduce((a, b) => a * b, 1)) : new Int32Array(shape.reduce((a, b) => a * b, 1)),
  });

  function dictOf(net: Module): Record<string, tf.Tensor | HostTensor> {
    return { ...net.stateDict() };
  }

  it.each([
    ['missing key', (d: Record<string, unknown>) => delete d['head.fc.bias'], 'Missing key(s) in state_dict: "head.fc.bias". '],
    ['unexpected key', (d: Record<string, unknown>) => (d['head.fc.extra'] = host([1])), 'Unexpected key(s) in state_dict: "head.fc.extra". '],
    [
      'shape mismatch',
      (d: Record<string, unknown>) => (d['head.fc.weight'] = host([3, 100])),
      'size mismatch for head.fc.weight: copying a param with shape [3, 100] from checkpoint, the shape in current model is [100, 3].',
    ],
    [
      'dtype mismatch',
      (d: Record<string, unknown>) => (d['block.bn.num_batches_tracked'] = host([], 'float32')),
      'dtype mismatch for block.bn.num_batches_tracked: copying a param of dtype float32 from checkpoint, the dtype in current model is int32.',
    ],
    ['a value that is not a tensor', (d: Record<string, unknown>) => (d.scale = [1, 1, 1]), 'While copying the parameter named "scale", expected a tensor, got [1, 1, 1].'],
    [
      'a host tensor whose data does not fill its shape',
      (d: Record<string, unknown>) => (d.scale = { dtype: 'float32', shape: [3], data: new Float32Array(2) }),
      'While copying the parameter named "scale", its shape [3] needs 3 values, but it holds 2.',
    ],
  ])('%s: throws naming the key, and changes nothing', (_label, tamper, message) => {
    manualSeed(4);
    const src = new Net();
    manualSeed(5);
    const dst = new Net();
    const before = snapshot(dst);
    const d = dictOf(src);
    tamper(d as Record<string, unknown>);
    let error: unknown;
    try {
      dst.loadStateDict(d);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LoadStateDictError);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toContain('Error(s) in loading state_dict for Net:\n\t');
    expect((error as Error).message).toContain(message);
    expect(snapshot(dst)).toEqual(before);
    src.dispose();
    dst.dispose();
  });

  it('lists every problem at once, missing keys first as torch does', () => {
    const net = new Net();
    const d = dictOf(net);
    delete d.scale;
    d.bogus = host([1]);
    d['head.fc.bias'] = host([4]);
    expect(() => net.loadStateDict(d)).toThrow(
      'Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: "scale". \n\tUnexpected key(s) in state_dict: "bogus". \n\tsize mismatch for head.fc.bias: copying a param with shape [4] from checkpoint, the shape in current model is [3].',
    );
    net.dispose();
  });

  it('strict: false loads what matches and returns the missing and unexpected keys; mismatches still throw', () => {
    manualSeed(6);
    const src = new Linear(3, 2);
    manualSeed(7);
    const dst = new Sequential(new Linear(3, 2));
    const renamed: Record<string, tf.Tensor | HostTensor> = { '0.weight': src.weight, extra: host([1]) };
    expect(dst.loadStateDict(renamed, { strict: false })).toEqual({ missingKeys: ['0.bias'], unexpectedKeys: ['extra'] });
    expect(Array.from((dst.at(0) as Linear).weight.dataSync())).toEqual(Array.from(src.weight.dataSync()));
    expect(() => dst.loadStateDict({ '0.weight': host([2, 3]) }, { strict: false })).toThrow('size mismatch for 0.weight');
    expect(() => dst.loadStateDict(null as unknown as StateDictInput)).toThrow('Expected state_dict to be an object of tensors, got null');
    src.dispose();
    dst.dispose();
  });

  it('rejects a disposed tensor', () => {
    const a = new Linear(2, 2);
    const b = new Linear(2, 2);
    const sd = a.stateDict();
    a.dispose();
    expect(() => b.loadStateDict(sd)).toThrow('While copying the parameter named "weight", its tensor is disposed.');
    b.dispose();
  });
});

describe('with @descent/optim', () => {
  it('trains with new AdamW(model.parameters()) and step(tf.variableGrads(...).grads), leaking nothing', () => {
    manualSeed(8);
    const model = new Sequential(new Conv2d(1, 4, 3), new BatchNorm2d(4), new ReLU(), new Dropout(0.2), new Linear(4, 2));
    const optimizer = new AdamW(model.parameters(), { lr: 1e-2 });
    const x = tf.randomNormal([4, 5, 5, 1], 0, 1, 'float32', 1);
    const y = tf.oneHot(tf.tensor1d([0, 1, 1, 0], 'int32'), 2);
    const lossOf = () => tf.losses.softmaxCrossEntropy(y, tf.mean(model.forward(x), [1, 2])) as tf.Scalar;
    const step = () => {
      const { value, grads } = tf.variableGrads(lossOf, model.parameters());
      expect(Object.keys(grads).sort()).toEqual(model.parameters().map((p) => p.name).sort());
      optimizer.step(grads);
      const loss = value.dataSync()[0];
      tf.dispose([value, ...Object.values(grads)]);
      return loss;
    };
    step(); // the optimizer's state tensors appear on the first step
    const before = tf.memory().numTensors;
    const losses = Array.from({ length: 15 }, step);
    expect(tf.memory().numTensors).toBe(before);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    expect(model.getBuffer('1.num_batches_tracked').dataSync()[0]).toBe(16);
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  });

  it("works with minimize() and the optimizer's own variable list", () => {
    const model = new Linear(3, 1);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const x = tf.ones([2, 3]);
    const before = Array.from(model.weight.dataSync());
    opt.minimize(() => tf.sum(model.forward(x)) as tf.Scalar);
    expect(Array.from(model.weight.dataSync())).not.toEqual(before);
    tf.dispose(x);
    opt.dispose();
    model.dispose();
  });
});
