// A layout's loudspeaker feeds to two ears, in chunks of any length: binauralSpec's convolution
// run by the float FFTW convolver (the CPU backend's), the double-precision reference, or a
// convolution given (a render's backend: engine/binaural_render.cpp). Output frame n is the ears'
// signal at input frame n: the convolver works in partitions on the absolute timeline, so frames
// come out a span of partitions at a time, and finish() flushes the last partial span and the
// HRIR tails.
#pragma once

#include <cstdint>
#include <functional>
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
  // Through `convolve`, which runs `spec` on batch x spec.partitionFrames frames a call (inputs:
  // numInputs x span planar; outputs: its numOutputs x span planar, every sample written), the
  // spans in order from frame 0, as Backend::convolve does.
  using Convolution = std::function<void(std::span<const float> in, std::span<float> out)>;
  BinauralRenderer(const dsp::ConvolverSpec& spec, std::int64_t batch, Convolution convolve);
  // Through a convolution whose outputs come back later (a backend that convolves in its chunks'
  // work, Backend::queueFilter): `queue` hands a span's inputs over (as `convolve` takes them),
  // spans in order; `done` says, without waiting, whether the oldest span handed over is
  // convolved; `take` writes its outputs (as `convolve` does), waiting for them if need be.
  // Output frames become ready as poll() (or finish()) collects their spans: the same frames,
  // later.
  struct Deferred {
    std::function<void(std::span<const float> in)> queue;
    std::function<bool()> done;
    std::function<void(std::span<float> out)> take;
  };
  BinauralRenderer(const dsp::ConvolverSpec& spec, std::int64_t batch, Deferred deferred);
  ~BinauralRenderer();
  BinauralRenderer(const BinauralRenderer&) = delete;
  BinauralRenderer& operator=(const BinauralRenderer&) = delete;

  // numFrames frames of every speaker feed, planar: channel c at feeds[c * numFrames + frame].
  void process(std::span<const float> feeds, std::int64_t numFrames);
  // The input has ended: the rest of the output (the last partition, the HRIR tails) becomes
  // ready. After it, the output holds input frames + tailFrames() frames in all.
  void finish();
  // finish()'s first half: the input ends and its last spans go to the convolution, a deferred
  // one's not collected yet (several renderers' spans handed over before any is waited for).
  void endInput();
  // A deferred convolution's spans convolved so far, collected without waiting (ready() counts
  // them); nothing otherwise.
  void poll() { collect(false); }
  // Frames that take() can hand out now.
  std::int64_t ready() const;
  // Moves n <= ready() frames of the left and right ear into `left` and `right`.
  void take(std::int64_t n, std::span<float> left, std::span<float> right);
  // Frames the output runs on past the input: the longest IR minus one.
  std::int64_t tailFrames() const { return tailFrames_; }
  int numChannels() const { return numChannels_; }

 private:
  void runSpan();
  void addSpan();  // partitionOut_'s ears appended to the output
  void collect(bool wait);

  int numChannels_;
  std::int64_t span_;  // frames a convolution takes: partitions x batch
  std::int64_t tailFrames_;
  std::unique_ptr<dsp::CpuConvolver> cpu_;
  std::unique_ptr<dsp::ReferenceConvolver> reference_;
  Convolution convolve_;
  Deferred deferred_;                // set: spans are queued, collected later
  std::int64_t queued_ = 0;          // spans queued, not collected
  std::vector<float> pending_;       // numChannels x span planar, the span being filled
  std::int64_t filled_ = 0;          // frames of pending_ filled
  int numOutputs_ = 2;               // the spec's partial ears
  std::vector<float> partitionOut_;  // numOutputs x span planar
  std::vector<float> ears_;          // 2 x span planar: the partials summed
  std::vector<float> left_, right_;  // rendered, not yet taken
  std::int64_t inputFrames_ = 0;
  std::int64_t outputFrames_ = 0;  // rendered in all (taken or not)
  std::int64_t spanFrames_ = 0;    // handed to the convolution in all (rendered or queued)
  std::int64_t takenFrames_ = 0;
  std::int64_t endFrames_ = -1;  // output length once finish() has run
};

}  // namespace vkmix::binaural
