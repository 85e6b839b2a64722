#include "ui/audio_preview.hpp"

#include <alsa/asoundlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <span>
#include <thread>

#include "core/units.hpp"
#include "engine/binaural_render.hpp"
#include "engine/renderer.hpp"
#include "layout/downmix.hpp"
#include "loudness/meter.hpp"
#include "timeline/automation.hpp"
#include "vkmix/error.hpp"

namespace vkmix::ui {
namespace {

constexpr double kMeterSeconds = 0.4;  // the momentary loudness window
constexpr std::int64_t kPreviewBlock = 2048;
constexpr unsigned kAlsaLatencyUs = 100000;

// ALSA's own diagnostics go to stderr; the preview reports one status line instead.
void quietAlsa(const char*, int, const char*, int, const char*, ...) {}

// An ALSA device, opened for `channels` float channels; nullptr when there is none.
snd_pcm_t* openAlsa(const std::string& device, int channels, int rate, std::string& why) {
  snd_lib_error_set_handler(&quietAlsa);
  snd_pcm_t* pcm = nullptr;
  int rc = snd_pcm_open(&pcm, device.c_str(), SND_PCM_STREAM_PLAYBACK, 0);
  if (rc < 0) {
    why = snd_strerror(rc);
    return nullptr;
  }
  rc = snd_pcm_set_params(pcm, SND_PCM_FORMAT_FLOAT_LE, SND_PCM_ACCESS_RW_INTERLEAVED,
                          static_cast<unsigned>(channels), static_cast<unsigned>(rate), 1,
                          kAlsaLatencyUs);
  if (rc < 0) {
    why = snd_strerror(rc);
    snd_pcm_close(pcm);
    return nullptr;
  }
  return pcm;
}

}  // namespace

Session previewSession(const Session& session, const std::vector<bool>& solo, double until) {
  Session out = session;
  const bool anySolo = std::find(solo.begin(), solo.end(), true) != solo.end();
  for (std::size_t ti = 0; ti < out.tracks.size(); ++ti)
    if (anySolo && (ti >= solo.size() || !solo[ti])) out.tracks[ti].mute = true;
  // Silence after the last sound, up to `until`: a range starting there is inside the render.
  out.lengthSeconds = std::max(out.lengthSeconds.value_or(0.0), until);
  return out;
}

// The layout the preview renders: the model's, or the two ears.
Layout previewLayout(const InspectorModel& model, bool binaural) {
  if (!binaural) return model.layout();
  RenderOptions options;
  options.layout = engine::kBinauralLayout;
  return engine::outputLayout(model.session(), options);
}

void meterAt(const InspectorModel& model, double time, UiState& state) {
  const Layout layout = previewLayout(model, state.binaural);
  const int nc = layout.numChannels();
  const int rate = model.session().sampleRate;
  // The momentary window before the playhead, as a range of the whole session: the reverbs,
  // denoisers and fades in it are those of the full render (docs/architecture.md, "Range
  // renders").
  const std::int64_t end = secondsToFrames(time, rate);
  const std::int64_t start = std::max<std::int64_t>(0, end - secondsToFrames(kMeterSeconds, rate));
  std::vector<double> weights;
  for (const Speaker& s : layout.speakers)
    weights.push_back(loudness::channelWeight(s.azimuthDeg, s.elevationDeg, s.lfe));
  loudness::LoudnessMeter meter(rate, weights);
  std::vector<float> peaks(static_cast<std::size_t>(nc), 0.0f);
  if (end > start) {
    RenderOptions options;
    options.layout = layout.name;
    options.hrtf = state.hrtf;
    options.blockFrames = kPreviewBlock;
    options.range = FrameRange{start, end};
    engine::renderBlocks(
        previewSession(model.session(), model.solo, time), options, nullptr,
        [&](const engine::RenderedBlock& b) {
          meter.addFrames(b.mix, b.stride, b.numFrames);
          for (int c = 0; c < nc; ++c) {
            float& peak = peaks[static_cast<std::size_t>(c)];
            for (std::int64_t i = 0; i < b.numFrames; ++i)
              peak = std::max(peak, std::abs(b.mix[static_cast<std::size_t>(c * b.stride + i)]));
          }
        });
  }
  state.meterPeakDb.clear();
  for (float p : peaks) state.meterPeakDb.push_back(p > 0.0f ? 20.0f * std::log10(p) : -200.0f);
  state.momentaryLufs = static_cast<float>(meter.momentaryLufs());
}

struct AudioPreview::Impl {
  InspectorModel& model;
  UiState& state;
  std::thread worker;
  std::atomic<bool> stop{false};
  std::atomic<bool> finished{false};
  std::atomic<std::int64_t> framesOut{0};
  double startTime = 0.0;
  bool running = false;
  std::size_t renderedRevision = 0;
  bool renderedBinaural = false;
  std::string device;
  std::vector<bool> renderedSolo;
  snd_pcm_t* pcm = nullptr;
  int deviceChannels = 0;
  std::mutex meterMutex;
  std::vector<float> peaks;
  float momentary = -200.0f;
  std::string error;

