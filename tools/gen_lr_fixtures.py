"""Reference learning rates for @descent/lr-schedule, from real PyTorch (Debian's python3-torch 1.13).

Run: /usr/bin/python3 tools/gen_lr_fixtures.py
Writes packages/lr-schedule/test/fixtures/<family>.json.

Every case builds a real optimizer with two param groups (torch.optim.SGD with
momentum, or torch.optim.Adam where OneCycleLR cycles betas), steps the scheduler
(calling optimizer.step() first, as torch asks) and records get_last_lr() after
construction and after every step, plus momentum or beta1 where they cycle.
Halfway through, it checkpoints: a fresh optimizer and scheduler are built, the
optimizer's and the scheduler's state dicts are loaded (torch's documented
resume order) and the run continues; the resumed lrs are recorded too.

Options are written with the TypeScript names (lowerCamelCase) so the tests can
build the same scheduler. Functions (lr lambdas, CyclicLR's scale_fn) are named
here and re-declared by name in the tests.

HuggingFace schedules: transformers is not installed here, so its formulas are
transcribed from transformers' src/transformers/optimization.py (the
`_get_*_lr_lambda` helpers, main branch) into plain lambdas and run inside
torch's own LambdaLR, exactly as transformers does.
"""
import json
import math
import os
import warnings

import torch
from torch.optim import SGD, Adam
from torch.optim import lr_scheduler as S

warnings.simplefilter('ignore')
torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'packages', 'lr-schedule', 'test', 'fixtures')

# ---------- named functions shared with the tests ----------
LAMBDAS = {
    'pow095': lambda e: 0.95 ** e,
    'invFloor10': lambda e: 1.0 / (1 + e // 10),
    'warmupInvSqrt': lambda e: (e + 1) / 5 if e < 5 else 1 / math.sqrt(e - 3),
    'const095': lambda e: 0.95,
    'alternate': lambda e: 0.9 if e % 2 else 1.02,
}
SCALE_FNS = {
    'inverseLinear': lambda x: 1 / (1 + 0.1 * x),
    'halfPerCycle': lambda x: 0.5 ** (x - 1),
}


# ---------- transformers' formulas (src/transformers/optimization.py) ----------
def hf_constant(_=None):
    # _get_constant_lambda
    return 1


def hf_constant_warmup(step, *, num_warmup_steps):
    # _get_constant_schedule_with_warmup_lr_lambda
    if step < num_warmup_steps:
        return float(step) / float(max(1.0, num_warmup_steps))
    return 1.0


def hf_linear(step, *, num_warmup_steps, num_training_steps):
    # _get_linear_schedule_with_warmup_lr_lambda
    if step < num_warmup_steps:
        return float(step) / float(max(1, num_warmup_steps))
    return max(0.0, float(num_training_steps - step) / float(max(1, num_training_steps - num_warmup_steps)))


def hf_cosine(step, *, num_warmup_steps, num_training_steps, num_cycles, min_lr_rate=0.0):
    # _get_cosine_schedule_with_warmup_lr_lambda (the definition with min_lr_rate, which shadows the first)
    if step < num_warmup_steps:
        return float(step) / float(max(1, num_warmup_steps))
    progress = float(step - num_warmup_steps) / float(max(1, num_training_steps - num_warmup_steps))
    factor = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
    factor = factor * (1 - min_lr_rate) + min_lr_rate
    return max(0, factor)


def hf_hard_restarts(step, *, num_warmup_steps, num_training_steps, num_cycles):
    # _get_cosine_with_hard_restarts_schedule_with_warmup_lr_lambda
    if step < num_warmup_steps:
        return float(step) / float(max(1, num_warmup_steps))
    progress = float(step - num_warmup_steps) / float(max(1, num_training_steps - num_warmup_steps))
    if progress >= 1.0:
        return 0.0
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * ((float(num_cycles) * progress) % 1.0))))


