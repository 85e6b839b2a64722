// Delivering a render: one pass that renders and delivers, or, to normalise, a pass that renders,
// measures and keeps the render beside the output, then delivery passes from what it kept (the
// gain, limiters, meters and writers of engine/delivery.hpp). Every file is closed under its
// temporary name and renamed into place only when the whole render succeeded; a failure leaves
// nothing behind, the kept render included.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/parallel_for.hpp"
#include "core/thread_cpu.hpp"
#include "core/units.hpp"
#include "engine/binaural_render.hpp"
#include "engine/block_pipeline.hpp"
#include "engine/deliver.hpp"
#include "engine/delivery.hpp"
#include "engine/render_replay.hpp"
#include "engine/renderer.hpp"
#include "engine/report.hpp"
#include "io/output_guard.hpp"
#include "io/video_mux.hpp"
#include "io/writer.hpp"
#include "layout/downmix.hpp"
#include "loudness/limiter.hpp"
#include "loudness/meter.hpp"
#include "vkmix/error.hpp"

namespace vkmix {
namespace {

constexpr double kTargetToleranceLu = 0.05;
constexpr int kMaxDeliveryPasses = 4;  // limiting rarely needs more than one correction

io::OutputFormat resolveFormat(const DeliveryOptions& d) {
  if (d.format.empty()) return io::defaultFormatFor(d.output);
  auto parsed = io::parseOutputFormat(d.format);
  if (!parsed)
    throw InputError(
        "--format", "",
        "\"" + d.format + "\" is not one of " + io::outputFormatNames() + " (see 'vkmix formats')");
  return *parsed;
}

void checkFolder(const std::filesystem::path& file) {
  if (file.has_parent_path() && !std::filesystem::is_directory(file.parent_path())) {
    throw InputError(file.string(), "", "the output folder does not exist");
  }
}

// Pass 1 of normalisation: renders the session and measures the reference (the mix or the
// dialogue stem). `keep` (called with the plan) says where to store every block for the delivery
// passes to replay, or nullptr to store nothing. Metering and storing run on their own thread
// while the next block renders; `report` gets the render's own figures.
double measureReference(
    const Session& session, const RenderOptions& options, LoudnessReference ref,
    const std::function<engine::StoredRender*(const engine::RenderPlanInfo&)>& keep,
    RenderReport& report) {
  std::unique_ptr<loudness::LoudnessMeter> meter;
  engine::StoredRender* stored = nullptr;
  std::size_t stem = 0;
  const double cpuStart = accountedCpuSeconds();
  engine::BlockPipeline pipeline([&](const engine::RenderedBlock& b) {
    meter->addFrames(ref == LoudnessReference::Dialogue ? b.stems[stem] : b.mix, b.stride,
                     b.numFrames);
    if (stored) stored->append(b);
  });
  report = engine::renderBlocks(
      session, options,
      [&](const engine::RenderPlanInfo& plan) {
        // The integrated loudness is all this pass reads: no true peaks.
        meter = std::make_unique<loudness::LoudnessMeter>(
            session.sampleRate, engine::weightsFor(*plan.layout), /*truePeak=*/false);
        if (ref == LoudnessReference::Dialogue) {
          auto it = std::find(plan.stems.begin(), plan.stems.end(), "dialogue");
          if (it == plan.stems.end()) {
            throw InputError("--loudness-reference", "",
                             "dialogue: the session has no track with stem \"dialogue\"");
          }
          stem = static_cast<std::size_t>(it - plan.stems.begin());
        }
        stored = keep(plan);
      },
      [&](const engine::RenderedBlock& b) { pipeline.push(b); });
  pipeline.finish();
  report.backend.hostCpuSeconds = accountedCpuSeconds() - cpuStart;
  return meter->integratedLufs();
}

// The most the deliverables of `plan` take (float, uncompressed): the room a kept render must
// leave them.
std::int64_t deliveredBytesAtMost(const DeliveryOptions& d, const engine::RenderPlanInfo& plan) {
  std::int64_t channels = plan.layout->numChannels();
  if (!d.stemsDir.empty())
    channels += plan.layout->numChannels() * static_cast<std::int64_t>(plan.stems.size());
  for (const auto& [name, file] : d.downmixes)
    channels += engine::downmixLayout(name).numChannels();
  return plan.numFrames * channels * static_cast<std::int64_t>(sizeof(float));
}

std::string gigabytes(std::uintmax_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GB", static_cast<double>(bytes) / 1e9);
  return text;
}

// Where normalisation keeps its render: beside the mix, or beside another output without one.
std::filesystem::path scratchBeside(const DeliveryOptions& d) {
  if (!d.output.empty()) return d.output;
  if (!d.downmixes.empty()) return d.downmixes.front().second;
  if (!d.stemsDir.empty()) return d.stemsDir / "stems";
  return "vkmix-render";
}

}  // namespace

RenderedAudio renderToMemory(const Session& session, const RenderOptions& options) {
  RenderedAudio result;
  std::unique_ptr<loudness::LoudnessMeter> mixMeter;
  std::vector<loudness::LoudnessMeter> stemMeters;
  auto append = [](std::vector<std::vector<float>>& dst, std::span<const float> planar,
                   std::int64_t stride, std::int64_t n) {
    for (std::size_t c = 0; c < dst.size(); ++c) {
      dst[c].insert(dst[c].end(), planar.begin() + static_cast<std::ptrdiff_t>(c * stride),
                    planar.begin() + static_cast<std::ptrdiff_t>(c * stride + n));
    }
  };
  result.report = engine::renderBlocks(
      session, options,
      [&](const engine::RenderPlanInfo& plan) {
        const auto nc = static_cast<std::size_t>(plan.layout->numChannels());
        result.channels.assign(nc, {});
        result.stemNames = plan.stems;
        result.stems.assign(plan.stems.size(), std::vector<std::vector<float>>(nc));
        mixMeter = std::make_unique<loudness::LoudnessMeter>(session.sampleRate,
                                                             engine::weightsFor(*plan.layout));
        for (std::size_t s = 0; s < plan.stems.size(); ++s)
          stemMeters.emplace_back(session.sampleRate, engine::weightsFor(*plan.layout));
      },
      [&](const engine::RenderedBlock& b) {
        append(result.channels, b.mix, b.stride, b.numFrames);
        mixMeter->addFrames(b.mix, b.stride, b.numFrames);
        for (std::size_t s = 0; s < b.stems.size(); ++s) {
          append(result.stems[s], b.stems[s], b.stride, b.numFrames);
          stemMeters[s].addFrames(b.stems[s], b.stride, b.numFrames);
        }
      });
  result.report.mix = engine::loudnessFigures(*mixMeter);
  for (std::size_t s = 0; s < stemMeters.size(); ++s) {
    result.report.stems.push_back({result.stemNames[s],
                                   result.report.layout,
                                   {},
                                   engine::loudnessFigures(stemMeters[s]),
                                   std::nullopt});
  }
  return result;
}

std::string engine::binauralDownmixModesWarning(const Session& session) {
  std::vector<std::string> named;
  std::size_t others = 0;
  for (const Track& t : session.tracks) {
    // A muted track is not in the mix: its mode changes nothing.
    if (t.mute || t.binauralMode == BinauralMode::Mid) continue;
    ++others;
    if (named.size() < 3) named.push_back("\"" + t.name + "\" " + binauralModeName(t.binauralMode));
  }
  if (others == 0) return "";
  std::string list;
  for (const std::string& n : named) list += (list.empty() ? "" : ", ") + n;
  if (others > named.size()) list += ", ...";
  return "--downmix binaural: " + std::to_string(others) +
         (others == 1 ? " track asks" : " tracks ask") + " for a binauralMode other than mid (" +
         list +
         "), but a binaural downmix is of the mixed loudspeaker feeds, all in mid; render with "
         "--layout binaural to honour each track's mode";
}

io::OutputFormat engine::checkDelivery(const Session& session, const RenderOptions& options,
                                       const DeliveryOptions& delivery) {
  const io::OutputFormat format = resolveFormat(delivery);
  const Layout layout = engine::outputLayout(session, options);
  checkFolder(delivery.output);
  for (const auto& [name, file] : delivery.downmixes) {
    if (name == engine::kBinaural) {
      if (layout.name == engine::kBinauralLayout)
        throw InputError("--downmix", name,
                         options.layout.empty()
                             ? "the mix is binaural already (the session's layout is binaural)"
                             : "the mix is binaural already (--layout binaural)");
      // The HRTF is read now, so a missing or malformed file is an error before any work.
      binaural::Hrtf(engine::hrtfPath(delivery), session.sampleRate);
      if (const std::string w = binauralDownmixModesWarning(session); !w.empty() && options.warn)
        options.warn(w);
      checkFolder(file);
      if (delivery.format.empty()) io::defaultFormatFor(file);
      continue;
    }
    const Layout* to = findLayout(name);
    if (to == nullptr)
      throw InputError("--downmix", name, "unknown layout; see 'vkmix layouts' (or binaural)");
    layout::downmixMatrix(layout, *to);  // throws when there is no path
    checkFolder(file);
    if (delivery.format.empty()) io::defaultFormatFor(file);  // throws for an unknown extension
  }
  if (delivery.loudnessTargetLufs &&
      !(*delivery.loudnessTargetLufs <= 0.0 && *delivery.loudnessTargetLufs >= -60.0)) {
    throw InputError("--loudness-target", "", "must be within -60..0 LUFS");
  }
  if (!(delivery.truePeakCeilingDbtp <= 0.0 && delivery.truePeakCeilingDbtp >= -20.0)) {
    throw InputError("--true-peak-ceiling", "", "must be within -20..0 dBTP");
  }
  // A range delivers its frames alone: normalising it would measure the range, not the
  // programme, and a binaural downmix's HRIR convolution would start from silence at it.
  if (options.range && delivery.loudnessTargetLufs) {
    throw InputError("--range", "",
                     "cannot normalise a range (--loudness-target measures the whole programme)");
  }
  if (options.range && (engine::isBinauralRender(session, options) ||
                        std::any_of(delivery.downmixes.begin(), delivery.downmixes.end(),
                                    [](const auto& d) { return d.first == engine::kBinaural; }))) {
    throw InputError("--range", "",
                     "a binaural render of a range is not supported (its HRIR convolution needs "
                     "the frames before the range)");
  }
  return format;
}

namespace {

// A stems folder a render creates goes again if the render fails (when still empty).
struct MadeFolder {
  std::filesystem::path path;
  bool keep = false;
  explicit MadeFolder(const DeliveryOptions& delivery) {
    if (delivery.stemsDir.empty()) return;
    std::error_code ec;
    if (!std::filesystem::exists(delivery.stemsDir, ec)) {
      std::filesystem::create_directory(delivery.stemsDir, ec);
      if (ec)
        throw InputError(delivery.stemsDir.string(), "--stems",
                         "cannot create the stems folder: " + ec.message());
      path = delivery.stemsDir;
    }
  }
  MadeFolder(const MadeFolder&) = delete;
  MadeFolder& operator=(const MadeFolder&) = delete;
  ~MadeFolder() {
    std::error_code ec;
    if (!path.empty() && !keep) std::filesystem::remove(path, ec);
  }
};

// The passes of a render as the report lists them, announced through options.passStarted.
class PassLog {
 public:
  // `before`: the passes that precede the delivery passes (those made already, and those still
  // to come when measurePasses is more).
  PassLog(const RenderOptions& options, std::vector<RenderPass> before, int measurePasses)
      : options_(options),
        passes_(std::move(before)),
        before_(measurePasses),
        wallStart_(std::chrono::steady_clock::now()),
        passStart_(std::chrono::steady_clock::now()) {}
  // Starts pass `pass` (from 1); at least one delivery pass follows those before.
  void start(int pass, const std::string& what) {
    if (options_.passStarted) options_.passStarted(pass, std::max(pass, before_ + 1), what);
    passes_.push_back({what, "session", 0.0});
  }
  // Ends the pass started last: its source and wall time.
  void end(bool kept) {
    const auto now = std::chrono::steady_clock::now();
    passes_.back().source = kept ? "kept render" : "session";
    passes_.back().wallSeconds = std::chrono::duration<double>(now - passStart_).count();
    passStart_ = now;
  }
  int before() const { return before_; }
  const std::vector<RenderPass>& passes() const { return passes_; }
  double wallSeconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart_).count();
  }

