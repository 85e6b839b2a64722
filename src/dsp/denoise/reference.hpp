// ReferenceDenoiser: the denoiser's specification, in double precision on the CPU, chunk by
// chunk exactly as the GPU runs it (dsp/denoise/params.hpp describes the algorithm).
#pragma once

#include <span>
#include <vector>

#include "dsp/denoise/params.hpp"

namespace vkmix::dsp {

// The per-bin estimator state both implementations keep across frames.
struct DenoiseBinState {
  double smoothed = 0, minimum = 0, runningMinimum = 0, presence = 0, noise = 0, cleanPower = 0;
};

class ReferenceDenoiser {
 public:
  explicit ReferenceDenoiser(const DenoiseSpec& spec);
  // inputs, outputs: numChannels x chunkFrames, channel-major. Output frame i of chunk c is the
  // denoised input frame c * chunkFrames + i - latency (zeros before the first input).
  void process(std::span<const float> inputs, std::span<float> outputs);
  const StftShape& shape() const { return shape_; }

 private:
  void processFrame(int channel, std::int64_t index, const double* frame, double* accumulate);

  DenoiseSpec spec_;
  StftShape shape_;
  std::vector<double> window_;
  std::vector<Biquad> notches_;
  std::vector<std::vector<double>> humState_;  // [channel][section * 4]: x1 x2 y1 y2
  std::vector<std::vector<double>> history_;   // [channel]: latency + chunk input frames
  std::vector<std::vector<double>> carry_;     // [channel]: overlap-add tail (latency frames)
  std::vector<std::vector<DenoiseBinState>> bins_;
  std::vector<double> gains_, re_, im_;
  std::int64_t frameIndex_ = 0;  // the next STFT frame per channel, from the track's start
  int minWindowFrames_ = 1;
};

}  // namespace vkmix::dsp
