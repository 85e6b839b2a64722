// vkmix_denoise_eval: test material and scores for the denoiser comparison (run_denoise.sh).
//   make DIR [SECONDS]   writes DIR/clean.wav and, per noise kind and SNR, DIR/<kind>_<snr>.wav
//                        (speech + noise) and DIR/<kind>_<snr>.noise.wav, 48 kHz mono float.
//                        The speech starts after 1 s of noise alone (for learned profiles).
//   score CLEAN NOISE INPUT OUTPUT
//                        prints "snr_in snr_out seg_in seg_out distortion_db residual_db lag":
//                        the output is aligned to the clean speech first (a peer's delay is
//                        found by cross-correlation within +-4096 frames and removed).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "io/decoder.hpp"
#include "io/writer.hpp"
#include "support/speech.hpp"
#include "vkmix/layout.hpp"

namespace {

constexpr int kRate = 48000;

void writeMono(const std::string& path, const std::vector<float>& x) {
  vkmix::Layout mono{"1.0", "", {vkmix::Speaker{"M+000", "C", 0, 0, false, 0x4}}};
  vkmix::io::AudioWriter w(path, mono, kRate, vkmix::io::OutputFormat::Wav32f);
  w.write(x, static_cast<std::int64_t>(x.size()), static_cast<std::int64_t>(x.size()));
  w.finish();
}

std::vector<float> readMono(const std::string& path) {
  return vkmix::io::decodeAudio(path, kRate).channels.at(0);
}

int make(const std::string& dir, double seconds) {
  const auto frames = static_cast<std::size_t>(seconds * kRate);
  const std::size_t lead = kRate;
  std::vector<float> speech(frames, 0.0f);
  const auto talk = vkmix::test::speechLike(frames - lead, kRate, 2026);
  std::copy(talk.begin(), talk.end(), speech.begin() + static_cast<std::ptrdiff_t>(lead));
  writeMono(dir + "/clean.wav", speech);
  std::uint32_t seed = 100;
  for (const char* kind : {"white", "pink", "brown", "hum"}) {
    const auto noise =
        vkmix::test::coloredNoise(vkmix::test::noiseKindFromName(kind), frames, kRate, ++seed);
    for (int snr : {0, 5, 10}) {
      std::vector<float> scaled;
      const auto mix = vkmix::test::mixAtSnr(speech, noise, snr, &scaled);
      const std::string base = dir + "/" + kind + "_" + std::to_string(snr);
      writeMono(base + ".wav", mix);
      writeMono(base + ".noise.wav", scaled);
    }
  }
  return 0;
}

int score(const char* clean, const char* noise, const char* input, const char* output) {
  const auto s = readMono(clean), n = readMono(noise), x = readMono(input);
  auto y = readMono(output);
  // Align: the lag maximising the correlation of y with x (a peer's own delay).
  int best = 0;
  double bestC = -1e300;
  for (int lag = -4096; lag <= 4096; lag += 1) {
    double c = 0;
    for (std::size_t i = 8192; i < std::min(x.size(), y.size()) - 8192; i += 7)
      c += x[i] * y[i + lag];
    if (c > bestC) {
      bestC = c;
      best = lag;
    }
  }
  std::vector<float> aligned(x.size(), 0.0f);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const auto j = static_cast<std::ptrdiff_t>(i) + best;
    if (j >= 0 && j < static_cast<std::ptrdiff_t>(y.size()))
      aligned[i] = y[static_cast<std::size_t>(j)];
  }
  const auto before = vkmix::test::scoreDenoise(s, n, x, x, kRate);
  const auto after = vkmix::test::scoreDenoise(s, n, x, aligned, kRate);
  std::printf("%.2f %.2f %.2f %.2f %.2f %.1f %d\n", before.snrDb, after.snrDb,
              before.segmentalSnrDb, after.segmentalSnrDb, after.speechDistortionDb,
              after.residualNoiseDb, best);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "make") == 0)
    return make(argv[2], argc >= 4 ? std::stod(argv[3]) : 20.0);
  if (argc == 6 && std::strcmp(argv[1], "score") == 0)
    return score(argv[2], argv[3], argv[4], argv[5]);
  std::fprintf(stderr,
               "usage: vkmix_denoise_eval make DIR [SECONDS] | score CLEAN NOISE INPUT OUTPUT\n");
  return 2;
}
