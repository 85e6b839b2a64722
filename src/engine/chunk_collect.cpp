#include "engine/chunk_collect.hpp"

#include <algorithm>

#include "core/assert.hpp"
#include "engine/finite_check.hpp"

namespace vkmix::engine {

ChunkCollector::ChunkCollector(const RenderPlan& plan, backend::Backend& backend,
                               const BlockSink& sink, Progress progress, bool aside)
    : plan_(plan),
      backend_(backend),
      sink_(sink),
      progress_(std::move(progress)),
      stemOut_(plan.groupChannels.size()),
      emitted_(plan.loopStart) {
  if (!plan.reverbs.instances.empty()) framing_ = std::make_unique<ReverbFraming>(plan, backend);
  if (aside) worker_ = std::make_unique<SerialWorker>("vkmix-collect");
}

void ChunkCollector::handOff(std::function<void()> job) {
  if (worker_) {
    worker_->post(std::move(job));
  } else {
    job();
  }
}

void ChunkCollector::settle() {
  if (worker_) worker_->wait();
}

// The backend's calls stay on the loop's thread; the chunk before's hand-on is settled first, as
// it reads the framing's FIFOs and writes the stems and the mix these calls fill. Progress is
// reported once a chunk is handed on: the loop's thread calls the callback, as it always has.
void ChunkCollector::collect(const StartedChunk& chunk) {
  settle();
  reportProgress();
  if (!framing_) {
    collectDirect(chunk);
  } else {
    // With a worker the dry groups wait in their own buffers, and go into the framing's FIFOs
    // on the worker, before it emits (the sends' FIFOs are apart: the same frames come out).
    if (worker_) {
      dryOut_.resize(plan_.mixers.size());
      dispatched_ = chunk.dispatched;
    }
    for (std::size_t m = 0; m < plan_.mixers.size(); ++m) {
      const MixerPlan& mixer = plan_.mixers[m];
      if (worker_ && mixer.dryGroup >= 0) {
        dryOut_[m].resize(static_cast<std::size_t>(mixer.channels * chunk.stride));
        if (chunk.dispatched[m]) backend_.finishMix(m, dryOut_[m]);
        continue;
      }
      // A finished mix overwrites every sample; a silent one is zeros.
      out_.resize(static_cast<std::size_t>(mixer.channels * chunk.stride));
      if (chunk.dispatched[m]) {
        backend_.finishMix(m, out_);
      } else {
        std::fill(out_.begin(), out_.end(), 0.0f);
      }
      if (mixer.dryGroup >= 0) {
        framing_->addDry(static_cast<std::size_t>(mixer.dryGroup), out_, chunk.stride,
                         chunk.numFrames);
      } else {
        framing_->addSend(static_cast<std::size_t>(mixer.instance), out_, chunk.stride,
                          chunk.numFrames);
      }
    }
    handOff([this, stride = chunk.stride, n = chunk.numFrames] {
      if (worker_) addDryGroups(stride, n);
      emit();
    });
  }
  progressDue_ = true;
}

// The dry groups collect() left in dryOut_ (a silent one: zeros), into the framing.
void ChunkCollector::addDryGroups(std::int64_t stride, std::int64_t n) {
  for (std::size_t m = 0; m < plan_.mixers.size(); ++m) {
    const MixerPlan& mixer = plan_.mixers[m];
    if (mixer.dryGroup < 0) continue;
    if (!dispatched_[m]) std::fill(dryOut_[m].begin(), dryOut_[m].end(), 0.0f);
    framing_->addDry(static_cast<std::size_t>(mixer.dryGroup), dryOut_[m], stride, n);
  }
}

void ChunkCollector::finish() {
  settle();
  reportProgress();
  if (framing_) {
    framing_->flush();
    emit();
  }
  VKMIX_ASSERT(emitted_ == plan_.loopEnd, "every rendered frame must be handed on");
}

// With no reverb to wait for, each stem's mix goes from the backend straight into the block the
// sink gets: what the framing would hand on, without its two copies. The mix is summed as each
// stem comes, while it is in cache.
void ChunkCollector::collectDirect(const StartedChunk& chunk) {
  const auto stride = static_cast<std::size_t>(chunk.stride);
  for (std::size_t s = 0; s < stemOut_.size(); ++s) {
    stemOut_[s].resize(static_cast<std::size_t>(plan_.groupChannels[s]) * stride);
    if (chunk.dispatched[s]) backend_.finishMix(s, stemOut_[s]);
  }
  handOff([this, n = chunk.numFrames, stride = chunk.stride, dispatched = chunk.dispatched] {
    sumDirect(n, stride, dispatched);
  });
}

// The stems collectDirect read back (their padding zeroed; a stem not dispatched: zeros) and
// the mix summed from them, handed on.
void ChunkCollector::sumDirect(std::int64_t frames, std::int64_t rowStride,
                               const std::vector<char>& dispatched) {
  const auto n = static_cast<std::size_t>(frames);
  const auto stride = static_cast<std::size_t>(rowStride);
  const int nc = plan_.output.numChannels();
  mixOut_.resize(plan_.prints ? 0 : static_cast<std::size_t>(nc) * stride);
  std::uint32_t largest = 0;
  for (std::size_t s = 0; s < stemOut_.size(); ++s) {
    const auto channels = static_cast<std::size_t>(plan_.groupChannels[s]);
    if (dispatched[s]) {
      for (std::size_t c = 0; c < channels; ++c)  // frames past n: zeros, as the framing gives
        std::fill_n(stemOut_[s].begin() + static_cast<std::ptrdiff_t>(c * stride + n), stride - n,
                    0.0f);
    } else {
      std::fill(stemOut_[s].begin(), stemOut_[s].end(), 0.0f);
    }
    if (plan_.prints) continue;
    VKMIX_ASSERT(channels == static_cast<std::size_t>(nc),
                 "a mix is summed from stems of the output's channels");
    for (std::size_t c = 0; c < channels; ++c)
      largest =
          std::max(largest, sumStemRow(mixOut_.data() + c * stride, stemOut_[s].data() + c * stride,
                                       rowStride, frames, s == 0, s + 1 == stemOut_.size()));
  }
  handOn(frames, rowStride, largest);
}

// Hands on what the framing holds, a chunk at a time at most: a reverb returns a whole partition
// (up to 131072 frames) at once, and chunk-sized pieces keep the stems, the mix and the
// delivery's queue small (16 channels: 0.5 MB a chunk, not 8 MB).
void ChunkCollector::emit() {
  for (std::int64_t ready = framing_->ready(); ready > 0;) {
    const std::int64_t n = std::min(ready, plan_.chunkFrames);
    const std::int64_t stride = (n + 3) / 4 * 4;
    const std::uint32_t largest =
        framing_->take(n, stride, stemOut_, plan_.prints ? nullptr : &mixOut_);
    handOn(n, stride, largest);
    ready -= n;
  }
}

void ChunkCollector::handOn(std::int64_t frames, std::int64_t stride, std::uint32_t mixLargest) {
  const int nc = plan_.output.numChannels();
  const std::string sessionFile = plan_.session.path.string();
  const int rate = plan_.session.sampleRate;
  if (plan_.prints) {
    mixOut_.clear();  // (a sink may have left a vector of its own)
  } else if (stemOut_.empty()) {
    mixOut_.assign(static_cast<std::size_t>(nc * stride), 0.0f);
  }
  rendered_.stems.clear();
  for (const std::vector<float>& stem : stemOut_) rendered_.stems.emplace_back(stem);
  // One check of what is delivered: the mix, whose overflow any stem's would become (its
  // largest magnitude came with its sum); prints have no mix, so each print is checked.
  if (!plan_.prints) {
    if (mixLargest >= kInfinityBits)
      requireFinite(mixOut_, nc, stride, frames, "the mix (the sum of the stems)", emitted_, rate,
                    sessionFile);
  } else {
    for (std::size_t s = 0; s < stemOut_.size(); ++s)
      requireFinite(stemOut_[s], plan_.groupChannels[s], stride, frames,
                    "the print of \"" + plan_.info.stems[s] + "\"", emitted_, rate, sessionFile);
  }
  // A range render's warm-up, and what it renders past the range, are not delivered.
  const std::int64_t from = std::clamp<std::int64_t>(plan_.deliverStart - emitted_, 0, frames);
  const std::int64_t to = std::clamp<std::int64_t>(plan_.deliverEnd - emitted_, from, frames);
  if (from == 0 && to == frames) {
    // The block's vectors are rewritten in full for the next one (resized, then every sample
    // written), so a sink that keeps the block may take them instead of a copy.
    const RenderedBlock::Buffers give{&mixOut_, &stemOut_};
    rendered_.mix = mixOut_;
    rendered_.stride = stride;
    rendered_.numFrames = frames;
    rendered_.give = &give;
    sink_(rendered_);
    rendered_.give = nullptr;
  } else if (to > from) {
    handOnPart(from, to - from, stride);
  }
  emitted_ += frames;
}

// Frames [from, from + n) of the block in mixOut_ and stemOut_, copied to rows of their own (a
// range's first and last blocks only).
void ChunkCollector::handOnPart(std::int64_t from, std::int64_t n, std::int64_t stride) {
  const std::int64_t partStride = (n + 3) / 4 * 4;
  auto cut = [&](const std::vector<float>& rows, int channels, std::vector<float>& part) {
    part.assign(static_cast<std::size_t>(channels * partStride), 0.0f);
    for (std::int64_t c = 0; c < channels; ++c)
      std::copy_n(rows.begin() + static_cast<std::ptrdiff_t>(c * stride + from), n,
                  part.begin() + static_cast<std::ptrdiff_t>(c * partStride));
  };
  cut(mixOut_, plan_.prints ? 0 : plan_.output.numChannels(), partMix_);
  partStems_.resize(stemOut_.size());
  rendered_.stems.clear();
  for (std::size_t s = 0; s < stemOut_.size(); ++s) {
    cut(stemOut_[s], plan_.groupChannels[s], partStems_[s]);
    rendered_.stems.emplace_back(partStems_[s]);
  }
  rendered_.mix = partMix_;
  rendered_.stride = partStride;
  rendered_.numFrames = n;
  sink_(rendered_);
}

// A range render's progress: the loop's share done, of the range's length.
void ChunkCollector::reportProgress() {
  if (!progressDue_ || !progress_) return;
  progressDue_ = false;
  const double rate = plan_.session.sampleRate;
  const double loop = static_cast<double>(plan_.loopEnd - plan_.loopStart);
  const double range = static_cast<double>(plan_.deliverEnd - plan_.deliverStart);
  progress_(static_cast<double>(emitted_ - plan_.loopStart) / loop * range / rate, range / rate);
}

}  // namespace vkmix::engine
