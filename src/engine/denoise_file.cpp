#include <algorithm>
#include <chrono>
#include <memory>

#include "backend/backend.hpp"
#include "core/units.hpp"
#include "engine/denoise_stage.hpp"
#include "engine/finite_check.hpp"
#include "io/decoder.hpp"
#include "io/writer.hpp"
#include "vkmix/denoise.hpp"
#include "vkmix/error.hpp"
#include "vkmix/layout.hpp"

namespace vkmix {
namespace {

// The file's own layout when it is a built-in one; mono as a centre channel; else channels
// without positions (written with no mask).
Layout layoutFor(int channels, std::uint64_t mask) {
  for (const Layout& l : builtinLayouts()) {
    if (l.numChannels() == channels && (mask == 0 || l.wavChannelMask() == mask)) return l;
  }
  Layout l;
  if (channels == 1) {
    l.name = "1.0";
    l.speakers.push_back(Speaker{"M+000", "C", 0.0, 0.0, false, 0x4});
    return l;
  }
  l.name = std::to_string(channels) + " channels";
  for (int c = 0; c < channels; ++c)
    l.speakers.push_back(Speaker{"", std::to_string(c + 1), 0.0, 0.0, false, 0});
  return l;
}

}  // namespace

DenoiseFileReport denoiseFile(const DenoiseFileOptions& options) {
  const auto wallStart = std::chrono::steady_clock::now();
  const std::string file = options.input.string();
  const io::MediaInfo info = io::probeAudio(options.input);
  if (info.promisedFrames > info.exactFrames)
    throw InputError(file, "",
                     "is cut short: its header promises " + std::to_string(info.promisedFrames) +
                         " frames, the file holds " + std::to_string(info.exactFrames));
  const int rate = info.sampleRate;
  dsp::DenoiseSpec spec = engine::denoiseSpec(options.settings, info.numChannels, rate);
  if (options.settings.learnStartSeconds) {
    const std::int64_t from = secondsToFrames(*options.settings.learnStartSeconds, rate);
    const std::int64_t to = secondsToFrames(*options.settings.learnEndSeconds, rate);
    const std::int64_t preroll = engine::learnPreroll(from, rate);
    spec.profile = engine::learnFromSignal(
        io::decodeAudio(options.input, rate, from - preroll, to - from + preroll).channels, preroll,
        spec);
    if (spec.profile.empty()) {
      throw InputError(file, "--learn",
                       "no audio to learn the noise from between " +
                           std::to_string(*options.settings.learnStartSeconds) + " and " +
                           std::to_string(*options.settings.learnEndSeconds) + " s");
    }
  }
  DenoiseFileReport report;
  report.numChannels = info.numChannels;
  report.sampleRate = rate;
  backend::DeviceStart device(options.device, options.validation, 0);
  backend::BackendSetup setup;
  setup.denoised = {&spec};
  const std::unique_ptr<backend::Backend> denoiser = device.make(setup);
  report.device = denoiser->deviceName();
  io::StreamDecoder decoder(options.input, rate);
  io::OutputFormat format = io::OutputFormat::Wav24;
  if (!options.format.empty()) {
    const auto parsed = io::parseOutputFormat(options.format);
    if (!parsed)
      throw InputError("--format", "",
                       "\"" + options.format + "\" is not one of " + io::outputFormatNames());
    format = *parsed;
  } else {
    format = io::defaultFormatFor(options.output);
  }
  io::AudioWriter writer(options.output, layoutFor(info.numChannels, decoder.sourceChannelMask()),
                         rate, format);
  const dsp::StftShape shape = spec.shape();
  const auto chunk = static_cast<std::int64_t>(shape.chunkFrames());
  const auto channels = static_cast<std::size_t>(info.numChannels);
  std::vector<std::vector<float>> pending(channels);
  std::vector<float> in(channels * static_cast<std::size_t>(chunk)), out(in.size());
  std::int64_t decoded = 0, fed = 0, written = 0;
  bool ended = false;
  // Output of chunk k is input frames [k * chunk - latency, ...): the first `latency` are dropped,
  // and zeros are fed after the end until every input frame has come out.
  while (!ended || written < decoded) {
    if (options.cancelled && options.cancelled()) throw Interrupted("denoise interrupted");
    while (!ended && static_cast<std::int64_t>(pending[0].size()) < chunk) {
      const std::int64_t got = decoder.decode(pending, chunk);
      decoded += got;
      ended = got == 0;
    }
    const auto take = std::min<std::int64_t>(chunk, static_cast<std::int64_t>(pending[0].size()));
    std::fill(in.begin(), in.end(), 0.0f);
    for (std::size_t c = 0; c < channels; ++c) {
      std::copy_n(pending[c].begin(), take, in.begin() + static_cast<std::ptrdiff_t>(c) * chunk);
      pending[c].erase(pending[c].begin(), pending[c].begin() + take);
    }
    engine::requireWithinFftRange(in, "the input", options.input.string());
    denoiser->denoise(0, in, out);
    const std::int64_t first = fed - shape.latency();  // input frame of out's frame 0
    fed += chunk;
    const std::int64_t skip = std::max<std::int64_t>(0, -first);
    const std::int64_t n =
        std::min(chunk - skip, (ended ? decoded : first + chunk) - (first + skip));
    if (n > 0) {
      writer.write(std::span<const float>(out).subspan(static_cast<std::size_t>(skip)), chunk, n);
      written += n;
    }
  }
  writer.finish();
  report.numFrames = written;
  report.wallSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
  return report;
}

}  // namespace vkmix
