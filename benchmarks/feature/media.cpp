// The feature reel's media and IRs (feature/media.hpp): the signals, and the files they are written
// to. Every signal is seeded noise or sines, levelled like its kind of sound in a mix.
#include "feature/media.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include "io/writer.hpp"
#include "support/speech.hpp"

namespace vkmix::feature {
namespace {

namespace fs = std::filesystem;
using io::OutputFormat;

constexpr double kPi = 3.14159265358979323846;

const Layout& monoLayout() {
  static const Layout mono{"1.0", "0+1+0", {Speaker{"M+000", "C", 0, 0, false, 0x4}}};
  return mono;
}

// A true-stereo IR's four channels (LL LR RL RR) have no speakers; the WAV's channel mask is 0.
const Layout& trueStereoLayout() {
  static const Layout quad{
      "LL LR RL RR",
      "",
      {Speaker{"M+030", "LL", 30, 0, false, 0}, Speaker{"M-030", "LR", -30, 0, false, 0},
       Speaker{"M+110", "RL", 110, 0, false, 0}, Speaker{"M-110", "RR", -110, 0, false, 0}}};
  return quad;
}

// Writes channel-major samples (channel c at c * frames) and says what was written.
Media writeMedia(const fs::path& dir, const std::string& file, const Layout& layout,
                 const std::vector<float>& planar, OutputFormat format) {
  const auto channels = static_cast<std::size_t>(layout.numChannels());
  const auto frames = static_cast<std::int64_t>(planar.size() / channels);
  io::AudioWriter writer(dir / file, layout, kRate, format);
  writer.write(planar, frames, frames);
  writer.finish();
  return {file, layout.numChannels(), static_cast<double>(frames) / kRate};
}

// White noise through a one-pole low-pass: `brightness` near 1 is white, near 0 a rumble.
std::vector<float> colouredNoise(std::size_t frames, double brightness, Rng& rng) {
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  std::vector<float> x(frames);
  float lp = 0.0f;
  const auto a = static_cast<float>(brightness);
  for (float& v : x) {
    lp += a * (gauss(rng) - lp);
    v = lp;
  }
  return x;
}

// A location take: speech-like phrases over room tone 15 dB down, what the denoiser is there for.
std::vector<float> dialogueTake(std::size_t frames, std::uint32_t seed) {
  using test::NoiseKind;
  const std::vector<float> speech = test::speechLike(frames, kRate, seed);
  const std::vector<float> tone = test::coloredNoise(NoiseKind::Pink, frames, kRate, seed + 1);
  return test::mixAtSnr(speech, tone, 15.0);
}

// A step, hit or whoosh: coloured noise under an attack and an exponential decay, at its loudest
// -36 to -21 dBFS RMS (darker noise is quieter).
std::vector<float> soundEffect(std::size_t frames, double attackSeconds, double decaySeconds,
                               Rng& rng) {
  std::vector<float> x = colouredNoise(frames, uniform(rng, 0.05, 0.9), rng);
  const double attackFrames = std::max(1.0, attackSeconds * kRate);
  for (std::size_t i = 0; i < frames; ++i) {
    const double t = static_cast<double>(i);
    const double rise = std::min(1.0, t / attackFrames);
    const double fall = std::exp(-std::max(0.0, t - attackFrames) / (decaySeconds * kRate));
    x[i] *= static_cast<float>(0.1 * rise * fall);
  }
  return x;
}

// An ambience: each channel its own dark noise, swelling slowly, -50 to -38 dBFS RMS: a bed under
// the dialogue.
std::vector<float> ambienceBed(std::size_t frames, int channels, Rng& rng) {
  std::vector<float> planar;
  planar.reserve(frames * static_cast<std::size_t>(channels));
  for (int c = 0; c < channels; ++c) {
    std::vector<float> x = colouredNoise(frames, uniform(rng, 0.02, 0.3), rng);
    const double swellHz = uniform(rng, 0.05, 0.3);
    for (std::size_t i = 0; i < frames; ++i) {
      const double swell = 0.7 + 0.3 * std::sin(2 * kPi * swellHz * static_cast<double>(i) / kRate);
      planar.push_back(static_cast<float>(0.03 * swell * x[i]));
    }
  }
  return planar;
}

// Music: a held chord, voiced differently on each channel, with a slow tremolo; the LFE channel
// (when the layout has one) carries only the root.
std::vector<float> musicBed(std::size_t frames, const Layout& layout, Rng& rng) {
  const double root = uniform(rng, 55.0, 110.0);
  const double chord[] = {1.0, 1.26, 1.5, 2.0, 2.52, 3.0};
  std::vector<float> planar;
  planar.reserve(frames * static_cast<std::size_t>(layout.numChannels()));
  for (const Speaker& speaker : layout.speakers) {
    std::vector<double> partials{root};
    if (!speaker.lfe) {
      for (int k = 0; k < 3; ++k) partials.push_back(root * 2.0 * chord[pick(rng, 6)]);
    }
    const double tremoloHz = uniform(rng, 0.1, 0.5);
    for (std::size_t i = 0; i < frames; ++i) {
      const double t = static_cast<double>(i) / kRate;
      double v = 0.0;
      for (double f : partials) v += std::sin(2 * kPi * f * t);
      v *= 0.04 * (0.8 + 0.2 * std::sin(2 * kPi * tremoloHz * t));
      planar.push_back(static_cast<float>(v));
    }
  }
  return planar;
}

// Mostly 24- and 16-bit WAV; every `flacEvery`-th file FLAC (decoded through FFmpeg, not read
// straight from its data chunk as PCM WAV is).
OutputFormat formatFor(int index, int flacEvery, OutputFormat wav) {
  return flacEvery > 0 && index % flacEvery == flacEvery - 1 ? OutputFormat::Flac : wav;
}
std::string mediaName(const std::string& stem, int index, OutputFormat format) {
  char number[16];
  std::snprintf(number, sizeof number, "%03d", index);
  return "media/" + stem + number + (format == OutputFormat::Flac ? ".flac" : ".wav");
}

// Independent noise on each channel, falling 60 dB over the IR's length (an RT60 of its length),
// each channel of unit energy: a send's level is then the reverb's level, as with a real IR.
std::vector<float> decayingNoise(int channels, double seconds, Rng& rng) {
  const std::size_t frames = framesOf(seconds);
  std::vector<float> planar;
  planar.reserve(frames * static_cast<std::size_t>(channels));
  for (int c = 0; c < channels; ++c) {
    std::vector<double> h(frames);
    double energy = 0.0;
    const std::vector<float> x = colouredNoise(frames, 0.6, rng);
    for (std::size_t i = 0; i < frames; ++i) {
      h[i] = x[i] * std::exp(-6.9078 * static_cast<double>(i) / kRate / seconds);
      energy += h[i] * h[i];
    }
    for (double v : h) planar.push_back(static_cast<float>(v / std::sqrt(energy)));
  }
  return planar;
}

}  // namespace

const Layout& namedLayout(const std::string& name) {
  const Layout* layout = findLayout(name);
  if (layout == nullptr) throw std::runtime_error("no built-in layout " + name);
  return *layout;
}

MediaPools writeMediaPools(const std::filesystem::path& dir, Rng& rng) {
  MediaPools pools;
  for (int i = 0; i < 24; ++i) {
    const std::vector<float> take = dialogueTake(framesOf(8.0), 1000 + static_cast<unsigned>(i));
    pools.dialogue.push_back(writeMedia(dir, mediaName("dx", i, OutputFormat::Wav24), monoLayout(),
                                        take, OutputFormat::Wav24));
  }
  for (int i = 0; i < 60; ++i) {
    const double seconds = wholeMs(uniform(rng, 0.3, 2.0));
    const std::vector<float> x =
        soundEffect(framesOf(seconds), uniform(rng, 0.002, 0.01), uniform(rng, 0.05, 0.4), rng);
    pools.foley.push_back(writeMedia(dir, mediaName("foley", i, OutputFormat::Wav16), monoLayout(),
                                     x, OutputFormat::Wav16));
  }
  for (int i = 0; i < 180; ++i) {
    const double seconds =
        wholeMs(chance(rng, 0.7) ? uniform(rng, 1.0, 3.0) : uniform(rng, 3.0, 8.0));
    const std::vector<float> x =
        soundEffect(framesOf(seconds), uniform(rng, 0.005, 0.8), uniform(rng, 0.2, 3.0), rng);
    const OutputFormat format =
        formatFor(i, 15, i % 2 == 0 ? OutputFormat::Wav24 : OutputFormat::Wav16);
    pools.effects.push_back(writeMedia(dir, mediaName("fx", i, format), monoLayout(), x, format));
  }
  const std::pair<const char*, int> ambiences[] = {{"2.0", 6}, {"5.1", 3}};
  for (const auto& [bed, count] : ambiences) {
    const Layout& layout = namedLayout(bed);
    for (int i = 0; i < count; ++i) {
      const std::vector<float> x = ambienceBed(framesOf(20.0), layout.numChannels(), rng);
      const OutputFormat format = formatFor(i, 2, OutputFormat::Wav16);
      pools.ambience[bed].push_back(
          writeMedia(dir, mediaName(std::string("bg") + bed + "_", i, format), layout, x, format));
    }
  }
  const std::pair<const char*, int> cues[] = {{"2.0", 2}, {"5.1", 3}, {"7.1", 2}};
  for (const auto& [bed, count] : cues) {
    const Layout& layout = namedLayout(bed);
    for (int i = 0; i < count; ++i) {
      const std::vector<float> x = musicBed(framesOf(20.0), layout, rng);
      const OutputFormat format = formatFor(i, 3, OutputFormat::Wav16);
      pools.music[bed].push_back(
          writeMedia(dir, mediaName(std::string("mx") + bed + "_", i, format), layout, x, format));
    }
  }
  return pools;
}

std::vector<Reverb> writeReverbs(const std::filesystem::path& dir, Rng& rng) {
  struct Bus {
    const char* name;
    const Layout& layout;
    double seconds;
    double predelayMs;
  };
  const Bus buses[] = {{"dx room", monoLayout(), 1.5, 5},
                       {"foley room", namedLayout("2.0"), 2.5, 8},
                       {"fx plate", trueStereoLayout(), 3.0, 0},
                       {"hall", namedLayout("7.1.4"), 6.0, 20}};
  std::vector<Reverb> reverbs;
  for (const Bus& s : buses) {
    std::string file = std::string("irs/") + s.name + ".wav";
    std::replace(file.begin(), file.end(), ' ', '_');
    writeMedia(dir, file, s.layout, decayingNoise(s.layout.numChannels(), s.seconds, rng),
               OutputFormat::Wav24);
    Reverb r;
    r.name = s.name;
    r.ir = file;
    r.predelayMs = s.predelayMs;
    reverbs.push_back(r);
  }
  return reverbs;
}

}  // namespace vkmix::feature
