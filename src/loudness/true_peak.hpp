// True-peak estimation (ITU-R BS.1770-4 Annex 2): the signal is oversampled (4x below 96 kHz,
// 2x below 192 kHz) by a polyphase windowed-sinc interpolator and the largest absolute value of
// the oversampled signal is the true peak. One TruePeak per channel keeps the filter history.
#pragma once

#include <vector>

namespace vkmix::loudness {

class TruePeak {
 public:
  explicit TruePeak(double sampleRate);
  // Feeds one sample; returns the largest |value| among the oversampled points it completes.
  double process(double x);
  int oversampling() const { return factor_; }
  // Delay in input samples between a sample going in and the oversampled points it produces.
  int delay() const { return tapsPerPhase_ / 2; }

 private:
  int factor_;
  int tapsPerPhase_;
  std::vector<double> coeffs_;   // [phase][tap]
  std::vector<double> history_;  // circular, tapsPerPhase_ long (doubled for contiguous reads)
  int pos_ = 0;
};

}  // namespace vkmix::loudness
