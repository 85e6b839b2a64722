#include "engine/denoise_stage.hpp"

#include <algorithm>

#include "core/assert.hpp"
#include "core/units.hpp"
#include "dsp/voices/params.hpp"
#include "engine/block_fill.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {
namespace {

constexpr double kLearnPrerollSeconds = 1.0;  // lets the hum notches settle before learning

// Clip gain and fades only, each voice into its track channel: the signal a channel insert sees.
Routing premixRouting() {
  return Routing{.includes = [](const PlannedVoice&) { return true; },
                 .envelopeGain = [](const PlannedVoice& v) { return v.clipGainLinear; },
                 .automated = [](const PlannedVoice&) { return false; },
                 .staticGains =
                     [](const PlannedVoice& v, std::array<float, kMaxOutputChannels>& g) {
                       g.fill(0.0f);
                       g[static_cast<std::size_t>(std::max(v.bedChannel, 0))] = 1.0f;
                     },
                 .gainsAt = [](const PlannedVoice&, double, std::vector<double>&) {}};
}

std::unique_ptr<SampleSource> openClip(const std::vector<PlannedClip>& clips, int index, int rate) {
  const PlannedClip& c = clips[static_cast<std::size_t>(index)];
  return std::make_unique<ClipSource>(c.file, rate, c.channels, c.offsetFrames, c.mediaFrames);
}

// Premixes voices over [start, start + n) frame blocks on the CPU reference mixer, opening and
// closing their clips as they play; returns [channel][frame].
std::vector<std::vector<float>> premixRange(const std::vector<PlannedVoice>& voices,
                                            const std::vector<PlannedClip>& clips, int channels,
                                            int rate, std::int64_t start, std::int64_t end) {
  std::vector<std::vector<float>> out(static_cast<std::size_t>(channels));
  SourceMap sources;
  const Routing routing = premixRouting();
  dsp::MixBlock block;
  std::vector<float> mixed;
  std::vector<std::size_t> active;
  constexpr std::int64_t kBlock = 8192;
  for (std::int64_t t = start; t < end; t += kBlock) {
    const std::int64_t n = std::min(kBlock, end - t);
    gatherActive(voices, t, n, active, sources,
                 [&](int clip) { return openClip(clips, clip, rate); });
    fillBlock(block, voices, active, routing, sources, channels, rate, t, n);
    mixed.assign(static_cast<std::size_t>(channels * block.stride), 0.0f);
    dsp::referenceMix(block, mixed);
    for (int c = 0; c < channels; ++c) {
      auto from = mixed.begin() + static_cast<std::ptrdiff_t>(c * block.stride);
      out[static_cast<std::size_t>(c)].insert(out[static_cast<std::size_t>(c)].end(), from,
                                              from + n);
    }
  }
  return out;
}

}  // namespace

dsp::DenoiseSpec denoiseSpec(const Denoise& settings, int channels, int sampleRate) {
  dsp::DenoiseSpec spec;
  spec.numChannels = channels;
  spec.sampleRate = sampleRate;
  spec.settings.reductionDb = settings.reductionDb;
  spec.settings.smoothing = settings.smoothing;
  if (settings.humHz) {
    spec.settings.hum =
        dsp::HumSettings{*settings.humHz, settings.humHarmonics, settings.humBandwidthHz};
  }
  return spec;
}

std::int64_t learnPreroll(std::int64_t fromFrame, int sampleRate) {
  return std::min<std::int64_t>(fromFrame, secondsToFrames(kLearnPrerollSeconds, sampleRate));
}

dsp::NoiseProfile learnFromSignal(const std::vector<std::vector<float>>& signal,
                                  std::int64_t preroll, const dsp::DenoiseSpec& spec) {
  bool any = false;
  for (const auto& ch : signal) {
    const auto from = std::min<std::size_t>(static_cast<std::size_t>(preroll), ch.size());
    any = any || std::any_of(ch.begin() + static_cast<std::ptrdiff_t>(from), ch.end(),
                             [](float x) { return x != 0.0f; });
  }
  if (!any) return {};
  return dsp::learnNoiseProfile(signal, spec.sampleRate, spec.settings.hum,
                                static_cast<std::size_t>(preroll));
}

