#include "farm/farm.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/assert.hpp"
#include "engine/binaural_render.hpp"
#include "engine/deliver.hpp"
#include "engine/delivery.hpp"
#include "engine/render_plan.hpp"
#include "engine/render_replay.hpp"
#include "engine/renderer.hpp"
#include "io/atomic_file.hpp"
#include "io/output_guard.hpp"
#include "loudness/meter.hpp"
#include "vkmix/error.hpp"

namespace vkmix::farm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::int64_t subBlockFrames(int sampleRate) {
  return static_cast<std::int64_t>(std::llround(sampleRate / 10.0));
}

std::string indexName(int index) {
  char name[16];
  std::snprintf(name, sizeof name, "%03d", index);
  return name;
}

// The meters a segment runs: the mix, then each stem (the reference a join normalises to is one
// of them).
struct SegmentMeters {
  std::vector<std::string> names;
  std::vector<loudness::LoudnessMeter> meters;
  std::vector<std::vector<double>> startStates;

  void add(const engine::RenderedBlock& b, std::int64_t from, std::int64_t n) {
    const auto at = static_cast<std::size_t>(from);
    meters[0].addFrames(b.mix.subspan(at), b.stride, n);
    for (std::size_t s = 0; s < b.stems.size(); ++s)
      meters[1 + s].addFrames(b.stems[s].subspan(at), b.stride, n);
  }
  void startRecording() {
    for (loudness::LoudnessMeter& m : meters) {
      m.recordSubBlocks();
      startStates.push_back(m.filterState());
    }
  }
};

// Frames [from, from + n) of a block as a block of their own (contiguous, stride n).
struct BlockPart {
  std::vector<std::vector<float>> stems;
  std::vector<float> mix;
  engine::RenderedBlock block;

  BlockPart(const engine::RenderedBlock& b, std::int64_t from, std::int64_t n, int channels) {
    for (const std::span<const float>& stem : b.stems) {
      std::vector<float>& part = stems.emplace_back(static_cast<std::size_t>(n * channels));
      for (int c = 0; c < channels; ++c)
        std::copy_n(stem.begin() + c * b.stride + from, n, part.begin() + c * n);
    }
    for (const std::vector<float>& s : stems) block.stems.emplace_back(s);
    engine::sumStems(block.stems, static_cast<std::size_t>(n * channels), mix);
    block.mix = mix;
    block.stride = n;
    block.numFrames = n;
  }
};

json readJson(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError(file.string(), "", "cannot be read");
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw InputError(file.string(), "", std::string("is not valid JSON: ") + e.what());
  }
}

void writeJsonAtomically(const json& j, const fs::path& file) {
  io::AtomicFile out(file);
  {
    std::ofstream o(out.tempPath());
    o << j.dump(1) << "\n";
    o.close();
    if (!o) throw IoError(file.string() + ": cannot write");
  }
  out.commit();
}

// A segment's sidecar, as the join reads it.
struct Sidecar {
  Segment segment;
  std::string device;
  double wallSeconds = 0.0;
  std::string backend;
  std::int64_t chunks = 0;
  std::vector<std::string> stems;
  struct Meter {
    std::string name;
    std::vector<double> startState, endState, subBlocks;
  };
  std::vector<Meter> meters;
};

Sidecar readSidecar(const fs::path& dir, int index) {
  const fs::path file = segmentSidecarPath(dir, index);
  if (!fs::exists(file))
    throw InputError(dir.string(), "segment " + std::to_string(index),
                     "has not finished (no " + file.filename().string() +
                         "): see 'vkmix farm "
                         "status', and 'vkmix farm submit --resume' to render it");
  const json j = readJson(file);
  Sidecar s;
  try {
    s.segment = {j.at("start").get<std::int64_t>(), j.at("end").get<std::int64_t>()};
    s.device = j.at("device").get<std::string>();
    s.wallSeconds = j.value("wallSeconds", 0.0);
    s.backend = j.value("backend", std::string());
    s.chunks = j.value("chunks", std::int64_t{0});
    s.stems = j.at("stems").get<std::vector<std::string>>();
    for (const json& m : j.at("meters")) {
      s.meters.push_back({m.at("name").get<std::string>(),
                          m.at("startState").get<std::vector<double>>(),
                          m.at("endState").get<std::vector<double>>(),
                          m.at("subBlocks").get<std::vector<double>>()});
    }
  } catch (const json::exception& e) {
    throw InputError(file.string(), "", std::string("is not a segment sidecar: ") + e.what());
  }
  return s;
}

}  // namespace

std::int64_t renderFrames(const Session& session, const RenderOptions& options,
                          MediaRecords* media) {
  RenderOptions full = options;
  full.range.reset();
  engine::RenderPlan plan(session, full, engine::outputLayout(session, full),
                          engine::DryShape::Stems);
  if (media != nullptr) *media = plan.counter.records();
  return plan.endFrame;
}

