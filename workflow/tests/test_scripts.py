"""The workflow's helper scripts: label draw, simulation output, ancestry measure."""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))

import draw_labels  # noqa: E402
import summarize  # noqa: E402


def test_labels_are_drawn_once_in_the_training_proportions_and_repeat_with_the_seed():
    train = ["AFR"] * 600 + ["EUR"] * 300 + ["EAS"] * 100
    counts = draw_labels.draw(train, 10_000, seed=3)
    assert sum(counts.values()) == 10_000
    assert abs(counts["AFR"] / 10_000 - 0.6) < 0.02 and abs(counts["EAS"] / 10_000 - 0.1) < 0.02
    assert draw_labels.draw(train, 10_000, seed=3) == counts
    assert draw_labels.draw(train, 10_000, seed=4) != counts


def test_the_simulation_writes_phased_biallelic_indexed_chromosomes_with_a_panel(tmp_path):
    script = os.path.join(os.path.dirname(HERE), "scripts", "simulate.py")
    subprocess.run(
        [sys.executable, script, "--chromosomes", "2", "--length-mb", "0.05",
         "--per-population", "4", "--seed", "9", "-o", str(tmp_path)],
        check=True,
    )
    panel = (tmp_path / "panel.txt").read_text().splitlines()
    assert panel[0].split("\t") == ["sample", "pop", "super_pop", "gender"]
    assert {line.split("\t")[2] for line in panel[1:]} == {"AFR", "EUR", "EAS"}
    for chrom in ("chr1", "chr2"):
        vcf = str(tmp_path / f"{chrom}.vcf.gz")
        assert os.path.isfile(vcf + ".tbi")
        samples = subprocess.run(["bcftools", "query", "-l", vcf], capture_output=True, text=True).stdout.split()
        assert samples == [line.split("\t")[0] for line in panel[1:]]
        records = subprocess.run(
            ["bcftools", "query", "-f", "%CHROM\t%POS\t%ALT\t[%GT ]\n", vcf], capture_output=True, text=True
        ).stdout.splitlines()
        assert len(records) > 10
        positions = [int(r.split("\t")[1]) for r in records]
        assert positions == sorted(set(positions)), "one record per position"
        for record in records:
            c, _, alt, gts = record.split("\t")
            assert c == chrom and "," not in alt
            assert all(g in ("0|0", "0|1", "1|0", "1|1") for g in gts.split())


def test_the_ancestry_measure_counts_agreement_across_chromosomes():
    def table(assigned):
        return {"ag": {f"AG_{i}": ("EUR", a) for i, a in enumerate(assigned)}}
    tables = {
        "chr1": table(["EUR", "EUR", "AFR", "EAS"]),
        "chr2": table(["EUR", "AFR", "AFR", "EAS"]),
        "chr3": table(["EUR", "EUR", "AFR", "EUR"]),
    }
    measure = summarize.ancestry_measure(tables)
    assert measure["ags"] == 4
    assert measure["same_population_on_every_chromosome"] == 0.5
    assert measure["pairwise_agreement"]["chr1~chr2"] == 0.75
    assert measure["matches_label"]["chr1"] == 0.5
    # The worst chromosome (chr2: 1 of 4 AGs of its label's population) fails the check.
    assert measure["label_check"] == {"value": 0.25, "bound": 0.9, "status": "fail"}
    assert measure["labels_identical_across_chromosomes"] is True
    # Shares: chr1 EUR .5 AFR .25 EAS .25; chr2 EUR .25 AFR .5 EAS .25; chr3 EUR .75 AFR .25.
    assert measure["chance_same_population"] == round(0.5 * 0.25 * 0.75 + 0.25 * 0.5 * 0.25, 4)
    chance = 0.5 * 0.25 + 0.25 * 0.5 + 0.25 * 0.25
    assert measure["pairwise_kappa"]["chr1~chr2"] == round((0.75 - chance) / (1 - chance), 4)


