// A layout's loudspeaker feeds to two ears on the CPU, in chunks of any length: binauralSpec's
// convolution run by the float FFTW convolver (the CPU backend's) or the double-precision
// reference. Output frame n is the ears' signal at input frame n: the convolver works in
// partitions on the absolute timeline, so frames come out a partition at a time, and finish()
// flushes the last partial partition and the HRIR tails.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "binaural/virtual_speakers.hpp"

namespace vkmix::dsp {
class CpuConvolver;
class ReferenceConvolver;
}  // namespace vkmix::dsp

namespace vkmix::binaural {

enum class Precision { Float, Double };

class BinauralRenderer {
 public:
  BinauralRenderer(const Layout& speakers, const Hrtf& hrtf, const BinauralOptions& options = {},
                   Precision precision = Precision::Float);
  // From a binauralSpec already made (several renderers of one spec: the stems of a render).
  explicit BinauralRenderer(const dsp::ConvolverSpec& spec, Precision precision = Precision::Float);
  ~BinauralRenderer();
  BinauralRenderer(const BinauralRenderer&) = delete;
  BinauralRenderer& operator=(const BinauralRenderer&) = delete;

  // numFrames frames of every speaker feed, planar: channel c at feeds[c * numFrames + frame].
  void process(std::span<const float> feeds, std::int64_t numFrames);
  // The input has ended: the rest of the output (the last partition, the HRIR tails) becomes
  // ready. After it, the output holds input frames + tailFrames() frames in all.
  void finish();
  // Frames that take() can hand out now.
  std::int64_t ready() const;
  // Moves n <= ready() frames of the left and right ear into `left` and `right`.
  void take(std::int64_t n, std::span<float> left, std::span<float> right);
  // Frames the output runs on past the input: the longest IR minus one.
  std::int64_t tailFrames() const { return tailFrames_; }
  int numChannels() const { return numChannels_; }

 private:
  void runPartition();

  int numChannels_;
  std::int64_t p_;
  std::int64_t tailFrames_;
  std::unique_ptr<dsp::CpuConvolver> cpu_;
  std::unique_ptr<dsp::ReferenceConvolver> reference_;
  std::vector<float> pending_;       // numChannels x P planar, the partition being filled
  std::int64_t filled_ = 0;          // frames of pending_ filled
  int numOutputs_ = 2;               // the spec's partial ears
  std::vector<float> partitionOut_;  // numOutputs x P planar
  std::vector<float> ears_;          // 2 x P planar: the partials summed
  std::vector<float> left_, right_;  // rendered, not yet taken
  std::int64_t inputFrames_ = 0;
  std::int64_t outputFrames_ = 0;  // rendered in all (taken or not)
  std::int64_t takenFrames_ = 0;
  std::int64_t endFrames_ = -1;  // output length once finish() has run
};

}  // namespace vkmix::binaural
