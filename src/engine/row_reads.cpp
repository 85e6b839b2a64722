#include "engine/row_reads.hpp"

#include <algorithm>
#include <bit>

#include "engine/row_kernels.hpp"

namespace vkmix::engine {

bool FadeCurves::curves(const dsp::VoiceParams& v, const std::vector<double>*& in,
                        const std::vector<double>*& out) {
  const std::pair<std::int32_t, std::uint32_t> inKey{std::max(v.fadeInFrames, 0),
                                                     std::bit_cast<std::uint32_t>(v.fadeInShape)};
  const std::pair<std::int32_t, std::uint32_t> outKey{std::max(v.fadeOutFrames, 0),
                                                      std::bit_cast<std::uint32_t>(v.fadeOutShape)};
  auto inAt = curves_.find(inKey);
  auto outAt = curves_.find(outKey);
  if (inAt == curves_.end() || outAt == curves_.end()) {
    std::size_t adds = 0;
    if (inAt == curves_.end()) adds += static_cast<std::size_t>(inKey.first);
    if (outAt == curves_.end() && outKey != inKey) adds += static_cast<std::size_t>(outKey.first);
    if (adds > kMaxValues) return false;
    if (values_ + adds > kMaxValues) {
      curves_.clear();
      values_ = 0;
    }
    for (const auto& key : {inKey, outKey}) {
      auto [at, fresh] = curves_.try_emplace(key);
      if (!fresh) continue;
      dsp::fadeCurveTable(key.first, std::bit_cast<float>(key.second), at->second);
      values_ += at->second.size();
    }
    inAt = curves_.find(inKey);
    outAt = curves_.find(outKey);
  }
  in = &inAt->second;
  out = &outAt->second;
  return true;
}

void FadeCurves::envelopeRow(const dsp::VoiceParams& v, float* env, std::size_t n) {
  const std::vector<double>* in = nullptr;
  const std::vector<double>* out = nullptr;
  if (curves(v, in, out)) {
    dsp::envelopeRowFromCurves(v, *in, *out, env, n);
  } else {
    dsp::envelopeRow(v, env, n);
  }
}

// Row `row` (`stride` floats): its clip's frames [from, to) read (a plain row's scaled by `gain`
// as the source reads them), zeros around them, times `envelope` (null: a plain row), the bits
// applyEnvelope gives.
void readRow(SampleSource& source, int channel, std::int64_t clipFrame, std::int64_t from,
             std::int64_t to, std::int64_t stride, float* row, float gain, const float* envelope) {
  std::fill(row, row + from, 0.0f);
  if (to > from && envelope == nullptr) {
    source.readScaled(channel, clipFrame + from, to - from, row + from, gain);
  } else if (to > from) {
    source.read(channel, clipFrame + from, to - from, row + from);
  }
  std::fill(row + to, row + stride, 0.0f);
  if (envelope != nullptr) multiplyRow(row, envelope, stride);
}

void RowReads::run() {
  for (const Envelope& e : pending) {
    if (fades != nullptr) {
      fades->envelopeRow(e.voice, envelopes.data() + e.offset, e.frames);
    } else {
      dsp::envelopeRow(e.voice, envelopes.data() + e.offset, e.frames);
    }
  }
  for (const Row& r : rows)
    readRow(*r.source, r.channel, r.clipFrame, r.from, r.to, r.stride, r.row, r.gain,
            r.envelope < 0 ? nullptr : envelopes.data() + r.envelope);
}

}  // namespace vkmix::engine
