//! One module per subcommand: `Args` (clap) and `run(args, &Context)`.

pub(crate) mod convert;
pub(crate) mod dp;
pub(crate) mod eval;
pub(crate) mod generate;
pub(crate) mod info;
pub(crate) mod io_args;
pub(crate) mod plan;
pub(crate) mod population;
pub(crate) mod resume_flags;
pub(crate) mod selection;
pub(crate) mod split;
pub(crate) mod stitch;
pub(crate) mod summary;
pub(crate) mod synth;
pub(crate) mod train;
pub(crate) mod window;
