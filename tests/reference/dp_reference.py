"""Reference ε for genosynth-models' RDP accountant (crates/genosynth-models/src/dp.rs),
from Google's dp-accounting: Poisson-subsampled Gaussian steps composed by its
RdpAccountant over the same integer orders, and over its default orders (with fractional
ones) to show how much the integer orders cost.

Writes fixtures/dp_expected.json; crates/genosynth-models/tests/dp_accountant.rs compares.
"""
import argparse
import importlib.metadata
import itertools
import json
import os

import dp_accounting
from absl import logging
from dp_accounting.rdp import RdpAccountant

# Its fractional orders below 2 do not converge for large q and say so once per order.
logging.set_verbosity(logging.ERROR)

HERE = os.path.dirname(os.path.abspath(__file__))
ORDERS = list(range(2, 65)) + [128, 256, 512, 1024]
SIGMAS = [0.5, 0.8, 1.0, 1.5, 3.0, 10.0]
RATES = [0.001, 0.01, 0.1, 0.5, 1.0]
STEPS = [1, 100, 10000]
DELTAS = [1e-5, 1e-3]


def epsilon(sigma, q, steps, delta, orders=None):
    acc = RdpAccountant(orders) if orders else RdpAccountant()
    event = dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma))
    acc.compose(event, steps)
    return acc.get_epsilon(delta)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(HERE, "fixtures", "dp_expected.json"))
    args = parser.parse_args()
    cases = []
    for sigma, q, steps, delta in itertools.product(SIGMAS, RATES, STEPS, DELTAS):
        cases.append({
            "sigma": sigma, "q": q, "steps": steps, "delta": delta,
            "epsilon": epsilon(sigma, q, steps, delta, ORDERS),
            "epsilon_default_orders": epsilon(sigma, q, steps, delta),
        })
    out = {"orders": ORDERS, "cases": cases,
           "versions": {"dp-accounting": importlib.metadata.version("dp-accounting")}}
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
