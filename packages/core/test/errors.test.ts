import { describe, expect, it } from 'vitest';
import { check, InvalidArgumentError, DescentError } from '../src/index.js';

describe('errors', () => {
  it('names the parameter and the value like torch', () => {
    const e = new InvalidArgumentError('learning rate', -0.1);
    expect(e.message).toBe('Invalid learning rate: -0.1');
    expect(e).toBeInstanceOf(DescentError);
    expect(e.parameter).toBe('learning rate');
    expect(e.value).toBe(-0.1);
  });

  it('check throws with custom wording', () => {
    expect(() => check(false, 'beta parameter at index 1', 1.5)).toThrow('Invalid beta parameter at index 1: 1.5');
    expect(() => check(false, 'mode', 'up', 'mode "up" is unknown')).toThrow('mode "up" is unknown');
    expect(() => check(true, 'x', 1)).not.toThrow();
  });

  it('formats arrays and strings', () => {
    expect(new InvalidArgumentError('milestones', [3, 1]).message).toBe('Invalid milestones: [3, 1]');
    expect(new InvalidArgumentError('mode', 'up').message).toBe('Invalid mode: "up"');
  });
});
