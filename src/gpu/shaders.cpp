#include "gpu/shaders.hpp"

namespace vkmix::gpu::shaders {
namespace {
const std::uint32_t kVoicesMix[] = {
#include "mix.spv.inc"
};
}  // namespace

std::span<const std::uint32_t> voicesMix() { return kVoicesMix; }

}  // namespace vkmix::gpu::shaders
