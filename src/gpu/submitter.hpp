// gpu::Submitter: one reusable command buffer and its fence for a stage that records, submits and
// waits once per block. Submitting adds the barrier that makes every shader and copy write
// visible to the host, so the stage can read its mapped output once wait() returns. submit() and
// wait() apart let a stage keep work in flight while the host prepares the next.
#pragma once

#include <string>
#include <vulkan/vulkan_raii.hpp>

#include "gpu/context.hpp"

namespace vkmix::gpu {

// Orders every shader and transfer write recorded before it (in this command buffer, or submitted
// earlier to the queue) before every shader and transfer access after it, and every access before
// it before the writes after: for work in one command buffer whose copies, fills and dispatches
// share buffers.
void fullBarrier(const vk::raii::CommandBuffer& cb);

class Submitter {
 public:
  explicit Submitter(const Context& ctx);
  ~Submitter();  // waits for a submission still in flight (its command buffer dies with us)
  Submitter(const Submitter&) = delete;
  Submitter& operator=(const Submitter&) = delete;

  // Resets the command buffer and begins recording a one-time submission.
  const vk::raii::CommandBuffer& begin();
  // Ends recording and submits. Failures (device lost, out of memory) are GpuError naming `step`.
  void submit(const std::string& step);
  // Waits for the submission (at most two minutes: a hung device is a GpuError naming `step`).
  void wait(const std::string& step);
  void submitAndWait(const std::string& step) {
    submit(step);
    wait(step);
  }
  bool pending() const { return pending_; }

 private:
  const Context& ctx_;
  // The command buffer comes from the context's pool; the fence is ours.
  vk::raii::CommandBuffer commands_{nullptr};
  vk::raii::Fence fence_{nullptr};
  bool pending_ = false;
};

}  // namespace vkmix::gpu
