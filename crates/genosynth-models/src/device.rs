//! Which device computations run on, chosen from `--device auto|cpu|cuda|cuda:N`.

use std::fmt;
use std::str::FromStr;

use candle_core::Device;

use crate::{Error, Result};

/// The device the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// CUDA when built with the `cuda` feature and a GPU answers, else the CPU.
    #[default]
    Auto,
    /// The CPU (threads from the global rayon pool / `--threads`).
    Cpu,
    /// The CUDA GPU with this ordinal.
    Cuda(usize),
}

impl FromStr for DeviceChoice {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = |reason: &str| Error::Device {
            choice: s.to_string(),
            reason: reason.to_string(),
        };
        match s {
            "auto" => Ok(DeviceChoice::Auto),
            "cpu" => Ok(DeviceChoice::Cpu),
            "cuda" | "gpu" => Ok(DeviceChoice::Cuda(0)),
            other => match other.strip_prefix("cuda:") {
                Some(n) => n
                    .parse()
                    .map(DeviceChoice::Cuda)
                    .map_err(|_| bad("expected cuda:N with N a GPU number")),
                None => Err(bad("expected auto, cpu, cuda or cuda:N")),
            },
        }
    }
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceChoice::Auto => f.write_str("auto"),
            DeviceChoice::Cpu => f.write_str("cpu"),
            DeviceChoice::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

/// A device ready to compute on, and a sentence saying what it is.
#[derive(Debug, Clone)]
pub struct SelectedDevice {
    pub(crate) device: Device,
    /// What was chosen, e.g. `cpu (2 threads)` or `cuda:0`.
    pub description: String,
}

impl SelectedDevice {
    /// Whether computations run on the CPU (where results are bit-reproducible).
    pub fn is_cpu(&self) -> bool {
        self.device.is_cpu()
    }
}

/// Whether this build can use CUDA at all (the `cuda` feature).
pub fn cuda_compiled() -> bool {
    cfg!(feature = "cuda")
}

/// Opens the device the user asked for.
///
/// `Auto` falls back to the CPU when CUDA is not compiled in or no GPU answers; an explicit
/// `cuda` that cannot be opened is an error.
pub fn select_device(choice: DeviceChoice) -> Result<SelectedDevice> {
    let cpu = || SelectedDevice {
        device: Device::Cpu,
        description: format!("cpu ({} threads)", rayon::current_num_threads()),
    };
    match choice {
        DeviceChoice::Cpu => Ok(cpu()),
        DeviceChoice::Auto => {
            if cuda_compiled()
                && let Ok(dev) = Device::new_cuda(0)
            {
                return Ok(SelectedDevice {
                    device: dev,
                    description: "cuda:0 (auto)".to_string(),
                });
            }
            Ok(cpu())
        }
        DeviceChoice::Cuda(n) => {
            if !cuda_compiled() {
                return Err(Error::Device {
                    choice: choice.to_string(),
                    reason: "this genosynth was built without the `cuda` feature".to_string(),
                });
            }
            let dev = Device::new_cuda(n).map_err(|e| Error::Device {
                choice: choice.to_string(),
                reason: e.to_string(),
            })?;
            Ok(SelectedDevice {
                device: dev,
                description: format!("cuda:{n}"),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_device_names() {
        assert_eq!("auto".parse::<DeviceChoice>().unwrap(), DeviceChoice::Auto);
        assert_eq!("cpu".parse::<DeviceChoice>().unwrap(), DeviceChoice::Cpu);
        assert_eq!(
            "cuda".parse::<DeviceChoice>().unwrap(),
            DeviceChoice::Cuda(0)
        );
        assert_eq!(
            "cuda:3".parse::<DeviceChoice>().unwrap(),
            DeviceChoice::Cuda(3)
        );
        assert!("cuda:x".parse::<DeviceChoice>().is_err());
        assert!("tpu".parse::<DeviceChoice>().is_err());
        assert_eq!(DeviceChoice::Cuda(1).to_string(), "cuda:1");
    }

    #[test]
    fn cpu_is_always_available() {
        let d = select_device(DeviceChoice::Cpu).unwrap();
        assert!(d.is_cpu());
        assert!(d.description.starts_with("cpu ("));
        let auto = select_device(DeviceChoice::Auto).unwrap();
        assert_eq!(
            auto.is_cpu(),
            !cuda_compiled() || !auto.description.starts_with("cuda")
        );
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn cuda_without_feature_is_a_clear_error() {
        let err = select_device(DeviceChoice::Cuda(0)).unwrap_err();
        assert!(
            err.to_string().contains("without the `cuda` feature"),
            "{err}"
        );
    }
}
