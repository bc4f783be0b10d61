//! The bgenix index (`X.bgen.bgi`, an SQLite database) for reading regions of a `.bgen`
//! without walking every variant header.
//!
//! Its `Variant` table holds each variant's chromosome, position, first allele and the byte
//! range of the whole variant in the `.bgen`; its `Metadata` table (bgenix ≥ 1.1) the size
//! and first 1,000 bytes of the file it indexes, which tell a stale index from a current one.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::error::ErrorKind;
use crate::region::Region;

/// `X.bgen.bgi` when it exists beside `X.bgen`.
pub(crate) fn beside(bgen: &Path) -> Option<PathBuf> {
    let mut name = bgen.as_os_str().to_owned();
    name.push(".bgi");
    let path = PathBuf::from(name);
    path.is_file().then_some(path)
}

/// The byte offsets of the variants of `bgen` (of `size` bytes, starting with `head`) that
/// overlap `regions`, in file order, from the index at `bgi`.
pub(crate) fn offsets(
    bgi: &Path,
    size: u64,
    head: &[u8],
    regions: &[Region],
) -> Result<Vec<u64>, ErrorKind> {
    let problem = |message: String| ErrorKind::Companion {
        path: bgi.display().to_string(),
        message,
    };
    let sql = |e: rusqlite::Error| {
        problem(format!(
            "not a readable bgenix index ({e})\n  hint: rebuild it with `bgenix -g X.bgen -index`, or delete it to read the .bgen without it"
        ))
    };
    let db = Connection::open_with_flags(
        bgi,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql)?;
    check_current(&db, size, head).map_err(|e| match e {
        Stale::Sql(e) => sql(e),
        Stale::Differs(what) => problem(format!(
            "indexes another file ({what})\n  hint: the .bgen changed after indexing; rebuild the index with `bgenix -g X.bgen -index`, or delete it"
        )),
    })?;
    // A variant overlaps [start, end] when it starts at or before `end` and its first allele
    // reaches `start` (the same test as the scan's `Region::overlaps`).
    let mut query = db
        .prepare(
            "SELECT file_start_position, size_in_bytes FROM Variant \
             WHERE chromosome = ?1 AND position <= ?3 \
             AND position + max(length(allele1), 1) - 1 >= ?2",
        )
        .map_err(sql)?;
    let mut found = Vec::new();
    for r in regions {
        let rows = query
            .query_map(
                (&r.chrom, r.start as i64, r.end.min(i64::MAX as u64) as i64),
                |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)),
            )
            .map_err(sql)?;
        for row in rows {
            let (at, len) = row.map_err(sql)?;
            if at < 0 || len <= 0 || (at as u64).saturating_add(len as u64) > size {
                return Err(problem(format!(
                    "variant at byte {at} of {len} bytes lies outside the {size}-byte .bgen\n  hint: rebuild the index with `bgenix -g X.bgen -index`, or delete it"
                )));
            }
            found.push(at as u64);
        }
    }
    found.sort_unstable();
    found.dedup();
    Ok(found)
}

enum Stale {
    Sql(rusqlite::Error),
    Differs(String),
}

impl From<rusqlite::Error> for Stale {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sql(e)
    }
}

/// Checks the index's `Metadata` (when it has one) against the `.bgen`'s size and first bytes.
fn check_current(db: &Connection, size: u64, head: &[u8]) -> Result<(), Stale> {
    let has_metadata: bool = db
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'Metadata'",
            [],
            |row| row.get::<_, i64>(0),
        )
        .map(|n| n > 0)?;
    if !has_metadata {
        return Ok(());
    }
    let row: Option<(i64, Vec<u8>)> = db
        .query_row(
            "SELECT file_size, first_1000_bytes FROM Metadata LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((file_size, first)) = row else {
        return Ok(());
    };
    if file_size != size as i64 {
        return Err(Stale::Differs(format!(
            "of {file_size} bytes; this .bgen has {size}"
        )));
    }
    let n = first.len().min(head.len());
    if first[..n] != head[..n] {
        return Err(Stale::Differs("its first 1,000 bytes differ".into()));
    }
    Ok(())
}
