#!/usr/bin/env python3
"""Writes the parity fixtures of @descent/optim's second set of optimizers.

Run with Debian's python3-torch (1.13):  /usr/bin/python3 tools/gen_optim2_fixtures.py

Writes packages/optim/test/fixtures/optim2.json with four sections:

- `cases`: the format of optim.json (tools/gen_optim_fixtures.py): an optimizer, its defaults, two param
  groups with different options, STEPS steps of given gradients (some missing, like p.grad = None) and
  every parameter after each step; `expectedState` adds state tensors after each step (ASGD's average
  `ax`), `evalExpected` the weights after `eval()` (schedule-free's x), `bf16Expected` torch's own
  bfloat16 Newton-Schulz (Muon).
- `lbfgs`: LBFGS with a closure on two problems (a 5-d Rosenbrock, an L2-penalized logistic regression),
  fixed step and strong Wolfe, parameters, returned losses and the state counters after each step.
- `swalr`: SWALR's learning rates per epoch (cosine, linear, zero annealing epochs, per-group swa_lr).
- `updateBn`: update_bn on two models (Linear/BatchNorm1d and Conv2d/BatchNorm2d): weights, the batches,
  the running statistics after, and the model's eval output on a probe batch.

Where torch 1.13 has the algorithm (ASGD, Rprop, LBFGS, swa_utils' SWALR and update_bn) the fixtures
come from it. Where it does not, the classes below transcribe the reference line by line (each line
quoted in a comment):

- Muon: torch 2.9's torch/optim/_muon.py (pytorch/pytorch@098e03f91de9384cc3afdf5c8b9a6bbc442bd66a,
  `_zeropower_via_newtonschulz`, `_adjust_lr`, `_single_tensor_muon`). One deviation: torch runs
  Newton-Schulz in bfloat16 (`ortho_grad = grad.bfloat16()`); tfjs has no bfloat16 matmul and Descent
  runs it in float32, so `expected` is the float32 transcription and `bf16Expected` torch's bfloat16.
- Adafactor: torch 2.5's torch/optim/_adafactor.py (pytorch/pytorch@051d6a09bb159a48ac11006c454c0c979511d0f3,
  `Adafactor.__init__`, `_init_group`, `_single_tensor_adafactor`).
- Schedule-free AdamW: facebookresearch/schedule_free's schedulefree/adamw_schedulefree.py
  (@70785b53e778d0e872c0bbb75ff4ee54ee10c291, `AdamWScheduleFree`: `eval`, `train`, `step`'s
  single-tensor branch; Apache-2.0), the algorithm of Defazio et al. 2024 that optax's schedule_free wraps.
"""
import math
import os

import torch
from torch import nn
from torch.optim import Optimizer

from fixture_io import write_fixture
from gen_optim_fixtures import GROUPS, SHAPES, STEPS, camel_options, flat
from gen_optim_fixtures import run_case as base_run_case

OUT = os.path.join(os.path.dirname(__file__), '..', 'packages', 'optim', 'test', 'fixtures', 'optim2.json')


# ---------------------------------------------------------------- Muon (torch 2.9, _muon.py)

