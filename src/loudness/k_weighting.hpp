// ITU-R BS.1770-4 K-weighting (§2.1, Annex 1): a high-shelf (+4 dB above ~1.5 kHz, the head's
// acoustic effect) followed by the RLB high-pass (~38 Hz). The standard tabulates the coefficients
// at 48 kHz only; here they are derived from the analog prototype behind that table by the
// bilinear transform, so every sample rate gets the same response (48 kHz reproduces the table).
#pragma once

#include <cstdint>

#include "core/simd.hpp"

namespace vkmix::loudness {

struct Biquad {
  double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;  // a0 normalised to 1
};

Biquad kWeightingShelf(double sampleRate);
Biquad kWeightingHighPass(double sampleRate);

// Direct form I state for one channel through both stages.
class KWeighting {
 public:
  explicit KWeighting(double sampleRate);
  double process(double x);
  // Filters n samples of each of `count` channels and adds channel i's squared outputs, one by one
  // in order, to sumSquares[i]: a sum carried over calls is the same bits however the samples were
  // split between them. Up to kLanes channels run in lockstep, one per lane of a vector: each does
  // exactly process()'s operations in the same order (the same bits), kLanes at a time.
  static constexpr int kLanes = 8;
  static void processChannels(KWeighting* const* filters, const float* const* x, int count,
                              std::int64_t n, double* sumSquares);
  // True while every state variable is exactly zero (nothing non-zero has gone in yet).
  // The state, 8 doubles (the shelf's x1 x2 y1 y2, then the high-pass's), and setting it back.
  static constexpr int kStateSize = 8;
  void state(double* out) const;
  void setState(const double* in);
  bool atRest() const {
    return s1_.x1 == 0 && s1_.x2 == 0 && s1_.y1 == 0 && s1_.y2 == 0 && s2_.x1 == 0 && s2_.x2 == 0 &&
           s2_.y1 == 0 && s2_.y2 == 0;
  }

 private:
  struct State {
    double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  };
  static double run(const Biquad& f, State& s, double x);
  VKMIX_SIMD_CLONES static void processLanes(KWeighting* const* filters, const float* const* x,
                                             int lanes, std::int64_t n, double* sumSquares);
  Biquad shelf_, highPass_;
  State s1_, s2_;
};

}  // namespace vkmix::loudness
