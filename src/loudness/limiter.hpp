// A look-ahead true-peak limiter for deliverables: the output's true peak (4x oversampled, the
// meter's own TruePeak) stays at or below the ceiling. The gain is a W-frame moving average of a
// forward-looking W-frame minimum of the required gain r = min(1, ceiling / peak), which is <= r
// at every frame by construction (each averaged minimum's window contains the frame), ramps
// smoothly over W frames, then releases with a 50 ms time constant. Latency is compensated: frame
// k of the output is frame k of the input, and flush() emits the tail.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "loudness/true_peak.hpp"

namespace vkmix::loudness {

class TruePeakLimiter {
 public:
  TruePeakLimiter(double sampleRate, int numChannels, double ceilingDbtp);

  // Feeds frames (channel-major: channel c's frame i at planar[c * stride + i]).
  void process(std::span<const float> planar, std::int64_t stride, std::int64_t numFrames);
  // Ends the input: the remaining frames become ready.
  void flush();
  // Moves the frames ready so far into `dst`, channel-major (numChannels x n); returns n.
  std::int64_t take(std::vector<float>& dst);
  // Largest gain reduction applied so far, dB (>= 0).
  double maxReductionDb() const { return std::max(0.0, -20.0 * std::log10(minGain_)); }

 private:
  // Takes input frames [framesIn_, framesIn_ + n) as pending already holds them, `intervalPeaks`
  // the largest oversampled |value| each completes over the channels; their gains go to gains_.
  void advance(const double* intervalPeaks, std::int64_t n);
  // Frames pending (already in pending_ and samplePeaks_) from the oldest not yet emitted.
  void appendFrames(std::span<const float> planar, std::int64_t stride, std::int64_t n);
  // Moves the frames advance() gave gains to into ready_, scaled.
  void emitGained();

  int numChannels_;
  double ceiling_;  // linear, a little below the requested ceiling (kSafetyDb)
  int window_;      // W frames (2 ms)
  int peakDelay_;   // D: oversampled points completed at input n lie between n-D and n-D+1
  double releaseCoef_;
  std::vector<TruePeak> peaks_;
  // Input frames from the next to emit onwards, per channel, from index pendingHead_ (frame
  // emitted_), with each frame's largest |sample|; the emitted ones ahead are dropped in one move
  // now and then, not a frame at a time.
  std::vector<std::vector<float>> pending_;
  std::vector<double> samplePeaks_;
  std::size_t pendingHead_ = 0;
  double lastIntervalR_ = 1.0;  // r of the interval before the current frame
  // The sliding forward minimum: a monotonic queue of (frame, r), a ring of window_ + 1.
  std::vector<std::pair<std::int64_t, double>> minQueue_;
  std::size_t queueFront_ = 0, queueSize_ = 0;
  std::vector<double> minima_;  // the last W forward minima m(i), circular from minimaNext_
  std::size_t minimaNext_ = 0;  // where the next goes (the oldest, once W are in)
  double minimaSum_ = 0.0;
  std::int64_t framesIn_ = 0;    // input frames fed (zeros of flush() included)
  std::int64_t realFrames_ = 0;  // input frames fed by the caller
  std::int64_t emitted_ = 0;
  double gain_ = 1.0;
  double minGain_ = 1.0;                   // the lowest gain applied so far
  std::vector<double> gains_;              // of the frames from emitted_ on, not yet emitted
  std::vector<std::vector<float>> ready_;  // per channel
  std::vector<double> framePeaks_, channelPeaks_;  // process()'s scratch
};

}  // namespace vkmix::loudness
