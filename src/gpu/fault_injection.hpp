// Fault injection for tests of the GPU failure paths (issue 10): VKMIX_GPU_FAULT=KIND[@N] makes
// the N-th (default first) GPU submission fail as a lost device (KIND device-lost), or the N-th
// buffer allocation fail as exhausted device memory (KIND out-of-memory), through the same code a
// real failure takes. Unset, it costs one comparison per submission or allocation.
#pragma once

namespace vkmix::gpu {

enum class FaultPoint { Submission, Allocation };

// True when the configured fault fires at this call of `point`.
bool injectFault(FaultPoint point);

}  // namespace vkmix::gpu
