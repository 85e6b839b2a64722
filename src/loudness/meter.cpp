#include "loudness/meter.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace vkmix::loudness {
namespace {

constexpr double kAbsoluteGateLufs = -70.0;
constexpr double kRelativeGateLu = -10.0;     // integrated (BS.1770-4)
constexpr double kLraRelativeGateLu = -20.0;  // loudness range (Tech 3342)

double toDb(double linear) { return linear > 0.0 ? 20.0 * std::log10(linear) : kSilenceLufs; }

// Gated mean of `energies`: absolute gate, then a relative gate `relativeLu` below the mean of
// what passed. Returns the surviving energies.
std::vector<double> gate(const std::vector<double>& energies, double relativeLu) {
  std::vector<double> passed;
  for (double e : energies) {
    if (energyToLufs(e) > kAbsoluteGateLufs) passed.push_back(e);
  }
  if (passed.empty()) return passed;
  double mean =
      std::accumulate(passed.begin(), passed.end(), 0.0) / static_cast<double>(passed.size());
  double threshold = energyToLufs(mean) + relativeLu;
  std::vector<double> out;
  for (double e : passed) {
    if (energyToLufs(e) > threshold) out.push_back(e);
  }
  return out;
}

}  // namespace

double energyToLufs(double meanSquare) {
  return meanSquare > 0.0 ? -0.691 + 10.0 * std::log10(meanSquare) : kSilenceLufs;
}

double channelWeight(double azimuthDeg, double elevationDeg, bool lfe) {
  if (lfe) return 0.0;
  double az = std::abs(std::remainder(azimuthDeg, 360.0));
  if (std::abs(elevationDeg) < 30.0 && az >= 60.0 && az <= 120.0) return 1.41;
  return 1.0;
}

LoudnessMeter::LoudnessMeter(double sampleRate, std::vector<double> channelWeights, bool truePeak)
    : sampleRate_(sampleRate),
      weights_(std::move(channelWeights)),
      samplePeak_(weights_.size(), 0.0),
      truePeak_(weights_.size(), 0.0),
      subBlockFrames_(static_cast<std::int64_t>(std::llround(sampleRate / 10.0))),
      channelSums_(weights_.size(), 0.0) {
  if (weights_.empty()) throw std::invalid_argument("LoudnessMeter needs at least one channel");
  for (std::size_t c = 0; c < weights_.size(); ++c) {
    filters_.emplace_back(sampleRate);
    if (truePeak) truePeaks_.emplace_back(sampleRate);
  }
}

void LoudnessMeter::addFrames(std::span<const float> planar, std::int64_t stride,
                              std::int64_t numFrames) {
  const std::size_t nc = weights_.size();
  std::vector<KWeighting*> filters;
  std::vector<const float*> inputs;
  std::vector<std::size_t> active;
  std::vector<double> sums;
  std::int64_t i = 0;
  while (i < numFrames) {
    const std::int64_t run = std::min(numFrames - i, subBlockFrames_ - inSubBlock_);
    filters.clear();
    inputs.clear();
    active.clear();
    sums.clear();
    for (std::size_t c = 0; c < nc; ++c) {
      const float* x = &planar[c * stride + i];
      const double peak = std::max(samplePeak_[c], static_cast<double>(largestMagnitude(x, run)));
      samplePeak_[c] = peak;
      // Silence into a filter at rest stays exactly zero: skip it (unused speakers of a stem).
      if (peak == 0.0 && filters_[c].atRest()) {
        if (!truePeaks_.empty()) truePeak_[c] = truePeaks_[c].processRun(x, run, truePeak_[c]);
        continue;
      }
      filters.push_back(&filters_[c]);
      inputs.push_back(x);
      active.push_back(c);
      sums.push_back(channelSums_[c]);
    }
    KWeighting::processChannels(filters.data(), inputs.data(), static_cast<int>(active.size()), run,
                                sums.data());
    for (std::size_t a = 0; a < active.size(); ++a) {
      const std::size_t c = active[a];
      channelSums_[c] = sums[a];
      if (truePeaks_.empty()) continue;
      // The reported true peak is at least the sample peak, so stretches whose interpolation
      // bound stays under it need no interpolation.
      truePeak_[c] =
          std::max(truePeaks_[c].processRun(inputs[a], run, std::max(truePeak_[c], samplePeak_[c])),
                   samplePeak_[c]);
    }
    i += run;
    inSubBlock_ += run;
    if (inSubBlock_ == subBlockFrames_) closeSubBlock();
  }
}

void LoudnessMeter::recordSubBlocks() {
  if (inSubBlock_ != 0) throw std::logic_error("recordSubBlocks off the 100 ms grid");
  recording_ = true;
  recorded_.clear();
}

