#include "engine/renderer.hpp"

#include <chrono>
#include <deque>
#include <memory>

#include "backend/backend.hpp"
#include "binaural/virtual_speakers.hpp"
#include "core/thread_cpu.hpp"
#include "engine/binaural_render.hpp"
#include "engine/chunk_collect.hpp"
#include "engine/chunk_start.hpp"
#include "engine/render_plan.hpp"
#include "layout/layout_file.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {

Layout outputLayout(const Session& session, const RenderOptions& options) {
  if (isBinauralRender(session, options)) return binaural::binauralLayout();
  if (options.layout.empty())
    return layout::resolveLayout(session.layout, session.path.string(), "layout");
  return layout::resolveLayout(options.layout, "--layout", "");
}

// The driver: a plan, a backend made for it, and the chunks of the timeline through both. Chunk
// k's mixes are started before chunk k - (kInFlight - 1)'s are collected, so reading one chunk
// overlaps the backend mixing those before; collection keeps the order, so the reverbs and the
// sink see exactly what a chunk-at-a-time loop gives them.
RenderReport renderBlocks(const Session& session, const RenderOptions& options,
                          const std::function<void(const RenderPlanInfo&)>& onPlan,
                          const BlockSink& sink, DryShape shape, BackendStage* stage) {
  if (stage == nullptr && isBinauralRender(session, options))
    return renderBinauralBlocks(session, options, onPlan, sink, shape);
  const auto wallStart = std::chrono::steady_clock::now();
  restartThreadCpu();
  const double hostCpuStart = accountedCpuSeconds();
  const auto pollCancel = [&options] {
    if (options.cancelled && options.cancelled()) throw Interrupted("render interrupted");
  };
  Layout output = outputLayout(session, options);
  // The device comes up (instance, driver, and on lavapipe an LLVM compile) on its own thread
  // while the session is planned; a planning error is reported first.
  backend::DeviceStart device(options.device, options.validation, output.numChannels());
  RenderPlan plan(session, options, std::move(output), shape);
  plan.checkRecordedMedia();
  if (onPlan) onPlan(plan.info);
  std::unique_ptr<backend::Backend> backend;  // outlives the starter's workers, which use it
  ChunkStarter starter(plan, options);        // the first chunk's files open meanwhile
  pollCancel();
  backend::BackendSetup setup = plan.backendSetup();
  if (stage != nullptr) setup.filters = stage->convolutions();
  backend = device.make(setup);
  starter.attach(*backend);
  if (stage != nullptr) stage->attach(*backend, plan.reverbs.instances.size());
  pollCancel();
  RenderReport report = plan.reportSkeleton();
  plan.releaseIrSamples();
  report.device = backend->deviceName();

  // The loop's clock starts at its first chunk: planning and the device's set-up (pipelines,
  // FFT plans) happen once a render, whatever its length, and count in the host's CPU only.
  const double loopCpuStart = threadCpuSeconds();
  // A device that mixes leaves the loop's thread recording and collecting; what follows each
  // chunk's collection (sums, the sink) goes to a thread of its own, unless the sink calls the
  // backend (a stage's filters).
  ChunkCollector collector(plan, *backend, sink, options.progress,
                           stage == nullptr && backend->mixesOnDevice());
  std::deque<StartedChunk> started;
  std::int64_t chunks = 0;
  for (std::int64_t at = plan.loopStart; at < plan.loopEnd; at += plan.chunkFrames, ++chunks) {
    pollCancel();
    started.push_back(starter.start(at, std::min(plan.chunkFrames, plan.loopEnd - at)));
    if (started.size() >= static_cast<std::size_t>(backend::Backend::kInFlight)) {
      collector.collect(started.front());
      started.pop_front();
    }
  }
  for (; !started.empty(); started.pop_front()) collector.collect(started.front());
  collector.finish();
  if (stage != nullptr) stage->finish();
  if (options.progress) options.progress(report.durationSeconds, report.durationSeconds);

  report.validationErrors = backend->validationErrors();
  backend->fill(report.backend);
  report.backend.chunkFrames = plan.chunkFrames;
  report.backend.chunks = chunks;
  report.backend.stageSeconds["read"] += starter.readSeconds();
  accountThreadCpu();
  report.backend.loopCpuSeconds = threadCpuSeconds() - loopCpuStart;
  report.backend.hostCpuSeconds = accountedCpuSeconds() - hostCpuStart;
  report.wallSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
  return report;
}

}  // namespace vkmix::engine
