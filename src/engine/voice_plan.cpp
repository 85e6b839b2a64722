#include "engine/voice_plan.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include "core/units.hpp"
#include "layout/hoa_decoder.hpp"
#include "timeline/gains.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {
namespace {

constexpr double kShortMediaToleranceSeconds = 0.010;  // codec padding differences, not user error

dsp::FadeCode fadeCode(FadeShape s) {
  switch (s) {
    case FadeShape::EqualPower:
      return dsp::FadeCode::EqualPower;
    case FadeShape::SCurve:
      return dsp::FadeCode::SCurve;
    default:
      return dsp::FadeCode::Linear;
  }
}

bool hasCartesian(const Track& track) {
  if (track.positionKeys.empty()) return track.position.cartesian;
  return std::any_of(track.positionKeys.begin(), track.positionKeys.end(),
                     [](const PositionKey& k) { return k.position.cartesian; });
}

}  // namespace

std::vector<std::string> stemOrder(const Session& session) {
  std::vector<std::string> stems;
  for (const char* standard : {"dialogue", "music", "effects"}) {
    for (const Track& t : session.tracks) {
      if (t.stem == standard) {
        stems.emplace_back(standard);
        break;
      }
    }
  }
  for (const Track& t : session.tracks) {
    if (std::find(stems.begin(), stems.end(), t.stem) == stems.end()) stems.push_back(t.stem);
  }
  return stems;
}