def zeropower_via_newtonschulz(grad, ns_coefficients, ns_steps, eps, dtype):
    # if ns_steps >= 100: raise ValueError("Number of steps must be less than 100 for computational efficiency")
    assert ns_steps < 100 and grad.dim() == 2 and len(ns_coefficients) == 3
    a, b, c = ns_coefficients  # a, b, c = ns_coefficients
    ortho_grad = grad.to(dtype)  # ortho_grad = grad.bfloat16()   (dtype: float32 for Descent, bfloat16 as torch)
    if grad.size(0) > grad.size(1):  # if grad.size(0) > grad.size(1):
        ortho_grad = ortho_grad.T  # ortho_grad = ortho_grad.T
    ortho_grad = ortho_grad.div(ortho_grad.norm().clamp(min=eps))  # ortho_grad.div_(ortho_grad.norm().clamp(min=eps))
    for _ in range(ns_steps):  # for _ in range(ns_steps):  (use_addmm=False)
        gram_matrix = ortho_grad @ ortho_grad.T  # gram_matrix = ortho_grad @ ortho_grad.T
        gram_update = b * gram_matrix + c * gram_matrix @ gram_matrix  # gram_update = b * gram_matrix + c * gram_matrix @ gram_matrix
        ortho_grad = a * ortho_grad + gram_update @ ortho_grad  # ortho_grad = a * ortho_grad + gram_update @ ortho_grad
    if grad.size(0) > grad.size(1):  # if grad.size(0) > grad.size(1):
        ortho_grad = ortho_grad.T  # ortho_grad = ortho_grad.T
    return ortho_grad


def adjust_lr(lr, adjust_lr_fn, param_shape):
    A, B = param_shape[:2]  # A, B = param_shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == 'original':  # if adjust_lr_fn is None or adjust_lr_fn == "original":
        adjusted_ratio = math.sqrt(max(1, A / B))  # adjusted_ratio = math.sqrt(max(1, A / B))
    elif adjust_lr_fn == 'match_rms_adamw':  # elif adjust_lr_fn == "match_rms_adamw":
        adjusted_ratio = 0.2 * math.sqrt(max(A, B))  # adjusted_ratio = 0.2 * math.sqrt(max(A, B))
    else:
        adjusted_ratio = 1.0
    return lr * adjusted_ratio  # return lr * adjusted_ratio


class Muon(Optimizer):
    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(3.4445, -4.7750, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None,
                 ns_dtype=torch.float32):
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                        ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps, adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)
        self.ns_dtype = ns_dtype
        for group in self.param_groups:
            for p in group['params']:
                assert p.ndim == 2  # Muon only supports 2D parameters

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            lr, weight_decay, momentum = group['lr'], group['weight_decay'], group['momentum']
            for param in group['params']:
                if param.grad is None:  # _init_group: if p.grad is None: continue
                    continue
                grad = param.grad
                state = self.state[param]
                if 'momentum_buffer' not in state:  # if "momentum_buffer" not in state:
                    state['momentum_buffer'] = torch.zeros_like(grad)  # state["momentum_buffer"] = torch.zeros_like(p.grad, ...)
                buf = state['momentum_buffer']  # buf = muon_momentum_bufs[i]
                buf.lerp_(grad, 1 - momentum)  # buf.lerp_(grad, 1 - momentum)
                update = grad.lerp(buf, momentum) if group['nesterov'] else buf  # update = grad.lerp(buf, momentum) if nesterov else buf
                update = zeropower_via_newtonschulz(update, group['ns_coefficients'], group['ns_steps'], group['eps'], self.ns_dtype)
                adjusted_lr = adjust_lr(lr, group['adjust_lr_fn'], param.shape)  # adjusted_lr = _adjust_lr(lr, adjust_lr_fn, param.shape)
                param.mul_(1 - lr * weight_decay)  # param.mul_(1 - lr * weight_decay)
                param.add_(update, alpha=-adjusted_lr)  # param.add_(update, alpha=-adjusted_lr)


# ---------------------------------------------------------------- Adafactor (torch 2.5, _adafactor.py)

