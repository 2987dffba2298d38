#!/usr/bin/env python3
"""Weight-search training of qtsc's MLP or CNN with DistributedDataParallel, frozen and exported as ONNX.

Run under torchrun (one process per GPU, or several CPU processes):

  torchrun --nproc_per_node 2 examples/pytorch/train_ddp.py --data DIR --arch cnn --out out/pt-cnn
  python3 examples/pytorch/train_ddp.py --synthetic 2000 --out out/pt-smoke      (one process)

The defaults are those of `npm run train` (docs/training.md): RDHS, binary
weights, 4-bit activations, Adam at 0.01 with cosine decay to 1%, batch 100,
10 epochs, tau 1 times 0.97 per epoch down to 1e-4, mu 0, loss scale
1/sqrt(fan-in of the last layer). --batch-size is the global batch: every
step each of the W processes takes every W-th image of it, and the loss is
normalised so that DDP's gradient average is the gradient of the whole
batch's mean loss. Backend nccl when CUDA is available, else gloo.

Writes to --out (rank 0): model.onnx (export.py), reference.json (a few test
images as pixels and the frozen model's logits), training.json (options,
per-epoch results, test accuracy of the frozen model); every rank writes
rank-R.json (what it ran and a digest of its parameters and buffers).
Progress goes to stderr; the last line on stdout is `test accuracy: NN.NN%`.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from arch import DEFAULT_CNN_FILTERS, DEFAULT_CNN_HIDDEN, DEFAULT_MLP_HIDDEN, build_cnn, build_mlp, default_loss_scale  # noqa: E402
from data import load_idx_dir, synthetic  # noqa: E402
from export import export_onnx, freeze  # noqa: E402
from layers import search_weights  # noqa: E402
from search_ops import resolve_value_space  # noqa: E402


def int_list(s: str):
    try:
        xs = [int(t) for t in s.split(',')]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers separated by commas, got '{s}'") from None
    return xs


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', required=True, help='output directory')
    p.add_argument('--data', help='MNIST-layout IDX directory (train-images-idx3-ubyte[.gz], ...); default: synthetic data')
    p.add_argument('--synthetic', type=int, default=2000, help='synthetic training images when --data is absent (a quarter as many test images) (2000)')
    p.add_argument('--limit-train', type=int, help='use only the first N training images')
    p.add_argument('--limit-test', type=int, help='use only the first N test images')
    p.add_argument('--arch', choices=['mlp', 'cnn'], default='mlp')
    p.add_argument('--hidden', type=int_list, help='hidden widths of the dense layers (mlp 256,256; cnn 128)')
    p.add_argument('--filters', type=int_list, help='cnn: filters of the 3x3 convolutions (32,64)')
    p.add_argument('--method', choices=['rdhs', 'sgt'], default='rdhs')
    p.add_argument('--value-space', default='binary', help='binary, pow2-2, pow2-3 or numbers "a,b,c" (binary)')
    p.add_argument('--act-bits', type=int_list, default=[4], help='1 sign, N>=2 N-bit with a learned clip; one value or one per activation layer (4)')
    p.add_argument('--epochs', type=int, default=10)
    p.add_argument('--batch-size', type=int, default=100, help='global batch (100)')
    p.add_argument('--optimizer', choices=['adam', 'sgd'], default='adam')
    p.add_argument('--momentum', type=float, default=0.0, help='SGD momentum (0)')
    p.add_argument('--weight-decay', type=float, default=0.0, help='L2 weight decay on every parameter, search logits included (0)')
    p.add_argument('--lr', type=float, default=0.01)
    p.add_argument('--lr-schedule', choices=['cosine', 'step'], default='cosine')
    p.add_argument('--lr-milestones', type=int_list, help='epochs after which the step schedule decays (half and three quarters of --epochs)')
    p.add_argument('--lr-decay', type=float, default=0.1)
    p.add_argument('--loss-scale', type=float, help='logits multiplier in the loss (1/sqrt(fan-in of the last layer))')
    p.add_argument('--mu', type=float, default=0.0, help='RDHS Gumbel noise weight (0)')
    p.add_argument('--tau', type=float, default=1.0)
    p.add_argument('--tau-decay', type=float, default=0.97)
    p.add_argument('--tau-min', type=float, default=1e-4)
    p.add_argument('--tau-schedule', choices=['per-epoch', 'run'], default='per-epoch')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--max-steps', type=int, help='stop after N optimizer steps (smoke tests)')
    p.add_argument('--threads', type=int, help='CPU threads per process (the CPUs divided among the local processes)')
    p.add_argument('--quiet', action='store_true', help='print only the result line')
    a = p.parse_args(argv)
    for name in ('epochs', 'batch_size', 'synthetic'):
        if getattr(a, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if a.lr <= 0 or a.tau <= 0 or a.tau_min <= 0 or not 0 < a.tau_decay <= 1 or a.mu < 0 or not 0 <= a.momentum < 1:
        p.error('--lr, --tau, --tau-min must be positive, --tau-decay in (0, 1], --mu >= 0, --momentum in [0, 1)')
    if a.momentum > 0 and a.optimizer != 'sgd':
        p.error("--momentum applies to --optimizer sgd")
    if a.filters and a.arch != 'cnn':
        p.error('--filters applies to --arch cnn')
    try:
        a.values = resolve_value_space(a.value_space)
    except ValueError as e:
        p.error(f'--value-space: {e}')
    return a


def tau_at(epoch: int, a) -> float:
    """src/train/trainer.ts tauAt."""
    if a.tau_schedule == 'run':
        t = 0 if a.epochs <= 1 else min(1, epoch / (a.epochs - 1))
        return max(a.tau_min, a.tau * (a.tau_min / a.tau) ** t)
    return max(a.tau_min, a.tau * a.tau_decay ** epoch)


def lr_at(epoch: int, a, final_fraction: float = 0.01) -> float:
    """src/train/trainer.ts learningRateAt."""
    if a.lr_schedule == 'step':
        milestones = a.lr_milestones or [round(a.epochs / 2), round(3 * a.epochs / 4)]
        return a.lr * a.lr_decay ** sum(1 for m in milestones if epoch >= m)
    t = 0 if a.epochs <= 1 else epoch / (a.epochs - 1)
    return a.lr * (final_fraction + (1 - final_fraction) * 0.5 * (1 + math.cos(math.pi * t)))


class Distributed:
    """Rank, world size and device, from torchrun's environment (one process without it)."""

    def __init__(self):
        self.world = int(os.environ.get('WORLD_SIZE', '1'))
        self.rank = int(os.environ.get('RANK', '0'))
        self.local_rank = int(os.environ.get('LOCAL_RANK', '0'))
        self.cuda = torch.cuda.is_available()
        self.backend = 'nccl' if self.cuda else 'gloo'
        self.device = torch.device(f'cuda:{self.local_rank}') if self.cuda else torch.device('cpu')
        if self.cuda:
            torch.cuda.set_device(self.device)
        if self.world > 1:
            dist.init_process_group(self.backend)

    def sum(self, values):
        """Element-wise sum over the ranks of a list of floats (float64)."""
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.world > 1:
            dist.all_reduce(t)
        return t.tolist()

    def broadcast_buffers(self, module):
        if self.world > 1:
            for b in module.buffers():
                dist.broadcast(b, 0)