def hf_polynomial(step, *, num_warmup_steps, num_training_steps, lr_end, power, lr_init):
    # _get_polynomial_decay_schedule_with_warmup_lr_lambda
    if step < num_warmup_steps:
        return float(step) / float(max(1, num_warmup_steps))
    elif step > num_training_steps:
        return lr_end / lr_init
    else:
        lr_range = lr_init - lr_end
        decay_steps = num_training_steps - num_warmup_steps
        pct_remaining = 1 - (step - num_warmup_steps) / decay_steps
        decay = lr_range * pct_remaining**power + lr_end
        return decay / lr_init


def hf_inverse_sqrt(step, *, num_warmup_steps, timescale):
    # _get_inverse_sqrt_schedule_lr_lambda
    if step < num_warmup_steps:
        return float(step) / float(max(1, num_warmup_steps))
    shift = timescale - num_warmup_steps
    decay = 1.0 / math.sqrt((step + shift) / timescale)
    return decay


def hf_wsd(step, *, num_warmup_steps, num_stable_steps, num_decay_steps, warmup_type, decay_type, min_lr_ratio, num_cycles):
    # _get_wsd_scheduler_lambda
    if step < num_warmup_steps:
        progress = float(step) / float(max(1, num_warmup_steps))
        if warmup_type == 'linear':
            factor = progress
        elif warmup_type == 'cosine':
            factor = 0.5 * (1.0 - math.cos(math.pi * progress))
        elif warmup_type == '1-sqrt':
            factor = 1.0 - math.sqrt(1.0 - progress)
        factor = factor * (1.0 - min_lr_ratio) + min_lr_ratio
        return max(0.0, factor)
    if step < num_warmup_steps + num_stable_steps:
        return 1.0
    if step < num_warmup_steps + num_stable_steps + num_decay_steps:
        progress = float(step - num_warmup_steps - num_stable_steps) / float(max(1, num_decay_steps))
        if decay_type == 'linear':
            factor = 1.0 - progress
        elif decay_type == 'cosine':
            factor = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
        elif decay_type == '1-sqrt':
            factor = 1.0 - math.sqrt(progress)
        factor = factor * (1.0 - min_lr_ratio) + min_lr_ratio
        return max(0.0, factor)
    return min_lr_ratio


def hf_lambda(fn, o, opt):
    """The transformers function's argument handling, then its lambda."""
    w = o.get('numWarmupSteps', 0)
    t = o.get('numTrainingSteps')
    if fn == 'getConstantSchedule':
        return hf_constant
    if fn == 'getConstantScheduleWithWarmup':
        return lambda s: hf_constant_warmup(s, num_warmup_steps=w)
    if fn == 'getLinearScheduleWithWarmup':
        return lambda s: hf_linear(s, num_warmup_steps=w, num_training_steps=t)
    if fn == 'getCosineScheduleWithWarmup':
        c = o.get('numCycles', 0.5)
        return lambda s: hf_cosine(s, num_warmup_steps=w, num_training_steps=t, num_cycles=c)
    if fn == 'getCosineWithHardRestartsScheduleWithWarmup':
        c = o.get('numCycles', 1)
        return lambda s: hf_hard_restarts(s, num_warmup_steps=w, num_training_steps=t, num_cycles=c)
    if fn == 'getPolynomialDecayScheduleWithWarmup':
        lr_init = opt.defaults['lr']
        e, p = o.get('lrEnd', 1e-7), o.get('power', 1.0)
        return lambda s: hf_polynomial(s, num_warmup_steps=w, num_training_steps=t, lr_end=e, power=p, lr_init=lr_init)
    if fn == 'getInverseSqrtSchedule':
        ts = o.get('timescale') or (w or 10_000)
        return lambda s: hf_inverse_sqrt(s, num_warmup_steps=w, timescale=ts)
    if fn == 'getCosineWithMinLrScheduleWithWarmup':
        rate = o['minLr'] / opt.defaults['lr'] if 'minLr' in o else o['minLrRate']
        c = o.get('numCycles', 0.5)
        return lambda s: hf_cosine(s, num_warmup_steps=w, num_training_steps=t, num_cycles=c, min_lr_rate=rate)
    if fn == 'getWsdSchedule':
        stable = o['numStableSteps'] if 'numStableSteps' in o else t - w - o['numDecaySteps']
        kw = dict(num_warmup_steps=w, num_stable_steps=stable, num_decay_steps=o['numDecaySteps'],
                  warmup_type=o.get('warmupType', 'linear'), decay_type=o.get('decayType', 'cosine'),
                  min_lr_ratio=o.get('minLrRatio', 0), num_cycles=o.get('numCycles', 0.5))
        return lambda s: hf_wsd(s, **kw)
    raise ValueError(fn)


