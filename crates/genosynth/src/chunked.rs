//! Generation chunk by chunk: AGs handed to the caller (e.g. a
//! `genosynth_vcf::StreamWriter`) as they are drawn, so memory is bounded by a chunk rather
//! than by the number of AGs.

use std::sync::atomic::{AtomicBool, Ordering};

use genosynth_core::HaplotypeMatrix;
use genosynth_models::{Checkpoint, GenerateOptions, Generator, chunk_seed};

use crate::guard::ResolvedGuard;
use crate::{Error, GuardReport, MinDistance};

/// Haplotypes per chunk when the caller does not say.
pub const DEFAULT_CHUNK: usize = 10_000;

/// One chunk of AGs.
#[derive(Debug, Clone)]
pub struct Chunk {
    /// Its index (0, 1, ...), which with the seed decides its draw ([`chunk_seed`]).
    pub index: usize,
    /// The index of its first haplotype among all AGs.
    pub first: usize,
    /// Its haplotypes, haploid samples `AG_000001`, ... at the model's sites.
    pub matrix: HaplotypeMatrix,
}

/// What a chunked generation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunked {
    /// Haplotypes handed over.
    pub haplotypes: usize,
    /// Chunks handed over.
    pub chunks: usize,
    /// The device, e.g. `cpu (2 threads)`.
    pub device: String,
    /// The guard over all chunks (`redrawn` summed, `rounds` the most any chunk needed).
    pub guard: Option<GuardReport>,
    /// Whether `stop` ended it before every chunk was drawn.
    pub stopped: bool,
}

/// Draws `options.n_haplotypes` AGs in chunks of `chunk` (the last may be shorter) and hands
/// each to `on_chunk` in order. A model that draws each haplotype from its own stream (the
/// HCLT, [`Generator::draws_by_row`]) gives the same AGs, guarded or not, whatever the chunk
/// size. Other models draw chunk `i` with [`chunk_seed`]`(options.seed, i)`, so the same seed
/// and chunk size give the same AGs, and a single chunk (`chunk >= n_haplotypes`) gives
/// exactly what [`crate::generate_guarded`] or `genosynth_models::generate` draw; other chunk
/// sizes give other (equally distributed) AGs.
///
/// `labels` (one per haplotype, for a conditional model) are sliced per chunk. With `guard`
/// (the training haplotypes and the minimum distance), each chunk's AGs too near a training
/// haplotype are redrawn before it is handed over; an `auto` distance is computed once.
/// `stop` is checked before each chunk.
///
/// # Errors
/// A `chunk` of 0, the model's errors, the guard's, or what `on_chunk` returns.
pub fn generate_chunked<E: From<Error>>(
    checkpoint: &Checkpoint,
    options: &GenerateOptions,
    chunk: usize,
    labels: Option<&[usize]>,
    guard: Option<(&HaplotypeMatrix, MinDistance)>,
    stop: &AtomicBool,
    on_chunk: &mut dyn FnMut(Chunk) -> Result<(), E>,
) -> Result<Chunked, E> {
    let n = options.n_haplotypes;
    if chunk == 0 {
        return Err(Error::InvalidOption {
            name: "chunk",
            reason: "a chunk holds at least one haplotype".into(),
        }
        .into());
    }
    if n == 0 {
        return Err(Error::InvalidOption {
            name: "n",
            reason: "at least one haplotype must be generated".into(),
        }
        .into());
    }
    if labels.is_some_and(|l| l.len() != n) {
        return Err(Error::InvalidOption {
            name: "population",
            reason: format!("{} labels for {n} haplotypes", labels.map_or(0, <[_]>::len)),
        }
        .into());
    }
    let guard = guard
        .map(|(train, min)| ResolvedGuard::new(checkpoint, train, min))
        .transpose()?;
    let generator =
        Generator::new(checkpoint, options.device, options.gibbs_steps).map_err(Error::from)?;
    let mut done = Chunked {
        haplotypes: 0,
        chunks: 0,
        device: generator.device().to_string(),
        guard: None,
        stopped: false,
    };
    for (index, first) in (0..n).step_by(chunk).enumerate() {
        if stop.load(Ordering::Relaxed) {
            done.stopped = true;
            return Ok(done);
        }
        let len = chunk.min(n - first);
        // A model that draws by row takes its chunk's rows of the one draw of `seed`.
        let by_row = generator.draws_by_row();
        let seed = if by_row {
            options.seed
        } else {
            chunk_seed(options.seed, index)
        };
        let chunk_labels = labels.map(|l| &l[first..first + len]);
        let matrix = match &guard {
            Some(g) => {
                let (m, report) = g.draw(&generator, (first, len), seed, chunk_labels)?;
                done.guard = Some(merge(done.guard.take(), report));
                m
            }
            None if by_row => {
                let rows: Vec<usize> = (first..first + len).collect();
                generator
                    .sample_rows(seed, &rows, chunk_labels)
                    .map_err(Error::from)?
            }
            None => generator
                .sample(len, seed, chunk_labels)
                .map_err(Error::from)?,
        };
        on_chunk(Chunk {
            index,
            first,
            matrix,
        })?;
        done.haplotypes += len;
        done.chunks += 1;
    }
    Ok(done)
}

/// The guard over two spans of chunks.
fn merge(so_far: Option<GuardReport>, next: GuardReport) -> GuardReport {
    match so_far {
        None => next,
        Some(g) => GuardReport {
            redrawn: g.redrawn + next.redrawn,
            rounds: g.rounds.max(next.rounds),
            ..g
        },
    }
}
