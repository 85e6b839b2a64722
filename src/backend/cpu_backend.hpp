// The native CPU backend behind the Backend seam (--device cpu): float, vectorised mixing
// (dsp::CpuMixer) and FFTW convolution (dsp::CpuConvolver); denoise runs the CPU reference's
// STFT (an FFTW port is issue 26's). What a machine without a GPU renders on.
#pragma once

#include <memory>

#include "backend/backend.hpp"

namespace vkmix::backend {

std::unique_ptr<Backend> makeCpuBackend(const BackendSetup& setup);

}  // namespace vkmix::backend
