"""PyTorch reference of one AudioMAE pretraining step (models_mae.py with
decoder_mode 1: random masking, the ViT encoder, the post-norm shifted-window
decoder with scaled cosine attention and the meta-MLP position bias, the
norm-pix masked MSE loss), backward and AdamW, on the same weights, images
and masking noise as amae's compiled step, for benchmarking. The bias
dropout must be 0 in the spec (it is random).

Usage: pytorch_pretrain.py WEIGHTS.safetensors BATCH.safetensors
           --heads H --decoder-heads DH --window WT WF --shift ST SF [--steps N]
Prints the median and minimum time per step (after one warm-up step) and the
first step's loss.
"""
import argparse
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools", "python"))
from pytorch_steps import time_steps  # noqa: E402
from safetensors_io import read  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("weights")
ap.add_argument("batch")
ap.add_argument("--steps", type=int, default=3)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--heads", type=int, default=12)
ap.add_argument("--decoder-heads", type=int, default=16)
ap.add_argument("--window", type=int, nargs=2, default=[4, 4])
ap.add_argument("--shift", type=int, nargs=2, default=[2, 0])
ap.add_argument("--mask-ratio", type=float, default=0.8)
args = ap.parse_args()
torch.set_num_threads(args.threads)

frozen = ("pos_embed", "decoder_pos_embed")
w = {k: torch.from_numpy(v.copy()).requires_grad_(k not in frozen)
     for k, v in read(args.weights).items()}
batch = read(args.batch)
imgs, noise = torch.from_numpy(batch["imgs"].copy()), torch.from_numpy(batch["noise"].copy())
depth = len({k.split(".")[1] for k in w if k.startswith("blocks.")})
dec_depth = len({k.split(".")[1] for k in w if k.startswith("decoder_blocks.")})
p = int(w["patch_embed.proj.weight"].shape[-1])
T, Fq = imgs.shape[2] // p, imgs.shape[3] // p
wt, wf = args.window
P = wt * wf


