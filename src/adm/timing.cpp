#include "adm/timing.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "adm/import.hpp"

namespace vkmix::adm {
namespace {

double gainDbOf(double linear) { return linear <= 1e-10 ? -200.0 : 20.0 * std::log10(linear); }

std::string formatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

std::vector<TimedBlock> timeBlocks(const std::vector<BlockFormat>& blocks, double objectStart,
                                   std::optional<double> objectEnd, double fileEnd,
                                   int sampleRate) {
  // Past the file there is no audio to play, whatever the metadata says.
  const double limit = std::min(objectEnd.value_or(fileEnd), fileEnd);
  const double halfSample = 0.5 / sampleRate;
  std::vector<TimedBlock> out(blocks.size());
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const BlockFormat& b = blocks[i];
    TimedBlock& tb = out[i];
    tb.block = &b;
    tb.begin = objectStart + b.rtime.value_or(0.0);
    // Blocks out of order (which BS.2127 refuses) start no earlier than the one before.
    if (i > 0) tb.begin = std::max(tb.begin, out[i - 1].begin);
  }
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const BlockFormat& b = blocks[i];
    TimedBlock& tb = out[i];
    const bool hasNext = i + 1 < blocks.size() && blocks[i + 1].rtime.has_value();
    if (b.duration) {
      tb.end = tb.begin + *b.duration;
    } else if (b.rtime && hasNext) {
      tb.end = out[i + 1].begin;
    } else {
      tb.end = limit;
    }
    if (hasNext) tb.end = std::min(tb.end, out[i + 1].begin);
    tb.end = std::max(tb.begin, std::min(tb.end, limit));
    if (i > 0 && std::abs(tb.begin - out[i - 1].end) <= halfSample) {
      tb.begin = std::max(out[i - 1].end, std::min(tb.begin, tb.end));
      tb.continues = true;
    }
    const double span = tb.end - tb.begin;
    const double wanted = b.jumpPosition ? b.interpolationLength.value_or(0.0) : span;
    tb.interpolation = tb.continues ? std::clamp(wanted, 0.0, span) : 0.0;
  }
  return out;
}

std::vector<std::pair<double, double>> soundingSpans(const std::vector<TimedBlock>& timed) {
  std::vector<std::pair<double, double>> spans;
  for (const TimedBlock& tb : timed) {
    if (tb.end <= tb.begin) continue;
    if (tb.continues && !spans.empty() && spans.back().second == tb.begin) {
      spans.back().second = tb.end;
    } else {
      spans.emplace_back(tb.begin, tb.end);
    }
  }
  return spans;
}

void keysFromBlocks(const std::vector<TimedBlock>& timed, Track& t,
                    const std::function<void(const std::string&)>& warn,
                    std::vector<std::string>* keyBlocks) {
  bool anyGain = false;
  for (const TimedBlock& tb : timed) anyGain = anyGain || tb.block->gain != 1.0;
  // A negative block gain is a polarity inversion (BS.2127 multiplies by it). A track has one
  // polarity, its clips', so it is the first block's with a gain other than 0; a block of the
  // other sign cannot be a dB gain key: it is named and plays at |gain| in that polarity.
  const BlockFormat* signBlock = nullptr;
  for (const TimedBlock& tb : timed) {
    if (tb.block->gain == 0.0) continue;
    if (signBlock == nullptr) {
      signBlock = tb.block;
    } else if ((tb.block->gain < 0.0) != (signBlock->gain < 0.0) && warn) {
      warn("audioBlockFormat " + tb.block->id + ": gain " + formatNumber(tb.block->gain) +
           " changes sign from audioBlockFormat " + signBlock->id + "'s " +
           formatNumber(signBlock->gain) +
           "; a track has one polarity, the first block's: |gain| is rendered");
    }
  }
  if (signBlock != nullptr && signBlock->gain < 0.0) {
    for (Clip& c : t.clips) c.invert = !c.invert;
  }
  const BlockFormat* previous = nullptr;
  for (const TimedBlock& tb : timed) {
    const BlockFormat& b = *tb.block;
    auto key = [&](double time, const BlockFormat& at, Interpolation how) {
      t.positionKeys.push_back(PositionKey{time, positionOf(at), how});
      if (keyBlocks != nullptr) keyBlocks->push_back(at.id);
      if (anyGain) t.gainKeys.push_back(GainKey{time, gainDbOf(std::abs(at.gain)), how});
    };
    if (previous != nullptr && tb.continues && tb.interpolation > 0.0) {
      // From where the previous block left it, over the interpolation length.
      key(tb.begin, *previous, Interpolation::Jump);
      key(tb.begin + tb.interpolation, b, Interpolation::Linear);
    } else {
      key(tb.begin, b, Interpolation::Jump);
    }
    previous = &b;
  }
  if (t.positionKeys.size() == 1) {
    t.position = t.positionKeys.front().position;
    t.positionKeys.clear();
  }
  // BS.2127 interpolates a block's gains, not its position.
  t.panInterpolation = PanInterpolation::Gains;
  if (t.gainKeys.size() == 1) {
    t.gainDb += t.gainKeys.front().gainDb;
    t.gainKeys.clear();
  }
}

}  // namespace vkmix::adm
