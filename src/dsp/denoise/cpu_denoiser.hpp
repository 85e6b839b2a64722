// CpuDenoiser: the CPU backend's dialogue denoiser. The reference's algorithm (params.hpp), frame
// for frame and chunk for chunk with the same process() contract and latency, in single precision
// on FFTW: hum notches in double (as the reference and the GPU run them), the STFT, estimators and
// overlap-add in float, the per-bin gain through algebraically equal forms that need two exp and
// one log per bin instead of the reference's pow and exp calls, in loops the compiler vectorises.
// Plans are made once with FFTW_ESTIMATE on FFTW-aligned buffers, so bytes repeat in every run.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dsp/denoise/params.hpp"

namespace vkmix::dsp {

class CpuDenoiser {
 public:
  explicit CpuDenoiser(const DenoiseSpec& spec);
  ~CpuDenoiser();
  CpuDenoiser(const CpuDenoiser&) = delete;
  CpuDenoiser& operator=(const CpuDenoiser&) = delete;
  // inputs, outputs: numChannels x chunkFrames, channel-major. Output frame i of chunk c is the
  // denoised input frame c * chunkFrames + i - latency (zeros before the first input).
  // Not thread-safe; instances are independent.
  void process(std::span<const float> inputs, std::span<float> outputs);
  const StftShape& shape() const { return shape_; }

 private:
  struct Fft;  // FFTW's plans and their aligned buffers
  // The estimator state of one channel, one array per quantity so the bin loops vectorise.
  struct BinStates {
    std::vector<float> smoothed, minimum, runningMinimum, presence, noise, cleanPower;
  };
  void processFrame(std::size_t channel, std::int64_t index, const float* frame, float* accumulate);
  void trackNoise(BinStates& s, std::size_t channel, bool windowEnd);
  void suppress(BinStates& s);

  DenoiseSpec spec_;
  StftShape shape_;
  std::vector<float> window_, synthesis_;  // analysis; synthesis with the 1 / (2 N) folded in
  std::vector<Biquad> notches_;
  std::vector<std::vector<double>> humState_;  // [channel][section * 4]: x1 x2 y1 y2
  std::vector<double> humScratch_;             // one chunk of one channel through the notches
  std::vector<std::vector<float>> history_;    // [channel]: latency + chunk input frames
  std::vector<std::vector<float>> carry_;      // [channel]: overlap-add tail (latency frames)
  std::vector<BinStates> bins_;
  std::vector<float> power_, gains_, accumulate_;
  std::int64_t frameIndex_ = 0;  // the next STFT frame per channel, from the track's start
  int minWindowFrames_ = 1;
  std::unique_ptr<Fft> fft_;
};

}  // namespace vkmix::dsp