# ---------- building optimizers and schedulers from the JSON spec ----------
SGD_GROUPS = [{'lr': 0.1, 'momentum': 0.9}, {'lr': 0.05, 'momentum': 0.8}]
ADAM_GROUPS = [{'lr': 0.01, 'betas': [0.9, 0.999]}, {'lr': 0.002, 'betas': [0.85, 0.99]}]


def make_optimizer(spec):
    params = [torch.nn.Parameter(torch.zeros(2)) for _ in spec['groups']]
    groups = []
    for p, g in zip(params, spec['groups']):
        g = dict(g)
        if 'betas' in g:
            g['betas'] = tuple(g['betas'])
        groups.append({'params': [p], **g})
    if spec['kind'] == 'adam':
        return Adam(groups, lr=spec['defaults']['lr'])
    return SGD(groups, **spec['defaults'])


def snake(name):
    return ''.join('_' + c.lower() if c.isupper() else c for c in name)


RENAME = {'tMax': 'T_max', 't0': 'T_0', 'tMult': 'T_mult'}


def kwargs_of(options):
    out = {}
    for k, v in options.items():
        if k == 'lrLambda':
            v = [LAMBDAS[n] for n in v] if isinstance(v, list) else LAMBDAS[v]
        if k == 'scaleFn':
            v = SCALE_FNS[v]
        out[RENAME.get(k, snake(k))] = v
    return out


def make_scheduler(spec, opt):
    kind = spec['scheduler']
    o = spec.get('options', {})
    if kind.startswith('hf:'):
        return S.LambdaLR(opt, hf_lambda(kind[3:], o, opt), last_epoch=-1)
    if kind == 'SequentialLR':
        children = [make_scheduler(c, opt) for c in o['schedulers']]
        return S.SequentialLR(opt, schedulers=children, milestones=o['milestones'])
    if kind == 'ChainedScheduler':
        return S.ChainedScheduler([make_scheduler(c, opt) for c in o['schedulers']])
    return getattr(S, kind)(opt, **kwargs_of(o))


def clean(v):
    """JSON-safe: non-finite floats become strings the tests revive; tuples become lists."""
    if isinstance(v, float) and not math.isfinite(v):
        return 'NaN' if math.isnan(v) else ('Infinity' if v > 0 else '-Infinity')
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    return v


STATE_KEYS = {'last_epoch': 'lastEpoch', 'base_lrs': 'baseLrs', '_last_lr': 'lastLr', '_step_count': 'stepCount',
              'best': 'best', 'num_bad_epochs': 'numBadEpochs', 'cooldown_counter': 'cooldownCounter',
              'T_i': 'tI', 'T_cur': 'tCur'}


def record(opt, sched, spec):
    # ReduceLROnPlateau has no get_last_lr() in torch 1.13: read the groups.
    row = {'lr': list(sched.get_last_lr()) if hasattr(sched, 'get_last_lr') else [g['lr'] for g in opt.param_groups]}
    if spec.get('track') == 'momentum':
        row['momentum'] = [g['momentum'] for g in opt.param_groups]
    if spec.get('track') == 'betas':
        row['beta1'] = [g['betas'][0] for g in opt.param_groups]
    return row