 private:
  const RenderOptions& options_;
  std::vector<RenderPass> passes_;
  int before_;
  std::chrono::steady_clock::time_point wallStart_, passStart_;
};

// The gain that takes the reference from `measured` to the target; InputError if it is silent.
double normalisationGain(const DeliveryOptions& delivery, double measured) {
  if (measured <= -70.0)
    throw InputError("--loudness-target", "",
                     "the reference is silent; there is nothing to normalise");
  return *delivery.loudnessTargetLufs - measured;
}

// One delivery pass from a kept render: gain, limiting, metering and encoding, nothing left to
// render, so every core delivers, each block's parts (the mix, each stem) side by side. `rendered`
// has the render's own figures; hostCpuSeconds adds this pass's.
RenderReport replayInto(engine::Delivery& d, const engine::ReplayRender& replay,
                        const RenderOptions& options, const RenderReport& rendered) {
  RenderReport report = rendered;
  restartThreadCpu();
  const double cpuStart = accountedCpuSeconds();
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  std::unique_ptr<ParallelFor> parts;
  replay(
      [&](const engine::RenderPlanInfo& plan) {
        d.open(plan);
        parts = std::make_unique<ParallelFor>(
            std::clamp(cores - 1, 0, static_cast<int>(d.parts()) - 1), "vkmix-deliver");
      },
      [&](const engine::RenderedBlock& b) {
        parts->run(d.parts(), [&](std::size_t part) { d.consumePart(b, part); });
      },
      options);
  d.close();
  accountThreadCpu();
  report.backend.hostCpuSeconds =
      rendered.backend.hostCpuSeconds + accountedCpuSeconds() - cpuStart;
  return report;
}

