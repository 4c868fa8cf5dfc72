//! Our runtime, `uasyncio` (placeholder until the runtime crate builds).

use crate::common::{Outcome, Sizes, Workload};

/// Measures one workload on uasyncio.
pub fn measure(_w: Workload, _s: &Sizes) -> Outcome {
    Outcome::Skipped("the runtime is not built yet")
}
