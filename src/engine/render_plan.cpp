#include "engine/render_plan.hpp"

#include <algorithm>
#include <set>
#include <thread>

#include "core/units.hpp"
#include "timeline/gains.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {
namespace {

constexpr std::int64_t kMaxChunkFrames = 1 << 20;

void pollCancel(const RenderOptions& options) {
  if (options.cancelled && options.cancelled()) throw Interrupted("render interrupted");
}

}  // namespace

int peakVoiceCount(const std::vector<PlannedVoice>& voices) {
  std::vector<std::pair<std::int64_t, int>> edges;  // (frame, +1 start / -1 end)
  for (const PlannedVoice& v : voices) {
    edges.emplace_back(v.startFrame, 1);
    edges.emplace_back(v.endFrame(), -1);
  }
  std::sort(edges.begin(), edges.end());  // at equal frames ends (-1) come first
  int sounding = 0, most = 0;
  for (const auto& [frame, delta] : edges) most = std::max(most, sounding += delta);
  return most;
}

// 8192 frames, halved (down to 1024) while the chunk's samples, voices x frames x 4 bytes, pass
// 16 MiB (512 voices x 8192). Each chunk costs a read call per voice, a submission and a wait
// per mix and a meter pass, so longer chunks are cheaper until their samples fall out of cache.
// On the 2-core lavapipe host (2026-11-30): 256 voices 0.95-1.04 s at 8192 against 1.00-1.13 s
// at 4096, 1024 voices 1.45 s at 8192, 1.52-1.59 s at 4096, 1.60-1.68 s at 1024 and
// 1.81-1.86 s at 2048 (6 KiB reads, too large for the PCM reader's window).
std::int64_t autoChunkFrames(int peakVoices) {
  std::int64_t frames = 8192;
  while (frames > 1024 && static_cast<std::int64_t>(peakVoices) * frames > 512 * 8192) frames /= 2;
  return frames;
}

RenderPlan::RenderPlan(const Session& s, const RenderOptions& options, Layout out, DryShape shape)
    : session(s),
      output(std::move(out)),
      panner(output),
      stereoPanner(*findLayout("2.0")),
      counter(s.sampleRate, options.allowShortMedia, options.warn, options.cancelled),
      prints(shape == DryShape::TrackPrints) {
  if (options.blockFrames < 0 || options.blockFrames > kMaxChunkFrames) {
    throw InputError("--block", "",
                     "must be within 1.." + std::to_string(kMaxChunkFrames) +
                         " frames (0: chosen from the session)");
  }
  if (options.tailSeconds && !(*options.tailSeconds >= 0.0 && *options.tailSeconds <= 600.0)) {
    throw InputError("--tail", "", "must be within 0..600 seconds");
  }
  counter.useRecords(options.mediaRecords);
  // Planning can take seconds (media probed, compressed files counted, IRs decoded): Ctrl-C is
  // heard between its steps too, not only between chunks.
  voices = planVoices(session, output, panner, counter, options.warn);
  pollCancel(options);
  peakVoices = peakVoiceCount(voices.voices);
  chunkFrames = options.blockFrames > 0 ? options.blockFrames : autoChunkFrames(peakVoices);
  denoised = planDenoise(session, voices);
  reverbs = planReverbs(session, output, panner, voices, options.tailSeconds, counter, !prints);
  pollCancel(options);
  endFrame = voices.endFrame + reverbs.tailFrames;
  if (session.lengthSeconds)
    endFrame = std::max(endFrame, secondsToFrames(*session.lengthSeconds, session.sampleRate));
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  backendThreads = options.backendThreads >= 0 ? options.backendThreads
                   : cores >= 4                ? std::min(15, cores - 2)
                                               : 0;
  planRange(options);
  if (options.range) restartDenoisers();
  planGroups();
  planMixers();
}

// Dry groups: the stems, each as wide as the output; or, for track prints, one group per sounding
// track and one per stem whose reverb returns need somewhere to go.
void RenderPlan::planGroups() {
  const int nc = output.numChannels();
  info = RenderPlanInfo{&output, {}, voices.stems, {}, deliverEnd - deliverStart};
  trackGroup_.assign(session.tracks.size(), -1);
  returnGroup.assign(voices.stems.size(), -1);
  if (!prints) {
    info.stems = voices.stems;
    groupChannels.assign(voices.stems.size(), nc);
    for (std::size_t s = 0; s < voices.stems.size(); ++s) returnGroup[s] = static_cast<int>(s);
    return;
  }
  for (const PlannedVoice& v : voices.voices) {
    int& g = trackGroup_[static_cast<std::size_t>(v.trackIndex)];
    if (g >= 0) continue;
    const Track& t = session.tracks[static_cast<std::size_t>(v.trackIndex)];
    // A print is a dry group: at most kMaxOutputChannels wide, so HOA up to order 3.
    if (t.type == TrackType::Hoa && (t.hoaOrder + 1) * (t.hoaOrder + 1) > kMaxOutputChannels) {
      throw InputError(session.path.string(), "tracks[" + std::to_string(v.trackIndex) + "].order",
                       "track prints (adm-export) carry HOA up to order 3 (" +
                           std::to_string(kMaxOutputChannels) + " channels)");
    }
    g = static_cast<int>(groupChannels.size());
    groupChannels.push_back(t.type == TrackType::Bed   ? findLayout(t.bedLayout)->numChannels()
                            : t.type == TrackType::Hoa ? (t.hoaOrder + 1) * (t.hoaOrder + 1)
                                                       : 1);
    info.stems.push_back(t.name);
    info.prints.push_back(PrintInfo{v.trackIndex, v.stemIndex, groupChannels.back()});
  }
  for (const ReverbInstance& inst : reverbs.instances) {
    int& g = returnGroup[static_cast<std::size_t>(inst.stem)];
    if (g >= 0) continue;
    g = static_cast<int>(groupChannels.size());
    groupChannels.push_back(nc);
    info.stems.push_back("reverb returns " + voices.stems[static_cast<std::size_t>(inst.stem)]);
    info.prints.push_back(PrintInfo{-1, inst.stem, nc});
  }
}

