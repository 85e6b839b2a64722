// The SPIR-V of every shader in shaders/, compiled by glslc at build time and embedded here.
#pragma once

#include <cstdint>
#include <span>

namespace vkmix::gpu::shaders {

std::span<const std::uint32_t> voicesMix();          // shaders/voices/mix.comp
std::span<const std::uint32_t> voicesMixWide();      // shaders/voices/mix_wide.comp
std::span<const std::uint32_t> convolverMac();       // shaders/convolver/complex_mac.comp
std::span<const std::uint32_t> denoiseHum();         // shaders/denoise/hum.comp
std::span<const std::uint32_t> denoiseAnalyze();     // shaders/denoise/analyze.comp
std::span<const std::uint32_t> denoiseGain();        // shaders/denoise/gain.comp
std::span<const std::uint32_t> denoiseSynthesize();  // shaders/denoise/synthesize.comp
std::span<const std::uint32_t> denoiseRows();        // shaders/denoise/rows.comp

}  // namespace vkmix::gpu::shaders