class Adafactor(Optimizer):
    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, maximize=False):
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            eps1, eps2 = group['eps']  # eps1, eps2 = group["eps"]
            lr, d, weight_decay, beta2_decay = group['lr'], group['d'], group['weight_decay'], group['beta2_decay']
            for param in group['params']:
                if param.grad is None:
                    continue
                state = self.state[param]
                if len(state) == 0:  # if len(state) == 0:
                    state['step'] = torch.tensor(0.0)  # state["step"] = torch.tensor(0.0, dtype=_get_scalar_dtype())
                    if param.grad.dim() > 1:  # if p.grad.dim() > 1:
                        row_shape = list(param.grad.shape)  # row_shape = list(p.grad.shape)
                        row_shape[-1] = 1  # row_shape[-1] = 1
                        state['row_var'] = param.grad.new_zeros(row_shape)  # state["row_var"] = p.grad.new_zeros(row_shape)
                        col_shape = list(param.grad.shape)  # col_shape = list(p.grad.shape)
                        col_shape[-2] = 1  # col_shape[-2] = 1
                        state['col_var'] = param.grad.new_zeros(col_shape)  # state["col_var"] = p.grad.new_zeros(col_shape)
                    else:
                        state['variance'] = torch.zeros_like(param.grad)  # state["variance"] = torch.zeros_like(p.grad, ...)
                grad = param.grad if not group['maximize'] else -param.grad  # grad = grads[i] if not maximize else -grads[i]
                step_t = state['step']
                row_var, col_var, variance = state.get('row_var'), state.get('col_var'), state.get('variance')
                if eps1 is None:  # if eps1 is None:
                    eps1 = torch.finfo(param.dtype).eps  # eps1 = torch.finfo(param.dtype).eps
                step_t += 1  # step_t += 1
                step_float = step_t.item()  # step_float = step_t.item()
                one_minus_beta2_t = step_float ** beta2_decay  # one_minus_beta2_t = step_float**beta2_decay
                rho_t = min(lr, 1 / (step_float ** 0.5))  # rho_t = min(lr, 1 / (step_float**0.5))
                alpha = max(eps2, param.norm(2).item() / (param.numel() ** 0.5)) * rho_t  # alpha = max(eps2, param.norm(2).item() / (param.numel() ** 0.5)) * rho_t
                if weight_decay != 0:  # if weight_decay != 0:
                    param.mul_(1 - lr * weight_decay)  # param.mul_(1 - lr * weight_decay)
                if grad.dim() > 1:  # if grad.dim() > 1:
                    row_mean = torch.linalg.vector_norm(grad, dim=-1, keepdim=True).square_().div_(grad.size(-1))  # row_mean = (torch.linalg.vector_norm(grad, dim=-1, keepdim=True).square_().div_(grad.size(-1)))
                    row_var.lerp_(row_mean, one_minus_beta2_t)  # row_var.lerp_(row_mean, one_minus_beta2_t)
                    col_mean = torch.linalg.vector_norm(grad, dim=-2, keepdim=True).square_().div_(grad.size(-2))  # col_mean = (torch.linalg.vector_norm(grad, dim=-2, keepdim=True).square_().div_(grad.size(-2)))
                    col_var.lerp_(col_mean, one_minus_beta2_t)  # col_var.lerp_(col_mean, one_minus_beta2_t)
                    var_estimate = row_var @ col_var  # var_estimate = row_var @ col_var
                    var_estimate.div_(row_var.mean(dim=-2, keepdim=True).clamp_(min=eps1))  # var_estimate.div_(row_var.mean(dim=-2, keepdim=True).clamp_(min=eps1))
                else:
                    grad_squared = grad * grad  # grad_squared = grad * grad
                    variance.lerp_(grad_squared, one_minus_beta2_t)  # variance.lerp_(grad_squared, one_minus_beta2_t)
                    var_estimate = variance.clone()  # var_estimate = variance.clone()
                update = var_estimate.clamp_(min=eps1 * eps1).rsqrt_()  # update = var_estimate.clamp_(min=eps1 * eps1).rsqrt_()
                update.mul_(grad)  # update.mul_(grad)
                denom = max(1.0, update.norm(2).item() / ((update.numel() ** 0.5) * d))  # denom = max(1.0, update.norm(2).item() / ((update.numel() ** 0.5) * d))
                param.add_(update, alpha=-alpha / denom)  # param.add_(update, alpha=-alpha / denom)