  Impl(InspectorModel& m, UiState& s, const std::string& deviceName, int maxChannels)
      : model(m), state(s), device(deviceName) {
    const int layoutChannels = model.layout().numChannels();
    std::string why;
    if (maxChannels <= 0 || maxChannels >= layoutChannels) {
      pcm = openAlsa(device, layoutChannels, model.session().sampleRate, why);
      deviceChannels = layoutChannels;
    }
    if (pcm == nullptr && layoutChannels > 2) {
      pcm = openAlsa(device, 2, model.session().sampleRate, why);
      deviceChannels = 2;
    }
    if (pcm == nullptr) {
      deviceChannels = 0;
      state.audioStatus = "no audio device (ALSA " + device + ": " + why + "): meters only";
    } else {
      state.audioStatus = status(false);
    }
  }

  std::string status(bool binaural) const {
    const int layoutChannels = model.layout().numChannels();
    return "preview: ALSA " + device + ", " + std::to_string(deviceChannels) + " ch" +
           (binaural                          ? " (binaural)"
            : deviceChannels < layoutChannels ? " (stereo fold-down)"
                                              : "");
  }
  ~Impl() {
    halt();
    if (pcm != nullptr) snd_pcm_close(pcm);
  }

  void halt() {
    if (!running) return;
    stop = true;
    if (worker.joinable()) worker.join();
    if (pcm != nullptr) {
      snd_pcm_drop(pcm);
      snd_pcm_prepare(pcm);
    }
    running = false;
  }

  void start(double from) {
    halt();
    stop = false;
    finished = false;
    framesOut = 0;
    startTime = from;
    renderedRevision = model.revision();
    renderedSolo = model.solo;
    renderedBinaural = state.binaural;
    if (pcm != nullptr) state.audioStatus = status(renderedBinaural);
    running = true;
    // From the playhead on, as a range of the whole session, so its reverbs and denoisers
    // start in their true state; the meters are fed the momentary window before it too.
    const int rate = model.session().sampleRate;
    const std::int64_t at = secondsToFrames(from, rate);
    const std::int64_t warm = std::min(at, secondsToFrames(kMeterSeconds, rate));
    const double until = from + 1.0 / rate;  // at the end: one silent frame, then finished
    worker =
        std::thread([this, session = previewSession(model.session(), model.solo, until),
                     layout = previewLayout(model, state.binaural), hrtf = state.hrtf, at, warm] {
          try {
            render(session, layout, hrtf, at - warm, warm);
          } catch (const Interrupted&) {
          } catch (const std::exception& e) {
            std::lock_guard lock(meterMutex);
            error = e.what();
          }
          finished = true;
        });
  }

