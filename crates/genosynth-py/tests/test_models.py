"""train / load / generate / evaluate / write_report on the bundled example, and their errors."""

import json
import math
from collections.abc import Mapping

import numpy as np
import pytest

import genosynth


def test_train_generate(model, split):
    train, _ = split
    assert model.kind == "rbm" and model.epochs == 3 and model.epoch == 3
    assert model.params["hidden_units"] == 32 and model.params["gibbs_steps"] == 5
    assert model.privacy is None
    assert [row["epoch"] for row in model.history] == [1, 2, 3]
    ags = model.generate(200, seed=3)
    assert ags.genotypes.shape == (200, 805) and ags.genotypes.dtype == np.uint8
    assert ags.samples[:2] == ["AG_000001", "AG_000002"] and ags.ploidy == 2
    assert (ags.sites["pos"] == train.sites["pos"]).all()
    assert ags.metadata["genosynthSeed"] == "3"
    # Same seed, same AGs (CPU); another seed, others.
    assert (model.generate(200, seed=3).genotypes == ags.genotypes).all()
    assert (model.generate(200, seed=4).genotypes != ags.genotypes).any()
    assert model.generate(5, ploidy=1).samples == [f"AG_00000{i}" for i in range(1, 6)]


def test_load_gives_the_same_model(model):
    again = genosynth.load(model.path)
    assert (again.kind, again.epochs, again.params) == (model.kind, model.epochs, model.params)
    assert (again.generate(50, seed=9).genotypes == model.generate(50, seed=9).genotypes).all()


def test_progress_callback_and_resume(split, tmp_path):
    train, _ = split
    seen = []
    model = genosynth.train(
        train, "rbm", out=tmp_path / "m", epochs=2, hidden_units=8, gibbs_steps=2,
        progress=lambda epoch, epochs, losses: seen.append((epoch, epochs, dict(losses))),
    )
    assert [(e, n) for e, n, _ in seen] == [(1, 2), (2, 2)]
    assert all(math.isfinite(l["reconstruction_error"]) for _, _, l in seen)
    with pytest.raises(OSError, match="already holds a model"):
        genosynth.train(train, "rbm", out=tmp_path / "m", epochs=3, hidden_units=8)
    resumed = genosynth.train(train, "rbm", out=tmp_path / "m", epochs=3, resume=True)
    assert resumed.epochs == 3 and model.epochs == 2


def test_exception_in_progress_stops_training_and_is_raised(split, tmp_path):
    train, _ = split

    def stop_at_two(epoch, epochs, losses):
        if epoch == 2:
            raise KeyboardInterrupt("stop")

    with pytest.raises(KeyboardInterrupt):
        genosynth.train(train, "rbm", out=tmp_path / "m", epochs=50, hidden_units=8,
                        gibbs_steps=2, progress=stop_at_two)
    assert genosynth.load(tmp_path / "m").epochs == 2    # saved at the stop


def test_dp_parameters_reach_dp_sgd(split, tmp_path):
    train, _ = split
    model = genosynth.train(train, "rbm", out=tmp_path / "dp", epochs=2, hidden_units=8,
                            gibbs_steps=2, dp_epsilon=8.0, dp_delta=1e-4)
    p = model.privacy
    assert p["mechanism"] == "dp-sgd" and p["delta"] == 1e-4 and 0 < p["epsilon"] <= 8.0
    assert model.generate(10).metadata["genosynthDp"]


def test_validation_fraction_selects_a_checkpoint(split, tmp_path, test_seed):
    train, holdout = split
    model = genosynth.train(train, "hclt", out=tmp_path / "h", epochs=4, seed=test_seed(2),
                            validation_fraction=0.2, validate_every=2, states=2)
    assert model.kind == "hclt" and model.epoch in (2, 4)
    assert any("validation" in row for row in model.history)
    ags = model.generate(200, seed=1)
    attack = genosynth.evaluate(train, ags, holdout, model=model,
                                aats_repeats=1)["privacy"]["likelihood_attack"]
    # Members are the 800 people trained on, not the fifth of `train` that chose the checkpoint.
    assert (attack["members"], attack["non_members"]) == (800, 252)
    with pytest.warns(UserWarning, match="likelihood attack left out"):
        other = genosynth.evaluate(holdout, ags, holdout, model=model, aats_repeats=1)
    assert other["privacy"].get("likelihood_attack") is None


