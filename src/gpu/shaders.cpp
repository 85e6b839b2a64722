#include "gpu/shaders.hpp"

namespace vkmix::gpu::shaders {
namespace {
const std::uint32_t kVoicesMix[] = {
#include "mix.spv.inc"
};
const std::uint32_t kVoicesMixWide[] = {
#include "mix_wide.spv.inc"
};
const std::uint32_t kConvolverMac[] = {
#include "complex_mac.spv.inc"
};
const std::uint32_t kDenoiseHum[] = {
#include "hum.spv.inc"
};
const std::uint32_t kDenoiseAnalyze[] = {
#include "analyze.spv.inc"
};
const std::uint32_t kDenoiseGain[] = {
#include "gain.spv.inc"
};
const std::uint32_t kDenoiseSynthesize[] = {
#include "synthesize.spv.inc"
};
const std::uint32_t kDenoiseRows[] = {
#include "rows.spv.inc"
};
}  // namespace

std::span<const std::uint32_t> voicesMix() { return kVoicesMix; }
std::span<const std::uint32_t> voicesMixWide() { return kVoicesMixWide; }
std::span<const std::uint32_t> convolverMac() { return kConvolverMac; }
std::span<const std::uint32_t> denoiseHum() { return kDenoiseHum; }
std::span<const std::uint32_t> denoiseAnalyze() { return kDenoiseAnalyze; }
std::span<const std::uint32_t> denoiseGain() { return kDenoiseGain; }
std::span<const std::uint32_t> denoiseSynthesize() { return kDenoiseSynthesize; }
std::span<const std::uint32_t> denoiseRows() { return kDenoiseRows; }

}  // namespace vkmix::gpu::shaders
