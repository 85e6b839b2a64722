// Delivering a render: one pass that renders and delivers, or, to normalise, a pass that renders,
// measures and keeps the render beside the output, then delivery passes from what it kept (the
// gain, limiters, meters and writers of engine/delivery.hpp). Every file is closed under its
// temporary name and renamed into place only when the whole render succeeded; a failure leaves
// nothing behind, the kept render included.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/parallel_for.hpp"
#include "core/thread_cpu.hpp"
#include "engine/block_pipeline.hpp"
#include "engine/deliver.hpp"
#include "engine/delivery.hpp"
#include "engine/pass_log.hpp"
#include "engine/render_replay.hpp"
#include "engine/renderer.hpp"
#include "engine/report.hpp"
#include "io/output_guard.hpp"
#include "loudness/meter.hpp"
#include "vkmix/error.hpp"

namespace vkmix {
namespace {

using engine::MadeFolder;
using engine::PassLog;

constexpr double kTargetToleranceLu = 0.05;
constexpr int kMaxDeliveryPasses = 4;  // limiting rarely needs more than one correction

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

namespace {

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

}  // namespace vkmix