backend::BackendSetup RenderPlan::backendSetup() const {
  backend::BackendSetup setup{.groupChannels = groupChannels,
                              .buses = {},
                              .instanceBus = {},
                              .denoised = {},
                              .threads = backendThreads,
                              .filters = {}};
  for (const ReverbBus& bus : reverbs.buses) setup.buses.push_back(&bus.spec);
  for (const ReverbInstance& inst : reverbs.instances) setup.instanceBus.push_back(inst.bus);
  for (const DenoisedTrack& t : denoised) setup.denoised.push_back(&t.spec);
  setup.chunkFrames = chunkFrames;
  return setup;
}

RenderReport RenderPlan::reportSkeleton() const {
  RenderReport report;
  const int rate = session.sampleRate;
  for (std::size_t b = 0; b < reverbs.buses.size(); ++b) {
    const ReverbBus& bus = reverbs.buses[b];
    report.reverbs.push_back(
        ReverbReport{.name = bus.name,
                     .irChannels = static_cast<int>(bus.spec.irs.size()),
                     .irSeconds = static_cast<double>(bus.spec.maxIrFrames()) / rate,
                     .tailSeconds = static_cast<double>(bus.tailFrames) / rate,
                     .convolvers = static_cast<int>(std::count_if(
                         reverbs.instances.begin(), reverbs.instances.end(),
                         [b](const ReverbInstance& i) { return i.bus == static_cast<int>(b); })),
                     .partitionFrames = bus.spec.partitionFrames});
  }
  report.tailSeconds = static_cast<double>(reverbs.tailFrames) / rate;
  report.layout = output.name;
  for (const Speaker& sp : output.speakers) report.channelNames.push_back(sp.name);
  report.sampleRate = rate;
  report.numFrames = deliverEnd - deliverStart;
  report.durationSeconds = static_cast<double>(report.numFrames) / rate;
  report.startSeconds = static_cast<double>(deliverStart) / rate;
  report.numVoices = static_cast<int>(voices.voices.size());
  report.peakVoices = peakVoices;
  report.blockFrames = chunkFrames;
  return report;
}

void RenderPlan::checkRecordedMedia() const {
  const int rate = session.sampleRate;
  std::set<std::filesystem::path> checked;  // a file of many clips is looked at once
  const auto check = [&](const std::filesystem::path& file) {
    if (checked.insert(file).second) counter.checkUnchanged(file);
  };
  for (const Reverb& rv : session.reverbs) check(rv.resolvedIr);
  // A denoised track plays its clips from its own start to its read point, plus the denoiser's
  // look-ahead and one chunk it pumps ahead.
  const dsp::StftShape shape = dsp::stftShapeFor(rate);
  const std::int64_t ahead = shape.latency() + shape.chunkFrames();
  for (const DenoisedTrack& t : denoised) {
    const Denoise& d = *session.tracks[static_cast<std::size_t>(t.trackIndex)].denoise;
    if (!d.learnStartSeconds || !d.learnEndSeconds) continue;
    // planDenoise read the learn range (and its pre-roll) to learn the profile.
    const std::int64_t to = secondsToFrames(*d.learnEndSeconds, rate);
    const std::int64_t from = secondsToFrames(*d.learnStartSeconds, rate);
    const std::int64_t preroll = learnPreroll(from, rate);
    for (const PlannedVoice& v : t.inputs)
      if (v.startFrame < to && v.endFrame() > from - preroll)
        check(voices.clips[static_cast<std::size_t>(v.clipIndex)].file);
  }
  for (const PlannedVoice& v : voices.voices) {
    if (v.startFrame >= loopEnd || v.endFrame() <= loopStart) continue;
    const PlannedClip& c = voices.clips[static_cast<std::size_t>(v.clipIndex)];
    if (c.denoised < 0) {
      check(c.file);
      continue;
    }
    const DenoisedTrack& t = denoised[static_cast<std::size_t>(c.denoised)];
    for (const PlannedVoice& in : t.inputs)
      if (in.startFrame < loopEnd + ahead && in.endFrame() > t.startFrame)
        check(voices.clips[static_cast<std::size_t>(in.clipIndex)].file);
  }
}

void RenderPlan::releaseIrSamples() {
  for (ReverbBus& bus : reverbs.buses) std::vector<std::vector<float>>().swap(bus.spec.irs);
}

}  // namespace vkmix::engine
