"""Writes the small PyTorch checkpoints the checkpoint tests read.

Run with Debian's python3-torch: /usr/bin/python3 make-pth.py OUTDIR
The tensors are arange-based so the C++ tests can check every value.
- state_dict.pth: a plain OrderedDict state_dict with F32, F16, BF16, I64
  tensors, a transposed (strided) view, a view with a storage offset and two
  tensors sharing one storage.
- training.pth: what the official training code saves: {model, optimizer,
  epoch, scaler, args}, with Adam state tensors and an argparse.Namespace.
"""
import argparse
import collections
import os
import sys

import torch

out = sys.argv[1]
base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
sd = collections.OrderedDict()
sd["blocks.0.attn.qkv.weight"] = base                     # F32 [3, 4]
sd["blocks.0.attn.qkv.bias"] = torch.arange(3, dtype=torch.float32) / 4
sd["half"] = torch.tensor([1.5, -2.0, 65504.0, 6.1035156e-05], dtype=torch.float16)
sd["bf16"] = torch.tensor([1.0, -0.5, 3.0e38], dtype=torch.bfloat16)
sd["ids"] = torch.tensor([[0, -1], [2**40, 7]], dtype=torch.int64)
sd["transposed"] = base.t()                               # strided [4, 3]
sd["row"] = base[1]                                       # offset 4, [4]
sd["shared"] = base                                       # same storage
torch.save(sd, os.path.join(out, "state_dict.pth"))

model = torch.nn.Linear(4, 3)
with torch.no_grad():
    model.weight.copy_(base)
    model.bias.copy_(torch.tensor([0.5, -0.5, 1.0]))
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95))
model(torch.ones(2, 4)).sum().backward()
opt.step()
args = argparse.Namespace(model="mae_vit_base_patch16", mask_ratio=0.8,
                          norm_pix_loss=True, blr=2e-4, input_size=(1024, 128),
                          output_dir=None)
torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
            "epoch": 7, "scaler": {"scale": 65536.0, "growth_factor": 2.0,
                                   "_growth_tracker": 0},
            "args": args},
           os.path.join(out, "training.pth"))
