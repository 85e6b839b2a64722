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
      pending_(static_cast<std::size_t>(numChannels)),
      minQueue_(static_cast<std::size_t>(window_) + 2),
      ready_(static_cast<std::size_t>(numChannels)) {
  for (int c = 0; c < numChannels; ++c) peaks_.emplace_back(sampleRate);
  peakDelay_ = peaks_.front().delay();
}

void TruePeakLimiter::process(std::span<const float> planar, std::int64_t stride,
                              std::int64_t numFrames) {
  // Each channel's oversampled peaks for the whole run first (vectorised, the bits of a sample at
  // a time wherever they exceed the ceiling: below it, a peak's value does not matter), then the
  // frames' gains in order (the rule is sequential), then the gains applied a channel at a time.
  framePeaks_.assign(static_cast<std::size_t>(numFrames), 0.0);
  channelPeaks_.resize(static_cast<std::size_t>(numFrames));
  for (int c = 0; c < numChannels_; ++c) {
    peaks_[static_cast<std::size_t>(c)].peaksOfRun(planar.data() + c * stride, numFrames,
                                                   channelPeaks_.data(), ceiling_);
    for (std::int64_t i = 0; i < numFrames; ++i)
      framePeaks_[i] = std::max(framePeaks_[i], channelPeaks_[i]);
  }
  appendFrames(planar, stride, numFrames);
  advance(framePeaks_.data(), numFrames);
  realFrames_ += numFrames;
  emitGained();
}

void TruePeakLimiter::flush() {
  const std::vector<float> zeros(static_cast<std::size_t>(numChannels_), 0.0f);
  while (emitted_ < realFrames_) {
    double intervalPeak = 0.0;
    for (TruePeak& p : peaks_) intervalPeak = std::max(intervalPeak, p.process(0.0));
    appendFrames(zeros, 1, 1);
    advance(&intervalPeak, 1);
    emitGained();
  }
}

void TruePeakLimiter::appendFrames(std::span<const float> planar, std::int64_t stride,
                                   std::int64_t n) {
  const std::size_t at = samplePeaks_.size();
  samplePeaks_.resize(at + static_cast<std::size_t>(n), 0.0);
  double* peaks = samplePeaks_.data() + at;
  for (int c = 0; c < numChannels_; ++c) {
    const float* x = planar.data() + c * stride;
    std::vector<float>& p = pending_[static_cast<std::size_t>(c)];
    p.insert(p.end(), x, x + n);
    for (std::int64_t i = 0; i < n; ++i)
      peaks[i] = std::max(peaks[i], static_cast<double>(std::abs(x[i])));
  }
}

void TruePeakLimiter::advance(const double* intervalPeaks, std::int64_t n) {
  const std::size_t capacity = minQueue_.size();
  for (std::int64_t j = 0; j < n; ++j) {
    const std::int64_t q = framesIn_++ - peakDelay_;  // the new points lie between q and q + 1
    if (q < 0) continue;
    const double intervalPeak = intervalPeaks[j];
    const double intervalR = intervalPeak > ceiling_ ? ceiling_ / intervalPeak : 1.0;
    // Frame q is bounded by both intervals it touches and by its own samples.
    const double samplePeak = samplePeaks_[pendingHead_ + static_cast<std::size_t>(q - emitted_)];
    double r = std::min(lastIntervalR_, intervalR);
    if (samplePeak > ceiling_) r = std::min(r, ceiling_ / samplePeak);
    lastIntervalR_ = intervalR;

    // m(i) = min r over [i, i + W - 1] is final now for i = q - W + 1.
    while (queueSize_ > 0 && minQueue_[(queueFront_ + queueSize_ - 1) % capacity].second >= r)
      --queueSize_;
    minQueue_[(queueFront_ + queueSize_++) % capacity] = {q, r};
    // For i < 0 the window [i, i + W - 1] holds only frames 0..q: its minimum still bounds the
    // early frames, so it enters the average although no frame i is emitted.
    const std::int64_t i = q - window_ + 1;
    while (minQueue_[queueFront_].first < i) {
      queueFront_ = (queueFront_ + 1) % capacity;
      --queueSize_;
    }
    const double m = minQueue_[queueFront_].second;

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
    if (i < 0) continue;
    const double g = std::min(1.0, minimaSum_ / window_);
    // Release: rise towards g with a 50 ms time constant; fall at once (stays <= g <= r).
    gain_ = g < gain_ ? g : std::min(g, gain_ + (1.0 - gain_) * releaseCoef_);
    minGain_ = std::min(minGain_, gain_);
    gains_.push_back(gain_);
  }
}

void TruePeakLimiter::emitGained() {
  const std::size_t n = gains_.size();
  if (n == 0) return;
  for (std::size_t c = 0; c < pending_.size(); ++c) {
    const float* x = pending_[c].data() + pendingHead_;
    std::vector<float>& out = ready_[c];
    const std::size_t at = out.size();
    out.resize(at + n);
    for (std::size_t k = 0; k < n; ++k) out[at + k] = static_cast<float>(x[k] * gains_[k]);
  }
  gains_.clear();
  pendingHead_ += n;
  emitted_ += static_cast<std::int64_t>(n);
  // Past a few thousand emitted frames, the few still pending move to the front.
  if (pendingHead_ >= 4096) {
    const auto drop = static_cast<std::ptrdiff_t>(pendingHead_);
    for (std::vector<float>& p : pending_) p.erase(p.begin(), p.begin() + drop);
    samplePeaks_.erase(samplePeaks_.begin(), samplePeaks_.begin() + drop);
    pendingHead_ = 0;
  }
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