// The delivery passes: each a Delivery at the gain, fed by `feed` (which returns the render's
// report and says whether it replayed a kept render); with a loudness target, another pass while
// the limiter leaves the mix more than 0.05 LU off it. The last pass's files are committed.
RenderReport deliverPasses(const Session& session, const DeliveryOptions& delivery,
                           io::OutputFormat format, double gainDb, PassLog& log,
                           MadeFolder& madeStems, const RenderOptions& options,
                           const std::function<RenderReport(engine::Delivery&, bool& kept)>& feed) {
  // Limiting lowers the programme's loudness a little; re-deliver with the difference made up.
  for (int attempt = 0;; ++attempt) {
    log.start(log.before() + 1 + attempt,
              attempt == 0 ? "delivering" : "delivering (limiter correction)");
    engine::Delivery d(session, delivery, format, gainDb);
    bool kept = false;
    RenderReport report = feed(d, kept);
    log.end(kept);
    report.passes = log.passes();
    d.fill(report);
    report.normalisationGainDb = gainDb;
    if (delivery.loudnessTargetLufs) {
      report.normalisation = Normalisation{*delivery.loudnessTargetLufs, delivery.reference,
                                           delivery.truePeakCeilingDbtp};
      // Every pass's time: what the user waited for.
      report.wallSeconds = log.wallSeconds();
    }
    const bool programme = delivery.reference == LoudnessReference::Programme;
    const double miss = delivery.loudnessTargetLufs && programme
                            ? *delivery.loudnessTargetLufs - report.mix.integratedLufs
                            : 0.0;
    if (std::abs(miss) <= kTargetToleranceLu || attempt == kMaxDeliveryPasses - 1) {
      if (std::abs(miss) > kTargetToleranceLu && options.warn) {
        options.warn("loudness target missed by " + std::to_string(miss) + " LU after limiting");
      }
      d.commit();
      madeStems.keep = true;
      return report;
    }
    gainDb += miss;
  }
}

}  // namespace

