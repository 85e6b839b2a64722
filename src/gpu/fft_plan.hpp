// gpu::FftPlan: a VkFFT plan for batched in-place real FFTs of size N on one buffer the caller
// owns. Row r of the buffer holds 2 * (N/2 + 1) floats: N real samples (forward input, inverse
// output) or N/2 + 1 complex bins (forward output, inverse input). The inverse is unnormalised
// (x N), as FFTW's. Plans compile GLSL at creation (100-350 ms on lavapipe; the SPIR-V is then
// cached on disk for the next plan of the same shape, see fft_plan.cpp): make them once.
// vkFFT.h is included by fft_plan.cpp only (it is 32k lines and takes ~20 s to compile).
#pragma once

#include <cstdint>
#include <memory>
#include <vulkan/vulkan_raii.hpp>

#include "gpu/context.hpp"

namespace vkmix::gpu {

// Which transforms a plan compiles: each direction is a GLSL compile of its own, so a plan used one
// way only should say so (it halves the plan's creation time).
enum class FftDirections { Both, ForwardOnly, InverseOnly };

// Where a plan's rows begin: row r at float r * 2 * (N/2 + 1) from the buffer's start, or, with
// `offsetsAtLaunch`, from a byte offset each recording gives (a batch of slots in a ring, say),
// which VkFFT then reads from its push constants; such a plan gets a scratch buffer as big as the
// buffer (VkFFT's contract). Forward transforms at an offset are tested (tests/gpu); VkFFT 1.2.26
// got inverse ones of six rows wrong, and wider row spacings wrong for the last row of a batch of
// three or more in its two-pass transforms, so neither is offered.
//
// `inverseWritesSecondHalf` (inverse-only plans): the inverse stores only samples N/2..N-1 of each
// row (VkFFT's zero padding of the output); the first half holds whatever the transform's own
// passes left there. An overlap-save convolution keeps only the second half, and those samples
// have the bits of a full inverse (tested). On lavapipe, where each store is a loop over the
// lanes, a 16-output convolver's calls took about 8% less time (convolver_benchmark).
struct FftRows {
  bool offsetsAtLaunch = false;
  bool inverseWritesSecondHalf = false;
};

class Buffer;

class FftPlan {
 public:
  // `scratch`: VkFFT's scratch buffer for this plan's launches (its temporary buffer), at least
  // bufferBytes; plans whose launches never run at the same time (one queue, in order, a barrier
  // between them) can share one. Null: the plan makes its own where it needs one (with
  // offsetsAtLaunch; VkFFT may allocate one itself otherwise).
  FftPlan(const Context& ctx, std::uint32_t size, std::uint32_t batch,
          const vk::raii::Buffer& buffer, vk::DeviceSize bufferBytes,
          FftDirections directions = FftDirections::Both, FftRows rows = {},
          const Buffer* scratch = nullptr);
  ~FftPlan();
  FftPlan(const FftPlan&) = delete;
  FftPlan& operator=(const FftPlan&) = delete;

  // Records the forward (real -> complex) or inverse transform into `commands`; the plan must have
  // compiled that direction. `offsetBytes`: where the first row begins (a plan made with
  // FftRows::offsetsAtLaunch only; a multiple of 8). Inverse transforms: plans without offsets.
  void recordForward(const vk::raii::CommandBuffer& commands, vk::DeviceSize offsetBytes = 0) const;
  void recordInverse(const vk::raii::CommandBuffer& commands) const;

  std::uint32_t size() const { return size_; }
  std::uint32_t rowFloats() const { return 2 * (size_ / 2 + 1); }

 private:
  struct Impl;
  std::uint32_t size_;
  FftDirections directions_;
  bool offsetsAtLaunch_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vkmix::gpu