void LoudnessMeter::addSubBlockEnergies(std::span<const double> energies) {
  if (inSubBlock_ != 0) throw std::logic_error("addSubBlockEnergies off the 100 ms grid");
  for (double e : energies) closeSubBlock(e);
}

std::vector<double> LoudnessMeter::filterState() const {
  std::vector<double> state(filters_.size() * KWeighting::kStateSize);
  for (std::size_t c = 0; c < filters_.size(); ++c)
    filters_[c].state(&state[c * KWeighting::kStateSize]);
  return state;
}

void LoudnessMeter::setFilterState(std::span<const double> state) {
  if (state.size() != filters_.size() * KWeighting::kStateSize)
    throw std::invalid_argument("setFilterState: one state per channel");
  for (std::size_t c = 0; c < filters_.size(); ++c)
    filters_[c].setState(&state[c * KWeighting::kStateSize]);
}

void LoudnessMeter::closeSubBlock() {
  double energy = 0.0;
  for (std::size_t c = 0; c < weights_.size(); ++c) {
    energy += weights_[c] * channelSums_[c];
    channelSums_[c] = 0.0;
  }
  inSubBlock_ = 0;
  closeSubBlock(energy);
}

void LoudnessMeter::closeSubBlock(double energy) {
  if (recording_) recorded_.push_back(energy);
  subBlocks_[closedSubBlocks_ % kShortSubBlocks] = energy;
  ++closedSubBlocks_;
  const std::size_t n = closedSubBlocks_;
  auto windowMean = [&](std::size_t count) {  // the last `count` sub-blocks, oldest first
    double sum = 0.0;
    for (std::size_t k = n - count; k < n; ++k) sum += subBlocks_[k % kShortSubBlocks];
    return sum / static_cast<double>(count * subBlockFrames_);
  };
  momentary_ = kSilenceLufs;
  if (n >= 4) {
    const double e = windowMean(4);
    momentary_ = energyToLufs(e);
    if (momentary_ > kAbsoluteGateLufs) blockEnergies_.push_back(e);
  }
  momentaryMax_ = std::max(momentaryMax_, momentary_);
  if (n >= kShortSubBlocks) {
    const double e = windowMean(kShortSubBlocks);
    shortEnergies_.push_back(e);
    shortTermMax_ = std::max(shortTermMax_, energyToLufs(e));
  }
}

std::vector<double> LoudnessMeter::shortTermLufs() const {
  // Before the first full window: silence, as the sub-blocks so far.
  std::vector<double> out(std::min(closedSubBlocks_, kShortSubBlocks - 1), kSilenceLufs);
  for (double e : shortEnergies_) out.push_back(energyToLufs(e));
  return out;
}

double LoudnessMeter::integratedLufs() const {
  std::vector<double> passed = gate(blockEnergies_, kRelativeGateLu);
  if (passed.empty()) return kSilenceLufs;
  return energyToLufs(std::accumulate(passed.begin(), passed.end(), 0.0) /
                      static_cast<double>(passed.size()));
}

double LoudnessMeter::loudnessRangeLu() const {
  std::vector<double> passed = gate(shortEnergies_, kLraRelativeGateLu);
  if (passed.size() < 2) return 0.0;
  std::vector<double> lufs;
  for (double e : passed) lufs.push_back(energyToLufs(e));
  std::sort(lufs.begin(), lufs.end());
  auto percentile = [&](double p) {  // linear interpolation between closest ranks
    double pos = p * static_cast<double>(lufs.size() - 1);
    auto lo = static_cast<std::size_t>(std::floor(pos));
    std::size_t hi = std::min(lo + 1, lufs.size() - 1);
    return lufs[lo] + (lufs[hi] - lufs[lo]) * (pos - static_cast<double>(lo));
  };
  return percentile(0.95) - percentile(0.10);
}

LoudnessSummary LoudnessMeter::summary() const {
  LoudnessSummary s;
  s.integratedLufs = integratedLufs();
  s.loudnessRangeLu = loudnessRangeLu();
  s.momentaryMaxLufs = momentaryMax_;
  s.shortTermMaxLufs = shortTermMax_;
  double sp = 0.0, tp = 0.0;
  for (std::size_t c = 0; c < weights_.size(); ++c) {
    s.channelSamplePeakDbfs.push_back(toDb(samplePeak_[c]));
    s.channelTruePeakDbtp.push_back(toDb(truePeak_[c]));
    sp = std::max(sp, samplePeak_[c]);
    tp = std::max(tp, truePeak_[c]);
  }
  s.samplePeakDbfs = toDb(sp);
  s.truePeakDbtp = toDb(tp);
  if (truePeaks_.empty()) {
    s.truePeakDbtp = std::numeric_limits<double>::quiet_NaN();
    std::fill(s.channelTruePeakDbtp.begin(), s.channelTruePeakDbtp.end(), s.truePeakDbtp);
  }
  return s;
}

}  // namespace vkmix::loudness