# ---------------------------------------------------------------- Schedule-free AdamW (facebookresearch/schedule_free)

class AdamWScheduleFree(Optimizer):
    def __init__(self, params, lr=0.0025, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, warmup_steps=0, r=0.0,
                 weight_lr_power=2.0, inner_momentum=0.0):
        defaults = dict(lr=lr, betas=betas, eps=eps, r=r, k=0, warmup_steps=warmup_steps, train_mode=False,
                        weight_sum=0.0, lr_max=-1.0, scheduled_lr=0.0, weight_lr_power=weight_lr_power,
                        weight_decay=weight_decay, inner_momentum=inner_momentum)
        super().__init__(params, defaults)

    @torch.no_grad()
    def eval(self):
        for group in self.param_groups:
            beta1, _ = group['betas']  # beta1, _ = group['betas']
            if group['train_mode']:  # if train_mode:
                for p in group['params']:
                    state = self.state[p]
                    if 'z' in state:  # if 'z' in state:
                        p.lerp_(end=state['z'], weight=1 - 1 / beta1)  # p.lerp_(end=state['z'].to(p.device), weight=1-1/beta1)
                group['train_mode'] = False  # group['train_mode'] = False

    @torch.no_grad()
    def train(self):
        for group in self.param_groups:
            beta1, _ = group['betas']
            if not group['train_mode']:  # if not train_mode:
                for p in group['params']:
                    state = self.state[p]
                    if 'z' in state:
                        p.lerp_(end=state['z'], weight=1 - beta1)  # p.lerp_(end=state['z'].to(p.device), weight=1-beta1)
                group['train_mode'] = True  # group['train_mode'] = True

    @torch.no_grad()
    def step(self):
        assert self.param_groups[0]['train_mode']  # raise Exception("Optimizer was not in train mode when step is called. ...")
        for group in self.param_groups:
            eps = group['eps']
            beta1, beta2 = group['betas']
            decay = group['weight_decay']
            k = group['k']
            r = group['r']
            warmup_steps = group['warmup_steps']
            weight_lr_power = group['weight_lr_power']
            inner_momentum = group['inner_momentum']
            if k < warmup_steps:  # if k < warmup_steps:
                sched = (k + 1) / warmup_steps  # sched = (k+1) / warmup_steps
            else:
                sched = 1.0  # sched = 1.0
            bias_correction2 = 1 - beta2 ** (k + 1)  # bias_correction2 = 1 - beta2 ** (k+1)
            if inner_momentum != 0:
                bias_correction1 = 1 - inner_momentum ** (k + 1)  # bias_correction1 = 1 - inner_momentum ** (k+1)
            lr = group['lr'] * sched  # lr = group['lr']*sched
            group['scheduled_lr'] = lr  # group['scheduled_lr'] = lr
            lr_max = group['lr_max'] = max(lr, group['lr_max'])  # lr_max = group['lr_max'] = max(lr, group['lr_max'])
            weight = ((k + 1) ** r) * (lr_max ** weight_lr_power)  # weight = ((k+1)**r) * (lr_max**weight_lr_power)
            weight_sum = group['weight_sum'] = group['weight_sum'] + weight  # weight_sum = group['weight_sum'] = group['weight_sum'] + weight
            try:
                ckp1 = weight / weight_sum  # ckp1 = weight/weight_sum
            except ZeroDivisionError:
                ckp1 = 0
            active_p = [p for p in group['params'] if p.grad is not None]
            for p in active_p:
                if 'z' not in self.state[p]:  # if 'z' not in self.state[p]:
                    self.state[p]['z'] = torch.clone(p)  # self.state[p]['z'] = torch.clone(p, ...)
                    self.state[p]['exp_avg_sq'] = torch.zeros_like(p)  # self.state[p]['exp_avg_sq'] = torch.zeros_like(p, ...)
                    if inner_momentum != 0:
                        self.state[p]['exp_avg'] = torch.zeros_like(p)  # self.state[p]['exp_avg'] = torch.zeros_like(p, ...)
            for p in active_p:  # the single-tensor branch (foreach=False)
                y = p  # y = p
                grad = p.grad.clone()  # grad = p.grad  (cloned: the reference divides it in place)
                state = self.state[p]
                z = state['z']  # z = state['z']
                exp_avg_sq = state['exp_avg_sq']  # exp_avg_sq = state['exp_avg_sq']
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)  # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
                denom = exp_avg_sq.div(bias_correction2).sqrt_().add_(eps)  # denom = exp_avg_sq.div(bias_correction2).sqrt_().add_(eps)
                if inner_momentum != 0:
                    exp_avg = state['exp_avg']  # exp_avg = state['exp_avg']
                    exp_avg.mul_(inner_momentum).add_(grad, alpha=1 - inner_momentum)  # exp_avg.mul_(inner_momentum).add_(grad, alpha=1-inner_momentum)
                    grad_normalized = exp_avg.div(bias_correction1).div_(denom)  # grad_normalized = exp_avg.div(bias_correction1).div_(denom)
                else:
                    grad_normalized = grad.div_(denom)  # grad_normalized = grad.div_(denom)
                if decay != 0:  # if decay != 0:
                    grad_normalized.add_(y, alpha=decay)  # grad_normalized.add_(y, alpha=decay)
                y.lerp_(end=z, weight=ckp1)  # y.lerp_(end=z, weight=ckp1)
                y.add_(grad_normalized, alpha=lr * (beta1 * (1 - ckp1) - 1))  # y.add_(grad_normalized, alpha=lr*(beta1*(1-ckp1)-1))
                z.sub_(grad_normalized, alpha=lr)  # z.sub_(grad_normalized, alpha=lr)
            group['k'] = k + 1  # group['k'] = k+1