def vit_block(x, pre, heads):
    B, N, C = x.shape
    h = F.layer_norm(x, (C,), w[pre + "norm1.weight"], w[pre + "norm1.bias"], 1e-6)
    qkv = F.linear(h, w[pre + "attn.qkv.weight"], w[pre + "attn.qkv.bias"])
    q, k, v = qkv.reshape(B, N, 3, heads, C // heads).permute(2, 0, 3, 1, 4)
    a = ((q @ k.transpose(-2, -1)) * (C // heads) ** -0.5).softmax(-1) @ v
    x = x + F.linear(a.transpose(1, 2).reshape(B, N, C), w[pre + "attn.proj.weight"], w[pre + "attn.proj.bias"])
    h = F.layer_norm(x, (C,), w[pre + "norm2.weight"], w[pre + "norm2.bias"], 1e-6)
    return x + F.linear(F.gelu(F.linear(h, w[pre + "mlp.fc1.weight"], w[pre + "mlp.fc1.bias"])),
                        w[pre + "mlp.fc2.weight"], w[pre + "mlp.fc2.bias"])


# The window geometry: log-spaced relative coordinates (i-major pairs) and
# the -100 mask of the rolled grid's regions (timm_patch).
r = torch.arange(P) // wf
c = torch.arange(P) % wf
d = torch.stack([(r[:, None] - r[None, :]).flatten(), (c[:, None] - c[None, :]).flatten()], 1).float()
coords = torch.sign(d) * torch.log1p(d.abs())


def shift_mask(st, sf):
    img = torch.zeros(T, Fq)
    cnt = 0
    for hs in (slice(0, -wt), slice(-wt, -st if st else None), slice(-st if st else None, None)):
        for ws in (slice(0, -wf), slice(-wf, -sf if sf else None), slice(-sf if sf else None, None)):
            img[hs, ws] = cnt
            cnt += 1
    win = img.view(T // wt, wt, Fq // wf, wf).permute(0, 2, 1, 3).reshape(-1, P)
    m = win[:, None, :] - win[:, :, None]
    return torch.where(m != 0, torch.tensor(-100.0), torch.tensor(0.0))


def swin_block(x, j, heads):
    B, L, C = x.shape
    pre = "decoder_blocks.%d." % j
    st, sf = args.shift if j % 2 else (0, 0)
    g = x.view(B, T, Fq, C)
    if st or sf:
        g = torch.roll(g, (-st, -sf), (1, 2))
    win = g.view(B, T // wt, wt, Fq // wf, wf, C).permute(0, 1, 3, 2, 4, 5).reshape(-1, P, C)
    nw = (T // wt) * (Fq // wf)
    qkv = F.linear(win, w[pre + "attn.qkv.weight"], w[pre + "attn.qkv.bias"])
    q, k, v = qkv.reshape(-1, P, 3, heads, C // heads).permute(2, 0, 3, 1, 4)
    dots = q @ k.transpose(-2, -1)
    norms = q.norm(dim=-1)[..., :, None] * k.norm(dim=-1)[..., None, :]
    tau = torch.clamp(w[pre + "attn.tau"], min=0.01).view(1, heads, 1, 1)
    logits = dots / torch.clamp(norms, min=1e-6) / tau
    bias = F.linear(F.relu(F.linear(coords, w[pre + "attn.meta_mlp.fc1.weight"], w[pre + "attn.meta_mlp.fc1.bias"])),
                    w[pre + "attn.meta_mlp.fc2.weight"], w[pre + "attn.meta_mlp.fc2.bias"])
    logits = logits + bias.transpose(0, 1).reshape(1, heads, P, P)
    if st or sf:
        logits = logits.view(B, nw, heads, P, P) + shift_mask(st, sf).view(1, nw, 1, P, P)
        logits = logits.view(-1, heads, P, P)
    a = (logits.softmax(-1) @ v).transpose(1, 2).reshape(-1, P, C)
    a = F.linear(a, w[pre + "attn.proj.weight"], w[pre + "attn.proj.bias"])
    g = a.view(B, T // wt, Fq // wf, wt, wf, C).permute(0, 1, 3, 2, 4, 5).reshape(B, T, Fq, C)
    if st or sf:
        g = torch.roll(g, (st, sf), (1, 2))
    x = x + F.layer_norm(g.reshape(B, L, C), (C,), w[pre + "norm1.weight"], w[pre + "norm1.bias"], 1e-6)
    h = F.linear(F.gelu(F.linear(x, w[pre + "mlp.fc1.weight"], w[pre + "mlp.fc1.bias"])),
                 w[pre + "mlp.fc2.weight"], w[pre + "mlp.fc2.bias"])
    return x + F.layer_norm(h, (C,), w[pre + "norm2.weight"], w[pre + "norm2.bias"], 1e-6)


def pretrain_loss():
    x = F.conv2d(imgs, w["patch_embed.proj.weight"], w["patch_embed.proj.bias"], stride=p)
    x = x.flatten(2).transpose(1, 2) + w["pos_embed"][:, 1:, :]
    B, L, D = x.shape
    keep = int(L * (1 - args.mask_ratio))
    ids_shuffle = torch.argsort(noise, dim=1)
    ids_restore = torch.argsort(ids_shuffle, dim=1)
    x = torch.gather(x, 1, ids_shuffle[:, :keep, None].expand(-1, -1, D))
    mask = torch.ones(B, L)
    mask[:, :keep] = 0
    mask = torch.gather(mask, 1, ids_restore)
    cls = (w["cls_token"] + w["pos_embed"][:, :1, :]).expand(B, -1, -1)
    x = torch.cat((cls, x), 1)
    for i in range(depth):
        x = vit_block(x, "blocks.%d." % i, args.heads)
    x = F.layer_norm(x, (D,), w["norm.weight"], w["norm.bias"], 1e-6)
    y = F.linear(x, w["decoder_embed.weight"], w["decoder_embed.bias"])
    E = y.shape[2]
    tokens = torch.cat((y[:, 1:, :], w["mask_token"].expand(B, L - keep, -1)), 1)
    tokens = torch.gather(tokens, 1, ids_restore[:, :, None].expand(-1, -1, E))
    y = torch.cat((y[:, :1, :], tokens), 1) + w["decoder_pos_embed"]
    y = y[:, 1:, :]
    for j in range(dec_depth):
        y = swin_block(y, j, args.decoder_heads)
    y = F.layer_norm(y, (E,), w["decoder_norm.weight"], w["decoder_norm.bias"], 1e-6)
    pred = F.linear(y, w["decoder_pred.weight"], w["decoder_pred.bias"])
    target = imgs.reshape(B, 1, T, p, Fq, p).permute(0, 2, 4, 3, 5, 1).reshape(B, L, p * p)
    mean = target.mean(-1, keepdim=True)
    var = target.var(-1, keepdim=True)
    target = (target - mean) / (var + 1e-6) ** 0.5
    loss = ((pred - target) ** 2).mean(-1)
    return (loss * mask).sum() / mask.sum()


opt = torch.optim.AdamW([t for k, t in w.items() if k not in frozen], lr=1e-4,
                        betas=(0.9, 0.95), weight_decay=0.05)
time_steps("pretrain", opt, pretrain_loss, args.steps, args.threads)
