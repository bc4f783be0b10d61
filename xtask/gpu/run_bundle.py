"""The GPU bundle's measurements: run by run.sh on the device machine (or with --cpu anywhere).

Every step runs the bundled binaries as a user would (`genosynth train/generate/eval`, the test
binary, the PyTorch references) under its own time limit, inside one overall deadline, and records
what it measured or why it could not. The result is one JSON object (results.json) and a log;
a failed step never stops the others. Standard library only, plus numpy for the simulation and
PyTorch for the references when they are installed.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLE = os.path.dirname(HERE)
# run.sh unpacks the executables here.
BIN = os.environ.get("GENOSYNTH_BUNDLE_BIN", os.path.join(BUNDLE, "bin"))


class Runner:
    """Runs commands with a log, per-step limits and an overall deadline."""

    def __init__(self, out, deadline_s, log, only):
        self.out = out
        self.only = only
        self.start = time.monotonic()
        self.deadline = self.start + deadline_s
        self.log = log
        self.results = {"steps": {}}

    def say(self, text):
        stamp = f"[{time.monotonic() - self.start:6.1f} s] "
        print(stamp + text, flush=True)
        self.log.write(stamp + text + "\n")
        self.log.flush()

    def left(self):
        return self.deadline - time.monotonic()

    def run(self, args, limit, env=None, cwd=None):
        """(returncode or None on timeout, stdout+stderr text, seconds)."""
        limit = max(1.0, min(limit, self.left() - 5))
        self.say("$ " + " ".join(args) + f"   (limit {limit:.0f} s)")
        started = time.monotonic()
        try:
            proc = subprocess.run(
                args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                timeout=limit, env=env, cwd=cwd,
            )
            code, text = proc.returncode, proc.stdout
        except subprocess.TimeoutExpired as e:
            code = None
            text = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        except OSError as e:
            code, text = -1, f"cannot run: {e}"
        seconds = time.monotonic() - started
        self.log.write(text[-20000:] + ("\n" if text and not text.endswith("\n") else ""))
        self.log.write(f"-> exit {code}, {seconds:.1f} s\n")
        self.log.flush()
        return code, text, seconds

    def step(self, name, fn, *args):
        """Runs one measurement; its dict (or the error) goes under results.steps[name]."""
        if not self.wanted(name):
            return None
        if self.left() < 20:
            self.results["steps"][name] = {"status": "skipped", "reason": "overall deadline reached"}
            self.say(f"== {name}: skipped (deadline)")
            return None
        self.say(f"== {name}")
        try:
            result = fn(*args)
            result.setdefault("status", "ok")
        except StepError as e:
            result = {"status": "failed", "reason": str(e)}
        except Exception as e:  # a bug in this script must not lose the other steps
            result = {"status": "failed", "reason": f"{type(e).__name__}: {e}"}
        self.results["steps"][name] = result
        self.say(f"-> {name}: {json.dumps(result)[:400]}")
        self.save()
        return result

    def wanted(self, name):
        return not self.only or name in self.only or name == "environment"

    def save(self):
        path = os.path.join(self.out, "results.json")
        with open(path + ".tmp", "w") as f:
            json.dump(self.results, f, indent=2)
            f.write("\n")
        os.replace(path + ".tmp", path)


class StepError(Exception):
    pass


def check(code, text, what):
    if code is None:
        raise StepError(f"{what}: time limit reached")
    if code != 0:
        tail = "\n".join(text.strip().splitlines()[-6:])
        raise StepError(f"{what}: exit {code}: {tail}")


def history_seconds(model_dir):
    with open(os.path.join(model_dir, "history.jsonl")) as f:
        return [json.loads(line)["seconds"] for line in f if line.strip()]


def steady(seconds):
    """Median epoch time after the first (which pays start-up and kernel loading)."""
    return statistics.median(seconds[1:]) if len(seconds) > 1 else seconds[0]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--cpu", action="store_true", help="dry run on the CPU with tiny inputs")
    p.add_argument("--out", required=True)
    p.add_argument("--deadline", type=float, default=450, help="overall seconds")
    p.add_argument("--only", default="", help="comma-separated step names to run (a rerun of some)")
    args = p.parse_args()

    os.makedirs(args.out, exist_ok=True)
    work = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"genosynth-gpu-bundle-{os.getpid()}")
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(args.out, "run.log"), "w") as log:
        r = Runner(args.out, args.deadline, log, [s for s in args.only.split(",") if s])
        try:
            measure(r, args.cpu, work)
        finally:
            r.results["seconds"] = round(time.monotonic() - r.start, 1)
            r.save()
            shutil.rmtree(work, ignore_errors=True)
    failed = [k for k, v in r.results["steps"].items() if v.get("status") == "failed"]
    print(f"results: {os.path.join(args.out, 'results.json')}; failed steps: {failed or 'none'}")
    return 1 if failed else 0


def measure(r, cpu, work):
    manifest = json.load(open(os.path.join(BUNDLE, "MANIFEST.json")))
    device = "cpu" if cpu else "cuda"
    g = os.path.join(BIN, "genosynth")
    data = os.path.join(BUNDLE, "data")
    v805 = os.path.join(data, "805_SNP_1000G_real.train.vcf.gz")
    agbl4 = os.path.join(data, "AGBL4.train.vcf.gz")
    # Dry run: a few epochs on small inputs, so every path runs in about a minute on 2 cores.
    size = {
        "gan_epochs": 2 if cpu else 30, "rbm_epochs": 2 if cpu else 20, "quick_epochs": 2 if cpu else 80,
        "gan_ags": 2000 if cpu else 100000, "rbm_ags": 500 if cpu else 10000,
        "sim_sites": 3000 if cpu else 65535, "sim_haplotypes": 192 if cpu else 960,
        "wgan_epochs": 1 if cpu else 2, "crbm_window": 546 if cpu else 11916, "crbm_epochs": 1 if cpu else 2,
    }
    r.results.update({
        "mode": "cpu dry run" if cpu else "gpu", "device": device, "manifest": manifest, "sizes": size,
        "host": {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version()},
    })
    r.step("environment", environment, r)

    # CPU-trained reference AGs for the fidelity check, trained beside the test step (untimed).
    cpu_dir = os.path.join(work, "fidelity-cpu")
    threads = str(max(1, (os.cpu_count() or 2) // 2))
    fidelity_cmd = lambda dev, out: [g, "--quiet", "--threads", threads, "train", v805, "--model", "rbm", "--epochs",
                                     str(size["quick_epochs"]), "--init-std", "0.1", "--seed", "42", "--device", dev,
                                     "--save-every", "0", "-o", out]
    background = None if cpu or not r.wanted("fidelity") else subprocess.Popen(fidelity_cmd("cpu", cpu_dir), stdout=subprocess.DEVNULL,
                                                   stderr=subprocess.DEVNULL)
    r.step("tests", tests, r, cpu)

    gan_dir, rbm_dir = os.path.join(work, "gan"), os.path.join(work, "rbm")
    r.step("gan_805", train_timing, r, g, v805, "gan", size["gan_epochs"], device, gan_dir, [])
    r.step("rbm_805", train_timing, r, g, v805, "rbm", size["rbm_epochs"], device, rbm_dir, [])
    r.step("hclt_805", train_timing, r, g, v805, "hclt", size["rbm_epochs"], device, os.path.join(work, "hclt"), [])
    for name, ref in (("gan_805", "gan"), ("rbm_805", "rbm")):
        cpu_s = manifest.get("cpu_reference", {}).get(ref)
        step = r.results["steps"].get(name, {})
        if cpu_s and step.get("seconds_per_epoch"):
            step["cpu_reference_seconds_per_epoch"] = cpu_s
            step["speedup_vs_cpu_reference"] = round(cpu_s / step["seconds_per_epoch"], 2)
    r.save()
    r.step("generate_gan", generate_timing, r, g, gan_dir, size["gan_ags"], device, work)
    r.step("generate_rbm", generate_timing, r, g, rbm_dir, size["rbm_ags"], device, work)
    r.step("torch_references", torch_references, r, g, v805, size, device, work)

    sim = os.path.join(work, "sim.hapt")
    r.step("simulate", simulate, r, sim, size["sim_sites"], size["sim_haplotypes"])
    if not cpu:
        r.step("wgan_agbl4", train_timing, r, g, agbl4, "wgan", 2, device, os.path.join(work, "wgan-agbl4"),
               ["--multiallelic", "drop"], 120)
    r.step("wgan_sim", train_timing, r, g, sim, "wgan", size["wgan_epochs"], device, os.path.join(work, "wgan-sim"), [], 150)
    project_wgan(r, manifest)
    r.step("crbm_10_windows", train_timing, r, g, sim, "crbm", size["crbm_epochs"], device, os.path.join(work, "crbm-sim"),
           ["--window", str(size["crbm_window"])], 120)

    if background is not None:
        try:
            background.wait(timeout=max(1, r.left() - 60))
        except subprocess.TimeoutExpired:
            background.kill()
    r.step("fidelity", fidelity, r, g, v805, fidelity_cmd, cpu_dir, device, cpu, work)


def environment(r):
    env = {"ld_library_path": os.environ.get("LD_LIBRARY_PATH", ""), "cuda_libraries": os.environ.get("GENOSYNTH_CUDA_LIBS", "")}
    if shutil.which("nvidia-smi"):
        code, text, _ = r.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total,clocks.max.sm",
                               "--format=csv,noheader"], 30)
        if code == 0:
            env["gpu"] = text.strip()
    code, text, _ = r.run([sys.executable, "-c", "import torch;print(torch.__version__, torch.version.cuda, torch.cuda.is_available())"], 60)
    env["torch"] = text.strip().splitlines()[-1] if code == 0 else "not installed"
    return env


def tests(r, cpu):
    binaries = sorted(os.listdir(os.path.join(BIN, "tests")))
    out = {"binaries": binaries, "results": {}}
    env = dict(os.environ, RUST_BACKTRACE="1")
    for name in binaries:
        path = os.path.join(BIN, "tests", name)
        if cpu:
            # No GPU: prove the binary loads and lists its CUDA tests (running them needs a GPU).
            code, text, _ = r.run([path, "--list"], 60, env=env)
            check(code, text, name)
            listed = [l.split(":")[0] for l in text.splitlines() if l.endswith(": test")]
            out["results"][name] = {"listed": len(listed), "cuda_tests": [t for t in listed if "cuda" in t]}
            continue
        env["GENOSYNTH_REQUIRE_CUDA"] = "1"
        # Only the CUDA tests: the CPU ones run in CI.
        code, text, seconds = r.run([path, "cuda", "--test-threads", "2"], 240, env=env)
        summary = re.findall(r"test result: (\w+)\. (\d+) passed; (\d+) failed; (\d+) ignored", text)
        failed = re.findall(r"^test (\S+) \.\.\. FAILED", text, re.M)
        cuda = re.findall(r"^test (\S*cuda\S*) \.\.\. (\w+)", text, re.M)
        out["results"][name] = {"exit": code, "seconds": round(seconds, 1), "summary": summary,
                                "failed": failed, "cuda_tests": dict(cuda)}
        if code != 0:
            out["status"] = "failed"
            out["reason"] = f"{name}: exit {code}, failed: {failed}" if code is not None else f"{name}: time limit"
    return out


def train_timing(r, g, data, model, epochs, device, out_dir, extra, limit=120):
    """s/epoch from history.jsonl. Slow models save every epoch, so a run stopped at its limit
    still reports the epochs it finished."""
    save_every = "1" if model in ("wgan", "crbm") else "0"
    args = [g, "--quiet", "train", data, "--model", model, "--epochs", str(epochs), "--device", device,
            "--seed", "1", "--save-every", save_every, "-o", out_dir] + extra
    code, text, wall = r.run(args, limit)
    if code is None and os.path.exists(os.path.join(out_dir, "history.jsonl")):
        note = "time limit reached: the epochs finished before it"
    else:
        check(code, text, f"train --model {model}")
        note = None
    seconds = history_seconds(out_dir)
    out = {"epochs": len(seconds), "seconds_per_epoch": round(steady(seconds), 4), "first_epoch": round(seconds[0], 3),
           "epoch_seconds": [round(s, 4) for s in seconds], "wall_seconds": round(wall, 1)}
    if note:
        out["note"] = note
    return out


def generate_timing(r, g, model_dir, n, device, work):
    out = os.path.join(work, os.path.basename(model_dir) + "-ags.bcf")
    code, text, wall = r.run([g, "--quiet", "generate", model_dir, "-n", str(n), "--device", device, "--seed", "1",
                              "-O", "b", "-o", out], 120)
    check(code, text, "generate")
    return {"haplotypes": n, "wall_seconds": round(wall, 2), "ags_per_second": round(n / wall, 1)}


def torch_references(r, g, v805, size, device, work):
    code, _, _ = r.run([sys.executable, "-c", "import torch, numpy"], 60)
    if code != 0:
        return {"status": "skipped", "reason": "PyTorch or numpy is not installed here"}
    hapt = os.path.join(work, "805.hapt")
    code, text, _ = r.run([g, "--quiet", "convert", v805, "-O", "h", "-o", hapt], 60)
    check(code, text, "convert to .hapt")
    out = {}
    for model, epochs in (("gan", size["gan_epochs"]), ("rbm", size["rbm_epochs"])):
        result = os.path.join(work, f"torch-{model}.json")
        code, text, _ = r.run([sys.executable, os.path.join(HERE, f"{model}_torch.py"), "--input", hapt,
                               "--epochs", str(epochs), "--device", device, "--seed", "1", "--out", result], 150,
                              cwd=HERE)
        if code != 0:
            out[model] = {"status": "failed", "reason": f"exit {code}: " + " | ".join(text.strip().splitlines()[-3:])}
            continue
        res = json.load(open(result))
        res["seconds_per_epoch"] = round(steady(res["epoch_seconds"]), 4)
        ours = r.results["steps"].get(f"{model}_805", {}).get("seconds_per_epoch")
        if ours:
            res["torch_over_genosynth"] = round(res["seconds_per_epoch"] / ours, 2)
        out[model] = res
    return out


def simulate(r, path, sites, haplotypes):
    code, text, _ = r.run([sys.executable, os.path.join(HERE, "simulate.py"), "--sites", str(sites), "--haplotypes",
                           str(haplotypes), "--seed", "1", "-o", path], 120)
    check(code, text, "simulate.py")
    return {"sites": sites, "haplotypes": haplotypes, "path": path}


def project_wgan(r, manifest):
    """The authors' 65,535-site run: 3,501 epochs over their haplotypes, from our s/batch."""
    step = r.results["steps"].get("wgan_sim", {})
    sizes = r.results["sizes"]
    if not step.get("seconds_per_epoch"):
        return
    batch = 96
    per_batch = step["seconds_per_epoch"] / (sizes["sim_haplotypes"] // batch)
    target = manifest["wgan_projection"]
    batches = target["haplotypes"] // batch
    hours = per_batch * batches * target["epochs"] / 3600
    step["projection"] = {"seconds_per_batch": round(per_batch, 4), "haplotypes": target["haplotypes"],
                          "epochs": target["epochs"], "hours": round(hours, 2), "target_hours": target["target_hours"],
                          "meets_target": hours <= target["target_hours"]}
    r.save()


def fidelity(r, g, v805, cmd, cpu_dir, device, cpu, work):
    """AGs of the quick-preset RBM trained on `device` vs trained on the CPU, same command."""
    dirs = {device: os.path.join(work, "fidelity-" + device)}
    if device != "cpu":
        if not os.path.exists(os.path.join(cpu_dir, "model.json")):
            raise StepError("the CPU-trained reference did not finish in time")
        dirs["cpu"] = cpu_dir
        code, text, _ = r.run(cmd(device, dirs[device]), 200)
        check(code, text, f"train on {device}")
    else:
        code, text, _ = r.run(cmd("cpu", dirs["cpu"]), 200)
        check(code, text, "train on cpu")
    out = {}
    for dev, model_dir in dirs.items():
        ags = os.path.join(work, f"fidelity-{dev}.vcf.gz")
        code, text, _ = r.run([g, "--quiet", "generate", model_dir, "-n", "2504", "--seed", "7", "--device", dev,
                               "-o", ags], 120)
        check(code, text, f"generate on {dev}")
        report_dir = os.path.join(work, f"report-{dev}")
        code, text, _ = r.run([g, "--quiet", "eval", "--train", v805, "--synthetic", ags, "-o", report_dir], 120)
        check(code, text, f"eval of the {dev} AGs")
        rep = json.load(open(os.path.join(report_dir, "report.json")))
        aats = rep["privacy"]["aats_train"]
        out[dev] = {"af_r": rep["allele_frequencies"]["synthetic"]["pearson_r"],
                    "ld_r2_correlation": rep["ld"]["window"]["synthetic"]["pearson_r"],
                    "aa_truth": aats["aa_truth"]["mean"], "aa_syn": aats["aa_syn"]["mean"],
                    "verdict": rep["verdict"]["overall"]}
    if "cpu" in out and device in out and device != "cpu":
        tol = {"ld_r2_correlation": 0.03, "af_r": 0.01}
        out["tolerance"] = tol
        out["within_tolerance"] = all(abs(out[device][k] - out["cpu"][k]) <= t for k, t in tol.items())
        if not out["within_tolerance"]:
            out["status"] = "failed"
            out["reason"] = "CUDA-trained AGs differ from CPU-trained ones beyond the tolerance"
    return out


if __name__ == "__main__":
    sys.exit(main())