CLASSES = {
    'ASGD': torch.optim.ASGD, 'Rprop': torch.optim.Rprop, 'Muon': Muon, 'Adafactor': Adafactor,
    'AdamWScheduleFree': AdamWScheduleFree,
}

MUON_SHAPES = [[3, 4], [5, 2], [4, 4], [2, 6]]  # wide, tall, square: Muon takes 2-D params only
ADAFACTOR_SHAPES = [[3, 4], [4], [2, 3, 5], []]  # factored 2-D and 3-D, a vector, a scalar

# (name, optimizer, shapes, defaults, options of group 0, options of group 1), torch's keyword names.
CASES = [
    ('asgd', 'ASGD', SHAPES, dict(lr=0.05, t0=4), {}, dict(lambd=0.01, alpha=0.5, weight_decay=0.1)),
    ('asgd_default_t0', 'ASGD', SHAPES, dict(lr=0.1), dict(maximize=True), dict(lr=0.02, lambd=0.05)),
    ('rprop', 'Rprop', SHAPES, dict(lr=0.01), {}, dict(etas=(0.3, 1.5), step_sizes=(1e-3, 0.02))),
    ('rprop_maximize', 'Rprop', SHAPES, dict(lr=0.05, maximize=True), dict(step_sizes=(1e-4, 0.06)), {}),
    ('muon', 'Muon', MUON_SHAPES, dict(lr=0.02), {}, dict(weight_decay=0.0, momentum=0.9)),
    ('muon_match_rms_adamw', 'Muon', MUON_SHAPES, dict(lr=0.01, adjust_lr_fn='match_rms_adamw', weight_decay=0.05),
     dict(nesterov=False), dict(ns_steps=3, adjust_lr_fn='original')),
    ('muon_coefficients', 'Muon', MUON_SHAPES, dict(lr=0.02, ns_coefficients=(2.0, -1.5, 0.5), ns_steps=8),
     dict(eps=1e-3), dict(lr=0.005)),
    ('adafactor', 'Adafactor', ADAFACTOR_SHAPES, dict(), {}, dict(lr=0.05, weight_decay=0.1)),
    ('adafactor_options', 'Adafactor', ADAFACTOR_SHAPES, dict(lr=0.02, beta2_decay=-0.5, d=1.5),
     dict(eps=(1e-3, 1e-2), maximize=True), dict(eps=(None, 0.5), weight_decay=0.05)),
    ('schedule_free', 'AdamWScheduleFree', SHAPES, dict(lr=0.01), {}, dict(betas=(0.8, 0.99), weight_decay=0.1)),
    ('schedule_free_warmup', 'AdamWScheduleFree', SHAPES, dict(lr=0.02, warmup_steps=5, weight_decay=0.01),
     dict(r=1.0, weight_lr_power=1.0), dict(eps=1e-4, weight_lr_power=0.0)),
    ('schedule_free_inner_momentum', 'AdamWScheduleFree', SHAPES, dict(lr=0.01, inner_momentum=0.9),
     dict(warmup_steps=3), dict(betas=(0.95, 0.999))),
]


