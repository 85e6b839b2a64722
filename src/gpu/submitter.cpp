#include "gpu/submitter.hpp"

#include "gpu/fault_injection.hpp"
#include "vkmix/error.hpp"

namespace vkmix::gpu {

void fullBarrier(const vk::raii::CommandBuffer& cb) {
  constexpr vk::PipelineStageFlags stages =
      vk::PipelineStageFlagBits::eComputeShader | vk::PipelineStageFlagBits::eTransfer;
  vk::MemoryBarrier b{
      .srcAccessMask = vk::AccessFlagBits::eShaderWrite | vk::AccessFlagBits::eTransferWrite,
      .dstAccessMask = vk::AccessFlagBits::eShaderRead | vk::AccessFlagBits::eShaderWrite |
                       vk::AccessFlagBits::eTransferRead | vk::AccessFlagBits::eTransferWrite};
  cb.pipelineBarrier(stages, stages, {}, b, nullptr, nullptr);
}
namespace {

constexpr std::uint64_t kSubmissionTimeoutNs = 120'000'000'000;

}  // namespace

Submitter::Submitter(const Context& ctx) : ctx_(ctx) {
  auto buffers = ctx.device().allocateCommandBuffers({.commandPool = *ctx.commandPool(),
                                                      .level = vk::CommandBufferLevel::ePrimary,
                                                      .commandBufferCount = 1});
  commands_ = std::move(buffers[0]);
  fence_ = ctx.device().createFence({});
}

Submitter::~Submitter() {
  if (!pending_) return;
  try {
    (void)ctx_.device().waitForFences(*fence_, VK_TRUE, kSubmissionTimeoutNs);
  } catch (const vk::SystemError&) {
    // Device lost: nothing is running any more.
  }
}

const vk::raii::CommandBuffer& Submitter::begin() {
  commands_.reset();
  commands_.begin({.flags = vk::CommandBufferUsageFlagBits::eOneTimeSubmit});
  return commands_;
}

void Submitter::submit(const std::string& step) {
  // Orders every shader and copy write of this submission before the host reads mapped memory.
  vk::MemoryBarrier toHost{
      .srcAccessMask = vk::AccessFlagBits::eShaderWrite | vk::AccessFlagBits::eTransferWrite,
      .dstAccessMask = vk::AccessFlagBits::eHostRead};
  commands_.pipelineBarrier(
      vk::PipelineStageFlagBits::eComputeShader | vk::PipelineStageFlagBits::eTransfer,
      vk::PipelineStageFlagBits::eHost, {}, toHost, nullptr, nullptr);
  commands_.end();
  try {
    if (injectFault(FaultPoint::Submission))
      throw vk::DeviceLostError("injected (VKMIX_GPU_FAULT)");
    vk::CommandBuffer cb = *commands_;
    ctx_.queue().submit(vk::SubmitInfo{.commandBufferCount = 1, .pCommandBuffers = &cb}, *fence_);
    pending_ = true;
    ++ctx_.traffic().submissions;
  } catch (const vk::SystemError& e) {
    throw GpuError(step + " on " + ctx_.info().name + ": " + e.what());
  }
}

void Submitter::wait(const std::string& step) {
  if (!pending_) return;
  try {
    // Never wait forever: a hung device becomes an error (a block takes milliseconds).
    vk::Result r = ctx_.device().waitForFences(*fence_, VK_TRUE, kSubmissionTimeoutNs);
    if (r == vk::Result::eTimeout) {
      throw GpuError(step + " on " + ctx_.info().name + ": no answer from the device in " +
                     std::to_string(kSubmissionTimeoutNs / 1000000000) + " s (hung?)");
    }
    if (r != vk::Result::eSuccess) throw GpuError(step + ": " + vk::to_string(r));
    ctx_.device().resetFences(*fence_);
    pending_ = false;
  } catch (const vk::SystemError& e) {
    throw GpuError(step + " on " + ctx_.info().name + ": " + e.what());
  }
}

}  // namespace vkmix::gpu
