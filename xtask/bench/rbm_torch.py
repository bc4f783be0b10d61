"""Reference: the RBM of Yelmen et al. 2021 in PyTorch (the 805-SNP settings of genosynth issue 4).

Binary visible and hidden units; weights N(0, 1) * 1e-4, visible biases = logit of the allele
frequencies (clamped 1e-5), hidden biases 0. Centered gradient (Melchior et al. 2016): offsets are
the minibatch means of the visible data and of the data-driven hidden probabilities. Minibatch 500
with 500 negative chains re-initialised at random each minibatch and run 50 Gibbs steps (the
authors' out-of-equilibrium learning), lr 0.01, 500 hidden units, no L2. Sampling: random visible
states, the same 50 Gibbs steps.

Usage: python rbm_torch.py --input TRAIN.vcf.gz --epochs 20 --threads 2 --seed 1 --out result.json
       python rbm_torch.py --input TRAIN.hapt --epochs 20 --device cuda --out result.json
"""

import argparse
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--input", required=True, help="phased biallelic VCF (the 805-SNP training set)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu", help="cpu or cuda (data, weights and chains stay on it)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--hidden", type=int, default=500)
    p.add_argument("--minibatch", type=int, default=500)
    p.add_argument("--gibbs-steps", type=int, default=50)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--ags", type=int, default=0, help="AGs to sample after training (0 = as many as input)")
    p.add_argument("--ags-out", help="write the AGs as a .npy (haplotypes x sites, uint8)")
    p.add_argument("--out", required=True, help="result JSON")
    return p.parse_args()


def gibbs(v, w, a, b, steps, gen):
    """`steps` alternating updates h ~ p(h|v), v ~ p(v|h) from visible states `v`."""
    import torch

    for _ in range(steps):
        h = torch.bernoulli(torch.sigmoid(v @ w + b), generator=gen)
        v = torch.bernoulli(torch.sigmoid(h @ w.T + a), generator=gen)
    return v


def main():
    args = parse_args()
    import numpy as np
    import torch

    import haplo

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    dev = torch.device(args.device)
    gen = torch.Generator(device=dev).manual_seed(args.seed)

    real = haplo.load_matrix(args.input)
    n_haplotypes, n_sites = real.shape
    data = torch.from_numpy(real.astype(np.float32)).to(dev)
    freq = data.mean(0).clamp(1e-5, 1 - 1e-5)
    w = torch.randn(n_sites, args.hidden, generator=gen, device=dev) * 1e-4
    a = torch.log(freq / (1 - freq))
    b = torch.zeros(args.hidden, device=dev)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    batch = args.minibatch
    batches = n_haplotypes // batch
    epoch_seconds = []
    reconstruction = []
    for _ in range(args.epochs):
        sync()
        start = time.perf_counter()
        order = torch.randperm(n_haplotypes, generator=gen, device=dev)
        error = 0.0
        for k in range(batches):
            v_data = data[order[k * batch : (k + 1) * batch]]
            h_data = torch.sigmoid(v_data @ w + b)
            chains = torch.bernoulli(torch.full((batch, n_sites), 0.5, device=dev), generator=gen)
            v_model = gibbs(chains, w, a, b, args.gibbs_steps, gen)
            h_model = torch.sigmoid(v_model @ w + b)
            mu_v = v_data.mean(0)
            mu_h = h_data.mean(0)
            grad_w = (v_data - mu_v).T @ (h_data - mu_h) / batch - (v_model - mu_v).T @ (h_model - mu_h) / batch
            grad_a = v_data.mean(0) - v_model.mean(0) - grad_w @ mu_h
            grad_b = h_data.mean(0) - h_model.mean(0) - grad_w.T @ mu_v
            w += args.lr * grad_w
            a += args.lr * grad_a
            b += args.lr * grad_b
            recon = torch.sigmoid(torch.bernoulli(h_data, generator=gen) @ w.T + a)
            error += float(((recon - v_data) ** 2).mean())
        sync()
        epoch_seconds.append(time.perf_counter() - start)
        reconstruction.append(error / batches)

    n_ags = args.ags or n_haplotypes
    start_states = torch.bernoulli(torch.full((n_ags, n_sites), 0.5, device=dev), generator=gen)
    sync()
    start = time.perf_counter()
    ags = gibbs(start_states, w, a, b, args.gibbs_steps, gen)
    sync()
    sample_seconds = time.perf_counter() - start
    ags = ags.cpu().numpy().astype(np.uint8)
    if args.ags_out:
        np.save(args.ags_out, ags)

    haplo.write_json(
        args.out,
        {
            "implementation": f"PyTorch {torch.__version__} {'CUDA' if dev.type == 'cuda' else 'CPU'}, centered gradient, 50-step chains from noise",
            "device": str(dev),
            "sample_seconds": sample_seconds,
            "ags": int(n_ags),
            "model": "rbm",
            "epochs": args.epochs,
            "threads": args.threads,
            "batch_size": batch,
            "batches_per_epoch": batches,
            "epoch_seconds": epoch_seconds,
            "reconstruction_error": reconstruction,
            "ld_r2_correlation": haplo.ld_r2_correlation(real, ags),
            "af_correlation": haplo.af_correlation(real, ags),
            "versions": haplo.versions("numpy", "torch"),
        },
    )


if __name__ == "__main__":
    main()
