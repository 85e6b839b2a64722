#include "engine/reverb_framing.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "core/assert.hpp"
#include "engine/finite_check.hpp"

namespace vkmix::engine {

ReverbFraming::ReverbFraming(const RenderPlan& plan, backend::Backend& backend)
    : plan_(plan), backend_(backend), taken_(plan.loopStart) {
  for (int channels : plan.groupChannels) dry_.emplace_back(channels);
  const int nc = plan.output.numChannels();
  for (const ReverbInstance& inst : plan.reverbs.instances) {
    const ReverbBus& bus = plan.reverbs.buses[static_cast<std::size_t>(inst.bus)];
    sendIn_.emplace_back(bus.spec.numInputs);
    // A return holds only the speakers some output of its bus feeds (a mono room feeds one or
    // few of 12); the others would be zeros. One channel at least, so the FIFO counts frames.
    std::vector<int> live;
    for (int c = 0; c < nc; ++c) {
      const bool fed = std::any_of(bus.returnGains.begin(), bus.returnGains.end(),
                                   [&](auto& g) { return g[static_cast<std::size_t>(c)] != 0.0f; });
      if (fed || (c == nc - 1 && live.empty())) live.push_back(c);
    }
    returns_.emplace_back(static_cast<int>(live.size()));
    returnChannels_.push_back(std::move(live));
  }
}

void ReverbFraming::addDry(std::size_t group, std::span<const float> rows, std::int64_t stride,
                           std::int64_t n) {
  dry_[group].append(rows, stride, n);
}

void ReverbFraming::addSend(std::size_t instance, std::span<const float> rows, std::int64_t stride,
                            std::int64_t n) {
  sendIn_[instance].append(rows, stride, n);
  runPartitions(instance, false);
}

void ReverbFraming::flush() {
  for (std::size_t k = 0; k < sendIn_.size(); ++k) runPartitions(k, true);
}

void ReverbFraming::runPartitions(std::size_t k, bool flush) {
  const int busIndex = plan_.reverbs.instances[k].bus;
  const ReverbBus& bus = plan_.reverbs.buses[static_cast<std::size_t>(busIndex)];
  const std::string& name = bus.name;
  const std::string sessionFile = plan_.session.path.string();
  const std::int64_t span = bus.spec.partitionFrames * backend_.convolverBatch(k);
  const auto outs = static_cast<std::int64_t>(bus.spec.outputs.size());
  while (sendIn_[k].frames() >= span || (flush && sendIn_[k].frames() > 0)) {
    convIn_.resize(static_cast<std::size_t>(bus.spec.numInputs * span));
    const std::int64_t take = std::min(span, sendIn_[k].frames());
    sendIn_[k].read(convIn_, span, take);
    for (int i = 0; take < span && i < bus.spec.numInputs; ++i)  // the render's end: zeros past it
      std::fill_n(convIn_.begin() + i * span + take, span - take, 0.0f);
    sendIn_[k].consume(take);
    convOut_.resize(static_cast<std::size_t>(outs * span));  // convolve() writes every sample
    requireWithinFftRange(convIn_, "the send to reverb \"" + name + "\"", sessionFile);
    // Read where the backend holds them (output o's frame i: data[o * span + i] times scale,
    // the float convolve() would write).
    const backend::Backend::Convolved conv = backend_.convolveView(k, convIn_, convOut_);
    const float scale = conv.scale;
    const std::int64_t outputStart = taken_ + returns_[k].frames();
    // The returns: each output times its speaker gains, summed into silence in the FIFO. The
    // outputs are checked for overflow as they are first read (a pass over megabytes fewer), an
    // output feeding no speaker on its own; a non-finite one stops the render before its frames
    // are handed on.
    // Each speaker's frames are 0 plus its outputs' terms in output order; the first term is
    // written as 0 + term rather than added to zeros written first, the same bits.
    returns_[k].appendUnset(take);
    const std::vector<int>& live = returnChannels_[k];
    std::uint32_t largest = 0;
    checked_.assign(static_cast<std::size_t>(outs), 0);
    for (std::size_t r = 0; r < live.size(); ++r) {
      float* to = returns_[k].lastFrames(static_cast<int>(r), take);
      bool first = true;
      for (std::int64_t o = 0; o < outs; ++o) {
        const float g =
            bus.returnGains[static_cast<std::size_t>(o)][static_cast<std::size_t>(live[r])];
        if (g == 0.0f) continue;
        const float* from = conv.data + o * span;
        char& checked = checked_[static_cast<std::size_t>(o)];
        if (bus.returnShift != 0) {
          const int shift = bus.returnShift;
          if (first) {
            for (std::int64_t i = 0; i < take; ++i)
              to[i] = 0.0f + std::ldexp(g * (from[i] * scale), shift);
          } else {
            for (std::int64_t i = 0; i < take; ++i)
              to[i] += std::ldexp(g * (from[i] * scale), shift);
          }
        } else if (checked == 0) {
          largest = std::max(largest, addGainedRowChecked(to, from, g, scale, take, first));
          checked = 1;
        } else {
          addGainedRow(to, from, g, scale, take, first);
        }
        first = false;
      }
      if (first) std::fill_n(to, take, 0.0f);
    }
    for (std::int64_t o = 0; o < outs; ++o) {
      if (checked_[static_cast<std::size_t>(o)] != 0) continue;
      largest = std::max(largest, largestScaledBits(conv.data + o * span, scale, take));
    }
    if (largest >= kInfinityBits) {
      // Which frame overflowed, from the outputs as convolve() gives them.
      if (conv.data != convOut_.data()) {
        for (std::size_t i = 0; i < convOut_.size(); ++i) convOut_[i] = conv.data[i] * scale;
      }
      requireFinite(convOut_, static_cast<int>(outs), span, take, "reverb \"" + name + "\"",
                    outputStart, plan_.session.sampleRate, sessionFile);
    }
  }
}

std::int64_t ReverbFraming::ready() const {
  std::int64_t ready = dry_.empty() ? 0 : dry_[0].frames();
  for (const PlanarFifo& r : returns_) ready = std::min(ready, r.frames());
  return ready;
}

std::uint32_t ReverbFraming::take(std::int64_t n, std::int64_t stride,
                                  std::vector<std::vector<float>>& stems, std::vector<float>* mix) {
  const auto& instances = plan_.reverbs.instances;
  const int nc = plan_.output.numChannels();
  if (mix != nullptr) mix->resize(static_cast<std::size_t>(nc * stride));
  std::uint32_t largest = 0;
  for (std::size_t s = 0; s < dry_.size(); ++s) {
    // Only the row padding past n needs zeros: read() writes the frames before it.
    const int channels = plan_.groupChannels[s];
    stems[s].resize(static_cast<std::size_t>(channels * stride));
    // Each speaker's frames: the dry group's, plus each joining return that feeds it, in
    // instance order. A speaker a joining return does not feed had zeros added to it: x + 0 is x
    // but for -0, which becomes +0, the same wherever in the sum it happens and however often
    // (an exact cancellation gives +0 too), so one + 0, last, gives the bits. (A return spans
    // the output's channels: a group's channels past them get nothing.) The first term is added
    // as the dry frames are copied, the sums in the same order as term by term.
    const int returned = std::min(channels, plan_.output.numChannels());
    feeds_.assign(static_cast<std::size_t>(channels), {});
    std::vector<char> unfed(static_cast<std::size_t>(returned), 0);
    for (std::size_t k = 0; k < instances.size(); ++k) {
      if (plan_.returnGroup[static_cast<std::size_t>(instances[k].stem)] != static_cast<int>(s))
        continue;
      const std::vector<int>& live = returnChannels_[k];
      std::vector<char> fed(static_cast<std::size_t>(returned), 0);
      for (std::size_t r = 0; r < live.size(); ++r) {
        VKMIX_ASSERT(live[r] < returned, "a return joins a group of the output's channels");
        fed[static_cast<std::size_t>(live[r])] = 1;
        feeds_[static_cast<std::size_t>(live[r])].push_back(
            returns_[k].channel(static_cast<int>(r)));
      }
      for (std::size_t c = 0; c < fed.size(); ++c) unfed[c] |= static_cast<char>(fed[c] == 0);
    }
    for (int c = 0; c < channels; ++c) {
      float* d = stems[s].data() + c * stride;
      const float* dry = dry_[s].channel(c);
      const std::vector<const float*>& terms = feeds_[static_cast<std::size_t>(c)];
      if (terms.empty()) {
        std::copy_n(dry, n, d);
      } else {
        sumRows(d, dry, terms[0], n);
      }
      for (std::size_t t = 1; t < terms.size(); ++t) addRow(d, terms[t], n);
      if (c < returned && unfed[static_cast<std::size_t>(c)] != 0) addZero(d, n);
      std::fill(d + n, d + stride, 0.0f);  // the row's padding
      if (mix != nullptr) {
        VKMIX_ASSERT(channels == nc, "a mix is summed from stems of the output's channels");
        largest = std::max(largest, sumStemRow(mix->data() + c * stride, d, stride, n, s == 0,
                                               s + 1 == dry_.size()));
      }
    }
    dry_[s].consume(n);
  }
  for (PlanarFifo& r : returns_) r.consume(n);
  taken_ += n;
  return largest;
}

}  // namespace vkmix::engine
