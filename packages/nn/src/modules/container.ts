import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, formatValue } from '@descent/core';
import { Module } from '../module.js';
import { ReLU } from './activation.js';
import { Conv2d } from './conv.js';
import { Linear } from './linear.js';

/**
 * torch.nn.Sequential: runs its modules in order. `new Sequential(a, b, c)` names
 * them '0', '1', '2'; `new Sequential({ fc1, act, fc2 })` uses the keys (torch's
 * OrderedDict form), so state-dict keys are `0.weight` or `fc1.weight` as in torch.
 */
export class Sequential extends Module {
  constructor(modules: Record<string, Module>);
  constructor(...modules: Module[]);
  constructor(...args: Module[] | [Record<string, Module>]) {
    super();
    const first = args[0];
    if (args.length === 1 && first !== null && typeof first === 'object' && !(first instanceof Module)) {
      for (const [name, m] of Object.entries(first as Record<string, Module>)) this.#add(name, m);
    } else {
      (args as Module[]).forEach((m, i) => this.#add(String(i), m));
    }
  }

  #add(name: string, module: Module): void {
    if (!(module instanceof Module)) throw new InvalidArgumentError('modules', module, `Sequential: ${formatValue(module)} (at ${JSON.stringify(name)}) is not a Module subclass`);
    this.registerModule(name, module);
  }

  /** How many modules it runs. */
  get length(): number {
    return this.namedChildren().length;
  }

  /** torch's `seq[i]`: the i-th module (negative counts from the end). */
  at(index: number): Module {
    const children = this.children();
    const i = Number.isInteger(index) && index < 0 ? index + children.length : index;
    if (!Number.isInteger(i) || i < 0 || i >= children.length) throw new InvalidArgumentError('index', index, `index ${index} is out of range`);
    return children[i];
  }

  /** torch's `append`: adds a module named by its position. */
  append(module: Module): this {
    this.#add(String(this.length), module);
    return this;
  }

  /** The children in order: `for (const layer of seq)`. */
  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }

  forward(x: tf.Tensor): tf.Tensor {
    const children = this.children();
    // One tidy frees the intermediate results and keeps only the last.
    return tf.tidy(() => {
      let y = x.clone();
      for (let i = 0; i < children.length; i++) {
        const m = children[i];
        if (absorbsRelu(m, children[i + 1])) {
          y = m.forwardActivated(y, 'relu');
          i++;
        } else {
          y = m.forward(y);
        }
      }
      return y;
    });
  }
}

/**
 * Linear or Conv2d followed by ReLU runs as one fused kernel, with the same
 * values and gradients as the two modules (relu'(x) = step(relu(x))). Only
 * for the modules' own forward methods: a subclass that overrides one runs as written.
 */
function absorbsRelu(m: Module, next: Module | undefined): m is Linear | Conv2d {
  if (!(next instanceof ReLU) || next.forward !== ReLU.prototype.forward) return false;
  return (m instanceof Linear && m.forward === Linear.prototype.forward) || (m instanceof Conv2d && m.forward === Conv2d.prototype.forward);
}
