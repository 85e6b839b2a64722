// RenderPlan for a range (--range): where the loop starts so that the range's frames are the
// full render's, and where a denoised track's denoiser may start afresh.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

#include "core/units.hpp"
#include "engine/finite_check.hpp"
#include "engine/render_plan.hpp"

namespace vkmix::engine {

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

}  // namespace vkmix::engine