RenderReport engine::deliverKeptRender(const Session& session, const RenderOptions& options,
                                       const DeliveryOptions& delivery,
                                       std::optional<double> measuredLufs,
                                       const RenderReport& rendered, std::vector<RenderPass> passes,
                                       const ReplayRender& replay) {
  const io::OutputFormat format = checkDelivery(session, options, delivery);
  MadeFolder madeStems(delivery);
  const double gainDb =
      delivery.loudnessTargetLufs ? normalisationGain(delivery, measuredLufs.value()) : 0.0;
  const int before = static_cast<int>(passes.size());
  PassLog log(options, std::move(passes), before);
  return deliverPasses(session, delivery, format, gainDb, log, madeStems, options,
                       [&](engine::Delivery& d, bool& kept) {
                         kept = true;
                         return replayInto(d, replay, options, rendered);
                       });
}

RenderReport engine::renderToFile(const Session& session, const RenderOptions& options,
                                  const DeliveryOptions& delivery, DeliverFrom from) {
  const io::OutputFormat format = checkDelivery(session, options, delivery);
  MadeFolder madeStems(delivery);
  PassLog log(options, {}, delivery.loudnessTargetLufs ? 1 : 0);
  // Normalisation's render, kept beside the output for the delivery passes; declared before
  // what writes into it, it goes last, whether this returns or throws.
  std::optional<engine::ScratchFolder> scratch;
  std::unique_ptr<engine::StoredRender> stored;
  RenderReport rendered;  // the measuring pass's own figures (device, voices, backend)
  double gainDb = 0.0;
  if (delivery.loudnessTargetLufs) {
    log.start(1, "measuring");
    auto keep = [&](const engine::RenderPlanInfo& plan) -> engine::StoredRender* {
      if (from == engine::DeliverFrom::FreshRender) return nullptr;
      const std::filesystem::path beside = scratchBeside(delivery);
      io::removeStaleTemporaries(beside);  // a killed render's kept render frees its room first
      scratch.emplace(beside);
      const std::int64_t need =
          engine::storedRenderBytes(plan) + deliveredBytesAtMost(delivery, plan);
      std::error_code ec;
      const std::filesystem::space_info space = std::filesystem::space(scratch->path(), ec);
      if (!ec && static_cast<double>(space.available) < static_cast<double>(need)) {
        if (options.warn)
          options.warn(std::filesystem::absolute(beside).parent_path().string() + ": " +
                       gigabytes(space.available) + " free, too little to keep the render (" +
                       gigabytes(static_cast<std::uintmax_t>(need)) +
                       " with the deliverables): the session is rendered again to deliver");
        scratch.reset();
        return nullptr;
      }
      stored =
          std::make_unique<engine::StoredRender>(*scratch / "render.f32", plan, session.sampleRate);
      return stored.get();
    };
    const double measured = measureReference(session, options, delivery.reference, keep, rendered);
    log.end(false);
    gainDb = normalisationGain(delivery, measured);
  }
  return deliverPasses(
      session, delivery, format, gainDb, log, madeStems, options,
      [&](engine::Delivery& d, bool& kept) {
        if (stored) {
          kept = true;
          return replayInto(
              d,
              [&](const auto& onPlan, const engine::BlockSink& sink, const RenderOptions& o) {
                stored->replay(onPlan, sink, o);
              },
              options, rendered);
        }
        const double cpuStart = accountedCpuSeconds();
        // Metering, limiting and encoding of a block run on their own thread while the next
        // renders.
        engine::BlockPipeline pipeline([&](const engine::RenderedBlock& b) { d.consume(b); });
        RenderReport report = engine::renderBlocks(
            session, options, [&](const engine::RenderPlanInfo& plan) { d.open(plan); },
            [&](const engine::RenderedBlock& b) { pipeline.push(b); });
        pipeline.finish();
        d.close();
        // The delivery thread's CPU, counted as it consumed each block, is in now.
        report.backend.hostCpuSeconds = accountedCpuSeconds() - cpuStart;
        return report;
      });
}

