"""The timing loop of the PyTorch training references (pytorch_train.py,
pytorch_pretrain.py): steps + 1 optimizer steps, the first a warm-up whose
loss is reported, and the line bench-train.sh reads."""
import time

import torch


def time_steps(name, opt, loss_fn, steps, threads):
    times, first = [], None
    for step in range(steps + 1):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        opt.step()
        if step:
            times.append((time.perf_counter() - t0) * 1000)
        else:
            first = loss.item()
    times.sort()
    print("pytorch %s step: %d steps, median %.1f ms, min %.1f ms (%d threads, torch %s), "
          "first loss %.6f" % (name, steps, times[len(times) // 2], times[0], threads,
                               torch.__version__, first))
