// gpu::StageTimer: device time between marks recorded into a command buffer (Vulkan timestamp
// queries), for profiling a pipeline of dispatches stage by stage without splitting its
// submission: the convolver's forward FFT, multiply-accumulate and inverse FFT
// (benchmarks/convolver_benchmark.cpp). Usable only where the queue writes timestamps
// (available()); the times are the device's own clock, so on lavapipe they include the dispatch's
// host-side overhead, as a submission's wall time does.
#pragma once

#include <cstdint>
#include <vector>
#include <vulkan/vulkan_raii.hpp>

#include "gpu/context.hpp"

namespace vkmix::gpu {

class StageTimer {
 public:
  // `marks`: timestamps per recording (stages + 1).
  StageTimer(const Context& ctx, std::uint32_t marks);
  // Whether the device's compute queue writes timestamps at all.
  static bool available(const Context& ctx);
  // Resets the queries; record it before the first mark(), outside any render pass.
  void reset(const vk::raii::CommandBuffer& commands) const;
  // Writes timestamp `index` once all earlier commands have finished.
  void mark(const vk::raii::CommandBuffer& commands, std::uint32_t index) const;
  // After the submission completed: milliseconds from each mark to the next (marks - 1 values).
  std::vector<double> stageMilliseconds() const;

 private:
  std::uint32_t marks_;
  double periodNs_;
  std::uint64_t validMask_;
  vk::raii::QueryPool pool_{nullptr};
};

}  // namespace vkmix::gpu