std::vector<DenoisedTrack> planDenoise(const Session& session, VoicePlan& plan) {
  const int rate = session.sampleRate;
  const dsp::StftShape shape = dsp::stftShapeFor(rate);
  std::vector<DenoisedTrack> tracks;
  for (std::size_t ti = 0; ti < session.tracks.size(); ++ti) {
    const Track& track = session.tracks[ti];
    if (!track.denoise || !track.denoise->enabled) continue;
    const Denoise& d = *track.denoise;
    DenoisedTrack dt;
    dt.trackIndex = static_cast<int>(ti);
    std::vector<PlannedVoice> kept;
    for (const PlannedVoice& v : plan.voices) {
      (v.trackIndex == dt.trackIndex ? dt.inputs : kept).push_back(v);
    }
    if (dt.inputs.empty()) continue;  // muted or empty: nothing to denoise
    plan.voices = std::move(kept);
    std::int64_t first = dt.inputs.front().startFrame, last = 0;
    for (const PlannedVoice& v : dt.inputs) {
      first = std::min(first, v.startFrame);
      last = std::max(last, v.endFrame());
      dt.channels = std::max(dt.channels, v.bedChannel + 1);
    }
    // The frames before the first clip warm the estimators on silence; the denoised signal ends a
    // frame after the last clip (spectral smearing), within the session's length.
    dt.startFrame = std::max<std::int64_t>(0, first - shape.frameSize);
    dt.endFrame = std::min(plan.endFrame, last + shape.frameSize);
    dt.spec = denoiseSpec(d, dt.channels, rate);
    if (d.learnStartSeconds) {
      const std::int64_t from = secondsToFrames(*d.learnStartSeconds, rate);
      const std::int64_t to = secondsToFrames(*d.learnEndSeconds, rate);
      const std::int64_t preroll = learnPreroll(from, rate);
      dt.spec.profile =
          learnFromSignal(premixRange(dt.inputs, plan.clips, dt.channels, rate, from - preroll, to),
                          preroll, dt.spec);
      if (dt.spec.profile.empty()) {
        throw InputError(session.path.string(), "tracks[" + std::to_string(ti) + "].denoise.learn",
                         "no audio plays on track \"" + track.name + "\" between " +
                             std::to_string(*d.learnStartSeconds) + " and " +
                             std::to_string(*d.learnEndSeconds) + " s to learn the noise from");
      }
    }
    // One voice per channel plays the denoised signal through the track's fader and pan.
    const int clipIndex = static_cast<int>(plan.clips.size());
    PlannedClip clip;
    clip.startFrame = dt.startFrame;
    clip.endFrame = dt.endFrame;
    clip.denoised = static_cast<int>(tracks.size());
    plan.clips.push_back(clip);
    for (int c = 0; c < dt.channels; ++c) {
      auto source = std::find_if(dt.inputs.begin(), dt.inputs.end(), [&](const PlannedVoice& v) {
        return std::max(v.bedChannel, 0) == c;
      });
      PlannedVoice v = source != dt.inputs.end() ? *source : dt.inputs.front();
      v.clipIndex = clipIndex;
      v.sourceChannel = c;
      v.startFrame = dt.startFrame;
      v.lengthFrames = v.sampleFrames = dt.endFrame - dt.startFrame;
      v.fadeInFrames = v.fadeOutFrames = 0;
      v.gainLinear = static_cast<float>(dbToLinear(track.gainDb));
      v.clipGainLinear = 1.0f;
      plan.voices.push_back(v);
    }
    tracks.push_back(std::move(dt));
  }
  // The block loop expects voices in session order (the sum order): tracks, then time.
  std::stable_sort(
      plan.voices.begin(), plan.voices.end(),
      [](const PlannedVoice& a, const PlannedVoice& b) { return a.trackIndex < b.trackIndex; });
  return tracks;
}

DenoiseSource::DenoiseSource(const DenoisedTrack& track, const std::vector<PlannedClip>& clips,
                             int sampleRate, PremixFn premix, DenoiseFn denoise, bool ahead,
                             std::int64_t firstRead)
    : track_(track),
      clips_(clips),
      sampleRate_(sampleRate),
      premix_(std::move(premix)),
      denoise_(std::move(denoise)),
      shape_(dsp::stftShapeFor(sampleRate)),
      fed_(track.startFrame),
      out_(track.channels),
      outStart_(std::max(track.startFrame, firstRead)),
      ahead_(ahead) {}

