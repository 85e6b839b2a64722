// Writes a synthetic film session for benchmarks: N object tracks (a fraction moving on circles and
// figure-of-eights at different speeds, some with extent), spread over dialogue / music / effects
// stems, playing M distinct mono noise media files of T seconds (shared between tracks, so media
// decoding stays a small part of the cost), into DIR/session.json and DIR/media/.
//   vkmix_bench_session DIR [--objects 256] [--seconds 20] [--media 16] [--moving 1.0] [--extent
//   0.0]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "io/writer.hpp"
#include "vkmix/layout.hpp"

int main(int argc, char** argv) {
  // A first argument that looks like an option is not a directory: "--help" once made one.
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr,
                 "usage: vkmix_bench_session DIR [--objects N] [--seconds T] [--media M] [--moving "
                 "F] [--extent F]\n");
    return 2;
  }
  std::filesystem::path dir = argv[1];
  int objects = 256, media = 16;
  double seconds = 20.0, moving = 1.0, extent = 0.0, clipSeconds = 0.0;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    double v = std::atof(argv[i + 1]);
    if (k == "--objects") {
      objects = static_cast<int>(v);
    } else if (k == "--seconds") {
      seconds = v;
    } else if (k == "--media") {
      media = static_cast<int>(v);
    } else if (k == "--moving") {
      moving = v;
    } else if (k == "--extent") {
      extent = v;
    } else if (k == "--clip-seconds") {
      clipSeconds = v;
    } else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  try {
    std::filesystem::create_directories(dir / "media");
    const int rate = 48000;
    const auto frames = static_cast<std::int64_t>((clipSeconds > 0 ? clipSeconds : seconds) * rate);
    vkmix::Layout mono{"1.0", "0+1+0", {vkmix::Speaker{"M+000", "C", 0, 0, false, 0x4}}};
    std::mt19937 rng(42);
    std::normal_distribution<float> gauss(0.0f, 0.05f);
    for (int m = 0; m < media; ++m) {
      std::vector<float> x(static_cast<std::size_t>(frames));
      float lp = 0.0f;
      const float a = 0.05f + 0.9f * static_cast<float>(m) / static_cast<float>(std::max(1, media));
      for (std::int64_t i = 0; i < frames; ++i) {
        lp += a * (gauss(rng) - lp);  // each file a different colour of noise
        const double env =
            0.6 + 0.4 * std::sin(6.283185307 * (0.3 + 0.1 * m) * static_cast<double>(i) / rate);
        x[static_cast<std::size_t>(i)] = static_cast<float>(lp * env);
      }
      vkmix::io::AudioWriter w(dir / "media" / ("m" + std::to_string(m) + ".wav"), mono, rate,
                               vkmix::io::OutputFormat::Wav24);
      w.write(x, frames, frames);
      w.finish();
    }
    std::ofstream s(dir / "session.json");
    s << "{\"vkmix\": 1, \"sampleRate\": 48000, \"layout\": \"7.1.4\", \"tracks\": [\n";
    const char* stems[] = {"dialogue", "music", "effects", "effects"};
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (int t = 0; t < objects; ++t) {
      const double az0 = u(rng) * 360.0 - 180.0, el0 = u(rng) * 40.0;
      const bool moves = u(rng) < moving;
      const bool wide = u(rng) < extent;
      s << "  {\"name\": \"obj" << t << "\", \"stem\": \"" << stems[t % 4] << "\", \"gainDb\": -18";
      std::string shape =
          wide ? ", \"width\": " + std::to_string(20 + 60 * u(rng)) + ", \"height\": 20" : "";
      if (moves) {
        const double turns = 0.2 + u(rng);  // turns over the session
        s << ", \"positionKeys\": [{\"time\": 0, \"azimuth\": " << az0 << ", \"elevation\": " << el0
          << shape << "}, {\"time\": " << seconds << ", \"azimuth\": " << az0 + 360.0 * turns
          << ", \"elevation\": " << 40.0 - el0 << "}]";
      } else {
        s << ", \"position\": {\"azimuth\": " << az0 << ", \"elevation\": " << el0 << shape << "}";
      }
      s << ", \"clips\": [";
      const double step = clipSeconds > 0 ? clipSeconds : seconds;
      for (double at = 0; at + step <= seconds + 1e-9; at += step) {
        s << (at > 0 ? ", " : "") << "{\"file\": \"media/m" << t % media
          << ".wav\", \"start\": " << at << ", \"fadeIn\": 0.05, \"fadeOut\": 0.5}";
      }
      s << "]}" << (t + 1 < objects ? ",\n" : "\n");
    }
    s << "]}\n";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkmix_bench_session: %s\n", e.what());
    return 1;
  }
  std::printf("%s\n", (dir / "session.json").string().c_str());
  return 0;
}