  // Renders `session` to `layout` (the model's, or the binaural one, through `hrtf`) from frame
  // `start` on and plays it; the first `meterOnly` frames go to the meters only.
  void render(const Session& session, const Layout& layout, const std::filesystem::path& hrtf,
              std::int64_t start, std::int64_t meterOnly) {
    const int nc = layout.numChannels();
    const int rate = session.sampleRate;
    std::vector<double> weights;
    for (const Speaker& s : layout.speakers)
      weights.push_back(loudness::channelWeight(s.azimuthDeg, s.elevationDeg, s.lfe));
    loudness::LoudnessMeter meter(rate, weights);
    std::vector<std::vector<double>> fold;
    if (deviceChannels > 0 && deviceChannels < nc)
      fold = layout::downmixMatrix(layout, *findLayout("2.0"));
    RenderOptions options;
    options.layout = layout.name;
    options.hrtf = hrtf;  // the binaural layout's; the speakers' ignore it
    options.blockFrames = kPreviewBlock;
    options.tailSeconds = 2.0;
    options.range = FrameRange{start, std::numeric_limits<std::int64_t>::max()};
    options.cancelled = [this] { return stop.load(); };
    std::vector<float> interleaved;
    const auto wallStart = std::chrono::steady_clock::now();
    engine::renderBlocks(session, options, nullptr, [&](const engine::RenderedBlock& whole) {
      meter.addFrames(whole.mix, whole.stride, whole.numFrames);
      // What plays: the block past the meters' warm-up, rows still `stride` apart.
      const std::int64_t skip = std::min(meterOnly, whole.numFrames);
      meterOnly -= skip;
      if (skip == whole.numFrames) return;
      struct {
        std::span<const float> mix;
        std::int64_t stride, numFrames;
      } b{whole.mix.subspan(static_cast<std::size_t>(skip)), whole.stride, whole.numFrames - skip};
      {
        std::lock_guard lock(meterMutex);
        peaks.assign(static_cast<std::size_t>(nc), -200.0f);
        for (int c = 0; c < nc; ++c) {
          float peak = 0.0f;
          for (std::int64_t i = 0; i < b.numFrames; ++i)
            peak = std::max(peak, std::abs(b.mix[static_cast<std::size_t>(c * b.stride + i)]));
          peaks[static_cast<std::size_t>(c)] = peak > 0.0f ? 20.0f * std::log10(peak) : -200.0f;
        }
        momentary = static_cast<float>(meter.momentaryLufs());
      }
      if (pcm != nullptr) {
        const int out = deviceChannels;
        interleaved.assign(static_cast<std::size_t>(out * b.numFrames), 0.0f);
        for (std::int64_t i = 0; i < b.numFrames; ++i) {
          for (int o = 0; o < out; ++o) {
            double v = 0.0;
            if (fold.empty()) {
              // Ears on a device opened wider than two: the first two channels.
              if (o < nc) v = b.mix[static_cast<std::size_t>(o * b.stride + i)];
            } else {
              for (int c = 0; c < nc; ++c)
                v += fold[static_cast<std::size_t>(o)][static_cast<std::size_t>(c)] *
                     b.mix[static_cast<std::size_t>(c * b.stride + i)];
            }
            interleaved[static_cast<std::size_t>(i * out + o)] = static_cast<float>(v);
          }
        }
        std::int64_t done = 0;
        while (done < b.numFrames && !stop) {
          snd_pcm_sframes_t n = snd_pcm_writei(pcm, interleaved.data() + done * out,
                                               static_cast<snd_pcm_uframes_t>(b.numFrames - done));
          if (n < 0) n = snd_pcm_recover(pcm, static_cast<int>(n), 1);
          if (n < 0) throw IoError(std::string("ALSA: ") + snd_strerror(static_cast<int>(n)));
          done += n;
        }
      } else {
        // No device: keep real time so the playhead and meters move as they would.
        const auto due = wallStart + std::chrono::duration<double>(
                                         static_cast<double>(framesOut + b.numFrames) / rate);
        while (std::chrono::steady_clock::now() < due && !stop)
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      framesOut += b.numFrames;
    });
  }

  void update(double) {
    if (state.playing && !running) start(model.time);
    if (!state.playing && running) halt();
    if (!running) return;
    if (model.revision() != renderedRevision || model.solo != renderedSolo ||
        state.binaural != renderedBinaural) {
      start(model.time);  // an edit: hear it from here
      return;
    }
    const double latency = pcm != nullptr ? kAlsaLatencyUs * 1e-6 : 0.0;
    const double heard =
        std::max(0.0, static_cast<double>(framesOut.load()) / model.session().sampleRate - latency);
    model.time = std::min(startTime + heard, model.endSeconds());
    if (state.loop && state.loopEnd > state.loopStart && model.time >= state.loopEnd) {
      start(state.loopStart);
      model.time = state.loopStart;
    } else if (finished) {
      halt();
      state.playing = false;
    }
    std::lock_guard lock(meterMutex);
    state.meterPeakDb = peaks;
    state.momentaryLufs = momentary;
    if (!error.empty()) {
      state.message = error;
      error.clear();
    }
  }
};

AudioPreview::AudioPreview(InspectorModel& model, UiState& state, const std::string& device,
                           int maxChannels)
    : impl_(std::make_unique<Impl>(model, state, device, maxChannels)) {}
AudioPreview::~AudioPreview() = default;
void AudioPreview::update(double dtSeconds) { impl_->update(dtSeconds); }

}  // namespace vkmix::ui