VoicePlan planVoices(const Session& session, const Layout& output,
                     const layout::ObjectPanner& panner, FrameCounter& counter,
                     const WarningSink& warn) {
  const std::string file = session.path.string();
  const int rate = session.sampleRate;
  VoicePlan plan;
  plan.stems = stemOrder(session);
  for (std::size_t ti = 0; ti < session.tracks.size(); ++ti) {
    const Track& track = session.tracks[ti];
    const std::string trackPath = "tracks[" + std::to_string(ti) + "]";
    const Layout* bed = nullptr;
    std::vector<std::array<float, kMaxOutputChannels>> bedGains;
    if (track.type == TrackType::Bed) {
      bed = findLayout(track.bedLayout);
      if (bed == nullptr && track.bedLayout.ends_with(".json")) {
        throw InputError(file, trackPath + ".bed",
                         "beds take a built-in layout name, not a layout file");
      }
      if (bed == nullptr) {
        throw InputError(file, trackPath + ".bed", "unknown layout \"" + track.bedLayout + "\"");
      }
      bedGains = timeline::bedRouting(*bed, output, panner);
    }
    if (track.mute) continue;
    if (track.type == TrackType::Object && !panner.hasAllocentric() && hasCartesian(track) &&
        warn) {
      warn(file + ": " + trackPath + " \"" + track.name +
           "\": Cartesian positions are rendered by the polar panner (position and size "
           "converted to polar as BS.2127 section 10 converts them): BS.2127 gives layout " +
           output.name + " no allocentric positions");
    }
    // HOA: channel k (ACN) plays the decoder's column k, designed for the channels the clips
    // carry (a map's -1 leaves one out).
    const int hoaChannels =
        track.type == TrackType::Hoa ? (track.hoaOrder + 1) * (track.hoaOrder + 1) : 0;
    std::vector<std::array<float, kMaxOutputChannels>> hoaGains;
    if (track.type == TrackType::Hoa) {
      std::vector<bool> present(static_cast<std::size_t>(hoaChannels), false);
      for (const Clip& clip : track.clips) {
        for (int k = 0; k < hoaChannels; ++k) {
          const auto ks = static_cast<std::size_t>(k);
          if (clip.channels.empty() || (ks < clip.channels.size() && clip.channels[ks] >= 0))
            present[ks] = true;
        }
      }
      for (const std::vector<double>& column :
           layout::hoaDecodeByAcn(output, track.hoaOrder, track.hoaNormalization, present)) {
        std::array<float, kMaxOutputChannels> g{};
        for (std::size_t c = 0; c < column.size(); ++c) g[c] = static_cast<float>(column[c]);
        hoaGains.push_back(g);
      }
    }
    const bool moving = timeline::isAutomated(track);
    std::array<float, kMaxOutputChannels> staticGains{};
    if (track.type == TrackType::Object && !moving) {
      staticGains = timeline::panGains(panner, timeline::objectStateAt(track, 0.0));
    }

    for (std::size_t ci = 0; ci < track.clips.size(); ++ci) {
      const Clip& clip = track.clips[ci];
      const std::string clipPath = trackPath + ".clips[" + std::to_string(ci) + "]";
      std::optional<std::int64_t> wantFrames;
      if (clip.lengthSeconds) wantFrames = secondsToFrames(*clip.lengthSeconds, rate);
      const std::int64_t offsetFrames = secondsToFrames(clip.offsetSeconds, rate);
      int mediaChannels = 0;
      std::int64_t frames = 0;
      try {
        mediaChannels = counter.info(clip.resolvedPath).numChannels;
        if (clip.channel && *clip.channel >= mediaChannels) {
          throw InputError(clip.resolvedPath.string(), "",
                           "has " + std::to_string(mediaChannels) + " channel(s); channel " +
                               std::to_string(*clip.channel) + " does not exist");
        }
        frames = counter.framesAfter(clip.resolvedPath, offsetFrames);
      } catch (const InputError& e) {
        throw InputError(file, clipPath + (clip.channel ? ".channel" : ".file"), e.what());
      }
      for (std::size_t k = 0; k < clip.channels.size(); ++k) {
        if (clip.channels[k] >= mediaChannels) {
          throw InputError(file, clipPath + ".channels[" + std::to_string(k) + "]",
                           clip.file + " has " + std::to_string(mediaChannels) +
                               " channel(s); channel " + std::to_string(clip.channels[k]) +
                               " does not exist");
        }
      }
      // A bed clip with a channel map plays bed channel k from file channel channels[k].
      const bool mapped = !clip.channels.empty();
      const int channels =
          clip.channel ? 1 : (mapped ? static_cast<int>(clip.channels.size()) : mediaChannels);
      if (track.type == TrackType::Object && channels != 1) {
        throw InputError(file, clipPath + ".channel",
                         clip.file + " has " + std::to_string(channels) +
                             " channels; an object plays one: set \"channel\" to pick it");
      }
      if (track.type == TrackType::Hoa && channels != hoaChannels) {
        throw InputError(file, clipPath + (mapped ? ".channels" : ".file"),
                         (mapped ? "maps " : clip.file + " has ") + std::to_string(channels) +
                             " channel(s); order " + std::to_string(track.hoaOrder) + " needs " +
                             std::to_string(hoaChannels) + " (ACN order)");
      }
      if (bed != nullptr && mapped && channels != bed->numChannels()) {
        throw InputError(file, clipPath + ".channels",
                         "maps " + std::to_string(channels) + " channel(s); bed " + bed->name +
                             " needs " + std::to_string(bed->numChannels()));
      }
      if (bed != nullptr && channels != bed->numChannels()) {
        throw InputError(file, clipPath + ".file",
                         clip.file + " has " + std::to_string(channels) + " channel(s); bed " +
                             bed->name + " needs " + std::to_string(bed->numChannels()));
      }
      if (frames == 0) {
        throw InputError(file, clipPath + ".offset", clip.file + " has no audio after the offset");
      }
      if (wantFrames && frames < *wantFrames) {
        double shortBy = static_cast<double>(*wantFrames - frames) / rate;
        if (shortBy > kShortMediaToleranceSeconds) {
          throw InputError(file, clipPath + ".length",
                           "is longer than " + clip.file + " has after the offset (" +
                               std::to_string(static_cast<double>(frames) / rate) + " s)");
        }
      }
      // Shortfalls within the tolerance play as silence: the voice keeps the requested length.
      const std::int64_t length = wantFrames.value_or(frames);
      if (length > std::numeric_limits<std::int32_t>::max()) {
        throw InputError(file, clipPath + ".length",
                         "clips are limited to 2^31 frames (12 h at 48 kHz)");
      }
      const auto fadeIn = secondsToFrames(clip.fadeInSeconds, rate);
      const auto fadeOut = secondsToFrames(clip.fadeOutSeconds, rate);
      if (fadeIn + fadeOut > length) {
        throw InputError(file, clipPath + ".fadeOut", "fadeIn + fadeOut is longer than the clip");
      }
      std::vector<int> kept;  // the file channels the clip's source reads
      if (clip.channel) kept.push_back(*clip.channel);
      int sourceChannel = 0;
      for (int ch = 0; ch < channels; ++ch) {
        if (mapped && clip.channels[static_cast<std::size_t>(ch)] < 0) continue;  // silent
        if (mapped) kept.push_back(clip.channels[static_cast<std::size_t>(ch)]);
        PlannedVoice v;
        v.trackIndex = static_cast<int>(ti);
        v.stemIndex = static_cast<int>(std::find(plan.stems.begin(), plan.stems.end(), track.stem) -
                                       plan.stems.begin());
        v.clipIndex = static_cast<int>(plan.clips.size());
        v.sourceChannel = mapped ? sourceChannel++ : ch;
        v.startFrame = secondsToFrames(clip.startSeconds, rate);
        v.lengthFrames = length;
        v.sampleFrames = std::min(length, frames);
        v.fadeInFrames = static_cast<std::int32_t>(fadeIn);
        v.fadeOutFrames = static_cast<std::int32_t>(fadeOut);
        v.fadeInShape = fadeCode(clip.fadeInShape);
        v.fadeOutShape = fadeCode(clip.fadeOutShape);
        // An inverted clip's gain is negative: every mixer multiplies by it, so the sign
        // reaches sends, stems, prints and the denoiser's input alike.
        const double polarity = clip.invert ? -1.0 : 1.0;
        v.gainLinear = static_cast<float>(polarity * dbToLinear(clip.gainDb + track.gainDb));
        v.clipGainLinear = static_cast<float>(polarity * dbToLinear(clip.gainDb));
        v.moving = moving;
        v.gains = bed != nullptr                 ? bedGains[ch]
                  : track.type == TrackType::Hoa ? hoaGains[static_cast<std::size_t>(ch)]
                                                 : staticGains;
        // HOA channels route like bed channels: static gains, times gain automation.
        v.bedChannel = bed != nullptr || track.type == TrackType::Hoa ? ch : -1;
        plan.endFrame = std::max(plan.endFrame, v.endFrame());
        plan.voices.push_back(v);
      }
      plan.clips.push_back(PlannedClip{
          clip.resolvedPath, kept, offsetFrames, secondsToFrames(clip.startSeconds, rate),
          secondsToFrames(clip.startSeconds, rate) + length, -1, std::min(length, frames),
          !counter.info(clip.resolvedPath).codec.starts_with("pcm_"), mediaChannels,
          counter.framesAfter(clip.resolvedPath, 0)});
      if (frames < length && warn) {
        warn(file + ": " + clipPath + ": media ends " +
             std::to_string(static_cast<double>(length - frames) / rate) +
             " s early; padded with silence");
      }
    }
  }
  return plan;
}

}  // namespace vkmix::engine