RenderReport renderToFile(const Session& session, const RenderOptions& options,
                          const DeliveryOptions& delivery) {
  return engine::renderToFile(session, options, delivery, engine::DeliverFrom::KeptRender);
}

RenderReport renderIntoVideo(const Session& session, const RenderOptions& options,
                             const DeliveryOptions& delivery, const VideoOptions& video) {
  std::optional<io::OutputFormat> codec;
  if (video.codec == "pcm") {
    codec = io::OutputFormat::Wav24;
  } else if (video.codec == "aac") {
    codec = io::OutputFormat::Aac;
  } else if (video.codec == "eac3") {
    codec = io::OutputFormat::Eac3;
  } else if (!video.codec.empty()) {
    throw InputError("--mux-codec", "", "\"" + video.codec + "\" is not one of pcm, aac, eac3");
  }
  checkFolder(delivery.output);
  if (options.range)
    throw InputError("--range", "", "a range cannot be muxed into a picture (--video)");
  // The streams to add, checked against the picture and the container before the render.
  const Layout layout = engine::outputLayout(session, options);
  io::MuxSpec spec;
  spec.picture = video.picture;
  spec.output = delivery.output;
  spec.sampleRate = session.sampleRate;
  spec.skipFrames = secondsToFrames(session.pictureStartSeconds, session.sampleRate);
  spec.cancelled = options.cancelled;
  spec.audio.push_back({{}, layout, codec, "Mix " + layout.name, video.language});
  for (const std::string& name : video.downmixes) {
    const Layout* to = findLayout(name);
    if (to == nullptr)
      throw InputError("--mux-downmix", name, "unknown layout; see 'vkmix layouts'");
    spec.audio.push_back({{}, *to, codec, "Downmix " + name, video.language});
  }
  io::checkMux(spec);
  // Render every programme to float WAV in a work folder, then encode them into the picture.
  engine::ScratchFolder work(delivery.output);
  DeliveryOptions d = delivery;
  d.output = work / "mix.wav";
  d.format = "wav32f";
  d.stemsDir = video.stems ? work / "stems" : std::filesystem::path();
  d.downmixes.clear();
  for (const std::string& name : video.downmixes)
    d.downmixes.emplace_back(name, work / (name + ".wav"));
  RenderReport report = renderToFile(session, options, d);
  spec.audio[0].source = d.output;
  for (std::size_t k = 0; k < video.downmixes.size(); ++k)
    spec.audio[1 + k].source = work / (video.downmixes[k] + ".wav");
  if (video.stems) {  // after the mix, before the downmixes
    std::vector<io::MuxAudio> stems;
    for (const NamedLoudness& stem : report.stems)
      stems.push_back({stem.file, layout, codec, "Stem " + stem.name, video.language});
    spec.audio.insert(spec.audio.begin() + 1, stems.begin(), stems.end());
  }
  const io::MuxReport muxed = io::muxIntoVideo(spec);
  for (NamedLoudness& stem : report.stems) stem.file = video.stems ? delivery.output : "";
  for (NamedLoudness& down : report.downmixes) down.file = delivery.output;
  // One file now: its container and the codec of the mix's stream, as --mux-codec names it.
  std::string container = delivery.output.extension().string();
  std::transform(container.begin(), container.end(), container.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const io::OutputFormat mixCodec = muxed.audioCodecs.at(0);
  report.outputs = {{"video", "mix", delivery.output,
                     container.substr(container.empty() ? 0 : 1) + "/" +
                         (mixCodec == io::OutputFormat::Wav24 ? std::string("pcm")
                                                              : io::outputFormatName(mixCodec)),
                     layout.name, layout.numChannels()}};
  return report;
}

}  // namespace vkmix
