// The native CPU backend behind the Backend seam (--device cpu): float, vectorised mixing
// (dsp::CpuMixer, a large mix's channels shared over a pool), FFTW convolution
// (dsp::CpuConvolver) and denoise (dsp::CpuDenoiser, tracks run ahead on the engine's workers).
// What a machine without a GPU renders on.
#pragma once

#include <memory>

#include "backend/backend.hpp"

namespace vkmix::backend {

std::unique_ptr<Backend> makeCpuBackend(const BackendSetup& setup);

}  // namespace vkmix::backend