def test_the_label_check_passes_when_nearly_every_ag_resembles_its_label():
    tables = {
        c: {"ag": {f"AG_{i}": ("AFR", "AFR" if i else "EUR") for i in range(10)}}
        for c in ("chr1", "chr2")
    }
    assert summarize.ancestry_measure(tables)["label_check"]["status"] == "pass"
    # Without labels there is nothing to check.
    unlabelled = {c: {"ag": {"AG_0": (".", "AFR")}} for c in ("chr1", "chr2")}
    assert "label_check" not in summarize.ancestry_measure(unlabelled)


def test_the_label_advice_names_borrowing_only_where_the_config_borrows():
    stratified = {"model": "hclt", "conditioning": "stratified", "stratum_reference": True}
    assert "reference_frequency_weight: borrow" in summarize.label_advice(
        {**stratified, "reference_frequency_weight": "borrow"})
    for config in ({**stratified, "reference_frequency_weight": 0},
                   {"model": "crbm", "conditioning": "labels", "reference_frequency_weight": "borrow"}):
        assert "borrow" not in summarize.label_advice(config), config


def test_collapse_onto_one_population_agrees_only_by_chance():
    # Every AG lands in AFR on both chromosomes: perfect agreement, and no information.
    tables = {c: {"ag": {f"AG_{i}": (".", "AFR") for i in range(10)}} for c in ("chr1", "chr2")}
    measure = summarize.ancestry_measure(tables)
    assert measure["same_population_on_every_chromosome"] == 1.0
    assert measure["chance_same_population"] == 1.0
    assert measure["kappa"] is None
    # Independent halves: chance level exactly, kappa 0.
    half = {f"AG_{i}": (".", "AFR" if i % 2 else "EUR") for i in range(8)}
    other = {f"AG_{i}": (".", "AFR" if i < 4 else "EUR") for i in range(8)}
    measure = summarize.ancestry_measure({"chr1": {"ag": half}, "chr2": {"ag": other}})
    assert measure["same_population_on_every_chromosome"] == 0.5
    assert measure["kappa"] == 0.0


def test_labels_json_records_each_labels_training_people(tmp_path):
    panel = tmp_path / "panel.txt"
    panel.write_text(
        "sample\tpop\tsuper_pop\tgender\n"
        + "".join(f"P{i}\tX\t{'AFR' if i < 3 else 'EUR'}\tmale\n" for i in range(5))
    )
    train = tmp_path / "train.txt"
    train.write_text("P0\nP1\nP3\n")
    out = tmp_path / "labels.json"
    code = draw_labels.main([
        "--panel", str(panel), "--train-list", str(train), "--n-ags", "4", "--seed", "1",
        "--counts", '{"AFR": 3, "EUR": 1}', "-o", str(out), "--strata-dir", str(tmp_path / "strata"),
    ])
    assert code == 0
    result = json.loads(out.read_text())
    assert result["people"] == {"AFR": 3, "EUR": 1}
    assert result["training_people"] == {"AFR": 2, "EUR": 1}
    assert (tmp_path / "strata" / "EUR.txt").read_text() == "P3\n"
    page = summarize.render_html({"runs": {}, "labels": result, "config": {}})
    assert "<td>AFR</td><td>3</td><td>2</td>" in page


def test_strata_too_small_to_model_alone_are_warned_about_and_recorded(tmp_path, capsys):
    panel = tmp_path / "panel.txt"
    panel.write_text(
        "sample\tpop\tsuper_pop\tgender\n"
        + "".join(f"P{i}\tX\t{'AFR' if i < 3 else 'EUR'}\tmale\n" for i in range(5))
    )
    train = tmp_path / "train.txt"
    train.write_text("P0\nP1\nP2\nP3\n")
    out = tmp_path / "labels.json"
    args = ["--panel", str(panel), "--train-list", str(train), "--n-ags", "4", "--seed", "1",
            "--counts", '{"AFR": 3, "EUR": 1}', "-o", str(out)]
    assert draw_labels.main(args + ["--warn-below", "2"]) == 0
    assert "warning: stratum EUR has 1 training people, fewer than 2" in capsys.readouterr().err
    assert json.loads(out.read_text())["too_small_to_model_alone"] == ["EUR"]
    assert draw_labels.main(args) == 0
    assert "warning" not in capsys.readouterr().err
    assert "too_small_to_model_alone" not in json.loads(out.read_text())


