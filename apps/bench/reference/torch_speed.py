#!/usr/bin/env python3
"""PyTorch CPU yardstick for `fbl bench speed`: times BP training steps of the same net.

One step: forward, softmax cross-entropy, backward, SGD update (momentum 0.9 by default), and
the loss read as a Python float, which is what one feedback-lab step does. Inputs are a few
fixed random batches made once (uniform [0, 1) pixels, random labels), cycled, so no data
loading is timed.

Standalone (one JSON line: samplesPerSec, medianStepMs, threads, torch version):
    /usr/bin/python3 torch_speed.py --widths 784-800-800-10 --activation tanh --threads 2
    /usr/bin/python3 torch_speed.py --preset cifar-conv --threads 2 --steps 20
Served (what `fbl bench speed --torch` runs): --serve prints {"event": "ready", ...}, then for
every line "N" on stdin runs N steps and prints their times; it exits at end of input.
    --spec JSON  a feedback-lab ModelSpec ({"input": [...], "layers": [...]}) instead of --widths
--print-spec NAME prints a built-in preset's spec without importing torch (tests compare it with
the project's own presetSpec).

The nets, layer by layer as feedback-lab builds them (packages/core/src/spec.ts):
  * dense: x·W + b; kernel init xavier-uniform, or kaiming-normal (fan-in) before relu, bias 0.
  * conv2d: NHWC in feedback-lab, NCHW here (PyTorch's default CPU layout); same init rules.
    'same' convolution with an odd kernel pads (k-1)/2 on each side in both: identical.
  * pooling follows the conv, then the activation (conv → pool → act).
    'same' pooling in TensorFlow/tfjs pads asymmetrically when the padding total is odd: 3/2
    pooling of 32 pixels pads 0 before and 1 after. PyTorch pads symmetrically, so this uses
    padding=1 on both sides: the same output size (16, 8, 4) and the same work, with windows
    shifted one pixel. Average pooling uses count_include_pad=False, which is TF's 'same' rule
    (padded cells do not count in the mean); max pooling ignores padding in both.
  * flatten after the last conv (NCHW order here, NHWC there: a permutation of the dense
    layer's inputs, which changes nothing for speed).
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

RELU = 'relu'
PRESETS = {
    'mnist-conv': {
        'name': 'mnist-conv', 'input': [28, 28, 1],
        'layers': [
            {'type': 'conv2d', 'filters': 20, 'kernel': 5, 'pool': {'type': 'max', 'size': 2}, 'activation': RELU},
            {'type': 'conv2d', 'filters': 50, 'kernel': 5, 'pool': {'type': 'max', 'size': 2}, 'activation': RELU},
            {'type': 'dense', 'units': 500, 'activation': RELU},
            {'type': 'dense', 'units': 10},
        ],
    },
    'cifar-conv': {
        'name': 'cifar-conv', 'input': [32, 32, 3],
        'layers': [
            {'type': 'conv2d', 'filters': 32, 'kernel': 5, 'padding': 'same', 'pool': {'type': 'max', 'size': 3, 'stride': 2, 'padding': 'same'}, 'activation': RELU},
            {'type': 'conv2d', 'filters': 64, 'kernel': 5, 'padding': 'same', 'pool': {'type': 'avg', 'size': 3, 'stride': 2, 'padding': 'same'}, 'activation': 'linear'},
            {'type': 'conv2d', 'filters': 64, 'kernel': 5, 'padding': 'same', 'pool': {'type': 'avg', 'size': 3, 'stride': 2, 'padding': 'same'}, 'activation': RELU},
            {'type': 'dense', 'units': 128, 'activation': RELU},
            {'type': 'dense', 'units': 10},
        ],
    },
}


def mlp_spec(widths, activation):
    return {'input': [widths[0]], 'layers': [
        {'type': 'dense', 'units': n, **({'activation': activation} if i < len(widths) - 2 else {})}
        for i, n in enumerate(widths[1:])]}


def out_size(n, k, stride, padding):
    """tfjs/TensorFlow output size along one axis."""
    return math.ceil(n / stride) if padding == 'same' else (n - k) // stride + 1


def torch_padding(n, k, stride, padding, what):
    """Symmetric PyTorch padding giving TensorFlow's output size (see the module notes)."""
    if padding != 'same':
        return 0
    want = out_size(n, k, stride, 'same')
    total = max((want - 1) * stride + k - n, 0)
    pad = (total + 1) // 2
    got = (n + 2 * pad - k) // stride + 1
    if got != want:
        raise SystemExit(f'torch_speed: {what}: no symmetric padding gives TensorFlow\'s size {want} (got {got})')
    return pad