void checkFarmable(const Session& session, const RenderOptions& options,
                   const std::string& sessionFile) {
  if (engine::isBinauralRender(session, options))
    throw InputError(options.layout.empty() ? sessionFile : "--layout",
                     options.layout.empty() ? "layout" : "binaural",
                     "a binaural render cannot be farmed (its HRIR convolution needs the frames "
                     "before each segment): farm the loudspeaker mix with --downmix "
                     "binaural=FILE, or render it on one machine");
}

void checkSegments(const std::vector<Segment>& segments, int sampleRate, const std::string& file) {
  if (!(sampleRate > 0)) throw InputError(file, "sampleRate", "must be positive");
  if (segments.empty()) throw InputError(file, "segments", "is empty");
  const std::int64_t grid = subBlockFrames(sampleRate);
  std::int64_t at = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = segments[i];
    const std::string field = "segments[" + std::to_string(i) + "]";
    if (s.start != at)
      throw InputError(file, field,
                       "starts at frame " + std::to_string(s.start) + ", not at " +
                           std::to_string(at) + " (segments tile the render, in order, no gaps)");
    if (s.end <= s.start)
      throw InputError(file, field,
                       "ends at frame " + std::to_string(s.end) + ", not after its start");
    if (i + 1 < segments.size() && s.end % grid != 0)
      throw InputError(file, field,
                       "ends at frame " + std::to_string(s.end) + ", off the 100 ms grid (" +
                           std::to_string(grid) + " frames)");
    at = s.end;
  }
}

std::vector<Segment> cutIntoSegments(std::int64_t frames, int sampleRate, int count,
                                     const std::string& field) {
  const std::int64_t grid = subBlockFrames(sampleRate);
  const std::int64_t most = std::max<std::int64_t>(1, (frames + grid - 1) / grid);
  if (count < 1 || count > most)
    throw InputError(field, std::to_string(count),
                     "must be 1.." + std::to_string(most) +
                         " (segments start on the 100 ms grid; "
                         "the render is " +
                         std::to_string(frames) + " frames)");
  std::vector<Segment> out;
  std::int64_t start = 0;
  for (int k = 1; k <= count; ++k) {
    std::int64_t end = frames;
    if (k < count) {
      const double at = static_cast<double>(frames) * k / count;
      end = std::clamp<std::int64_t>(std::llround(at / static_cast<double>(grid)) * grid,
                                     start + grid, frames - (count - k) * grid);
    }
    out.push_back({start, end});
    start = end;
  }
  return out;
}

std::vector<Segment> cutIntoSegmentsOf(std::int64_t frames, int sampleRate, double seconds,
                                       const std::string& field) {
  const std::int64_t grid = subBlockFrames(sampleRate);
  // Past the render's length a segment is the whole render: the bound keeps llround in range.
  const double bounded = std::min(seconds, static_cast<double>(frames) / sampleRate + 1.0);
  if (!(std::isfinite(seconds) && seconds >= 0.1))
    throw InputError(field, "", "must be a finite number of seconds >= 0.1");
  const std::int64_t length = std::max<std::int64_t>(
      grid, std::llround(bounded * sampleRate / static_cast<double>(grid)) * grid);
  std::vector<Segment> out;
  for (std::int64_t start = 0; start < frames; start += length)
    out.push_back({start, std::min(frames, start + length)});
  if (out.empty()) out.push_back({0, frames});
  return out;
}

fs::path segmentRenderPath(const fs::path& dir, int index) {
  return dir / "segments" / (indexName(index) + ".f32");
}

fs::path segmentSidecarPath(const fs::path& dir, int index) {
  return dir / "segments" / (indexName(index) + ".json");
}

bool segmentDone(const fs::path& dir, int index) {
  std::error_code ec;
  return fs::exists(segmentSidecarPath(dir, index), ec);
}

