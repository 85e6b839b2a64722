#include "gpu/shaders.hpp"

namespace vkmix::gpu::shaders {
namespace {
const std::uint32_t kVoicesMix[] = {
#include "mix.spv.inc"
};
const std::uint32_t kConvolverToFdl[] = {
#include "to_fdl.spv.inc"
};
const std::uint32_t kConvolverMac[] = {
#include "complex_mac.spv.inc"
};
}  // namespace

std::span<const std::uint32_t> voicesMix() { return kVoicesMix; }
std::span<const std::uint32_t> convolverToFdl() { return kConvolverToFdl; }
std::span<const std::uint32_t> convolverMac() { return kConvolverMac; }

}  // namespace vkmix::gpu::shaders
