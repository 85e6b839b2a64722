// True-peak estimation (ITU-R BS.1770-4 Annex 2): the signal is oversampled (4x below 96 kHz,
// 2x below 192 kHz) by a polyphase windowed-sinc interpolator and the largest absolute value of
// the oversampled signal is the true peak. One TruePeak per channel keeps the filter history.
#pragma once

#include <cstdint>
#include <vector>

#include "core/simd.hpp"

namespace vkmix::loudness {

// The largest |x[k]| (NaNs passed over), several lanes at a time: a maximum is exact in any
// order, so this is the scalar loop's value (GCC keeps that loop scalar, not knowing the samples
// hold no NaN).
float largestMagnitude(const float* x, std::int64_t n);

class TruePeak {
 public:
  explicit TruePeak(double sampleRate);
  // Feeds one sample; returns the largest |value| among the oversampled points it completes.
  double process(double x);
  // Feeds n samples; returns max(peakSoFar, every oversampled |value| they complete). Exactly what
  // calling process() on each would give, but skips the interpolation for stretches whose bound
  // (largest |sample| in the filter's span x the filter's L1 norm) cannot exceed peakSoFar.
  double processRun(const float* x, std::int64_t n, double peakSoFar);
  // Feeds n samples; peaks[i] = what process(x[i]) would return, sample by sample (the same
  // bits), computed a vector of points at a time, wherever that exceeds `floor`; elsewhere some
  // value <= floor (a limiter needs only the peaks above its ceiling: the phases whose bound
  // cannot pass it are not filtered). A negative floor: every peak exact.
  void peaksOfRun(const float* x, std::int64_t n, double* peaks, double floor = -1.0);
  int oversampling() const { return factor_; }
  // Delay in input samples between a sample going in and the oversampled points it produces.
  int delay() const { return tapsPerPhase_ / 2; }

 private:
  int factor_;
  int tapsPerPhase_;
  // Coefficients and history in float: the sums of 32 products a point keep a relative error
  // near 1e-6 (1e-5 dB), and a vector holds twice the points it would in double.
  std::vector<float> coeffs_;   // [tap][4 phases], taps oldest-first, unused phases 0
  double recentMax_ = 0.0;      // >= max |x| over the last tapsPerPhase_ samples
  std::vector<float> history_;  // circular, tapsPerPhase_ long (doubled for contiguous reads)
  int pos_ = 0;
  double l1_ = 1.0;                        // largest sum of |coefficient| over a phase
  static constexpr int kChunkFrames = 64;  // processRun's unit: bound check, then filter
  std::vector<float> phaseCoeffs_;         // [phase][tap], taps oldest-first
  // Per phase, the kNearTaps taps of largest |coefficient| (their indices into the phase's taps)
  // and the L1 norm of the others: |output| <= |the near taps' sum| + farL1 x max |sample|.
  static constexpr int kNearTaps = 4;
  std::vector<int> nearTaps_;  // [phase][kNearTaps]
  std::vector<double> farL1_;  // [phase]
  void push(float x);          // into the history, without filtering
  // The history after x[0..n) went in (as processRun leaves it).
  void advanceHistory(const float* x, std::int64_t n);
  VKMIX_SIMD_CLONES void chunkPeaks(const float* x, std::int64_t n, double floor, double* peaks);
  // A chunk's filter input: 31 samples of history, kChunkFrames, a vector's width of zeros.
  static constexpr int kRunFloats = 31 + kChunkFrames + 16;
  void fillRun(const float* x, std::int64_t n, float* run) const;
  // max(peakSoFar, the chunk's largest |output|); `window` >= max |x| over the filter's span.
  VKMIX_SIMD_CLONES double filterChunk(const float* x, std::int64_t n, double window,
                                       double peakSoFar);
};

}  // namespace vkmix::loudness
