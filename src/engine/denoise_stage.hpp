// Denoised tracks in the render. A track with "denoise" has its clips (after clip gain and fades)
// premixed into the track's channels, denoised, and played as one voice per channel that carries
// the track's fader, automation, pan and sends. The denoiser runs ahead of the block loop by its
// latency (offline, so exactly): the denoised signal is sample-aligned with every other track.
// Chunks sit on a grid from the track's own start, so the block size never changes the result.
// On a backend that denoises in the chunk's own work (vulkan) the signal never comes to the host:
// the chunk that plays it premixes and denoises what it needs on the device, where its mixes take
// the denoised frames (SampleSource::onDevice).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "dsp/denoise/params.hpp"
#include "dsp/voices/params.hpp"
#include "engine/block_fill.hpp"
#include "engine/clip_source.hpp"
#include "engine/planar_fifo.hpp"
#include "engine/voice_plan.hpp"
#include "vkmix/session.hpp"

namespace vkmix::engine {

struct DenoisedTrack {
  int trackIndex = 0;
  int channels = 1;
  std::vector<PlannedVoice> inputs;  // the track's clip voices, premixed into its channels
  std::int64_t startFrame = 0;       // where the denoised signal starts on the timeline
  std::int64_t endFrame = 0;
  dsp::DenoiseSpec spec;  // with the learned profile, if any
};

// The denoiser's spec for these settings on `channels` channels (no profile yet).
dsp::DenoiseSpec denoiseSpec(const Denoise& settings, int channels, int sampleRate);

// Frames read before a learn range starting at `fromFrame`, so the hum notches settle (1 s, or
// as much as there is).
std::int64_t learnPreroll(std::int64_t fromFrame, int sampleRate);

// The noise profile of `signal` (channels x frames; its first `preroll` frames only settle the
// notches); empty when what follows the preroll is silent or shorter than an STFT frame.
dsp::NoiseProfile learnFromSignal(const std::vector<std::vector<float>>& signal,
                                  std::int64_t preroll, const dsp::DenoiseSpec& spec);

// Replaces the voices of every track with an enabled "denoise" by one voice per track channel
// reading the denoised signal (a PlannedClip with `denoised` set), learns noise profiles (from the
// track's clips over the learn range), and returns the tracks. InputError naming the session
// field when a learn range holds no audio.
std::vector<DenoisedTrack> planDenoise(const Session& session, VoicePlan& plan);

using PremixFn = std::function<void(const dsp::MixBlock&, std::span<float>)>;
using DenoiseFn = std::function<void(std::span<const float>, std::span<float>)>;
// Records the premix of a block of whole denoise chunks (null: silence) and their denoising, the
// output staying on the device (backend::Backend::denoiseInChunk).
using DeviceDenoiseFn = std::function<void(const dsp::MixBlock*, int chunks)>;

// The denoised signal of one track as a SampleSource (clip frame 0 = track.startFrame).
class DenoiseSource final : public SampleSource {
 public:
  // `ahead`: the premix and denoise functions may run on a decode-ahead worker, beside other
  // tracks' (a CPU backend's per-track state); else they run on the reading thread only.
  // `firstRead`: the timeline frame of the first read (a range render's, past the track's
  // start): the denoiser still runs from the track's start, so its state there is the full
  // render's, but keeps nothing before it.
  DenoiseSource(const DenoisedTrack& track, const std::vector<PlannedClip>& clips, int sampleRate,
                PremixFn premix, DenoiseFn denoise, bool ahead = false, std::int64_t firstRead = 0);
  // The signal on the device, as MixBlock::deviceRows source `index`.
  DenoiseSource(const DenoisedTrack& track, const std::vector<PlannedClip>& clips, int sampleRate,
                DeviceDenoiseFn denoise, int index);
  void read(int c, std::int64_t clipFrame, std::int64_t n, float* dst) override;
  int onDevice(std::int64_t clipFrameEnd) override;
  // Denoises ahead until frames before clipFrameEnd are ready (when `ahead`): each track's
  // chunks are the same whichever thread runs them, so the bytes are too.
  void decodeAhead(std::int64_t clipFrameEnd) override;

 private:
  void pumpUntil(std::int64_t timelineEnd);
  void pumpChunk();

  const DenoisedTrack& track_;
  const std::vector<PlannedClip>& clips_;
  int sampleRate_;
  PremixFn premix_;
  DenoiseFn denoise_;
  DeviceDenoiseFn deviceDenoise_;
  int index_ = -1;  // on the device: the source's index; -1: on the host
  dsp::StftShape shape_;
  SourceMap sources_;      // the input clips now playing
  std::int64_t fed_;       // timeline frame of the next input chunk
  PlanarFifo out_;         // denoised frames from outStart_
  std::int64_t outStart_;  // when out_ is empty: the first frame still wanted
  dsp::MixBlock block_;
  std::vector<float> premixed_, denoised_;
  std::vector<std::size_t> active_;
  bool ahead_;
  std::mutex mutex_;  // a read and a worker's decodeAhead never pump at once
};

}  // namespace vkmix::engine