def run_case(seed, name, cls_name, shapes, defaults, opts0, opts1, ns_dtype=torch.float32):
    """gen_optim_fixtures' case (same groups, skipped gradients and steps) with this file's classes and extras."""
    states, evals = [], []

    def make(groups, options):
        if cls_name == 'Muon':
            return Muon(groups, **options, ns_dtype=ns_dtype)
        opt = CLASSES[cls_name](groups, **options)
        if cls_name == 'AdamWScheduleFree':
            opt.train()
        return opt

    def on_step(opt, params):
        if cls_name == 'ASGD':  # the running average `ax` (None before a parameter's first step)
            states.append([dict(ax=flat(opt.state[p]['ax'])) if 'ax' in opt.state.get(p, {}) else None for p in params])
        if cls_name == 'AdamWScheduleFree':  # the weights x that eval() switches to
            opt.eval()
            evals.append([flat(p) for p in params])
            opt.train()

    case = base_run_case(seed, name, cls_name, defaults, opts0, opts1, shapes=shapes, make=make, on_step=on_step)
    if states:
        case['expectedState'] = states
    if evals:
        case['evalExpected'] = evals
    return case


# ---------------------------------------------------------------- LBFGS

LOGISTIC_GEN = torch.Generator().manual_seed(77)
LOGISTIC_DATA = dict(x=torch.randn([32, 4], generator=LOGISTIC_GEN), y=(torch.rand([32, 3], generator=LOGISTIC_GEN) < 0.5).float())


def rosenbrock(params):
    v = torch.cat([p.reshape(-1) for p in params])
    a, b = v[1:], v[:-1]
    return torch.sum(100 * (a - b * b) ** 2 + (1 - b) ** 2)


def logistic(params):
    """Logistic regression with an L2 penalty: mean(log(1 + exp(z)) - y z) + 0.05 |w|^2, z = x w + b."""
    w, bias = params
    z = LOGISTIC_DATA['x'] @ w + bias
    return torch.mean(torch.log(1 + torch.exp(z)) - LOGISTIC_DATA['y'] * z) + 0.05 * torch.sum(w * w)


PROBLEMS = {
    'rosenbrock': dict(fn=rosenbrock, shapes=[[2], [3]]),
    'logistic': dict(fn=logistic, shapes=[[4, 3], [3]]),
}

