// An ITU-R BS.1770-4 / EBU R 128 loudness meter for one programme of any channel count:
// momentary (400 ms) and short-term (3 s) loudness every 100 ms, integrated loudness over 400 ms
// blocks overlapping 75% with the -70 LUFS absolute and -10 LU relative gates, loudness range
// (EBU Tech 3342: short-term values, -70 absolute and -20 LU relative gates, 95th - 10th
// percentile), sample peak and true peak per channel. Plain double-precision CPU code; metering a
// 12-channel mix costs far less than decoding it.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "loudness/k_weighting.hpp"
#include "loudness/true_peak.hpp"

namespace vkmix::loudness {

// BS.1770-4 Table 3 channel weight for a loudspeaker position: 0 for LFE (excluded), 1.41
// (+1.5 dB) for |elevation| < 30 and 60 <= |azimuth| <= 120, else 1.0.
double channelWeight(double azimuthDeg, double elevationDeg, bool lfe);

constexpr double kSilenceLufs = -200.0;  // what an empty or silent measurement reads

struct LoudnessSummary {
  double integratedLufs = kSilenceLufs;
  double loudnessRangeLu = 0.0;
  double momentaryMaxLufs = kSilenceLufs;
  double shortTermMaxLufs = kSilenceLufs;
  double truePeakDbtp = kSilenceLufs;
  double samplePeakDbfs = kSilenceLufs;
  std::vector<double> channelSamplePeakDbfs;
  std::vector<double> channelTruePeakDbtp;
};

class LoudnessMeter {
 public:
  // Without `truePeak`, the meter reads loudness and sample peaks only (a measurement that needs
  // the integrated loudness alone, such as normalisation's first pass, skips the oversampling);
  // its summary's true peaks are then NaN.
  LoudnessMeter(double sampleRate, std::vector<double> channelWeights, bool truePeak = true);

  // Frames given channel-major: channel c's frame i at planar[c * stride + i].
  void addFrames(std::span<const float> planar, std::int64_t stride, std::int64_t numFrames);

  LoudnessSummary summary() const;
  double integratedLufs() const;
  double loudnessRangeLu() const;
  // Momentary loudness (400 ms) of the window ending at the last closed 100 ms sub-block.
  double momentaryLufs() const { return momentary_; }
  // Short-term loudness every 100 ms (index k covers the 3 s ending at (k + 1) * 100 ms), made
  // from the short-term energies the range is gated from: the meter keeps no other history.
  std::vector<double> shortTermLufs() const;
  int numChannels() const { return static_cast<int>(weights_.size()); }

  // A programme metered in pieces (the time segments of a farm render, docs/farm.md): each piece's
  // meter records the weighted energy of every 100 ms sub-block it closes, and one meter fed
  // those energies in order (addSubBlockEnergies) reads the integrated loudness, range and maxima
  // the whole programme's meter reads, bit for bit, when the pieces start on the 100 ms grid and
  // each piece's K-weighting filters start in the state the previous piece's ended in
  // (filterState): a sub-block's energy does not depend on how its frames arrived.
  // Records the sub-blocks closed from now on (it must be on the 100 ms grid).
  void recordSubBlocks();
  const std::vector<double>& recordedSubBlocks() const { return recorded_; }
  // Closes one sub-block per energy, as if frames of that energy had been added; only on the grid.
  void addSubBlockEnergies(std::span<const double> energies);
  // Every channel's K-weighting state (KWeighting::kStateSize doubles each), and setting it.
  std::vector<double> filterState() const;
  void setFilterState(std::span<const double> state);
  std::int64_t subBlockFrames() const { return subBlockFrames_; }
  bool onSubBlockGrid() const { return inSubBlock_ == 0; }

 private:
  void closeSubBlock();               // of the frames added
  void closeSubBlock(double energy);  // of this weighted sum of squares

  double sampleRate_;
  std::vector<double> weights_;
  std::vector<KWeighting> filters_;
  std::vector<TruePeak> truePeaks_;  // empty without true peaks
  std::vector<double> samplePeak_, truePeak_;
  std::int64_t subBlockFrames_;  // 100 ms
  std::int64_t inSubBlock_ = 0;
  // The open sub-block's sum of squares per channel: each channel's K-weighted samples summed in
  // order, weighted and added in channel order when it closes.
  std::vector<double> channelSums_;
  bool recording_ = false;
  std::vector<double> recorded_;  // with recordSubBlocks
  // What a render's length makes grow is kept to what the figures need: two doubles per 100 ms,
  // a 2-hour mix and its stems ~1 MB each. The closed sub-blocks' weighted sums of squares are a
  // ring of the last 30 (the short-term window), momentary loudness is its latest value and
  // maximum, and gating blocks below the absolute gate are not kept (they never pass it).
  static constexpr std::size_t kShortSubBlocks = 30;
  std::array<double, kShortSubBlocks> subBlocks_{};
  std::size_t closedSubBlocks_ = 0;
  std::vector<double> blockEnergies_;  // 400 ms gating blocks above the absolute gate
  std::vector<double> shortEnergies_;  // 3 s short-term windows (mean square, weighted)
  double momentary_ = kSilenceLufs, momentaryMax_ = kSilenceLufs, shortTermMax_ = kSilenceLufs;
};

double energyToLufs(double meanSquare);

}  // namespace vkmix::loudness