def state_digest(module, parameters_only: bool = False) -> str:
    """sha256 of every parameter and buffer (or only the parameters), in name order: equal on every rank when DDP keeps them in step."""
    h = hashlib.sha256()
    items = dict(module.named_parameters()) if parameters_only else module.state_dict()
    for name, t in sorted(items.items()):
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def to_input(images: torch.Tensor, device) -> torch.Tensor:
    return (images.to(device).float() / 255)


def evaluate(model, images, labels, d: Distributed, batch: int = 500) -> float:
    """Accuracy over the whole split, each rank taking every W-th image."""
    model.eval()
    mine = torch.arange(d.rank, labels.shape[0], d.world)
    correct = 0
    with torch.no_grad():
        for s in range(0, mine.shape[0], batch):
            idx = mine[s:s + batch]
            pred = model(to_input(images[idx], d.device)).argmax(-1).cpu()
            correct += int((pred == labels[idx]).sum())
    (c,) = d.sum([correct])
    return c / labels.shape[0]


class _StopForward(Exception):
    pass


def recompute_batchnorm_stats(model, images, d: Distributed, batch: int = 1000) -> None:
    """Every BatchNorm's running statistics := the population statistics of its input over `images`.

    In eval mode (no RDHS noise: the weights the frozen model holds), layer by
    layer in order, summed over the ranks' shares in float64 (as
    src/train/trainer.ts recomputeBatchNormStats).
    """
    model.eval()
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    mine = torch.arange(d.rank, images.shape[0], d.world)
    for bn in bns:
        acc = {}

        def hook(_m, inputs):
            x = inputs[0].double()
            dims = [0] + list(range(2, x.dim()))
            acc['sum'] = acc.get('sum', 0) + x.sum(dims)
            acc['sq'] = acc.get('sq', 0) + (x * x).sum(dims)
            acc['count'] = acc.get('count', 0) + x.numel() // x.shape[1]
            raise _StopForward

        handle = bn.register_forward_pre_hook(hook)
        try:
            with torch.no_grad():
                for s in range(0, mine.shape[0], batch):
                    try:
                        model(to_input(images[mine[s:s + batch]], d.device))
                    except _StopForward:
                        pass
        finally:
            handle.remove()
        c = bn.num_features
        zero = [0.0] * c
        total = d.sum(acc['sum'].tolist() + acc['sq'].tolist() + [acc['count']] if acc else zero + zero + [0])
        count = total[-1]
        mean = torch.tensor(total[:c], dtype=torch.float64) / count
        var = (torch.tensor(total[c:2 * c], dtype=torch.float64) / count - mean ** 2).clamp(min=0)
        with torch.no_grad():
            bn.running_mean.copy_(mean.float())
            bn.running_var.copy_(var.float())