void renderSegment(const Session& session, const RenderOptions& options,
                   const DeliveryOptions& delivery, const fs::path& dir, int index,
                   const std::vector<Segment>& segments) {
  (void)delivery;
  if (index < 0 || index >= static_cast<int>(segments.size()))
    throw InputError(
        dir.string(), "segment",
        std::to_string(index) + " is not one of 0.." + std::to_string(segments.size() - 1));
  const Segment seg = segments[static_cast<std::size_t>(index)];
  const std::int64_t total = segments.back().end;
  const std::int64_t grid = subBlockFrames(session.sampleRate);
  const std::int64_t preRoll =
      std::min(seg.start,
               static_cast<std::int64_t>(kMeterPreRollSeconds * session.sampleRate) / grid * grid);
  const std::int64_t from = seg.start - preRoll;
  RenderOptions o = options;
  o.range.reset();
  if (from != 0 || seg.end != total) o.range = FrameRange{from, seg.end};

  const fs::path file = segmentRenderPath(dir, index);
  fs::create_directories(file.parent_path());
  // Written under a name of this process's; renamed when whole. A killed task's is cleared.
  io::removeStaleTemporaries(file);
  const fs::path temp =
      file.parent_path() / ("." + file.filename().string() + ".vkmix-" + io::temporaryOwner());
  struct RemoveTemp {
    fs::path path;
    ~RemoveTemp() {
      std::error_code ec;
      if (!path.empty()) fs::remove(path, ec);
    }
  } removeTemp{temp};

  std::unique_ptr<engine::StoredRender> stored;
  SegmentMeters meters;
  int channels = 0;
  std::vector<std::string> stems;
  std::int64_t at = from;  // the next block's first frame
  RenderReport report = engine::renderBlocks(
      session, o,
      [&](const engine::RenderPlanInfo& plan) {
        channels = plan.layout->numChannels();
        stems = plan.stems;
        engine::RenderPlanInfo full = plan;
        full.numFrames = total;
        stored = std::make_unique<engine::StoredRender>(temp, full, session.sampleRate);
        const std::vector<double> weights = engine::weightsFor(*plan.layout);
        meters.names.push_back("mix");
        meters.meters.emplace_back(session.sampleRate, weights);
        for (const std::string& s : plan.stems) {
          meters.names.push_back(s);
          meters.meters.emplace_back(session.sampleRate, weights);
        }
        if (preRoll == 0) meters.startRecording();
      },
      [&](const engine::RenderedBlock& b) {
        // The pre-roll's frames only run the meters.
        const std::int64_t warm = std::clamp<std::int64_t>(seg.start - at, 0, b.numFrames);
        if (warm > 0) {
          meters.add(b, 0, warm);
          if (at + warm == seg.start) meters.startRecording();
        }
        const std::int64_t keep = b.numFrames - warm;
        if (keep > 0) {
          meters.add(b, warm, keep);
          if (warm == 0) {
            stored->append(b);
          } else {
            stored->append(BlockPart(b, warm, keep, channels).block);
          }
        }
        at += b.numFrames;
      });
  // Only a plan.json whose segments are not this render's ends elsewhere (checkSegments and
  // the session's identity hold the rest).
  if (at != seg.end || !stored || stored->frames() != seg.end - seg.start)
    throw InputError((dir / "plan.json").string(), "segments",
                     "end at frame " + std::to_string(total) + ", but the render ends at " +
                         std::to_string(at) + ": submit the render again");
  stored->finish();
  stored.reset();

  json meterJson = json::array();
  for (std::size_t m = 0; m < meters.meters.size(); ++m) {
    const loudness::LoudnessMeter& meter = meters.meters[m];
    const loudness::LoudnessSummary summary = meter.summary();
    meterJson.push_back({{"name", meters.names[m]},
                         {"startState", meters.startStates[m]},
                         {"endState", meter.filterState()},
                         {"subBlocks", meter.recordedSubBlocks()},
                         {"truePeakDbtp", summary.truePeakDbtp},
                         {"samplePeakDbfs", summary.samplePeakDbfs}});
  }
  const json sidecar = {{"segment", index},
                        {"start", seg.start},
                        {"end", seg.end},
                        {"preRollFrames", preRoll},
                        {"sampleRate", session.sampleRate},
                        {"device", report.device},
                        {"wallSeconds", report.wallSeconds},
                        {"backend", report.backend.name},
                        {"chunks", report.backend.chunks},
                        {"stems", stems},
                        {"subBlockFrames", grid},
                        {"meters", meterJson}};
  std::error_code ec;
  fs::rename(temp, file, ec);
  if (ec)
    throw IoError(file.string() +
                  ": cannot rename the segment's render into place: " + ec.message());
  removeTemp.path.clear();
  writeJsonAtomically(sidecar, segmentSidecarPath(dir, index));
}

