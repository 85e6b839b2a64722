#include "engine/render_plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>
#include <thread>

#include "core/units.hpp"
#include "engine/finite_check.hpp"
#include "timeline/gains.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {
namespace {

constexpr std::int64_t kMaxChunkFrames = 1 << 20;

void pollCancel(const RenderOptions& options) {
  if (options.cancelled && options.cancelled()) throw Interrupted("render interrupted");
}

// The send of a voice's track into a bus, if it has one.
const Send* sendOf(const Session& session, const PlannedVoice& v, const std::string& bus) {
  for (const Send& s : session.tracks[static_cast<std::size_t>(v.trackIndex)].sends) {
    if (s.reverb == bus) return &s;
  }
  return nullptr;
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

// A range's warm-up. Each stage sees, from the loop's start on, the input blocks it sees in the
// full render, so it reaches the range in the full render's state:
// - a reverb convolver's output partition j sums the frequency-domain delay line's entries
//   j - N + 1 .. j (N partitions of its IR), entry m transforming input partitions m - 1 and m;
//   fed from partition s on, entry s alone differs (its m - 1 is silence), so every output from
//   partition s + N on has the full render's bits. The loop starts on the partition grid (of
//   every bus) N partitions before the one the range starts in, and runs to the end of the
//   partition the range ends in, so the last partition's transform is of the same input too;
// - a denoised track has unbounded memory (adaptive noise tracking, decision-directed
//   smoothing, hum notches): its DenoiseSource runs from the track's own start whatever the
//   loop's start, which gives the full render's state exactly;
// - voices, fades, gain automation and moving objects are functions of the absolute frame (gain
//   grid points every kGridFrames of the absolute timeline), clips decode from their frame at
//   the loop's start (exact for every codec: io::StreamDecoder), and the mix does not depend on
//   where chunks start, so without reverbs the loop starts on the chunk grid the full render
//   uses, at the range's chunk.
// Meters and the report's loudness are the range's own (the delivery sees only its frames).
void RenderPlan::planRange(const RenderOptions& options) {
  loopStart = deliverStart = 0;
  loopEnd = deliverEnd = endFrame;
  if (!options.range) return;
  const FrameRange range = *options.range;
  const int rate = session.sampleRate;
  const auto at = [rate](std::int64_t frame) {
    char text[48];
    std::snprintf(text, sizeof text, "%.3f s", static_cast<double>(frame) / rate);
    return std::string(text);
  };
  if (range.start < 0) throw InputError("--range", "", "START must not be negative");
  if (range.end <= range.start)
    throw InputError("--range", "",
                     "END (" + at(range.end) + ") must be after START (" + at(range.start) + ")");
  if (range.start >= endFrame) {
    throw InputError(
        "--range", "",
        "START (" + at(range.start) + ") is at or past the render's end (" + at(endFrame) + ")");
  }
  deliverStart = range.start;
  deliverEnd = std::min(range.end, endFrame);
  if (reverbs.instances.empty()) {
    loopStart = deliverStart / chunkFrames * chunkFrames;
    loopEnd = deliverEnd;
    return;
  }
  std::int64_t grid = 1, start = deliverStart;
  for (const ReverbInstance& inst : reverbs.instances) {
    const dsp::ConvolverSpec& spec = reverbs.buses[static_cast<std::size_t>(inst.bus)].spec;
    const std::int64_t p = spec.partitionFrames;
    const std::int64_t partitions = std::max<std::int64_t>(1, (spec.maxIrFrames() + p - 1) / p);
    grid = std::lcm(grid, p);
    start = std::min(start, (deliverStart / p - partitions) * p);
  }
  loopStart = std::max<std::int64_t>(0, start) / grid * grid;
  loopEnd = std::min(endFrame, (deliverEnd + grid - 1) / grid * grid);
}

namespace {

// Frames of digital silence on a denoised track's input after which its denoiser is in a known
// state, the one it starts in (docs/architecture.md, "Range renders"). Without hum notches (whose
// recursion never forgets exactly) every frame of silence zeroes the spectrum and the overlap-add
// carry, and:
// - learned: a frame of zero power leaves each bin's decision-directed power at 0, where a fresh
//   bin starts; two STFT frames of silence clear the STFT history too;
// - adaptive: a bin restarts, setting every estimator to the frame's power, once its noise
//   estimate falls to the power floor (kDenoise.tiny). The estimate is a weighted mean of powers,
//   so at most (kMaxFftInput x the window's sum)^2 (larger input fails the render); in silence
//   the minimum statistics follow the falling smoothed power within two windows, after which the
//   speech presence decays by presenceSmoothing a frame and the estimate by at most
//   noiseSmoothing (x 1.07 over all frames, the presence's share, taken twice for rounding):
//   2540 frames to fall from there to the floor, 29 s of silence at 48 kHz (32 s at 44.1).
std::int64_t forgettingFrames(const dsp::DenoiseSpec& spec) {
  const dsp::StftShape shape = spec.shape();
  if (!spec.profile.empty()) return 2 * static_cast<std::int64_t>(shape.frameSize);
  double windowSum = 0.0;
  for (double w : dsp::sqrtHannWindow(shape.frameSize)) windowSum += w;
  const double most = std::pow(static_cast<double>(kMaxFftInput) * windowSum, 2.0);
  const auto decay = static_cast<std::int64_t>(std::ceil(
      std::log(2.0 * 1.07 * most / dsp::kDenoise.tiny) / -std::log(dsp::kDenoise.noiseSmoothing)));
  const std::int64_t window = std::max<std::int64_t>(
      1, std::llround(dsp::kDenoise.minWindowSeconds * spec.sampleRate / shape.hop));
  return 2 * static_cast<std::int64_t>(shape.frameSize) + (2 * window + 2 + decay) * shape.hop;
}

}  // namespace

// A range's denoised tracks start where their state is known, when they can: each adaptive or
// learned track without hum starts its denoiser afresh at the last point of its chunk grid, at
// or before the loop's start, that follows forgettingFrames() of silence on its input (no clip
// of the track plays there), instead of at the track's start. The denoiser's frames keep their
// place on the track's grid (DenoiseSpec::firstHop), so from there its state, and every
// denoised frame, is the full render's; the track's clips before it are not read.
void RenderPlan::restartDenoisers() {
  for (std::size_t k = 0; k < denoised.size(); ++k) {
    DenoisedTrack& t = denoised[k];
    if (t.spec.settings.hum) continue;
    const dsp::StftShape shape = t.spec.shape();
    const std::int64_t grid = shape.chunkFrames();
    const std::int64_t silence = forgettingFrames(t.spec);
    const auto floorGrid = [&](std::int64_t frame) {
      return t.startFrame + (frame - t.startFrame) / grid * grid;
    };
    if (loopStart <= t.startFrame) continue;
    std::int64_t at = floorGrid(loopStart);
    while (at > t.startFrame) {
      // The earliest start of the clips sounding in the silence `at` needs: `at` moves before it.
      std::int64_t earliest = at;
      for (const PlannedVoice& v : t.inputs)
        if (v.startFrame < at && v.endFrame() > at - silence)
          earliest = std::min(earliest, v.startFrame);
      if (earliest == at) break;
      at = earliest <= t.startFrame ? t.startFrame : floorGrid(earliest);
    }
    if (at <= t.startFrame || at - silence < t.startFrame) continue;
    t.spec.firstHop += (at - t.startFrame) / shape.hop;
    t.startFrame = at;
    // The voices reading the denoised signal start there too (clip frame 0 is the track's start).
    for (std::size_t c = 0; c < voices.clips.size(); ++c) {
      if (voices.clips[c].denoised != static_cast<int>(k)) continue;
      voices.clips[c].startFrame = at;
      for (PlannedVoice& v : voices.voices) {
        if (v.clipIndex != static_cast<int>(c)) continue;
        v.lengthFrames = v.sampleFrames = v.endFrame() - at;
        v.startFrame = at;
      }
    }
  }
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

// The gain rules. Stems: the planned gains (objects: the panner; beds: the routing) times gain
// automation. Prints: the voice's own channel of its track's print times gain automation. Sends:
// the send level (post-fader: times gain automation), panned between L and R into a true-stereo
// bus; post-fader sends follow the track's fader, pre-fader ones only the clip gain and fades.
void RenderPlan::planMixers() {
  for (std::size_t g = 0; g < groupChannels.size(); ++g) {
    Routing r;
    const int group = static_cast<int>(g);
    if (!prints) {
      r.includes = [group](const PlannedVoice& v) { return v.stemIndex == group; };
      r.staticGains = [](const PlannedVoice& v, auto& gains) { gains = v.gains; };
      r.gainsAt = [this](const PlannedVoice& v, double t, std::vector<double>& gains) {
        timeline::signalGainsAt(session.tracks[static_cast<std::size_t>(v.trackIndex)],
                                v.bedChannel, v.gains, panner, t, gains);
      };
    } else {
      r.includes = [this, group](const PlannedVoice& v) {
        return trackGroup_[static_cast<std::size_t>(v.trackIndex)] == group;
      };
      // The voice's own channel of the print: an object's one, a bed channel's own.
      r.staticGains = [](const PlannedVoice& v, auto& gains) {
        gains.fill(0.0f);
        gains[static_cast<std::size_t>(std::max(v.bedChannel, 0))] = 1.0f;
      };
      r.gainsAt = [this](const PlannedVoice& v, double t, std::vector<double>& gains) {
        timeline::SpeakerGains own{};
        own[static_cast<std::size_t>(std::max(v.bedChannel, 0))] = 1.0f;
        timeline::signalGainsAt(session.tracks[static_cast<std::size_t>(v.trackIndex)],
                                std::max(v.bedChannel, 0), own, panner, t, gains);
      };
    }
    r.envelopeGain = [](const PlannedVoice& v) { return v.gainLinear; };
    r.automated = [](const PlannedVoice& v) { return v.moving; };
    mixers.push_back(MixerPlan{groupChannels[g], group, -1, std::move(r)});
  }
  for (std::size_t k = 0; k < reverbs.instances.size(); ++k) {
    const ReverbInstance& inst = reverbs.instances[k];
    if (inst.bus == reverbs.decorrelationBus) {
      mixers.push_back(diffuseMixer(static_cast<int>(k)));
      continue;
    }
    const std::string bus = reverbs.buses[static_cast<std::size_t>(inst.bus)].name;
    const bool trueStereo =
        reverbs.buses[static_cast<std::size_t>(inst.bus)].shape == BusShape::TrueStereo;
    Routing r;
    r.includes = [this, stem = inst.stem, bus](const PlannedVoice& v) {
      return v.stemIndex == stem && sendOf(session, v, bus) != nullptr;
    };
    r.envelopeGain = [this, bus](const PlannedVoice& v) {
      return sendOf(session, v, bus)->preFader ? v.clipGainLinear : v.gainLinear;
    };
    r.automated = [this, bus, trueStereo](const PlannedVoice& v) {
      const Track& t = session.tracks[static_cast<std::size_t>(v.trackIndex)];
      return (!sendOf(session, v, bus)->preFader && !t.gainKeys.empty()) ||
             (trueStereo && t.positionKeys.size() > 1);
    };
    r.staticGains = [this, bus, trueStereo](const PlannedVoice& v, auto& gains) {
      std::vector<double> d(2, 0.0);
      timeline::sendGainsAt(session.tracks[static_cast<std::size_t>(v.trackIndex)],
                            *sendOf(session, v, bus), v.bedChannel, trueStereo, stereoPanner, 0.0,
                            false, d);
      gains[0] = static_cast<float>(d[0]);
      gains[1] = static_cast<float>(d[1]);
    };
    r.gainsAt = [this, bus, trueStereo](const PlannedVoice& v, double t,
                                        std::vector<double>& gains) {
      timeline::sendGainsAt(session.tracks[static_cast<std::size_t>(v.trackIndex)],
                            *sendOf(session, v, bus), v.bedChannel, trueStereo, stereoPanner, t,
                            true, gains);
    };
    mixers.push_back(MixerPlan{reverbs.buses[static_cast<std::size_t>(inst.bus)].spec.numInputs, -1,
                               static_cast<int>(k), std::move(r)});
  }
}

// The diffuse path of a stem's objects (BS.2127 §7.3.10) into the decorrelation bus: each
// output speaker's input is the object's panned gain there times sqrt(diffuse), after the fader
// and gain automation like the direct path.
MixerPlan RenderPlan::diffuseMixer(int instance) {
  const int stem = reverbs.instances[static_cast<std::size_t>(instance)].stem;
  Routing r;
  r.includes = [this, stem](const PlannedVoice& v) {
    return v.stemIndex == stem && v.bedChannel < 0 &&
           timeline::hasDiffuse(session.tracks[static_cast<std::size_t>(v.trackIndex)]);
  };
  r.envelopeGain = [](const PlannedVoice& v) { return v.gainLinear; };
  r.automated = [](const PlannedVoice& v) { return v.moving; };
  r.staticGains = [this](const PlannedVoice& v, auto& gains) {
    std::vector<double> d(static_cast<std::size_t>(output.numChannels()));
    timeline::diffuseGainsAt(session.tracks[static_cast<std::size_t>(v.trackIndex)], panner, 0.0,
                             d);
    gains.fill(0.0f);
    for (std::size_t c = 0; c < d.size(); ++c) gains[c] = static_cast<float>(d[c]);
  };
  r.gainsAt = [this](const PlannedVoice& v, double t, std::vector<double>& gains) {
    timeline::diffuseGainsAt(session.tracks[static_cast<std::size_t>(v.trackIndex)], panner, t,
                             gains);
  };
  return MixerPlan{output.numChannels(), -1, instance, std::move(r)};
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