def main(argv=None) -> int:
    a = parse_args(argv if argv is not None else sys.argv[1:])
    d = Distributed()
    if a.threads:
        torch.set_num_threads(a.threads)
    elif not d.cuda:
        local = int(os.environ.get('LOCAL_WORLD_SIZE', '1'))
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // local))
    torch.manual_seed(a.seed)
    say = (lambda msg: print(msg, file=sys.stderr, flush=True)) if d.rank == 0 and not a.quiet else (lambda msg: None)

    if a.batch_size < d.world:
        print(f'train_ddp: --batch-size {a.batch_size} is below the number of processes ({d.world}): every process needs an image of each batch', file=sys.stderr)
        return 2
    if a.data:
        try:
            x_train, y_train = load_idx_dir(a.data, 'train')
            x_test, y_test = load_idx_dir(a.data, 'test')
        except (OSError, ValueError) as e:
            print(f'train_ddp: --data: {e}', file=sys.stderr)
            return 2
        source = a.data
    else:
        (x_train, y_train), (x_test, y_test) = synthetic(a.synthetic, max(1, a.synthetic // 4), seed=a.seed)
        source = f'synthetic ({a.synthetic} train)'
    if a.limit_train:
        x_train, y_train = x_train[:a.limit_train], y_train[:a.limit_train]
    if a.limit_test:
        x_test, y_test = x_test[:a.limit_test], y_test[:a.limit_test]
    classes = int(max(y_train.max(), y_test.max())) + 1
    input_shape = list(x_train.shape[1:])

    common = dict(values=a.values, method=a.method, act_bits=a.act_bits if len(a.act_bits) > 1 else a.act_bits[0], seed=a.seed, mu=a.mu)
    if a.arch == 'mlp':
        model = build_mlp(input_shape, classes, hidden=a.hidden or DEFAULT_MLP_HIDDEN, **common)
    else:
        model = build_cnn(input_shape, classes, filters=a.filters or DEFAULT_CNN_FILTERS, hidden=a.hidden or DEFAULT_CNN_HIDDEN, **common)
    model.to(d.device)
    digest_init = state_digest(model)
    searched = search_weights(model)
    loss_scale = a.loss_scale if a.loss_scale is not None else default_loss_scale(model)
    ddp = DistributedDataParallel(model, device_ids=[d.local_rank] if d.cuda else None) if d.world > 1 else model
    if a.optimizer == 'adam':
        # epsilon 1e-7 as tfjs' Adam; weight_decay adds wd * w to the gradient, as qtsc's trainer does
        opt = torch.optim.Adam(model.parameters(), lr=a.lr, eps=1e-7, weight_decay=a.weight_decay)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay)
    say(f'train_ddp: {a.arch} {a.method} value space {a.values}, act bits {a.act_bits}; {source}: {x_train.shape[0]} train / {x_test.shape[0]} test; '
        f'{d.world} process(es), backend {d.backend if d.world > 1 else "none"}, device {d.device.type}')

    n = x_train.shape[0]
    batches = math.ceil(n / a.batch_size)
    steps = 0
    seen_here = 0
    label_sum_here = 0
    results = []
    for epoch in range(a.epochs):
        tau = tau_at(epoch, a)
        for s in searched:
            s.tau = tau
        lr = lr_at(epoch, a)
        for group in opt.param_groups:
            group['lr'] = lr
        order = torch.randperm(n, generator=torch.Generator().manual_seed(a.seed * 7919 + epoch))
        ddp.train()
        t0 = time.perf_counter()
        loss_sum = correct = seen = 0.0
        for b in range(batches):
            batch_idx = order[b * a.batch_size:(b + 1) * a.batch_size]
            if batch_idx.shape[0] < d.world:
                break  # a last batch too small to give every rank an image
            idx = batch_idx[d.rank::d.world]
            for s in searched:
                s.noise_step = epoch * batches + b
            x = to_input(x_train[idx], d.device)
            y = y_train[idx].to(d.device)
            logits = ddp(x)
            # sum over this rank's images / the whole batch, times W: DDP's
            # average over the ranks is then the whole batch's mean loss
            loss_here = F.cross_entropy(logits * loss_scale, y, reduction='sum')
            loss = loss_here * d.world / batch_idx.shape[0]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            steps += 1
            seen_here += idx.shape[0]
            label_sum_here += int(y.sum())
            ls, c, k = d.sum([float(loss_here.detach()), float((logits.argmax(-1) == y).sum()), idx.shape[0]])
            loss_sum += ls
            correct += c
            seen += k
            if a.max_steps and steps >= a.max_steps:
                break
        seconds = time.perf_counter() - t0
        d.broadcast_buffers(model)  # each rank's BN statistics moved with its own images after the last forward
        test_acc = evaluate(model, x_test, y_test, d)
        r = dict(epoch=epoch, loss=loss_sum / seen, acc=correct / seen, testAcc=test_acc, seconds=seconds, imagesPerSecond=seen / seconds, tau=tau, lr=lr)
        results.append(r)
        say(f'epoch {epoch + 1}/{a.epochs}: loss {r["loss"]:.4f} acc {100 * r["acc"]:.2f}% test {100 * test_acc:.2f}% '
            f'{r["imagesPerSecond"]:.0f} images/s tau {tau:.3g} lr {lr:.3g}')
        if a.max_steps and steps >= a.max_steps:
            break

    digest_parameters = state_digest(model, parameters_only=True)
    digest_trained = state_digest(model)
    recompute_batchnorm_stats(model, x_train, d)
    digest_final = state_digest(model)
    frozen = freeze(model)
    test_acc_frozen = evaluate(frozen.to(d.device), x_test, y_test, d)
    frozen = frozen.cpu()

    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, f'rank-{d.rank}.json'), 'w') as f:
        json.dump(dict(rank=d.rank, world=d.world, backend=d.backend if d.world > 1 else None, steps=steps, imagesSeen=seen_here,
                       labelSum=label_sum_here, digestInitial=digest_init, digestParameters=digest_parameters, digestTrained=digest_trained, digestFinal=digest_final), f, indent=1)
        f.write('\n')
    if d.rank == 0:
        export_onnx(frozen, input_shape, a.values, os.path.join(a.out, 'model.onnx'))
        ref_images = x_test[:4]
        model.eval()
        with torch.no_grad():
            ref_logits = frozen(to_input(ref_images, 'cpu'))
            train_form = model.cpu()(to_input(ref_images, 'cpu'))
        with open(os.path.join(a.out, 'reference.json'), 'w') as f:
            json.dump(dict(inputShape=[1] + input_shape, inputScale=1 / 255, pixels=ref_images.reshape(ref_images.shape[0], -1).tolist(),
                           logits=ref_logits.tolist(), trainingFormMaxAbsDiff=float((train_form - ref_logits).abs().max())), f)
            f.write('\n')
        options = {k: v for k, v in vars(a).items() if k != 'values'}
        with open(os.path.join(a.out, 'training.json'), 'w') as f:
            json.dump(dict(options=options, valueSpace=a.values, lossScale=loss_scale, world=d.world, backend=d.backend if d.world > 1 else None,
                           steps=steps, results=results, testAccuracy=test_acc_frozen), f, indent=1)
            f.write('\n')
        print(f'test accuracy: {100 * test_acc_frozen:.2f}%', flush=True)
    if d.world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return 0


if __name__ == '__main__':
    sys.exit(main())