JoinResult joinSegments(const Session& session, const RenderOptions& options,
                        const DeliveryOptions& delivery, const fs::path& dir,
                        const std::vector<Segment>& segments) {
  const auto started = std::chrono::steady_clock::now();
  checkSegments(segments, session.sampleRate, (dir / "plan.json").string());
  RenderOptions full = options;
  full.range.reset();
  // The one-machine render's own figures (voices, reverbs, block size), from its plan.
  engine::RenderPlan plan(session, full, engine::outputLayout(session, full),
                          engine::DryShape::Stems);
  RenderReport rendered = plan.reportSkeleton();
  if (plan.endFrame != segments.back().end)
    throw InputError(
        (dir / "plan.json").string(), "segments[" + std::to_string(segments.size() - 1) + "]",
        "ends at frame " + std::to_string(segments.back().end) + ", but the render ends at " +
            std::to_string(plan.endFrame) + ": submit the render again");

  std::vector<Sidecar> sidecars;
  std::vector<std::unique_ptr<engine::StoredRender>> stored;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const int index = static_cast<int>(i);
    Sidecar s = readSidecar(dir, index);
    if (s.segment.start != segments[i].start || s.segment.end != segments[i].end ||
        s.stems != plan.info.stems)
      throw InputError(segmentSidecarPath(dir, index).string(), "",
                       "does not belong to this job's plan (another submission's?)");
    stored.push_back(
        engine::StoredRender::open(segmentRenderPath(dir, index), plan.info, session.sampleRate));
    if (stored.back()->frames() != s.segment.end - s.segment.start)
      throw InputError(segmentRenderPath(dir, index).string(), "",
                       "holds " + std::to_string(stored.back()->frames()) + " frames, not the " +
                           std::to_string(s.segment.end - s.segment.start) + " of its segment");
    sidecars.push_back(std::move(s));
  }
  rendered.device = sidecars.front().device;
  // The segments' backend figures: the render the join delivers is theirs.
  rendered.backend.name = sidecars.front().backend;
  rendered.backend.chunkFrames = rendered.blockFrames;
  for (const Sidecar& s : sidecars) rendered.backend.chunks += s.chunks;

  JoinResult result;
  std::optional<double> measured;
  if (delivery.loudnessTargetLufs) {
    // The reference's meter, rebuilt from the segments' sub-blocks. A segment whose filters did not
    // start in the state the previous one ended in is metered again from its kept render, from
    // that state: either way each sub-block is the one-machine render's, bit for bit.
    std::string name = "mix";
    if (delivery.reference == LoudnessReference::Dialogue) {
      if (std::find(plan.info.stems.begin(), plan.info.stems.end(), "dialogue") ==
          plan.info.stems.end())
        throw InputError("--loudness-reference", "",
                         "dialogue: the session has no track with stem \"dialogue\"");
      name = "dialogue";
    }
    const std::vector<double> weights = engine::weightsFor(*plan.info.layout);
    const std::size_t stem = static_cast<std::size_t>(
        std::find(plan.info.stems.begin(), plan.info.stems.end(), name) - plan.info.stems.begin());
    loudness::LoudnessMeter merged(session.sampleRate, weights);
    std::vector<double> state = merged.filterState();  // at rest: the render's first frame
    for (std::size_t i = 0; i < sidecars.size(); ++i) {
      const auto m = std::find_if(sidecars[i].meters.begin(), sidecars[i].meters.end(),
                                  [&](const Sidecar::Meter& x) { return x.name == name; });
      if (m == sidecars[i].meters.end())
        throw InputError(segmentSidecarPath(dir, static_cast<int>(i)).string(), "meters",
                         "has no meter \"" + name + "\"");
      if (m->startState == state) {
        merged.addSubBlockEnergies(m->subBlocks);
        state = m->endState;
        continue;
      }
      loudness::LoudnessMeter again(session.sampleRate, weights);
      again.setFilterState(state);
      again.recordSubBlocks();
      stored[i]->replay(
          nullptr,
          [&](const engine::RenderedBlock& b) {
            again.addFrames(name == "mix" ? b.mix : b.stems[stem], b.stride, b.numFrames);
          },
          RenderOptions{});
      merged.addSubBlockEnergies(again.recordedSubBlocks());
      state = again.filterState();
      result.remetered.push_back(static_cast<int>(i));
    }
    measured = merged.integratedLufs();
  }
  double segmentSeconds = 0.0;  // the segments' wall times, added
  for (const Sidecar& s : sidecars) segmentSeconds += s.wallSeconds;

  const double total = static_cast<double>(plan.endFrame) / session.sampleRate;
  engine::ReplayRender replay =
      [&](const std::function<void(const engine::RenderPlanInfo&)>& onPlan,
          const engine::BlockSink& sink, const RenderOptions& o) {
        if (onPlan) onPlan(plan.info);
        double before = 0.0;
        for (const auto& s : stored) {
          RenderOptions part;
          part.cancelled = o.cancelled;
          if (o.progress)
            part.progress = [&](double done, double) { o.progress(before + done, total); };
          s->replay(nullptr, sink, part);
          before += static_cast<double>(s->frames()) / session.sampleRate;
        }
      };
  result.report = engine::deliverKeptRender(session, full, delivery, measured, rendered,
                                            {{"segments", "session", segmentSeconds}}, replay);
  // What the user waits for here: the join, from its first read to its last rename.
  result.report.wallSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace vkmix::farm
