// gpu::Submitter: one reusable command buffer and its fence for a stage that records, submits and
// waits once per block. end-and-submit adds the barrier that makes every shader write visible to
// the host, so the stage can read its mapped output right after.
#pragma once

#include <string>
#include <vulkan/vulkan_raii.hpp>

#include "gpu/context.hpp"

namespace vkmix::gpu {

class Submitter {
 public:
  explicit Submitter(const Context& ctx);

  // Resets the command buffer and begins recording a one-time submission.
  const vk::raii::CommandBuffer& begin();
  // Ends recording, submits, and waits. Failures (device lost, out of memory) are GpuError
  // naming `step`.
  void submitAndWait(const std::string& step);

 private:
  const Context& ctx_;
  // The command buffer comes from the context's pool; the fence is ours.
  vk::raii::CommandBuffer commands_{nullptr};
  vk::raii::Fence fence_{nullptr};
};

}  // namespace vkmix::gpu