def test_strata_get_their_training_people_and_haplotype_counts(tmp_path):
    train = {"P1": "AFR", "P2": "EUR", "P3": "AFR", "P4": "EAS"}
    counts = {"AFR": 3, "EUR": 1}
    draw_labels.write_strata(str(tmp_path / "strata"), counts, draw_labels.people_by_label(counts, train))
    assert (tmp_path / "strata" / "AFR.txt").read_text() == "P1\nP3\n"
    assert (tmp_path / "strata" / "AFR.haplotypes").read_text() == "6\n"
    assert (tmp_path / "strata" / "EUR.txt").read_text() == "P2\n"
    assert not (tmp_path / "strata" / "EAS.txt").exists(), "no AGs drawn for EAS: no model"


def test_eval_ancestry_in_report_json_feeds_the_same_measure():
    def report(assigned):
        return {"ancestry": {"holdout_agreement": 0.9, "samples": [
            {"sample": f"AG_{i}", "population": a, "distance": 1.0, "label": "AFR"}
            for i, a in enumerate(assigned)
        ]}}
    tables = {
        "chr1": summarize.eval_ancestry_table(report(["AFR", "EUR"])),
        "chr2": summarize.eval_ancestry_table(report(["AFR", "AFR"])),
    }
    measure = summarize.ancestry_measure(tables)
    assert measure["same_population_on_every_chromosome"] == 0.5
    assert measure["matches_label"] == {"chr1": 0.5, "chr2": 1.0}
    assert tables["chr1"]["holdout_agreement"] == 0.9
    assert summarize.eval_ancestry_table({"verdict": {}}) is None


def test_the_summary_shows_segments_detection_and_kinship_with_intervals(tmp_path):
    def comparison(pairs, counts):
        return {"pairs": pairs, "degree_counts": counts}

    report = {
        "verdict": {"overall": "warn", "checks": [
            {"name": "segment_privacy_loss", "value": 0.02, "status": "pass", "ci95": [-0.01, 0.06],
             "certified": False},
            {"name": "detection_auc", "value": 0.55, "status": "pass", "ci95": [0.51, 0.58], "certified": True},
            {"name": "kinship_close_relatives", "value": 40.0, "reference": 0.0, "status": "warn"},
        ]},
        "segments": {"privacy_loss": 0.02},
        "uncertainty": {"segment_privacy_loss": [-0.01, 0.06]},
        "detection": {"auc": 0.55, "ci95": [0.51, 0.58]},
        "kinship": {
            "synthetic_train": comparison(40000, [0, 40, 3, 9]),
            "synthetic_holdout": comparison(10000, [0, 0, 1, 1]),
            "holdout_train": comparison(8000, [0, 0, 2, 4]),
        },
        "privacy": {"likelihood_attack": {"score": "log-likelihood", "members": 400, "non_members": 200,
                                          "auc": 0.52, "auc_ci95": [0.47, 0.57], "tpr_at_1pct_fpr": 0.051,
                                          "tpr_at_1pct_fpr_ci95": [0.02, 0.09]}},
    }
    entry = summarize.chromosome_entry(str(tmp_path), "chr1", report)
    f = entry["figures"]
    assert f["segment_privacy_loss"] == {"value": 0.02, "ci95": [-0.01, 0.06]}
    assert f["detection_auc"] == {"value": 0.55, "ci95": [0.51, 0.58]}
    assert f["kinship"]["ags_train"] == {"pairs": 40000, "duplicate": 0, "first": 40, "second": 3, "third": 9}
    assert f["kinship"]["holdout_train"]["second"] == 2
    assert entry["likelihood_attack"]["tpr_at_1pct_fpr_ci95"] == [0.02, 0.09]
    # A haploid run (no kinship) and one without a holdout keep their columns empty.
    bare = summarize.chromosome_figures({"segments": {}, "kinship": None})
    assert bare["kinship"] == {"ags_train": None, "ags_holdout": None, "holdout_train": None}
    assert bare["detection_auc"]["value"] is None

    summary = {"config": {}, "chromosomes": {"chr1": {"sites": 100, "windows": 0}},
               "runs": {"main": {"chromosomes": {"chr1": entry}, "strata": {"AFR": {"chr1": entry}}}}}
    page = summarize.render_html(summary)
    assert "<td>chr1</td><td>0.02 (-0.01–0.06)</td><td>0.55 (0.51–0.58)</td>" in page
    assert "<td>40000: 0 / 40 / 3 / 9</td><td>10000: 0 / 0 / 1 / 1</td><td>8000: 0 / 0 / 2 / 4</td>" in page
    assert "<td>AFR</td><td>chr1</td><td>0.02 (-0.01–0.06)</td>" in page
    assert "0.051 (0.02–0.09)" in page
    # A duplicate or first-degree excess that fails is a leak for the privacy gate.
    entry["checks"]["kinship_close_relatives"]["status"] = "fail"
    assert any("kinship_close_relatives" in leak for leak in summarize.leaks(summary))


