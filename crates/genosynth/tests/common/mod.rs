//! What the facade's integration tests share.

use std::path::Path;

use genosynth_core::HaplotypeMatrix;

/// The bundled 805-SNP example (1,252 people of the 1000 Genomes Project).
pub(crate) fn example() -> HaplotypeMatrix {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/805_SNP_1000G_real.train.vcf.gz");
    genosynth_vcf::read(&path, &genosynth_vcf::ReadOptions::default())
        .expect("the bundled example reads")
        .matrix
}