# (name, problem, options, steps, seed). LBFGS amplifies rounding: near convergence, or on an
# ill-conditioned path, the line search compares losses that differ in their last bits, and torch
# itself takes another path when its start moves by 1e-7 or its sums add in another order, so no
# float32 reimplementation (another backend's exp, another summation order) could follow it there.
# Each case below is checked to stay clear of that (run_lbfgs): perturbed starts, float64, and the
# logistic data's rows in another order move the parameters by at most MAX_SENSITIVITY (relative)
# and change no counter.
LBFGS_CASES = [
    ('lbfgs_logistic', 'logistic', dict(max_iter=4), 3, 3003),
    ('lbfgs_rosenbrock_fixed_step_history', 'rosenbrock', dict(lr=0.1, max_iter=5, history_size=4), 4, 3001),
    ('lbfgs_rosenbrock_strong_wolfe', 'rosenbrock', dict(line_search_fn='strong_wolfe', max_iter=3), 4, 3000),
    ('lbfgs_rosenbrock_strong_wolfe_max_eval', 'rosenbrock', dict(line_search_fn='strong_wolfe', max_iter=3, max_eval=4, history_size=2), 3, 3000),
    ('lbfgs_logistic_strong_wolfe', 'logistic', dict(line_search_fn='strong_wolfe', max_iter=2), 3, 3003),
    ('lbfgs_tolerance_grad', 'logistic', dict(max_iter=5, tolerance_grad=1e-2), 4, 3002),
    ('lbfgs_tolerance_change', 'logistic', dict(max_iter=4, tolerance_change=3e-3), 4, 3003),
]
MAX_SENSITIVITY = 4e-6  # the replays' tolerance is 1e-5
ROW_ORDER = torch.randperm(32, generator=torch.Generator().manual_seed(5))


def lbfgs_trajectory(problem, options, steps, seed, perturb=0.0, dtype=torch.float32, rows=None):
    spec = PROBLEMS[problem]
    gen = torch.Generator().manual_seed(seed)
    params = [((torch.rand(s, generator=gen) * 2 - 1) * (1 + perturb)).to(dtype).requires_grad_() for s in spec['shapes']]
    init = [flat(p) for p in params]
    saved = dict(LOGISTIC_DATA)
    LOGISTIC_DATA.update({k: (v if rows is None else v[rows]).to(dtype) for k, v in saved.items()})
    opt = torch.optim.LBFGS(params, **options)

    def closure():
        opt.zero_grad()
        loss = spec['fn'](params)
        loss.backward()
        return loss

    expected, losses, counters = [], [], []
    try:
        for _ in range(steps):
            loss = opt.step(closure)
            state = opt.state[params[0]]
            expected.append([flat(p) for p in params])
            losses.append(float(loss))
            counters.append(dict(funcEvals=state['func_evals'], nIter=state['n_iter']))
    finally:
        LOGISTIC_DATA.update(saved)
    return init, expected, losses, counters


def run_lbfgs(name, problem, options, steps, seed):
    init, expected, losses, counters = lbfgs_trajectory(problem, options, steps, seed)
    variants = [dict(perturb=1e-7), dict(perturb=-1e-7), dict(perturb=3e-7), dict(dtype=torch.float64)]
    if problem == 'logistic':
        variants.append(dict(rows=ROW_ORDER))
    for variant in variants:
        _, other, _, other_counters = lbfgs_trajectory(problem, options, steps, seed, **variant)
        sensitivity = max(abs(a - b) / (abs(b) + 0.1) for s, t in zip(other, expected) for p, q in zip(s, t) for a, b in zip(p, q))
        assert other_counters == counters and sensitivity <= MAX_SENSITIVITY, f'{name} is ill-conditioned ({variant}): {sensitivity:.1e}'
    data = {k: dict(shape=list(v.shape), values=flat(v)) for k, v in LOGISTIC_DATA.items()} if problem == 'logistic' else None
    return dict(name=name, problem=problem, data=data, options=camel_options(options), shapes=PROBLEMS[problem]['shapes'], init=init,
                expected=expected, losses=losses, counters=counters)


# ---------------------------------------------------------------- SWALR

