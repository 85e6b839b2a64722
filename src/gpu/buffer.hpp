// gpu::Buffer: a host-visible, coherent, persistently mapped buffer (move-only). On lavapipe and
// integrated GPUs this is device memory itself; on discrete GPUs it is host memory the GPU reads
// over the bus, which is what a streaming mixer uploading fresh audio every block wants.
#pragma once

#include <cstddef>
#include <vulkan/vulkan_raii.hpp>

#include "gpu/context.hpp"

namespace vkmix::gpu {

class Buffer {
 public:
  Buffer(const Context& ctx, vk::DeviceSize bytes, vk::BufferUsageFlags usage);
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

}  // namespace vkmix::gpu