DenoiseSource::DenoiseSource(const DenoisedTrack& track, const std::vector<PlannedClip>& clips,
                             int sampleRate, DeviceDenoiseFn denoise, int index)
    : track_(track),
      clips_(clips),
      sampleRate_(sampleRate),
      deviceDenoise_(std::move(denoise)),
      index_(index),
      shape_(dsp::stftShapeFor(sampleRate)),
      fed_(track.startFrame),
      out_(track.channels),
      outStart_(track.startFrame),
      ahead_(false) {}

// The chunks that frames before the end need, premixed in one block: each frame's premix is the
// same whichever block it falls in (fillBlock, the mixers), so the denoiser's input is too.
int DenoiseSource::onDevice(std::int64_t clipFrameEnd) {
  if (index_ < 0) return -1;
  const std::int64_t chunk = shape_.chunkFrames();
  const std::int64_t produced = fed_ - shape_.latency();  // timeline frames denoised so far
  const std::int64_t missing = track_.startFrame + clipFrameEnd - produced;
  if (missing <= 0) return index_;
  const std::int64_t chunks = (missing + chunk - 1) / chunk;
  const std::int64_t frames = chunks * chunk;
  gatherActive(track_.inputs, fed_, frames, active_, sources_,
               [&](int clip) { return openClip(clips_, clip, sampleRate_); });
  if (!active_.empty()) {
    fillBlock(block_, track_.inputs, active_, premixRouting(), sources_, track_.channels,
              sampleRate_, fed_, frames);
  }
  deviceDenoise_(active_.empty() ? nullptr : &block_, static_cast<int>(chunks));
  fed_ += frames;
  closeFinished(sources_, clips_, fed_);
  return index_;
}

void DenoiseSource::decodeAhead(std::int64_t clipFrameEnd) {
  if (!ahead_) return;
  const std::lock_guard lock(mutex_);
  pumpUntil(std::min(track_.startFrame + clipFrameEnd, track_.endFrame));
}

void DenoiseSource::pumpUntil(std::int64_t timelineEnd) {
  while (outStart_ + out_.frames() < timelineEnd) pumpChunk();
}

void DenoiseSource::read(int c, std::int64_t clipFrame, std::int64_t n, float* dst) {
  VKMIX_ASSERT(index_ < 0, "a denoised signal on the device read on the host");
  const std::lock_guard lock(mutex_);
  const std::int64_t t = track_.startFrame + clipFrame;
  // Frames before t are never asked for again (reads go forward), nor kept when still to come.
  const std::int64_t drop = std::clamp<std::int64_t>(t - outStart_, 0, out_.frames());
  out_.consume(drop);
  outStart_ = out_.frames() == 0 ? std::max(outStart_ + drop, t) : outStart_ + drop;
  pumpUntil(t + n);
  const float* src = out_.channel(c) + (t - outStart_);
  std::copy_n(src, n, dst);
}

void DenoiseSource::pumpChunk() {
  const std::int64_t chunk = shape_.chunkFrames();
  const int channels = track_.channels;
  gatherActive(track_.inputs, fed_, chunk, active_, sources_,
               [&](int clip) { return openClip(clips_, clip, sampleRate_); });
  premixed_.assign(static_cast<std::size_t>(channels * chunk), 0.0f);
  if (!active_.empty()) {
    fillBlock(block_, track_.inputs, active_, premixRouting(), sources_, channels, sampleRate_,
              fed_, chunk);
    premix_(block_, premixed_);
  }
  denoised_.assign(premixed_.size(), 0.0f);
  denoise_(premixed_, denoised_);
  // This chunk's output is the input `latency` frames back; frames before the start, or before
  // what is wanted, are dropped.
  const std::int64_t outFirst = fed_ - shape_.latency();
  const std::int64_t skip = std::max<std::int64_t>(0, outStart_ + out_.frames() - outFirst);
  if (skip < chunk) {
    std::vector<float> tail(static_cast<std::size_t>(channels * (chunk - skip)));
    for (int c = 0; c < channels; ++c)
      std::copy_n(denoised_.begin() + static_cast<std::ptrdiff_t>(c * chunk + skip), chunk - skip,
                  tail.begin() + static_cast<std::ptrdiff_t>(c * (chunk - skip)));
    out_.append(tail, chunk - skip, chunk - skip);
  }
  fed_ += chunk;
  closeFinished(sources_, clips_, fed_);
}

}  // namespace vkmix::engine
