//! report.json reads back into the typed [`Report`]: serialise → deserialise → serialise gives
//! the same bytes, undefined statistics (NaN, written as `null`) included.

use genosynth_core::test_util::TestPopulation;
use genosynth_core::{HaplotypeMatrix, Ploidy, Sample};
use genosynth_eval::{EvalInput, Report, Settings, evaluate};

/// `people` diploid people over 20 blocks of 3 linked sites, from a few founders.
fn population(people: usize, seed: u64) -> HaplotypeMatrix {
    TestPopulation {
        people,
        blocks: 20,
        ..TestPopulation::default()
    }
    .generate(seed)
}

fn round_trip(report: &Report) {
    let first = serde_json::to_string_pretty(report).unwrap();
    let back: Report = serde_json::from_str(&first).expect("report.json reads back");
    let second = serde_json::to_string_pretty(&back).unwrap();
    assert_eq!(first, second);
}

#[test]
fn a_report_with_a_holdout_round_trips_byte_for_byte() {
    let (train, ags, holdout) = (population(40, 1), population(40, 2), population(30, 3));
    let report = evaluate(&EvalInput {
        train: &train,
        synthetic: &ags,
        holdout: Some(&holdout),
        panel: None,
        synthetic_panel: None,
        genetic_map: None,
        settings: Settings {
            seed: 7,
            n_triplets: 200,
            ..Settings::default()
        },
        stop: None,
    })
    .unwrap();
    assert!(report.privacy.privacy_loss.is_some());
    round_trip(&report);
}

#[test]
fn undefined_statistics_round_trip_as_null() {
    // Monomorphic AGs: their correlations with train are undefined (NaN → null).
    let train = population(20, 4);
    let zeros = vec![0u8; 40 * train.n_sites()];
    let ags = HaplotypeMatrix::from_dense_u8(
        &zeros,
        train.sites().clone(),
        Sample::numbered("AG", 20, Ploidy::Diploid),
    )
    .unwrap();
    let report = evaluate(&EvalInput {
        train: &train,
        synthetic: &ags,
        holdout: None,
        panel: None,
        synthetic_panel: None,
        genetic_map: None,
        settings: Settings {
            seed: 7,
            n_triplets: 100,
            ..Settings::default()
        },
        stop: None,
    })
    .unwrap();
    assert!(report.allele_frequencies.synthetic.pearson_r.is_nan());
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains("\"pearson_r\":null"), "{json}");
    round_trip(&report);
    let back: Report = serde_json::from_str(&json).unwrap();
    assert!(back.allele_frequencies.synthetic.pearson_r.is_nan());
}
