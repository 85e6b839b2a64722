#include "engine/block_fill.hpp"

#include <algorithm>
#include <bit>
#include <utility>

#include "core/assert.hpp"
#include "engine/row_kernels.hpp"

namespace vkmix::engine {

void gatherActive(std::span<const PlannedVoice> voices, std::int64_t start, std::int64_t n,
                  std::vector<std::size_t>& active, SourceMap& sources, const OpenSource& open) {
  active.clear();
  for (std::size_t v = 0; v < voices.size(); ++v) {
    const PlannedVoice& pv = voices[v];
    if (pv.startFrame < start + n && pv.endFrame() > start) {
      active.push_back(v);
      if (!sources.contains(pv.clipIndex)) sources.emplace(pv.clipIndex, open(pv.clipIndex));
    }
  }
}

ActiveVoices::ActiveVoices(std::span<const PlannedVoice> voices) : voices_(voices) {
  byStart_.resize(voices.size());
  for (std::size_t v = 0; v < voices.size(); ++v) byStart_[v] = v;
  std::stable_sort(byStart_.begin(), byStart_.end(), [&](std::size_t a, std::size_t b) {
    return voices[a].startFrame < voices[b].startFrame;
  });
}

void ActiveVoices::gather(std::int64_t start, std::int64_t n, std::vector<std::size_t>& active,
                          SourceMap& sources, const OpenSource& open) {
  // Those ended before the window go; those starting before its end join, in plan order.
  std::erase_if(started_, [&](std::size_t v) { return voices_[v].endFrame() <= start; });
  const std::size_t from = next_;
  while (next_ < byStart_.size() && voices_[byStart_[next_]].startFrame < start + n) ++next_;
  if (next_ > from) {
    const std::size_t joined = started_.size();
    for (std::size_t k = from; k < next_; ++k) {
      if (voices_[byStart_[k]].endFrame() > start) started_.push_back(byStart_[k]);
    }
    std::sort(started_.begin() + static_cast<std::ptrdiff_t>(joined), started_.end());
    std::inplace_merge(started_.begin(), started_.begin() + static_cast<std::ptrdiff_t>(joined),
                       started_.end());
  }
  active.clear();
  for (std::size_t v : started_) {
    const PlannedVoice& pv = voices_[v];
    active.push_back(v);
    if (!sources.contains(pv.clipIndex)) sources.emplace(pv.clipIndex, open(pv.clipIndex));
  }
}

std::vector<std::size_t> ActiveVoices::starting(std::int64_t end) const {
  std::vector<std::size_t> out;
  for (std::size_t k = next_; k < byStart_.size() && voices_[byStart_[k]].startFrame < end; ++k)
    out.push_back(byStart_[k]);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::size_t> ActiveVoices::next(std::int64_t start, std::int64_t n) const {
  std::vector<std::size_t> out;
  for (std::size_t v : started_)
    if (voices_[v].endFrame() > start) out.push_back(v);
  for (std::size_t k = next_; k < byStart_.size() && voices_[byStart_[k]].startFrame < start + n;
       ++k)
    if (voices_[byStart_[k]].endFrame() > start) out.push_back(byStart_[k]);
  std::sort(out.begin(), out.end());
  return out;
}

std::pair<std::int64_t, std::int64_t> gridPointsOf(std::int64_t start, std::int64_t n) {
  const std::int64_t stride = (n + 3) / 4 * 4;
  const std::int64_t phase = start % dsp::kGridFrames;
  return {start / dsp::kGridFrames, (phase + stride - 1) / dsp::kGridFrames + 2};
}

void gridGains(const Routing& routing, const PlannedVoice& voice, int numChannels, int sampleRate,
               std::int64_t firstPoint, std::int64_t points, float* out) {
  // A routing writes the same gains of the vector at every call (a mono send only the first):
  // the others stay zero.
  std::vector<double> g(static_cast<std::size_t>(numChannels), 0.0);
  for (std::int64_t k = 0; k < points; ++k) {
    routing.gainsAt(voice, static_cast<double>((firstPoint + k) * dsp::kGridFrames) / sampleRate,
                    g);
    float* point = out + k * kMaxOutputChannels;
    std::fill_n(point, kMaxOutputChannels, 0.0f);
    for (std::size_t c = 0; c < g.size(); ++c) point[c] = static_cast<float>(g[c]);
  }
}

void closeFinished(SourceMap& sources, const std::vector<PlannedClip>& clips, std::int64_t frame) {
  std::erase_if(sources, [&](const auto& entry) {
    return clips[static_cast<std::size_t>(entry.first)].endFrame <= frame;
  });
}

void fillBlock(dsp::MixBlock& block, std::span<const PlannedVoice> voices,
               const std::vector<std::size_t>& active, const Routing& routing,
               std::map<int, std::unique_ptr<SampleSource>>& sources, int numChannels,
               int sampleRate, std::int64_t start, std::int64_t n, const RowMemory& rows,
               ParallelFor* pool, FadeCurves* fades, const GridAhead* ahead, std::size_t mixer,
               RowReads* later) {
  if (!rows) later = nullptr;  // the block's own rows: read before the backend takes them
  // Static voices first, then automated ones, each in plan order: the order the mixers sum in
  // (GpuMixer's rows are then in place). A voice's kind does not depend on the block.
  std::vector<std::size_t> included;
  for (std::size_t v : active)
    if (routing.includes(voices[v]) && !routing.automated(voices[v])) included.push_back(v);
  for (std::size_t v : active)
    if (routing.includes(voices[v]) && routing.automated(voices[v])) included.push_back(v);
  const std::size_t count = included.size();
  // Every row is written in full below (samples, then zeros), so the block is not zeroed first.
  const std::int64_t stride = (n + 3) / 4 * 4;
  block.reset(numChannels, n, static_cast<std::uint32_t>(start % dsp::kGridFrames), count, false,
              rows ? rows(count, stride) : std::span<float>{});
  std::map<std::pair<int, int>, std::uint32_t> gridOf;  // (track, bed channel) -> first grid point
  const auto [firstPoint, points] = gridPointsOf(start, n);
  std::size_t a = 0;
  for (std::size_t v : included) {
    const PlannedVoice& pv = voices[v];
    dsp::VoiceParams& p = block.voices[a];
    const std::int64_t clipFrame = start - pv.startFrame;  // clip frame at block frame 0
    p.key = static_cast<std::uint32_t>(v);
    p.clipFrame = static_cast<std::int32_t>(clipFrame);
    p.clipLength = static_cast<std::int32_t>(pv.lengthFrames);
    p.fadeInFrames = pv.fadeInFrames;
    p.fadeOutFrames = pv.fadeOutFrames;
    p.gainLinear = routing.envelopeGain(pv);
    p.fadeInShape = static_cast<float>(pv.fadeInShape);
    p.fadeOutShape = static_cast<float>(pv.fadeOutShape);
    const bool inside = clipFrame >= 0 && clipFrame + block.stride <= pv.lengthFrames;
    const bool fading = clipFrame < pv.fadeInFrames ||
                        clipFrame + block.stride > pv.lengthFrames - pv.fadeOutFrames;
    p.plain = inside && !fading ? 1.0f : 0.0f;
    if (routing.automated(pv)) {
      p.moving = 1;
      auto [it, fresh] = gridOf.try_emplace({pv.trackIndex, pv.bedChannel}, 0u);
      if (fresh) {
        it->second = static_cast<std::uint32_t>(block.grid.size() / kMaxOutputChannels);
        const std::size_t base = block.grid.size();
        block.grid.resize(base + static_cast<std::size_t>(points) * kMaxOutputChannels, 0.0f);
        const GridAhead::Points* ready = nullptr;
        if (ahead != nullptr) {
          const auto found = ahead->kept.find({mixer, pv.trackIndex, pv.bedChannel});
          if (found != ahead->kept.end() && found->second.first == firstPoint &&
              found->second.count == points)
            ready = &found->second;
        }
        if (ready != nullptr) {
          std::copy(ready->gains.begin(), ready->gains.end(),
                    block.grid.begin() + static_cast<std::ptrdiff_t>(base));
        } else {
          gridGains(routing, pv, numChannels, sampleRate, firstPoint, points,
                    block.grid.data() + base);
        }
      }
      p.gridOffset = it->second;
    } else {
      std::array<float, kMaxOutputChannels> s{};
      routing.staticGains(pv, s);
      std::copy(s.begin(), s.end(), p.gains);
    }
    ++a;
  }
  // The frames of voice k's clip that fall in this block, [from, to); the rest of the row is zero.
  auto clipRange = [&](std::size_t k) {
    const std::int64_t clipFrame = block.voices[k].clipFrame;
    const std::int64_t from = std::clamp<std::int64_t>(-clipFrame, 0, n);
    return std::pair{
        from, std::clamp<std::int64_t>(voices[included[k]].sampleFrames - clipFrame, from, n)};
  };
  // Rows whose signal the backend's device holds are written there: the block names them, in
  // this thread (their sources record the work that makes the signal).
  std::vector<char> onDevice(count, 0);
  for (std::size_t k = 0; k < count; ++k) {
    const PlannedVoice& pv = voices[included[k]];
    const auto [from, to] = clipRange(k);
    const int source = sources.at(pv.clipIndex)->onDevice(block.voices[k].clipFrame + to);
    if (source < 0) continue;
    // The device applies the gain alone: a voice without fades, whose envelope that is.
    VKMIX_ASSERT(
        pv.fadeInFrames == 0 && pv.fadeOutFrames == 0 && pv.sampleFrames == pv.lengthFrames,
        "a device row's envelope is its gain");
    block.deviceRows.push_back(dsp::DeviceRow{.voice = static_cast<std::uint32_t>(k),
                                              .source = source,
                                              .channel = pv.sourceChannel,
                                              .from = from,
                                              .to = to});
    onDevice[k] = 1;
  }
  // A clip's channels share their envelope (the fades' curves cost a sine or cosine a frame):
  // each distinct envelope is evaluated once, here, before the rows are read on any thread.
  std::vector<std::size_t> envelopeOf(count, 0);
  std::vector<std::size_t> owners;  // the first row of each distinct envelope
  for (std::size_t k = 0; k < count; ++k) {
    const dsp::VoiceParams& p = block.voices[k];
    if (onDevice[k] != 0 || p.plain == 1.0f) continue;
    auto same = [&](std::size_t o) {
      const dsp::VoiceParams& q = block.voices[o];
      return q.clipFrame == p.clipFrame && q.clipLength == p.clipLength &&
             q.fadeInFrames == p.fadeInFrames && q.fadeOutFrames == p.fadeOutFrames &&
             q.fadeInShape == p.fadeInShape && q.fadeOutShape == p.fadeOutShape &&
             std::bit_cast<std::uint32_t>(q.gainLinear) ==
                 std::bit_cast<std::uint32_t>(p.gainLinear);
    };
    const auto found = std::find_if(owners.begin(), owners.end(), same);
    envelopeOf[k] = static_cast<std::size_t>(found - owners.begin());
    if (found == owners.end()) owners.push_back(k);
  }
  const auto envStride = static_cast<std::size_t>(block.stride);
  // Rows read later take their envelopes from `later`, appended after the ones it holds.
  std::vector<float> own;
  std::vector<float>& envelopes = later != nullptr ? later->envelopes : own;
  const std::size_t envBase = envelopes.size();
  envelopes.resize(envBase + owners.size() * envStride);
  // Every row read later: so are the envelopes (a sine a frame in a fade), on that thread.
  bool envelopesLater = later != nullptr;
  for (std::size_t k = 0; k < count && envelopesLater; ++k)
    envelopesLater =
        onDevice[k] != 0 || sources.at(voices[included[k]].clipIndex)->concurrentReads();
  for (std::size_t e = 0; e < owners.size(); ++e) {
    const dsp::VoiceParams& p = block.voices[owners[e]];
    float* env = envelopes.data() + envBase + e * envStride;
    if (envelopesLater) {
      later->pending.push_back({p, envBase + e * envStride, envStride});
    } else if (fades != nullptr) {
      fades->envelopeRow(p, env, envStride);
    } else {
      dsp::envelopeRow(p, env, envStride);
    }
  }
  // Each row is read and enveloped on its own, into its own memory: on the pool's threads where
  // there is one, or later, with the same bytes. A plain voice's envelope is its gain alone: the
  // source scales the samples as it reads them (the bits applyEnvelope gives), saving a pass.
  auto envelopeAt = [&](std::size_t k) -> std::ptrdiff_t {
    if (block.voices[k].plain == 1.0f) return -1;
    return static_cast<std::ptrdiff_t>(envBase + envelopeOf[k] * envStride);
  };
  auto readRowNow = [&](std::size_t k) {
    const PlannedVoice& pv = voices[included[k]];
    const dsp::VoiceParams& p = block.voices[k];
    const auto [from, to] = clipRange(k);
    const std::ptrdiff_t env = envelopeAt(k);
    readRow(*sources.at(pv.clipIndex), pv.sourceChannel, p.clipFrame, from, to, block.stride,
            block.row(k), p.gainLinear, env < 0 ? nullptr : envelopes.data() + env);
  };
  if (later != nullptr) {
    for (std::size_t k = 0; k < count; ++k) {
      if (onDevice[k] != 0) continue;
      const PlannedVoice& pv = voices[included[k]];
      SampleSource* source = sources.at(pv.clipIndex).get();
      if (!source->concurrentReads()) {
        readRowNow(k);
        continue;
      }
      const auto [from, to] = clipRange(k);
      later->rows.push_back({.source = source,
                             .channel = pv.sourceChannel,
                             .clipFrame = block.voices[k].clipFrame,
                             .from = from,
                             .to = to,
                             .stride = block.stride,
                             .row = block.row(k),
                             .gain = block.voices[k].gainLinear,
                             .envelope = envelopeAt(k)});
    }
  } else if (pool != nullptr && pool->workers() > 0) {
    std::vector<std::size_t> anyThread;  // rows whose sources take reads from any thread
    for (std::size_t k = 0; k < count; ++k) {
      if (onDevice[k] != 0) continue;
      if (sources.at(voices[included[k]].clipIndex)->concurrentReads()) {
        anyThread.push_back(k);
      } else {
        readRowNow(k);
      }
    }
    pool->run(anyThread.size(), [&](std::size_t i) { readRowNow(anyThread[i]); });
  } else {
    for (std::size_t k = 0; k < count; ++k)
      if (onDevice[k] == 0) readRowNow(k);
  }
  block.enveloped = true;
}

}  // namespace vkmix::engine