def build(spec, torch):
    nn = torch.nn
    acts = {'relu': nn.ReLU, 'tanh': nn.Tanh, 'sigmoid': nn.Sigmoid, 'linear': nn.Identity}
    mods, shape = [], list(spec['input'])
    for i, l in enumerate(spec['layers']):
        last = i == len(spec['layers']) - 1
        act = l.get('activation', 'linear' if last and l['type'] == 'dense' else 'relu')
        if act not in acts:
            raise SystemExit(f'torch_speed: unknown activation "{act}"')
        if l.get('batchNorm'):
            raise SystemExit('torch_speed: batch norm layers are not supported')
        if l['type'] == 'conv2d':
            h, w, c = shape
            k, s = l['kernel'], l.get('stride', 1)
            pad = l.get('padding', 'valid')
            conv = nn.Conv2d(c, l['filters'], k, stride=s, padding=torch_padding(h, k, s, pad, f'layers[{i}]'))
            init(conv.weight, act, torch)
            mods.append(conv)
            h, w = out_size(h, k, s, pad), out_size(w, k, s, pad)
            p = l.get('pool')
            if p:
                ps, pp = p.get('stride', p['size']), p.get('padding', 'valid')
                tp = torch_padding(h, p['size'], ps, pp, f'layers[{i}].pool')
                if p['type'] == 'max':
                    mods.append(nn.MaxPool2d(p['size'], ps, padding=tp))
                else:
                    mods.append(nn.AvgPool2d(p['size'], ps, padding=tp, count_include_pad=False))
                h, w = out_size(h, p['size'], ps, pp), out_size(w, p['size'], ps, pp)
            mods.append(acts[act]())
            shape = [h, w, l['filters']]
        else:
            if len(shape) > 1:
                mods.append(nn.Flatten())
                shape = [math.prod(shape)]
            lin = nn.Linear(shape[0], l['units'])
            init(lin.weight, act, torch)
            mods += [lin] + ([] if act == 'linear' else [acts[act]()])
            shape = [l['units']]
    return nn.Sequential(*mods), shape[0]


def init(weight, act, torch):
    if act == 'relu':
        torch.nn.init.kaiming_normal_(weight, mode='fan_in', nonlinearity='relu')
    else:
        torch.nn.init.xavier_uniform_(weight)
    # biases: zero, as feedback-lab's
    return weight


class Bench:
    def __init__(self, spec, a, torch):
        torch.manual_seed(a.seed)
        torch.set_num_threads(a.threads)
        self.torch = torch
        self.model, classes = build(spec, torch)
        for m in self.model.modules():
            if getattr(m, 'bias', None) is not None:
                torch.nn.init.zeros_(m.bias)
        params = self.model.parameters()
        if a.optimizer == 'adam':
            self.opt = torch.optim.Adam(params, lr=a.lr)
        else:
            self.opt = torch.optim.SGD(params, lr=a.lr, momentum=0.9 if a.optimizer == 'momentum' else 0)
        inp = spec['input']
        dims = [inp[2], inp[0], inp[1]] if len(inp) == 3 else inp
        self.batches = [(torch.rand([a.batch_size] + dims), torch.randint(0, classes, (a.batch_size,))) for _ in range(4)]
        self.k = 0
        self.loss = float('nan')

    def steps(self, n):
        """Times n steps: wall ms and process CPU ms (all threads) per step."""
        torch, ms, cpu = self.torch, [], []
        for _ in range(n):
            c0, t0 = time.process_time(), time.perf_counter()
            x, y = self.batches[self.k % len(self.batches)]
            self.k += 1
            self.opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(self.model(x), y)
            loss.backward()
            self.opt.step()
            self.loss = loss.item()
            ms.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        return ms, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    net = ap.add_mutually_exclusive_group()
    net.add_argument('--widths', default='784-800-800-10', help='MLP layer widths joined by "-" (default 784-800-800-10)')
    net.add_argument('--preset', choices=sorted(PRESETS))
    net.add_argument('--spec', help='a feedback-lab ModelSpec as JSON')
    net.add_argument('--print-spec', choices=sorted(PRESETS), help='print a built-in spec and exit')
    ap.add_argument('--activation', default='tanh', choices=['relu', 'tanh', 'sigmoid', 'linear'], help='MLP hidden activation')
    ap.add_argument('--batch-size', type=int, default=64)
    ap.add_argument('--threads', type=int, default=1, help='torch.set_num_threads')
    ap.add_argument('--optimizer', default='momentum', choices=['sgd', 'momentum', 'adam'])
    ap.add_argument('--lr', type=float, default=0.01)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--warmup', type=int, default=5)
    ap.add_argument('--steps', type=int, default=40)
    ap.add_argument('--serve', action='store_true', help='read step counts from stdin (see above)')
    a = ap.parse_args()
    if a.print_spec:
        print(json.dumps(PRESETS[a.print_spec]))
        return
    if a.threads < 1 or a.batch_size < 1 or a.steps < 1 or a.warmup < 0:
        raise SystemExit('torch_speed: --threads, --batch-size and --steps must be at least 1, --warmup at least 0')
    spec = json.loads(a.spec) if a.spec else PRESETS[a.preset] if a.preset else mlp_spec([int(n) for n in a.widths.split('-')], a.activation)
    try:
        import torch
    except ImportError as e:
        raise SystemExit(f'torch_speed: cannot import torch ({e}): apt-get install python3-torch')
    b = Bench(spec, a, torch)
    env = {k: os.environ[k] for k in ('OMP_WAIT_POLICY', 'OMP_NUM_THREADS', 'GOMP_SPINCOUNT', 'OPENBLAS_NUM_THREADS', 'MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_') if k in os.environ}
    info = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'batchSize': a.batch_size, **({'env': env} if env else {})}
    if a.serve:
        print(json.dumps({'event': 'ready', **info}), flush=True)
        for line in sys.stdin:
            ms, cpu = b.steps(int(line))
            print(json.dumps({'stepMs': ms, 'cpuMs': cpu, 'loss': b.loss}), flush=True)
        return
    b.steps(a.warmup)
    ms, cpu = b.steps(a.steps)
    med = statistics.median(ms)
    print(json.dumps({'net': spec.get('name', a.widths), 'samplesPerSec': round(a.batch_size / med * 1000), 'medianStepMs': round(med, 3),
                      'medianCpuMs': round(statistics.median(cpu), 3), 'steps': a.steps, 'loss': round(b.loss, 5), **info}))


if __name__ == '__main__':
    main()
