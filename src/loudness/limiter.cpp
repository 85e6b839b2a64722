#include "loudness/limiter.hpp"

#include <algorithm>
#include <cmath>

namespace vkmix::loudness {
namespace {
// Headroom below the requested ceiling for what the construction does not bound exactly: the gain
// changing across the interpolator's span, and rounding to the output's sample format.
constexpr double kSafetyDb = 0.1;
}  // namespace

TruePeakLimiter::TruePeakLimiter(double sampleRate, int numChannels, double ceilingDbtp)
    : numChannels_(numChannels),
      ceiling_(std::pow(10.0, (ceilingDbtp - kSafetyDb) / 20.0)),
      window_(std::max(1, static_cast<int>(std::lround(sampleRate * 0.002)))),
      peakDelay_(0),
      releaseCoef_(1.0 - std::exp(-1.0 / (0.050 * sampleRate))),
      ready_(static_cast<std::size_t>(numChannels)) {
  for (int c = 0; c < numChannels; ++c) peaks_.emplace_back(sampleRate);
  peakDelay_ = peaks_.front().delay();
}

void TruePeakLimiter::process(std::span<const float> planar, std::int64_t stride,
                              std::int64_t numFrames) {
  // Each channel's oversampled peaks for the whole run first (vectorised, the bits of a sample at
  // a time wherever they exceed the ceiling: below it, a peak's value does not matter), then the
  // frames in order.
  framePeaks_.assign(static_cast<std::size_t>(numFrames), 0.0);
  channelPeaks_.resize(static_cast<std::size_t>(numFrames));
  for (int c = 0; c < numChannels_; ++c) {
    peaks_[static_cast<std::size_t>(c)].peaksOfRun(planar.data() + c * stride, numFrames,
                                                   channelPeaks_.data(), ceiling_);
    for (std::int64_t i = 0; i < numFrames; ++i)
      framePeaks_[i] = std::max(framePeaks_[i], channelPeaks_[i]);
  }
  frame_.resize(static_cast<std::size_t>(numChannels_));
  for (std::int64_t i = 0; i < numFrames; ++i) {
    for (int c = 0; c < numChannels_; ++c) frame_[c] = planar[c * stride + i];
    pushFrame(frame_.data(), framePeaks_[i]);
    ++realFrames_;
  }
}

void TruePeakLimiter::flush() {
  std::vector<float> zeros(static_cast<std::size_t>(numChannels_), 0.0f);
  while (emitted_ < realFrames_) {
    double intervalPeak = 0.0;
    for (TruePeak& p : peaks_) intervalPeak = std::max(intervalPeak, p.process(0.0));
    pushFrame(zeros.data(), intervalPeak);
  }
}

void TruePeakLimiter::pushFrame(const float* frame, double intervalPeak) {
  // A frame is a dozen floats: copied in place, not through a library call each.
  const std::size_t end = pending_.size();
  pending_.resize(end + static_cast<std::size_t>(numChannels_));
  for (int c = 0; c < numChannels_; ++c) pending_[end + static_cast<std::size_t>(c)] = frame[c];
  const std::int64_t n = framesIn_++;
  const std::int64_t q = n - peakDelay_;  // the new points lie between frames q and q + 1
  if (q < 0) return;
  const double intervalR = intervalPeak > ceiling_ ? ceiling_ / intervalPeak : 1.0;
  // Frame q is bounded by both intervals it touches and by its own samples.
  double samplePeak = 0.0;
  const std::size_t at = pendingHead_ + static_cast<std::size_t>((q - emitted_) * numChannels_);
  for (int c = 0; c < numChannels_; ++c)
    samplePeak = std::max(samplePeak, static_cast<double>(std::abs(pending_[at + c])));
  double r = std::min(lastIntervalR_, intervalR);
  if (samplePeak > ceiling_) r = std::min(r, ceiling_ / samplePeak);
  lastIntervalR_ = intervalR;

  // m(i) = min r over [i, i + W - 1] is final now for i = q - W + 1.
  while (!minQueue_.empty() && minQueue_.back().second >= r) minQueue_.pop_back();
  minQueue_.emplace_back(q, r);
  // For i < 0 the window [i, i + W - 1] holds only frames 0..q: its minimum still bounds the
  // early frames, so it enters the average although no frame i is emitted.
  const std::int64_t i = q - window_ + 1;
  while (minQueue_.front().first < i) minQueue_.pop_front();
  emitFrame(minQueue_.front().second, i >= 0);
}

void TruePeakLimiter::emitFrame(double m, bool emit) {
  // g(k) = mean of m(k - W + 1 .. k); each of those windows contains k, so g(k) <= r(k).
  // The sum gains m, then loses the minimum that falls out of the window (in that order).
  if (static_cast<int>(minima_.size()) < window_) {
    minima_.push_back(m);
    minimaSum_ += m;
  } else {
    const double oldest = minima_[minimaNext_];
    minima_[minimaNext_] = m;
    if (++minimaNext_ == minima_.size()) minimaNext_ = 0;
    minimaSum_ += m;
    minimaSum_ -= oldest;
  }
  if (!emit) return;
  const double g = std::min(1.0, minimaSum_ / window_);
  // Release: rise towards g with a 50 ms time constant; fall at once (stays <= g <= r).
  gain_ = g < gain_ ? g : std::min(g, gain_ + (1.0 - gain_) * releaseCoef_);
  minGain_ = std::min(minGain_, gain_);
  if (emitted_ < realFrames_) {
    for (int c = 0; c < numChannels_; ++c)
      ready_[c].push_back(static_cast<float>(pending_[pendingHead_ + c] * gain_));
  }
  pendingHead_ += static_cast<std::size_t>(numChannels_);
  // Past a few thousand emitted frames, the few still pending move to the front.
  if (pendingHead_ >= 4096 * static_cast<std::size_t>(numChannels_)) {
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(pendingHead_));
    pendingHead_ = 0;
  }
  ++emitted_;
}

std::int64_t TruePeakLimiter::take(std::vector<float>& dst) {
  const auto n = static_cast<std::int64_t>(ready_[0].size());
  dst.clear();
  for (auto& ch : ready_) {
    dst.insert(dst.end(), ch.begin(), ch.end());
    ch.clear();
  }
  return n;
}

}  // namespace vkmix::loudness
