#include "gpu/buffer.hpp"

#include <sys/mman.h>

#include <cstdint>

#include "core/assert.hpp"
#include "gpu/fault_injection.hpp"
#include "vkmix/error.hpp"

namespace vkmix::gpu {
namespace {

// A CPU device's memory is this process's own anonymous memory, touched first by whoever fills
// it. Each 4 KiB page is a fault, and under some hypervisors a fault costs 10-15 us (this
// project's 2-core host: a 42 MiB IR spectrum took 10k faults). With transparent huge pages on
// request ("madvise", the common default) one fault maps 2 MiB. Advice only: errors are ignored.
void adviseHugePages(void* mapped, vk::DeviceSize bytes) {
  constexpr std::uintptr_t kHuge = 2u << 20;
  if (bytes < 2 * kHuge) return;
  const auto begin = reinterpret_cast<std::uintptr_t>(mapped);
  const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t last = (begin + bytes) & ~(kHuge - 1);
  if (last > first) (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

}  // namespace

Buffer::Buffer(const Context& ctx, vk::DeviceSize bytes, vk::BufferUsageFlags usage,
               Placement placement)
    : bytes_(bytes) {
  try {
    if (injectFault(FaultPoint::Allocation))
      throw vk::OutOfDeviceMemoryError("injected (VKMIX_GPU_FAULT)");
    vk::raii::Buffer buffer = ctx.device().createBuffer(
        {.size = bytes, .usage = usage, .sharingMode = vk::SharingMode::eExclusive});
    auto req = buffer.getMemoryRequirements();
    const vk::MemoryPropertyFlags mappable =
        vk::MemoryPropertyFlagBits::eHostVisible | vk::MemoryPropertyFlagBits::eHostCoherent;
    const std::uint32_t plain = ctx.findMemoryType(req.memoryTypeBits, mappable);
    std::uint32_t type = plain;
    if (placement == Placement::Readback) {
      type = ctx.findMemoryType(req.memoryTypeBits,
                                mappable | vk::MemoryPropertyFlagBits::eHostCached, plain);
    } else if (placement == Placement::Resident) {
      type = ctx.findMemoryType(req.memoryTypeBits,
                                mappable | vk::MemoryPropertyFlagBits::eDeviceLocal, plain);
    } else if (placement == Placement::Device) {
      type =
          ctx.findMemoryType(req.memoryTypeBits, vk::MemoryPropertyFlagBits::eDeviceLocal, plain);
    }
    try {
      memory_ = ctx.device().allocateMemory({.allocationSize = req.size, .memoryTypeIndex = type});
    } catch (const vk::SystemError&) {
      // Device memory the CPU maps is often a small window (256 MiB without resizable BAR).
      if (type == plain || placement == Placement::Device) throw;
      memory_ = ctx.device().allocateMemory({.allocationSize = req.size, .memoryTypeIndex = plain});
    }
    buffer.bindMemory(*memory_, 0);
    buffer_ = std::move(buffer);
    if (placement != Placement::Device) {
      mapped_ = memory_.mapMemory(0, bytes);
      if (ctx.info().type == "cpu") adviseHugePages(mapped_, bytes);
    }
  } catch (const vk::SystemError& e) {
    throw GpuError("allocating a " + std::to_string(bytes) + "-byte buffer on " + ctx.info().name +
                   ": " + e.what());
  }
}

StagedBuffer::StagedBuffer(const Context& ctx, vk::DeviceSize bytes, vk::BufferUsageFlags usage)
    : host_(ctx, bytes,
            ctx.stagesUploads() ? vk::BufferUsageFlags(vk::BufferUsageFlagBits::eTransferSrc)
                                : usage) {
  if (ctx.stagesUploads()) {
    device_ = std::make_unique<Buffer>(ctx, bytes, usage | vk::BufferUsageFlagBits::eTransferDst,
                                       Placement::Device);
  }
}

void StagedBuffer::upload(vk::DeviceSize offset, vk::DeviceSize bytes) {
  if (!device_ || bytes == 0) return;
  VKMIX_ASSERT(offset + bytes <= host_.bytes(), "an upload past the buffer");
  // A range that continues the last one extends it: rows written in order copy as one run.
  if (!pending_.empty() && pending_.back().srcOffset + pending_.back().size == offset) {
    pending_.back().size += bytes;
    return;
  }
  pending_.push_back({.srcOffset = offset, .dstOffset = offset, .size = bytes});
}

bool StagedBuffer::recordUploads(const vk::raii::CommandBuffer& commands) {
  if (pending_.empty()) return false;
  commands.copyBuffer(*host_.buffer(), *device_->buffer(), pending_);
  pending_.clear();
  return true;
}

void uploadBarrier(const vk::raii::CommandBuffer& commands) {
  vk::MemoryBarrier copied{.srcAccessMask = vk::AccessFlagBits::eTransferWrite,
                           .dstAccessMask = vk::AccessFlagBits::eShaderRead |
                                            vk::AccessFlagBits::eUniformRead |
                                            vk::AccessFlagBits::eShaderWrite};
  commands.pipelineBarrier(vk::PipelineStageFlagBits::eTransfer,
                           vk::PipelineStageFlagBits::eComputeShader, {}, copied, nullptr, nullptr);
}

vk::raii::BufferView texelView(const Context& ctx, const Buffer& buffer, vk::Format format,
                               vk::DeviceSize texelBytes) {
  return ctx.device().createBufferView({.buffer = *buffer.buffer(),
                                        .format = format,
                                        .offset = 0,
                                        .range = buffer.bytes() / texelBytes * texelBytes});
}

vk::WriteDescriptorSet bufferWrite(vk::DescriptorSet set, std::uint32_t binding,
                                   vk::DescriptorType type, const vk::DescriptorBufferInfo& info) {
  return {.dstSet = set,
          .dstBinding = binding,
          .descriptorCount = 1,
          .descriptorType = type,
          .pBufferInfo = &info};
}

vk::WriteDescriptorSet texelWrite(vk::DescriptorSet set, std::uint32_t binding,
                                  const vk::BufferView& view) {
  return {.dstSet = set,
          .dstBinding = binding,
          .descriptorCount = 1,
          .descriptorType = vk::DescriptorType::eUniformTexelBuffer,
          .pTexelBufferView = &view};
}

}  // namespace vkmix::gpu