def test_evaluate_with_holdout(model, split, tmp_path):
    train, holdout = split
    ags = model.generate(2000, seed=5)
    report = genosynth.evaluate(train, ags, holdout, model=model, aats_repeats=2)
    assert isinstance(report, Mapping)
    for key in ("schema_version", "inputs", "allele_frequencies", "ld", "distances", "pca",
                "privacy", "verdict"):
        assert key in report
    inputs = report["inputs"]
    assert (inputs["train_haplotypes"], inputs["synthetic_haplotypes"],
            inputs["holdout_haplotypes"]) == (2000, 2000, 504)
    af = report["allele_frequencies"]
    assert 0.9 < af["holdout"]["pearson_r"] <= 1.0
    assert 0.5 < af["synthetic"]["pearson_r"] <= 1.0
    assert report.verdict in ("pass", "warn", "fail")
    assert report.verdict == report["verdict"]["overall"]
    checks = {c["name"]: c for c in report["verdict"]["checks"]}
    assert 0.0 <= checks["membership_auc"]["value"] <= 1.0
    assert report["privacy"]["likelihood_attack"] is not None   # model + holdout
    detection = report["detection"]   # holdout: the classifier two-sample test
    assert 0.0 <= detection["auc"] <= 1.0 and detection["ci95"][0] <= detection["ci95"][1]
    assert [l["name"] for l in detection["learners"]] == ["logistic_regression", "nearest_neighbours"]
    assert checks["detection_auc"]["ci95"] == detection["ci95"]
    d = report.to_dict()
    assert json.loads(json.dumps(d)) == d == json.loads(report.to_json())
    genosynth.write_report(report, tmp_path / "report")
    assert json.loads((tmp_path / "report" / "report.json").read_text()) == d
    assert (tmp_path / "report" / "report.html").read_text().startswith("<!DOCTYPE html>")
    with pytest.raises(TypeError, match="needs the Report"):
        genosynth.write_report(d, tmp_path / "again")


def test_guarded_generation(model, split):
    train, _ = split
    ags = model.generate(100, seed=1, guard=train, min_distance=1)
    assert "genosynthGuard" in ags.metadata
    report = genosynth.evaluate(train, ags, aats_repeats=1)
    assert report["guard"]["min_distance"] == 1


def test_model_errors(split, tmp_path, model):
    train, holdout = split
    with pytest.raises(ValueError, match='unknown model "vae"; expected one of rbm, gan'):
        genosynth.train(train, "vae", out=tmp_path / "x")
    with pytest.raises(ValueError, match='unknown parameter "hidden" for model rbm; valid: .*hidden_units'):
        genosynth.train(train, "rbm", out=tmp_path / "x", hidden=3)
    with pytest.raises(ValueError, match="parameter hidden_units=0.5"):
        genosynth.train(train, "rbm", out=tmp_path / "x", hidden_units=0.5)
    with pytest.raises(ValueError, match="invalid lr: -1 is not > 0"):
        genosynth.train(train, "rbm", out=tmp_path / "x", lr=-1)
    with pytest.raises(ValueError, match="dp_epsilon and dp_delta"):
        genosynth.train(train, "rbm", out=tmp_path / "x", dp_epsilon=1.0)
    with pytest.raises(ValueError, match="device"):
        genosynth.train(train, "rbm", out=tmp_path / "x", device="tpu")
    with pytest.raises(OSError, match="model.json is missing"):
        genosynth.load(tmp_path)
    with pytest.raises(ValueError, match="n is required"):
        model.generate()
    with pytest.raises(ValueError, match="n even"):
        model.generate(3)
    with pytest.raises(ValueError, match="without population labels"):
        model.generate(population={"EUR": 2})
    one = genosynth.Haplotypes.from_numpy(train.genotypes[:1], train.sites, ["x"], ploidy=1)
    with pytest.raises(ValueError, match="different ploidy models: train is diploid, synthetic is haploid"):
        genosynth.evaluate(train, one)


def test_a_model_that_memorises_forty_people_is_refused(real, example, tmp_path, test_seed):
    forty = genosynth.read(example, samples=real.samples[:40])
    overfit = dict(states=16, emission_prior=0.01, transition_prior=0.01)
    out = tmp_path / "leaky"
    with pytest.raises(genosynth.PrivacyRiskError, match="accept-privacy-risk|accept_privacy_risk"):
        genosynth.train(forty, "hclt", out=out, epochs=20, seed=test_seed(3), validation_fraction=0.5,
                        validate_every=5, **overfit)
    model = genosynth.load(out)          # kept for inspection
    with pytest.raises(genosynth.PrivacyRiskError, match="likelihood"):
        model.generate(10)
    ags = model.generate(10, accept_privacy_risk=True)
    assert "accepted=true" in ags.metadata["genosynthPrivacyRisk"]
    accepted = genosynth.train(forty, "hclt", out=tmp_path / "accepted", epochs=20, seed=test_seed(3),
                               validation_fraction=0.5, validate_every=5,
                               accept_privacy_risk=True, **overfit)
    assert accepted.kind == "hclt"