def advance(opt, sched, spec, i):
    opt.step()
    if 'metrics' in spec:
        sched.step(spec['metrics'][i])
    elif 'epochs' in spec:
        sched.step(spec['epochs'][i])
    else:
        sched.step()


def run(spec):
    opt = make_optimizer(spec['optimizer'])
    sched = make_scheduler(spec, opt)
    rows = [record(opt, sched, spec)]
    at = spec['checkpointAt']
    resumed = None
    for i in range(spec['steps']):
        advance(opt, sched, spec, i)
        rows.append(record(opt, sched, spec))
        if i + 1 == at:
            sd = sched.state_dict()
            osd = opt.state_dict()
            state = {STATE_KEYS[k]: v for k, v in sd.items() if k in STATE_KEYS}
            # Resume: build fresh, then load the optimizer's and the scheduler's states.
            opt2 = make_optimizer(spec['optimizer'])
            sched2 = make_scheduler(spec, opt2)
            opt2.load_state_dict(osd)
            sched2.load_state_dict(sd)
            resumed = []
            for j in range(at, spec['steps']):
                advance(opt2, sched2, spec, j)
                resumed.append(record(opt2, sched2, spec))
    out = dict(spec)
    out['expected'] = {k: [r[k] for r in rows] for k in rows[0]}
    out['checkpoint'] = {'state': state, 'resumed': {k: [r[k] for r in resumed] for k in resumed[0]}}
    return clean(out)