# (name, group lrs, swa_lr, anneal_epochs, anneal_strategy, epochs)
SWALR_CASES = [
    ('swalr_cos', [0.1, 0.05], 0.01, 5, 'cos', 9),
    ('swalr_linear_per_group', [0.2, 0.1], [0.02, 0.05], 4, 'linear', 7),
    ('swalr_no_annealing', [0.1, 0.3], 0.05, 0, 'cos', 4),
    ('swalr_long', [0.5, 0.5], 0.001, 10, 'linear', 14),
]


def run_swalr(name, lrs, swa_lr, anneal_epochs, strategy, epochs):
    params = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    opt = torch.optim.SGD([dict(params=[params[0]], lr=lrs[0]), dict(params=[params[1]], lr=lrs[1])], lr=lrs[0])
    sched = torch.optim.swa_utils.SWALR(opt, swa_lr=swa_lr, anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    lr_per_epoch = [[g['lr'] for g in opt.param_groups]]
    for _ in range(epochs):
        opt.step()
        sched.step()
        lr_per_epoch.append([g['lr'] for g in opt.param_groups])
    return dict(name=name, lrs=lrs, swaLr=swa_lr, annealEpochs=anneal_epochs, annealStrategy=strategy, lrPerEpoch=lr_per_epoch)


# ---------------------------------------------------------------- update_bn

def model_bn1d():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2), nn.BatchNorm1d(2, momentum=0.3, affine=False))


def model_bn2d():
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 2, 1), nn.BatchNorm2d(2, momentum=0.5))


def run_update_bn(seed, name, make, input_shape, batch_sizes):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = make()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        # Stale statistics and counters that update_bn must reset.
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen))
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)
                m.num_batches_tracked.fill_(7)
    model.eval()
    weights = {k: dict(shape=list(v.shape), values=flat(v)) for k, v in model.state_dict().items()}
    batches = [torch.randn([n, *input_shape], generator=gen) * 2 + 0.5 for n in batch_sizes]
    # Some batches as (input, target) tuples: update_bn feeds the first element.
    loader = [(b, torch.zeros(b.shape[0])) if i % 2 else b for i, b in enumerate(batches)]
    torch.optim.swa_utils.update_bn(loader, model)
    stats = {}
    for key, m in model.named_modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            stats[key] = dict(runningMean=flat(m.running_mean), runningVar=flat(m.running_var),
                              numBatchesTracked=int(m.num_batches_tracked), momentum=m.momentum)
    probe = torch.randn([3, *input_shape], generator=gen)
    with torch.no_grad():
        out = model(probe)
    return dict(name=name, inputShape=input_shape, weights=weights, batches=[dict(shape=list(b.shape), values=flat(b)) for b in batches],
                tupleBatches=[i % 2 == 1 for i in range(len(batches))], training=model.training, stats=stats,
                probe=dict(shape=list(probe.shape), values=flat(probe)), probeOutput=dict(shape=list(out.shape), values=flat(out)))


def main():
    cases = []
    for i, c in enumerate(CASES):
        case = run_case(2000 + i, *c)
        if c[1] == 'Muon':
            case['bf16Expected'] = run_case(2000 + i, *c, ns_dtype=torch.bfloat16)['expected']
        cases.append(case)
    lbfgs = [run_lbfgs(*c) for c in LBFGS_CASES]
    swalr = [run_swalr(*c) for c in SWALR_CASES]
    update_bn = [
        run_update_bn(4000, 'update_bn_bn1d', model_bn1d, [3], [6, 5, 8, 4]),
        run_update_bn(4001, 'update_bn_bn2d', model_bn2d, [3, 5, 4], [4, 3, 5]),
    ]
    payload = dict(torch=torch.__version__, steps=STEPS, cases=cases, lbfgs=lbfgs, swalr=swalr, updateBn=update_bn)
    write_fixture(OUT, payload, f'{len(cases)} cases, {len(lbfgs)} LBFGS, {len(swalr)} SWALR, {len(update_bn)} update_bn')


if __name__ == '__main__':
    main()
