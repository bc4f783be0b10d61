"""Reference: the dense GAN of Yelmen et al. 2021 ported to PyTorch, for GPU comparisons.

The same network, losses and loop as gan_keras.py (the authors' gan_script.py), n = number of sites:
  generator      latent 600 -> Linear(n//1.2) LeakyReLU(0.01) -> Linear(n//1.1) LeakyReLU(0.01) -> Linear(n) tanh
  discriminator  n -> Linear(n//2) LeakyReLU(0.01) -> Linear(n//3) LeakyReLU(0.01) -> Linear(1) sigmoid
  Glorot-uniform weights and zero biases (Keras' defaults), L2 1e-4 on the hidden-layer kernels added
  to each loss (Keras' l2), Adam with Keras' defaults (D 8e-4, G 1e-4, betas 0.9/0.999, eps 1e-7),
  binary cross-entropy, batch 32. Inputs x - U(0, 0.1) drawn once, rows shuffled once. Per batch:
  fakes from the generator, then three optimizer steps (D on real with labels 1 - U(0, 0.1), D on
  fake with labels 0, G through the frozen D with labels 1). Plain eager PyTorch: data and noise
  stay on the device, no graphs, no compilation. Sampling: latent N(0, 1) -> generator ->
  negatives to 0 -> round.

Usage: python gan_torch.py --input TRAIN.hapt --epochs 20 --device cuda --seed 1 --out result.json
"""

import argparse
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--input", required=True, help="phased biallelic VCF, .hapt or .npy (the 805-SNP training set)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--threads", type=int, default=2, help="CPU threads")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--latent", type=int, default=600)
    p.add_argument("--ags", type=int, default=0, help="AGs to sample after training (0 = as many as input)")
    p.add_argument("--out", required=True, help="result JSON")
    return p.parse_args()


def main():
    args = parse_args()
    import numpy as np
    import torch
    from torch import nn

    import haplo

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    dev = torch.device(args.device)
    gen = torch.Generator(device=dev).manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    real = haplo.load_matrix(args.input)
    n_haplotypes, n_sites = real.shape
    x_real = real[rng.permutation(n_haplotypes)].astype(np.float32)
    x_real -= rng.uniform(0, 0.1, size=x_real.shape).astype(np.float32)
    x_real = torch.from_numpy(x_real).to(dev)

    def dense(n_in, n_out):
        layer = nn.Linear(n_in, n_out)
        nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(layer.bias)
        return layer

    alpha = 0.01
    g_layers = [dense(args.latent, int(n_sites // 1.2)), dense(int(n_sites // 1.2), int(n_sites // 1.1)),
                dense(int(n_sites // 1.1), n_sites)]
    d_layers = [dense(n_sites, n_sites // 2), dense(n_sites // 2, n_sites // 3), dense(n_sites // 3, 1)]
    generator = nn.Sequential(g_layers[0], nn.LeakyReLU(alpha), g_layers[1], nn.LeakyReLU(alpha), g_layers[2],
                              nn.Tanh()).to(dev)
    discriminator = nn.Sequential(d_layers[0], nn.LeakyReLU(alpha), d_layers[1], nn.LeakyReLU(alpha), d_layers[2],
                                  nn.Sigmoid()).to(dev)
    g_hidden = [g_layers[0].weight, g_layers[1].weight]
    d_hidden = [d_layers[0].weight, d_layers[1].weight]

    def l2(weights):
        return 1e-4 * sum((w * w).sum() for w in weights)

    d_opt = torch.optim.Adam(discriminator.parameters(), lr=8e-4, eps=1e-7)
    g_opt = torch.optim.Adam(generator.parameters(), lr=1e-4, eps=1e-7)
    bce = nn.BCELoss()

    batch = args.batch_size
    batches = n_haplotypes // batch
    ones = torch.ones(batch, 1, device=dev)
    zeros = torch.zeros(batch, 1, device=dev)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    epoch_seconds = []
    losses = []
    for _ in range(args.epochs):
        sync()
        start = time.perf_counter()
        for b in range(batches):
            x_batch = x_real[b * batch : (b + 1) * batch]
            latent = torch.randn(batch, args.latent, device=dev, generator=gen)
            with torch.no_grad():
                x_fake = generator(latent)
            y_real = ones - torch.rand(batch, 1, device=dev, generator=gen) * 0.1
            for x, y in ((x_batch, y_real), (x_fake, zeros)):
                d_opt.zero_grad(set_to_none=True)
                d_loss = bce(discriminator(x), y) + l2(d_hidden)
                d_loss.backward()
                d_opt.step()
            g_opt.zero_grad(set_to_none=True)
            for p in discriminator.parameters():
                p.requires_grad_(False)
            g_loss = bce(discriminator(generator(latent)), ones) + l2(g_hidden)
            g_loss.backward()
            g_opt.step()
            for p in discriminator.parameters():
                p.requires_grad_(True)
        sync()
        epoch_seconds.append(time.perf_counter() - start)
        losses.append((d_loss.item(), g_loss.item()))

    n_ags = args.ags or n_haplotypes
    sync()
    start = time.perf_counter()
    with torch.no_grad():
        ags = generator(torch.randn(n_ags, args.latent, device=dev, generator=gen))
        ags = torch.clamp(ags, min=0).round().to(torch.uint8)
    sync()
    sample_seconds = time.perf_counter() - start
    ags = ags.cpu().numpy()

    haplo.write_json(
        args.out,
        {
            "implementation": f"PyTorch {torch.__version__} {'CUDA' if dev.type == 'cuda' else 'CPU'}, eager, authors' loop (3 optimizer steps per batch)",
            "model": "gan",
            "device": str(dev),
            "sample_seconds": sample_seconds,
            "ags": int(n_ags),
            "epochs": args.epochs,
            "batch_size": batch,
            "batches_per_epoch": batches,
            "epoch_seconds": epoch_seconds,
            "losses": losses,
            "ld_r2_correlation": haplo.ld_r2_correlation(real, ags),
            "af_correlation": haplo.af_correlation(real, ags),
            "versions": haplo.versions("numpy", "torch"),
        },
    )


if __name__ == "__main__":
    main()
