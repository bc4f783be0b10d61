"""Reference: the dense GAN of Yelmen et al. 2021 in Keras, with the authors' training loop.

Architecture and loop as the authors' gan_script.py (and genosynth issue 4), n = number of sites:
  generator      latent 600 -> Dense(n//1.2) LeakyReLU(0.01) -> Dense(n//1.1) LeakyReLU(0.01) -> Dense(n) tanh
  discriminator  n -> Dense(n//2) LeakyReLU(0.01) -> Dense(n//3) LeakyReLU(0.01) -> Dense(1) sigmoid
  L2 1e-4 on the hidden-layer kernels, Adam (D 8e-4, G 1e-4), binary cross-entropy, batch 32.
  Inputs x - U(0, 0.1) drawn once and the rows shuffled once, as the authors' script. Per batch:
  generator.predict_on_batch, then 3 x train_on_batch (D on real with labels 1 - U(0, 0.1), D on fake
  with labels 0, G through the frozen D with labels 1).
  Sampling: latent N(0, 1) -> generator -> negatives to 0 -> round.

Usage: python gan_keras.py --input TRAIN.vcf.gz --epochs 20 --threads 2 --seed 1 --out result.json
"""

import argparse
import os
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--input", required=True, help="phased biallelic VCF (the 805-SNP training set)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--latent", type=int, default=600)
    p.add_argument(
        "--predict-call",
        choices=["predict_on_batch", "predict"],
        default="predict_on_batch",
        help="how fakes are made each batch (the authors: predict_on_batch)",
    )
    p.add_argument("--ags", type=int, default=0, help="AGs to sample after training (0 = as many as input)")
    p.add_argument("--ags-out", help="write the AGs as a .npy (haplotypes x sites, uint8)")
    p.add_argument("--out", required=True, help="result JSON")
    return p.parse_args()


def main():
    args = parse_args()
    # Thread counts must be fixed before TensorFlow starts its pools.
    os.environ["KERAS_BACKEND"] = "tensorflow"
    os.environ["TF_NUM_INTRAOP_THREADS"] = str(args.threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = str(args.threads)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras
    from keras import layers, regularizers

    import haplo

    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    real = haplo.load_haplotypes(args.input)
    n_haplotypes, n_sites = real.shape
    # As the authors' script: shuffle once, subtract the input noise once, iterate in order.
    x_real = real[rng.permutation(n_haplotypes)].astype(np.float32)
    x_real -= rng.uniform(0, 0.1, size=x_real.shape).astype(np.float32)

    alpha = 0.01
    l2 = regularizers.l2(0.0001)
    generator = keras.Sequential(
        [
            keras.Input(shape=(args.latent,)),
            layers.Dense(int(n_sites // 1.2), kernel_regularizer=l2),
            layers.LeakyReLU(negative_slope=alpha),
            layers.Dense(int(n_sites // 1.1), kernel_regularizer=l2),
            layers.LeakyReLU(negative_slope=alpha),
            layers.Dense(n_sites, activation="tanh"),
        ]
    )
    discriminator = keras.Sequential(
        [
            keras.Input(shape=(n_sites,)),
            layers.Dense(n_sites // 2, kernel_regularizer=l2),
            layers.LeakyReLU(negative_slope=alpha),
            layers.Dense(n_sites // 3, kernel_regularizer=l2),
            layers.LeakyReLU(negative_slope=alpha),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    discriminator.compile(optimizer=keras.optimizers.Adam(learning_rate=0.0008), loss="binary_crossentropy")
    discriminator.trainable = False
    gan = keras.Sequential([generator, discriminator])
    gan.compile(optimizer=keras.optimizers.Adam(learning_rate=0.0001), loss="binary_crossentropy")

    # The authors call predict_on_batch; Keras' predict() adds a data pipeline per call (slow).
    if args.predict_call == "predict":
        def generate_batch(latent):
            return generator.predict(latent, verbose=0)
    else:
        generate_batch = generator.predict_on_batch

    batch = args.batch_size
    y_real = np.ones((batch, 1), dtype=np.float32)
    y_fake = np.zeros((batch, 1), dtype=np.float32)
    batches = n_haplotypes // batch
    epoch_seconds = []
    losses = []
    for _ in range(args.epochs):
        start = time.perf_counter()
        for b in range(batches):
            x_batch = x_real[b * batch : (b + 1) * batch]
            latent = rng.normal(0, 1, size=(batch, args.latent)).astype(np.float32)
            x_fake = generate_batch(latent)
            discriminator.trainable = True
            d_loss = discriminator.train_on_batch(x_batch, y_real - rng.uniform(0, 0.1, size=y_real.shape))
            d_loss += discriminator.train_on_batch(x_fake, y_fake)
            discriminator.trainable = False
            g_loss = gan.train_on_batch(latent, y_real)
        epoch_seconds.append(time.perf_counter() - start)
        losses.append((float(d_loss), float(g_loss)))

    n_ags = args.ags or n_haplotypes
    latent = rng.normal(0, 1, size=(n_ags, args.latent)).astype(np.float32)
    ags = generator.predict(latent, batch_size=1024, verbose=0)
    ags[ags < 0] = 0
    ags = np.rint(ags).astype(np.uint8)
    if args.ags_out:
        np.save(args.ags_out, ags)

    haplo.write_json(
        args.out,
        {
            "implementation": f"Keras {keras.__version__} / tensorflow-cpu {tf.__version__}, authors' loop ({args.predict_call} + 3 x train_on_batch)",
            "model": "gan",
            "epochs": args.epochs,
            "threads": args.threads,
            "batch_size": batch,
            "batches_per_epoch": batches,
            "epoch_seconds": epoch_seconds,
            "losses": losses,
            "ld_r2_correlation": haplo.ld_r2_correlation(real, ags),
            "af_correlation": haplo.af_correlation(real, ags),
            "versions": haplo.versions("numpy", "tensorflow", "keras"),
        },
    )


if __name__ == "__main__":
    main()
