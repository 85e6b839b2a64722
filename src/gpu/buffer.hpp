// gpu::Buffer: a host-visible, coherent, persistently mapped buffer (move-only). On lavapipe and
// integrated GPUs this is device memory itself, whatever the Placement. On discrete GPUs the
// Placement says who uses it: fresh audio the GPU reads once per block stays in host memory it
// reads over the bus; what the CPU reads back is host memory the CPU caches; what the GPU reads
// and writes block after block (a convolver's spectra) goes to device memory the CPU can map
// (resizable BAR), where there is such memory and room in it.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>
#include <vulkan/vulkan_raii.hpp>

#include "gpu/context.hpp"

namespace vkmix::gpu {

enum class Placement {
  Stream,    // the CPU writes it, the GPU reads it once: HOST_VISIBLE | HOST_COHERENT
  Readback,  // the GPU writes it, the CPU reads it: also HOST_CACHED where a type has it
  Resident,  // the GPU uses it over and over, the CPU writes it once: also DEVICE_LOCAL if it fits
  Device,    // only the GPU touches it (copies and shaders): DEVICE_LOCAL, never mapped
};

class Buffer {
 public:
  Buffer(const Context& ctx, vk::DeviceSize bytes, vk::BufferUsageFlags usage,
         Placement placement = Placement::Stream);
  Buffer(Buffer&&) = default;
  Buffer& operator=(Buffer&&) = default;

  const vk::raii::Buffer& buffer() const { return buffer_; }
  vk::DeviceSize bytes() const { return bytes_; }
  void* mapped() const { return mapped_; }
  template <typename T>
  T* as() const {
    return static_cast<T*>(mapped_);
  }

 private:
  // Memory is declared before the buffer bound to it, so the buffer is destroyed first.
  vk::raii::DeviceMemory memory_{nullptr};
  vk::raii::Buffer buffer_{nullptr};
  vk::DeviceSize bytes_ = 0;
  void* mapped_ = nullptr;
};

// Memory the host fills for shaders to read, chunk after chunk: where the context stages uploads
// (Context::stagesUploads), a host buffer the CPU writes and a device buffer the shaders read,
// the written ranges copied across in the command buffer before the shaders that read them;
// elsewhere one buffer, both sides at once, and nothing to copy.
class StagedBuffer {
 public:
  // `usage`: what the shaders bind it as (the device side also takes copies in, the host side
  // gives them out).
  StagedBuffer(const Context& ctx, vk::DeviceSize bytes, vk::BufferUsageFlags usage);
  void* mapped() const { return host_.mapped(); }
  template <typename T>
  T* as() const {
    return host_.as<T>();
  }
  vk::DeviceSize bytes() const { return host_.bytes(); }
  bool staged() const { return device_ != nullptr; }
  // What the shaders bind: the device copy where staged.
  const Buffer& deviceSide() const { return device_ ? *device_ : host_; }
  // Queues [offset, offset + bytes) of what the host wrote for the next recordUploads().
  void upload(vk::DeviceSize offset, vk::DeviceSize bytes);
  // Records the copies queued since the last call (none where not staged) and forgets them;
  // whether it recorded any. The caller orders them before the shaders' reads (uploadBarrier).
  bool recordUploads(const vk::raii::CommandBuffer& commands);

 private:
  Buffer host_;
  std::unique_ptr<Buffer> device_;
  std::vector<vk::BufferCopy> pending_;
};

// Orders copies recorded before it (StagedBuffer::recordUploads) before compute shaders' reads and
// writes after it.
void uploadBarrier(const vk::raii::CommandBuffer& commands);

// A view of the whole buffer as texels of `format` (texelBytes each; a partial last texel is left
// out), for shaders that read it as a samplerBuffer: lavapipe fetches texels for all lanes at once
// but loads a storage buffer one lane at a time (docs/architecture.md).
vk::raii::BufferView texelView(const Context& ctx, const Buffer& buffer, vk::Format format,
                               vk::DeviceSize texelBytes);

// One descriptor write: a buffer range (uniform or storage) or a uniform texel view. The info and
// view must outlive the updateDescriptorSets call.
vk::WriteDescriptorSet bufferWrite(vk::DescriptorSet set, std::uint32_t binding,
                                   vk::DescriptorType type, const vk::DescriptorBufferInfo& info);
vk::WriteDescriptorSet texelWrite(vk::DescriptorSet set, std::uint32_t binding,
                                  const vk::BufferView& view);

}  // namespace vkmix::gpu
