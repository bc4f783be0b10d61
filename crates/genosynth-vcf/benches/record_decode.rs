//! Criterion bench of VCF/BCF record decoding into the bit-packed matrix, and of BCF encoding:
//! the bundled 1000 Genomes example (2,504 haplotypes × 805 SNPs), as BGZF VCF and as BCF.
//!
//! Equivalent bcftools work: `bcftools view -Ou -o /dev/null` (decode) and `bcftools view -Ob`
//! (encode); `cargo xtask bench io` times both tools side by side on larger files.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use genosynth_vcf::{ReadOptions, WriteOptions, read, write};

fn record_decode(c: &mut Criterion) {
    let vcf_gz = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/805_SNP_1000G_real.train.vcf.gz");
    let dir = tempfile::tempdir().expect("temp dir");
    let bcf = dir.path().join("example.bcf");
    let matrix = read(&vcf_gz, &ReadOptions::default())
        .expect("the bundled example reads")
        .matrix;
    write(&bcf, &matrix, &WriteOptions::default()).expect("BCF write");

    let mut group = c.benchmark_group("record_decode_2504x805");
    group.sample_size(20);
    group.bench_function("read_vcf_gz", |b| {
        b.iter(|| read(&vcf_gz, &ReadOptions::default()).expect("read"))
    });
    group.bench_function("read_bcf", |b| {
        b.iter(|| read(&bcf, &ReadOptions::default()).expect("read"))
    });
    let out = dir.path().join("out.bcf");
    group.bench_function("write_bcf", |b| {
        b.iter(|| write(&out, &matrix, &WriteOptions::default()).expect("write"))
    });
    group.finish();
}

criterion_group!(benches, record_decode);
criterion_main!(benches);
