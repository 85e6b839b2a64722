// Filling a MixBlock: which voices of a mix take part, with what envelope and speaker gains
// (a Routing), and their samples for one block, read from the sources that stream them.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <tuple>
#include <utility>
#include <vector>

#include "backend/backend.hpp"
#include "core/parallel_for.hpp"
#include "dsp/voices/params.hpp"
#include "engine/clip_source.hpp"
#include "engine/row_reads.hpp"
#include "engine/voice_plan.hpp"

namespace vkmix::engine {

// How the voices of one mix (a stem, or the sends into a reverb instance) are gained: which voices
// take part, their envelope gain, and their speaker (or bus input) gains, static or over time.
struct Routing {
  std::function<bool(const PlannedVoice&)> includes;
  std::function<float(const PlannedVoice&)> envelopeGain;
  std::function<bool(const PlannedVoice&)> automated;
  std::function<void(const PlannedVoice&, std::array<float, kMaxOutputChannels>&)> staticGains;
  std::function<void(const PlannedVoice&, double timeSeconds, std::vector<double>&)> gainsAt;
};

using SourceMap = std::map<int, std::unique_ptr<SampleSource>>;  // clip index -> its source
using OpenSource = std::function<std::unique_ptr<SampleSource>(int clipIndex)>;
// Memory for a block's sample rows (voices x stride floats), the backend's; empty: the block
// keeps its rows itself.
using RowMemory = backend::RowMemory;

// Collects into `active` the voices sounding in [start, start + n); a voice whose clip has no
// source yet gets one from `open`.
void gatherActive(std::span<const PlannedVoice> voices, std::int64_t start, std::int64_t n,
                  std::vector<std::size_t>& active, SourceMap& sources, const OpenSource& open);

// gatherActive for a loop whose windows go forward, [start, start + n) after the last's start:
// the voices in start order, a cursor past those started, and those started but not ended, so a
// window costs its sounding voices, not the plan's thousands. The same voices, in the same
// order, with sources opened in the same order.
class ActiveVoices {
 public:
  explicit ActiveVoices(std::span<const PlannedVoice> voices);
  void gather(std::int64_t start, std::int64_t n, std::vector<std::size_t>& active,
              SourceMap& sources, const OpenSource& open);
  // After a gather: the voices that start after its window, before `end`, in plan order.
  std::vector<std::size_t> starting(std::int64_t end) const;
  // After a gather: the voices the next one, of [start, start + n), will find, in plan order.
  std::vector<std::size_t> next(std::int64_t start, std::int64_t n) const;

 private:
  std::span<const PlannedVoice> voices_;
  std::vector<std::size_t> byStart_;  // voice indices by start frame
  std::size_t next_ = 0;              // byStart_[next_] is the first voice not yet started
  std::vector<std::size_t> started_;  // started and not ended, in plan order
  std::vector<std::size_t> merged_;
};

// Gives back the sources of clips that end at or before `frame`.
void closeFinished(SourceMap& sources, const std::vector<PlannedClip>& clips, std::int64_t frame);

// An automated voice's gains on the absolute grid, as fillBlock writes them into MixBlock::grid:
// `points` points from grid point `firstPoint`, kMaxOutputChannels floats each (zeros past the
// mix's `numChannels`).
void gridGains(const Routing& routing, const PlannedVoice& voice, int numChannels, int sampleRate,
               std::int64_t firstPoint, std::int64_t points, float* out);

// The grid points a block [start, start + n) takes: its first, and how many.
std::pair<std::int64_t, std::int64_t> gridPointsOf(std::int64_t start, std::int64_t n);

// Grid gains computed ahead of the block that takes them (the next chunk's, on a decode-ahead
// worker: panning objects with extent costs the loop most): per (mixer, track, bed channel),
// the points fillBlock would compute, which it then takes instead, the same floats.
struct GridAhead {
  struct Points {
    std::int64_t first = 0, count = 0;
    std::vector<float> gains;  // count x kMaxOutputChannels
  };
  std::map<std::tuple<std::size_t, int, int>, Points> kept;
};

// Fills `block` with the voices `routing` includes among `active`, for the block at `start`,
// rows in `rows`' memory when given. Automated voices get gains on the absolute grid (every
// kGridFrames frames), shared by the voices of one (track, bed channel). Each row is read and
// given its envelope in turn, while it is in cache (the block is `enveloped`), on `pool`'s
// threads where given (rows whose source has concurrentReads(); the rest on this thread); a row
// whose source is on the device (SampleSource::onDevice) is named in block.deviceRows instead.
// With `later` and `rows`, rows whose source has concurrentReads() are appended to `later` rather
// than read (the sources must stay open until they are), and their envelopes too when every row
// is (`fades` then is not used).
void fillBlock(dsp::MixBlock& block, std::span<const PlannedVoice> voices,
               const std::vector<std::size_t>& active, const Routing& routing,
               std::map<int, std::unique_ptr<SampleSource>>& sources, int numChannels,
               int sampleRate, std::int64_t start, std::int64_t n, const RowMemory& rows = {},
               ParallelFor* pool = nullptr, FadeCurves* fades = nullptr,
               const GridAhead* ahead = nullptr, std::size_t mixer = 0, RowReads* later = nullptr);

}  // namespace vkmix::engine
