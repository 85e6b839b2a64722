#include "engine/chunk_start.hpp"

#include <algorithm>
#include <thread>

#include "backend/stage_clock.hpp"
#include "engine/denoise_stage.hpp"
#include "engine/finite_check.hpp"

namespace vkmix::engine {
namespace {

int cores() { return static_cast<int>(std::thread::hardware_concurrency()); }

}  // namespace

ChunkStarter::ChunkStarter(const RenderPlan& plan, const RenderOptions& options)
    : plan_(plan),
      clipSources_(plan.voices.clips, plan.session.sampleRate),
      sounding_(plan.voices.voices),
      decodeThreads_(options.decodeThreads),
      readers_(options.readThreads >= 0 ? options.readThreads
               : cores() >= 4           ? std::min(8, cores() - 2)
                                        : 0) {
  const std::int64_t first = plan.loopStart;
  const std::int64_t firstEnd = std::min(first + plan.chunkFrames, plan.loopEnd);
  for (const PlannedVoice& v : plan.voices.voices) {
    const PlannedClip& c = plan.voices.clips[static_cast<std::size_t>(v.clipIndex)];
    if (v.startFrame < firstEnd && v.endFrame() > first && c.denoised < 0 &&
        !sources_.contains(v.clipIndex))
      sources_.emplace(v.clipIndex, clipSources_.open(v.clipIndex, first));
  }
}

void ChunkStarter::attach(backend::Backend& backend) {
  backend_ = &backend;
  // Decoding ahead measured slower than decoding in the loop on 2 cores for the host backends,
  // whose loop mixes too; denoising is another matter: a backend whose tracks may run at once
  // denoises them on a worker while the loop mixes, so there is always one worker for them. A
  // backend that mixes on the device leaves the loop only recording and collecting: one worker
  // decodes for it, so the loop keeps pace with a fast device.
  int threads = decodeThreads_;
  if (threads < 0) {
    threads = std::clamp(cores() - 2, 0, 4);
    if (threads == 0 && backend.concurrentTracks() && !plan_.denoised.empty()) threads = 1;
    if (threads == 0 && backend.mixesOnDevice()) threads = 1;
  }
  decodeAhead_ = std::make_unique<DecodeAhead>(threads);
  for (std::size_t m = 0; m < plan_.mixers.size(); ++m) mixerRows_.push_back(backend.rowMemory(m));
  // The rows' reading (decoded samples scaled and enveloped into the device's memory) is per
  // sample: on a device that mixes, a thread of its own takes it from the loop, which records the
  // chunk meanwhile. Readers, where there are cores for them, share it with the loop instead.
  if (backend.mixesOnDevice() && readers_.workers() == 0) {
    rowReads_.resize(plan_.mixers.size());
    for (RowReads& r : rowReads_) r.fades = &rowFades_;
    rowWorker_ = std::make_unique<SerialWorker>("vkmix-read");
  }
}

// A clip's file streams through a ClipSource; a denoised track's signal through a DenoiseSource
// that premixes and denoises its clips on the backend: on its device, in the chunk's own work,
// for a backend that can, unless a range starts after the track does (its denoiser catches up
// from the track's start, more than a chunk's work holds; the host path keeps nothing of that).
std::unique_ptr<SampleSource> ChunkStarter::open(int clipIndex, std::int64_t fromFrame) {
  const PlannedClip& c = plan_.voices.clips[static_cast<std::size_t>(clipIndex)];
  if (c.denoised < 0) {
    auto ready = preopened_.find(clipIndex);
    if (ready != preopened_.end() && ready->second.fromFrame == fromFrame)
      return std::move(ready->second.source);
    return clipSources_.open(clipIndex, fromFrame);
  }
  const auto k = static_cast<std::size_t>(c.denoised);
  backend::Backend& backend = *backend_;
  const std::string track =
      plan_.session.tracks[static_cast<std::size_t>(plan_.denoised[k].trackIndex)].name;
  if (backend.denoisesInChunk() && fromFrame <= plan_.denoised[k].startFrame) {
    // The premix comes back after the chunk's work, for the check the host path makes first.
    return std::make_unique<DenoiseSource>(
        plan_.denoised[k], plan_.voices.clips, plan_.session.sampleRate,
        [&backend, k, track, file = plan_.session.path.string()](const dsp::MixBlock* b,
                                                                 int chunks) {
          backend.denoiseInChunk(k, b, chunks, [track, file](std::span<const float> premix) {
            requireWithinFftRange(premix, "the denoiser's input on track \"" + track + "\"", file);
          });
        },
        static_cast<int>(k));
  }
  return std::make_unique<DenoiseSource>(
      plan_.denoised[k], plan_.voices.clips, plan_.session.sampleRate,
      [&backend, k](const dsp::MixBlock& b, std::span<float> o) { backend.premix(k, b, o); },
      [&backend, k, track, file = plan_.session.path.string()](std::span<const float> i,
                                                               std::span<float> o) {
        requireWithinFftRange(i, "the denoiser's input on track \"" + track + "\"", file);
        backend.denoise(k, i, o);
      },
      backend.concurrentTracks(), fromFrame);
}

StartedChunk ChunkStarter::start(std::int64_t startFrame, std::int64_t numFrames) {
  const std::vector<PlannedVoice>& voices = plan_.voices.voices;
  StartedChunk now{numFrames, (numFrames + 3) / 4 * 4, {}};
  decodeAhead_->finish();
  sounding_.gather(startFrame, numFrames, active_, sources_,
                   [this, startFrame](int clip) { return open(clip, startFrame); });
  preopened_.clear();
  now.dispatched.assign(plan_.mixers.size(), 0);
  try {
    for (std::size_t m = 0; m < plan_.mixers.size(); ++m) {
      const MixerPlan& mixer = plan_.mixers[m];
      if (std::none_of(active_.begin(), active_.end(),
                       [&](std::size_t v) { return mixer.routing.includes(voices[v]); }))
        continue;  // a silent mix costs no dispatch
      RowReads* later = rowWorker_ ? &rowReads_[m] : nullptr;
      {
        const backend::StageClock clock(readSeconds_);
        if (later != nullptr) later->clear();
        fillBlock(block_, voices, active_, mixer.routing, sources_, mixer.channels,
                  plan_.session.sampleRate, startFrame, numFrames, mixerRows_[m], &readers_,
                  &fades_, &gridAhead_, m, later);
      }
      if (later != nullptr && !later->rows.empty()) rowWorker_->post([later] { later->run(); });
      backend_->submitMix(m, block_);
      now.dispatched[m] = 1;
    }
    // The rows are the device's to read once the chunk is submitted.
    if (rowWorker_) {
      const backend::StageClock clock(readSeconds_);
      rowWorker_->wait();
    }
  } catch (...) {
    // The rows' reads came first: an error of theirs is the one the loop would have met.
    if (rowWorker_) rowWorker_->wait();
    throw;
  }
  backend_->endChunk(numFrames, startFrame + numFrames >= plan_.loopEnd);
  closeFinished(sources_, plan_.voices.clips, startFrame + numFrames);
  // The open clips' next chunk decodes while the backend mixes this one and the loop collects
  // the one before.
  // The clips that start in the next chunk are opened, and their first frames decoded, there
  // too, after the open clips' jobs and in plan order, the order the loop would open them in (so
  // a bad file is named as it would be); the loop then takes them ready (open()). The next
  // chunk's grid points are gainsAt's on the absolute grid, whoever computes them.
  if (decodeAhead_->enabled()) {
    const std::int64_t next = startFrame + numFrames;
    const std::int64_t aheadTo = std::min(plan_.loopEnd, next + plan_.chunkFrames);
    std::vector<DecodeAhead::Job> ahead;
    for (const auto& [clip, source] : sources_)
      ahead.emplace_back(source.get(),
                         aheadTo - plan_.voices.clips[static_cast<std::size_t>(clip)].startFrame);
    std::vector<int> starting;
    if (next < plan_.loopEnd) {
      for (std::size_t v : sounding_.starting(aheadTo)) {
        const int clip = voices[v].clipIndex;
        if (voices[v].endFrame() > next &&
            plan_.voices.clips[static_cast<std::size_t>(clip)].denoised < 0 &&
            !sources_.contains(clip) &&
            std::find(starting.begin(), starting.end(), clip) == starting.end())
          starting.push_back(clip);
      }
    }
    // Then the next chunk's grid gains (moving objects panned at every grid point, with extent
    // the loop's largest cost), which its fillBlock calls take.
    std::function<void()> prepareNext;
    if (next < plan_.loopEnd) {
      prepareNext = [this, starting = std::move(starting),
                     sounding = sounding_.next(next, aheadTo - next), next, aheadTo] {
        // All opened before any is read, as the loop's gather opens them before its reads.
        for (int clip : starting)
          preopened_.emplace(clip, Preopened{next, clipSources_.open(clip, next)});
        for (int clip : starting)
          preopened_.at(clip).source->decodeAhead(
              aheadTo - plan_.voices.clips[static_cast<std::size_t>(clip)].startFrame);
        // A chunk's first grid point is the last one's final point: it is copied, not computed
        // again (the gains at a grid point are the same whichever chunk asks).
        std::map<std::tuple<std::size_t, int, int>, GridAhead::Points> before;
        before.swap(gridAhead_.kept);
        const auto [first, count] = gridPointsOf(next, aheadTo - next);
        for (std::size_t m = 0; m < plan_.mixers.size(); ++m) {
          const MixerPlan& mixer = plan_.mixers[m];
          for (std::size_t v : sounding) {
            const PlannedVoice& pv = plan_.voices.voices[v];
            if (!mixer.routing.includes(pv) || !mixer.routing.automated(pv)) continue;
            const std::tuple<std::size_t, int, int> key{m, pv.trackIndex, pv.bedChannel};
            auto [it, fresh] = gridAhead_.kept.try_emplace(key);
            if (!fresh) continue;
            GridAhead::Points& points = it->second;
            points.first = first;
            points.count = count;
            points.gains.resize(static_cast<std::size_t>(count) * kMaxOutputChannels);
            std::int64_t copied = 0;
            const auto old = before.find(key);
            if (old != before.end() && old->second.first <= first &&
                first < old->second.first + old->second.count) {
              copied = std::min(count, old->second.first + old->second.count - first);
              std::copy_n(
                  old->second.gains.begin() +
                      static_cast<std::ptrdiff_t>((first - old->second.first) * kMaxOutputChannels),
                  copied * kMaxOutputChannels, points.gains.begin());
            }
            gridGains(mixer.routing, pv, mixer.channels, plan_.session.sampleRate, first + copied,
                      count - copied, points.gains.data() + copied * kMaxOutputChannels);
          }
        }
      };
    }
    decodeAhead_->start(std::move(ahead), std::move(prepareNext));
  }
  return now;
}

}  // namespace vkmix::engine
