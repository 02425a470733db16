"""PyTorch reference of AudioMAE's fine-tuning model in evaluation mode
(timm 0.3.2 ViT blocks, mean pooling without CLS, fc_norm, head), for
benchmarking and for checking the compiled base model's numbers.

Usage: pytorch_infer.py WEIGHTS.safetensors INPUTS.safetensors OUT.safetensors
                        [--repeat N] [--threads T]
Prints the median and minimum time per forward (after one warm-up) and
writes `logits` and `embedding`. With --export-onnx=M.onnx it also writes
the same forward as an ONNX model (opset 17, weights as initializers, the
batch dimension dynamic) for the ONNX Runtime side of the benchmark.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools", "python"))
from safetensors_io import read, write  # noqa: E402


def forward(w, imgs, depth, heads):
    x = F.conv2d(imgs, w["patch_embed.proj.weight"], w["patch_embed.proj.bias"], stride=int(w["patch_embed.proj.weight"].shape[-1]))
    x = x.flatten(2).transpose(1, 2)
    x = x + w["pos_embed"][:, 1:, :]
    cls = (w["cls_token"] + w["pos_embed"][:, :1, :]).expand(x.shape[0], -1, -1)
    x = torch.cat((cls, x), dim=1)
    # Only the batch stays symbolic when traced for ONNX.
    N, C = int(x.shape[1]), int(x.shape[2])
    for i in range(depth):
        p = "blocks.%d." % i
        h = F.layer_norm(x, (C,), w[p + "norm1.weight"], w[p + "norm1.bias"], 1e-6)
        qkv = F.linear(h, w[p + "attn.qkv.weight"], w[p + "attn.qkv.bias"])
        qkv = qkv.reshape(-1, N, 3, heads, C // heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q @ k.transpose(-2, -1)) * (C // heads) ** -0.5
        attn = attn.softmax(dim=-1)
        a = (attn @ v).transpose(1, 2).reshape(-1, N, C)
        x = x + F.linear(a, w[p + "attn.proj.weight"], w[p + "attn.proj.bias"])
        h = F.layer_norm(x, (C,), w[p + "norm2.weight"], w[p + "norm2.bias"], 1e-6)
        h = F.linear(F.gelu(F.linear(h, w[p + "mlp.fc1.weight"], w[p + "mlp.fc1.bias"])),
                     w[p + "mlp.fc2.weight"], w[p + "mlp.fc2.bias"])
        x = x + h
    emb = F.layer_norm(x[:, 1:, :].mean(dim=1), (C,), w["fc_norm.weight"], w["fc_norm.bias"], 1e-6)
    return F.linear(emb, w["head.weight"], w["head.bias"]), emb


class Forward(torch.nn.Module):
    def __init__(self, w, depth, heads):
        super().__init__()
        # Buffers, so that the exporter stores them as initializers.
        self.names = sorted(w)
        for i, k in enumerate(self.names):
            self.register_buffer("w%d" % i, w[k])
        self.depth, self.heads = depth, heads

    def forward(self, imgs):
        w = {k: getattr(self, "w%d" % i) for i, k in enumerate(self.names)}
        return forward(w, imgs, self.depth, self.heads)


def export_onnx(w, imgs, depth, heads, path):
    torch.onnx.export(Forward(w, depth, heads), (imgs,), path, opset_version=17,
                      input_names=["imgs"], output_names=["logits", "embedding"],
                      dynamic_axes={"imgs": {0: "batch"}, "logits": {0: "batch"},
                                    "embedding": {0: "batch"}})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("weights")
    ap.add_argument("inputs")
    ap.add_argument("out")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--heads", type=int, default=12)
    ap.add_argument("--export-onnx", default="")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    w = {k: torch.from_numpy(v.copy()) for k, v in read(args.weights).items()}
    imgs = torch.from_numpy(read(args.inputs)["imgs"].copy())
    depth = len({k.split(".")[1] for k in w if k.startswith("blocks.")})
    with torch.no_grad():
        logits, emb = forward(w, imgs, depth, args.heads)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            forward(w, imgs, depth, args.heads)
            times.append((time.perf_counter() - t0) * 1000)
        if args.export_onnx:
            export_onnx(w, imgs, depth, args.heads, args.export_onnx)
    times.sort()
    print("pytorch infer: %d runs, median %.3f ms, min %.3f ms (%d threads, torch %s)" %
          (args.repeat, times[len(times) // 2], times[0], args.threads, torch.__version__))
    write(args.out, {"logits": logits.numpy(), "embedding": emb.numpy()})


if __name__ == "__main__":
    main()