def case(name, scheduler, options=None, steps=45, optimizer='sgd', **extra):
    opt = {'kind': 'sgd', 'defaults': {'lr': 0.1, 'momentum': 0.9}, 'groups': SGD_GROUPS}
    if optimizer == 'adam':
        opt = {'kind': 'adam', 'defaults': {'lr': 0.01}, 'groups': ADAM_GROUPS}
    spec = {'name': name, 'scheduler': scheduler, 'options': options or {}, 'optimizer': opt, 'steps': steps,
            'checkpointAt': extra.pop('checkpointAt', steps // 2)}
    spec.update(extra)
    return spec


NAN = float('nan')
# A loss that falls, stalls, gets a NaN, falls again and stalls for good.
LOSS = [1.0, 0.9, 0.8, 0.8, 0.8, 0.79999, 0.8, 0.81, 0.7, 0.7, NAN, 0.7, 0.7, 0.7, 0.69, 0.6, 0.6, 0.6, 0.6, 0.6,
        0.6, 0.55, 0.5, 0.5, 0.5, 0.5, NAN, NAN, 0.5, 0.5, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45,
        0.45, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45]
ACC = [0.1, 0.2, 0.3, 0.35, 0.36, 0.37, 0.37, 0.5, 0.5, 0.5, 0.5, 0.5, 0.7, 0.71, 0.72, 0.72, 0.72, NAN, 0.72, 0.8,
       0.8, 0.8, 0.8, 0.8, 0.8, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95,
       0.95, 0.95, 0.95, 0.95, 0.95]

FAMILIES = {
    'lambda-lr': [
        case('per-group lambdas', 'LambdaLR', {'lrLambda': ['pow095', 'invFloor10']}),
        case('one lambda, warmup then 1/sqrt', 'LambdaLR', {'lrLambda': 'warmupInvSqrt'}, steps=50),
    ],
    'multiplicative-lr': [
        case('constant factor', 'MultiplicativeLR', {'lrLambda': 'const095'}),
        case('per-group factors', 'MultiplicativeLR', {'lrLambda': ['const095', 'alternate']}, steps=50),
    ],
    'step-lr': [
        case('stepSize 10, gamma 0.5', 'StepLR', {'stepSize': 10, 'gamma': 0.5}, steps=50),
        case('stepSize 1 (every step)', 'StepLR', {'stepSize': 1, 'gamma': 0.9}),
        case('stepSize 7, default gamma', 'StepLR', {'stepSize': 7}),
    ],
    'multi-step-lr': [
        case('milestones', 'MultiStepLR', {'milestones': [5, 15, 30], 'gamma': 0.5}),
        case('repeated milestones', 'MultiStepLR', {'milestones': [10, 10, 25, 25, 25], 'gamma': 0.7}),
    ],
    'constant-lr': [
        case('factor 0.5 for 4', 'ConstantLR', {'factor': 0.5, 'totalIters': 4}),
        case('defaults', 'ConstantLR', {}),
    ],
    'linear-lr': [
        case('warmup 0.25 to 1 over 10', 'LinearLR', {'startFactor': 0.25, 'endFactor': 1.0, 'totalIters': 10}),
        case('decay 1 to 0.1 over 30', 'LinearLR', {'startFactor': 1.0, 'endFactor': 0.1, 'totalIters': 30}),
        case('defaults', 'LinearLR', {}),
    ],
    'exponential-lr': [
        case('gamma 0.9', 'ExponentialLR', {'gamma': 0.9}),
        case('gamma 1.05', 'ExponentialLR', {'gamma': 1.05}, steps=40),
    ],
    'polynomial-lr': [
        case('power 2 over 30, stepped past the end', 'PolynomialLR', {'totalIters': 30, 'power': 2.0}),
        case('defaults', 'PolynomialLR', {}, steps=40),
        case('power 0.5 over 40', 'PolynomialLR', {'totalIters': 40, 'power': 0.5}),
    ],
    'cosine-annealing-lr': [
        case('tMax 10, stepped well past tMax', 'CosineAnnealingLR', {'tMax': 10}, steps=50),
        case('tMax 40 with etaMin', 'CosineAnnealingLR', {'tMax': 40, 'etaMin': 0.001}, steps=60),
    ],
    'cosine-annealing-warm-restarts': [
        case('t0 10, tMult 1, etaMin', 'CosineAnnealingWarmRestarts', {'t0': 10, 'etaMin': 0.001}),
        case('t0 3, tMult 2', 'CosineAnnealingWarmRestarts', {'t0': 3, 'tMult': 2}, steps=60),
        case('fractional epochs', 'CosineAnnealingWarmRestarts', {'t0': 2, 'tMult': 2, 'etaMin': 0.0001}, steps=48,
             epochs=[(i + 1) / 4 for i in range(48)]),
    ],
    'cyclic-lr': [
        case('triangular with momentum', 'CyclicLR', {'baseLr': [0.01, 0.02], 'maxLr': [0.1, 0.2], 'stepSizeUp': 5},
             steps=50, track='momentum'),
        case('triangular2, uneven up/down', 'CyclicLR',
             {'baseLr': 0.001, 'maxLr': 0.01, 'stepSizeUp': 4, 'stepSizeDown': 6, 'mode': 'triangular2',
              'baseMomentum': [0.8, 0.7], 'maxMomentum': [0.95, 0.9]}, steps=50, track='momentum'),
        case('exp_range', 'CyclicLR', {'baseLr': 0.01, 'maxLr': 0.1, 'stepSizeUp': 6, 'mode': 'exp_range', 'gamma': 0.97},
             steps=50, track='momentum'),
        case('custom scaleFn on iterations', 'CyclicLR',
             {'baseLr': 0.01, 'maxLr': 0.1, 'stepSizeUp': 3, 'scaleFn': 'inverseLinear', 'scaleMode': 'iterations'},
             steps=45, track='momentum'),
        case('custom scaleFn on cycles, no momentum', 'CyclicLR',
             {'baseLr': 0.01, 'maxLr': 0.1, 'stepSizeUp': 5, 'scaleFn': 'halfPerCycle', 'cycleMomentum': False}, steps=45),
    ],
    'one-cycle-lr': [
        case('cos, momentum, stepped exactly totalSteps times', 'OneCycleLR', {'maxLr': [0.1, 0.2], 'totalSteps': 50},
             steps=50, track='momentum'),
        case('linear, threePhase, Adam betas', 'OneCycleLR',
             {'maxLr': 0.01, 'totalSteps': 45, 'annealStrategy': 'linear', 'threePhase': True, 'pctStart': 0.25},
             steps=45, optimizer='adam', track='betas'),
        case('epochs x stepsPerEpoch, cos, Adam betas', 'OneCycleLR',
             {'maxLr': [0.02, 0.01], 'epochs': 5, 'stepsPerEpoch': 9, 'divFactor': 10.0, 'finalDivFactor': 100.0,
              'baseMomentum': 0.8, 'maxMomentum': 0.9}, steps=44, optimizer='adam', track='betas'),
        case('no momentum cycling, three phase cos', 'OneCycleLR',
             {'maxLr': 0.5, 'totalSteps': 40, 'threePhase': True, 'cycleMomentum': False}, steps=40),
    ],
    'sequential-lr': [
        case('linear warmup then exponential', 'SequentialLR',
             {'schedulers': [{'scheduler': 'LinearLR', 'options': {'startFactor': 0.1, 'totalIters': 5}},
                             {'scheduler': 'ExponentialLR', 'options': {'gamma': 0.9}}], 'milestones': [5]}),
        case('constant, cosine, step', 'SequentialLR',
             {'schedulers': [{'scheduler': 'ConstantLR', 'options': {'factor': 0.5, 'totalIters': 3}},
                             {'scheduler': 'CosineAnnealingLR', 'options': {'tMax': 20}},
                             {'scheduler': 'StepLR', 'options': {'stepSize': 5, 'gamma': 0.5}}],
              'milestones': [6, 26]}, steps=50),
    ],
    'chained-scheduler': [
        case('constant and exponential', 'ChainedScheduler',
             {'schedulers': [{'scheduler': 'ConstantLR', 'options': {'factor': 0.1, 'totalIters': 3}},
                             {'scheduler': 'ExponentialLR', 'options': {'gamma': 0.95}}]}),
        case('multistep, exponential, constant', 'ChainedScheduler',
             {'schedulers': [{'scheduler': 'MultiStepLR', 'options': {'milestones': [10, 20], 'gamma': 0.5}},
                             {'scheduler': 'ExponentialLR', 'options': {'gamma': 0.97}},
                             {'scheduler': 'ConstantLR', 'options': {'factor': 0.5, 'totalIters': 8}}]}),
    ],
    'reduce-lr-on-plateau': [
        case('min, rel, cooldown, per-group minLr, NaN metrics', 'ReduceLROnPlateau',
             {'factor': 0.5, 'patience': 3, 'cooldown': 2, 'minLr': [0.01, 0.004]}, steps=50, metrics=LOSS),
        case('max, abs threshold', 'ReduceLROnPlateau',
             {'mode': 'max', 'factor': 0.3, 'patience': 2, 'threshold': 0.05, 'thresholdMode': 'abs', 'minLr': 0.001},
             steps=45, metrics=ACC),
        case('min, abs, large eps blocks tiny updates', 'ReduceLROnPlateau',
             {'factor': 0.9, 'patience': 0, 'thresholdMode': 'abs', 'threshold': 0.0, 'eps': 0.004}, steps=50,
             metrics=LOSS),
        case('max, rel', 'ReduceLROnPlateau', {'mode': 'max', 'patience': 1, 'threshold': 0.1}, steps=45, metrics=ACC),
    ],
    'huggingface': [
        case('constant', 'hf:getConstantSchedule', {}, steps=40),
        case('constant_with_warmup 10', 'hf:getConstantScheduleWithWarmup', {'numWarmupSteps': 10}),
        case('constant_with_warmup 0', 'hf:getConstantScheduleWithWarmup', {'numWarmupSteps': 0}, steps=40),
        case('linear 5/30 past the end', 'hf:getLinearScheduleWithWarmup', {'numWarmupSteps': 5, 'numTrainingSteps': 30}),
        case('linear 0/40', 'hf:getLinearScheduleWithWarmup', {'numWarmupSteps': 0, 'numTrainingSteps': 40}),
        case('cosine 5/30', 'hf:getCosineScheduleWithWarmup', {'numWarmupSteps': 5, 'numTrainingSteps': 30}),
        case('cosine 10/50, 2 cycles', 'hf:getCosineScheduleWithWarmup',
             {'numWarmupSteps': 10, 'numTrainingSteps': 50, 'numCycles': 2}, steps=55),
        case('hard restarts 5/40, 3 cycles', 'hf:getCosineWithHardRestartsScheduleWithWarmup',
             {'numWarmupSteps': 5, 'numTrainingSteps': 40, 'numCycles': 3}),
        case('hard restarts 0/30, default', 'hf:getCosineWithHardRestartsScheduleWithWarmup',
             {'numWarmupSteps': 0, 'numTrainingSteps': 30}),
        case('polynomial 5/30, power 2, lrEnd 1e-4', 'hf:getPolynomialDecayScheduleWithWarmup',
             {'numWarmupSteps': 5, 'numTrainingSteps': 30, 'lrEnd': 1e-4, 'power': 2.0}),
        case('polynomial 0/40 defaults', 'hf:getPolynomialDecayScheduleWithWarmup',
             {'numWarmupSteps': 0, 'numTrainingSteps': 40}),
        case('inverse_sqrt 10', 'hf:getInverseSqrtSchedule', {'numWarmupSteps': 10}),
        case('inverse_sqrt 5, timescale 20', 'hf:getInverseSqrtSchedule', {'numWarmupSteps': 5, 'timescale': 20}),
        case('inverse_sqrt 0 (timescale 10000)', 'hf:getInverseSqrtSchedule', {'numWarmupSteps': 0}, steps=40),
        case('cosine_with_min_lr, minLr', 'hf:getCosineWithMinLrScheduleWithWarmup',
             {'numWarmupSteps': 5, 'numTrainingSteps': 40, 'minLr': 0.01}),
        case('cosine_with_min_lr, minLrRate', 'hf:getCosineWithMinLrScheduleWithWarmup',
             {'numWarmupSteps': 10, 'numTrainingSteps': 45, 'minLrRate': 0.1, 'numCycles': 0.75}),
        case('wsd linear decay', 'hf:getWsdSchedule',
             {'numWarmupSteps': 5, 'numDecaySteps': 10, 'numTrainingSteps': 40, 'decayType': 'linear'}),
        case('wsd cosine warmup and decay, minLrRatio', 'hf:getWsdSchedule',
             {'numWarmupSteps': 5, 'numDecaySteps': 15, 'numStableSteps': 10, 'warmupType': 'cosine',
              'decayType': 'cosine', 'minLrRatio': 0.1}),
        case('wsd 1-sqrt', 'hf:getWsdSchedule',
             {'numWarmupSteps': 4, 'numDecaySteps': 20, 'numTrainingSteps': 40, 'warmupType': '1-sqrt',
              'decayType': '1-sqrt'}),
    ],
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for family, specs in FAMILIES.items():
        data = {'torch': torch.__version__, 'cases': [run(s) for s in specs]}
        with open(os.path.join(OUT, f'{family}.json'), 'w') as f:
            json.dump(data, f, indent=None, separators=(',', ':'), allow_nan=False)
            f.write('\n')
        print(family, len(specs), 'cases')


if __name__ == '__main__':
    main()
