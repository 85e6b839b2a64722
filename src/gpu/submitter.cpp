#include "gpu/submitter.hpp"

#include "vkmix/error.hpp"

namespace vkmix::gpu {

Submitter::Submitter(const Context& ctx) : ctx_(ctx) {
  auto buffers = ctx.device().allocateCommandBuffers({.commandPool = *ctx.commandPool(),
                                                      .level = vk::CommandBufferLevel::ePrimary,
                                                      .commandBufferCount = 1});
  commands_ = std::move(buffers[0]);
  fence_ = ctx.device().createFence({});
}

const vk::raii::CommandBuffer& Submitter::begin() {
  commands_.reset();
  commands_.begin({.flags = vk::CommandBufferUsageFlagBits::eOneTimeSubmit});
  return commands_;
}

void Submitter::submitAndWait(const std::string& step) {
  // Orders every shader write of this submission before the host reads mapped memory.
  vk::MemoryBarrier toHost{.srcAccessMask = vk::AccessFlagBits::eShaderWrite,
                           .dstAccessMask = vk::AccessFlagBits::eHostRead};
  commands_.pipelineBarrier(vk::PipelineStageFlagBits::eComputeShader,
                            vk::PipelineStageFlagBits::eHost, {}, toHost, nullptr, nullptr);
  commands_.end();
  try {
    vk::CommandBuffer cb = *commands_;
    ctx_.queue().submit(vk::SubmitInfo{.commandBufferCount = 1, .pCommandBuffers = &cb}, *fence_);
    vk::Result r = ctx_.device().waitForFences(*fence_, VK_TRUE, UINT64_MAX);
    if (r != vk::Result::eSuccess) throw GpuError(step + ": " + vk::to_string(r));
    ctx_.device().resetFences(*fence_);
  } catch (const vk::SystemError& e) {
    throw GpuError(step + " on " + ctx_.info().name + ": " + e.what());
  }
}

}  // namespace vkmix::gpu