def test_labels_mode_shows_each_labels_attack_within_its_component_and_gates_on_it(tmp_path):
    attack = {"score": "log-likelihood", "members": 60,
              "non_members": 16, "auc": 0.91, "tpr_at_1pct_fpr": None}
    report = {
        "verdict": {"overall": "fail", "checks": [
            {"name": "likelihood_attack_auc", "value": 0.91, "status": "fail", "threshold": "pass ≤ 0.6"},
        ]},
        "privacy": {"likelihood_attack": attack},
    }
    entry = summarize.chromosome_entry(str(tmp_path), "chr1", report)
    summary = {"config": {"conditioning": "labels"}, "chromosomes": {"chr1": {"sites": 100, "windows": 0}},
               "runs": {"main": {"chromosomes": {"chr1": entry}, "strata": {"AFR": {"chr1": entry}}}}}
    page = summarize.render_html(summary)
    assert "Per label: its AGs, and the shared model&#x27;s likelihood attack on the label&#x27;s people" in page
    assert "<th>label</th>" in page and "<td>log-likelihood</td>" in page
    assert "not resolvable (16 held-out people; 1% needs 100)" in page
    assert "stratum AFR, chr1: likelihood_attack_auc 0.91 (pass ≤ 0.6)" in summarize.leaks(summary)
    summary_path, gate = tmp_path / "summary.json", tmp_path / "privacy.json"
    summary_path.write_text(json.dumps(summary))
    problem = summarize.privacy_gate(str(summary_path), str(gate), accept=False)
    assert "stratum AFR, chr1: likelihood_attack_auc" in problem and not gate.exists()
    assert summarize.privacy_gate(str(summary_path), str(gate), accept=True) is None
    assert json.loads(gate.read_text())["accept_privacy_risk"] is True


def test_the_gate_names_private_allele_min_count_when_a_borrowing_stratum_leaks(tmp_path):
    report = {
        "verdict": {"overall": "fail", "checks": [
            {"name": "likelihood_attack_auc", "value": 0.68, "status": "fail", "threshold": "pass ≤ 0.6"},
        ]},
        "privacy": {"likelihood_attack": {"score": "log-likelihood", "members": 64, "non_members": 20,
                                          "auc": 0.68, "tpr_at_1pct_fpr": None}},
    }
    entry = summarize.chromosome_entry(str(tmp_path), "chr1", report)
    summary_path, gate = tmp_path / "summary.json", tmp_path / "privacy.json"

    def problem(config):
        summary = {"config": config, "chromosomes": {"chr1": {"sites": 100, "windows": 0}},
                   "runs": {"main": {"chromosomes": {"chr1": entry}, "strata": {"EUR": {"chr1": entry}}}}}
        summary_path.write_text(json.dumps(summary))
        return summarize.privacy_gate(str(summary_path), str(gate), accept=False)

    hclt = {"model": "hclt", "conditioning": "stratified", "stratum_reference": True}
    assert "a larger private_allele_min_count than 5" in problem({**hclt, "private_allele_min_count": 5})
    assert "private_allele_min_count: 5 (0 learns" in problem({**hclt, "private_allele_min_count": 0})
    assert "private_allele_min_count" not in problem({**hclt, "stratum_reference": False})
    assert "private_allele_min_count" not in problem({**hclt, "model": "crbm"})

