#include "cli/commands.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "core/units.hpp"
#include "gpu/context.hpp"
#include "vkmix/error.hpp"
#include "vkmix/layout.hpp"
#include "vkmix/render.hpp"

namespace vkmix::cli {
namespace {

struct RenderArgs {
  std::string session;
  std::string output;
  std::string layout;
  std::string format;
  std::string device;
  std::int64_t blockFrames = 4096;
  bool quiet = false;
};

std::string fmtDb(double linear) {
  if (linear <= 0.0) return "  -inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%6.1f", linearToDb(linear));
  return buf;
}

int cmdRender(const RenderArgs& a) {
  Session session = loadSession(a.session);
  RenderOptions options;
  options.layout = a.layout;
  options.device = a.device;
  options.blockFrames = a.blockFrames;
  // Validation layers: always in debug builds, on request (VKMIX_VALIDATION=1) in others.
#ifdef NDEBUG
  options.validation = std::getenv("VKMIX_VALIDATION") != nullptr;
#else
  options.validation = true;
#endif
  options.warn = [](const std::string& w) { std::cerr << "vkmix: warning: " << w << "\n"; };
  // A progress line on a terminal only, at most four times a second; logs get the summary.
  bool announced = false;
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  auto lastPrint = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  options.progress = [&](double done, double total) {
    if (a.quiet || !terminal) return;
    auto now = std::chrono::steady_clock::now();
    if (now - lastPrint < std::chrono::milliseconds(250) && done < total) return;
    lastPrint = now;
    announced = true;
    std::fprintf(stderr, "\rrendering %7.1f / %.1f s", done, total);
  };
  RenderReport r = renderToFile(session, options, a.output, a.format);
  if (announced) std::fprintf(stderr, "\n");
  if (!a.quiet) {
    std::fprintf(stderr, "device: %s\n", r.device.c_str());
    std::fprintf(stderr,
                 "layout: %s, %d Hz, %d voices, %.2f s of audio in %.2f s wall (%.1fx realtime)\n",
                 r.layout.c_str(), r.sampleRate, r.numVoices, r.durationSeconds, r.wallSeconds,
                 r.wallSeconds > 0 ? r.durationSeconds / r.wallSeconds : 0.0);
    const Layout* layout = findLayout(r.layout);
    std::fprintf(stderr, "channel  peak dBFS  rms dBFS\n");
    for (std::size_t c = 0; c < r.channelPeak.size(); ++c) {
      std::fprintf(stderr, "%-7s  %s    %s\n", layout->speakers[c].name.c_str(),
                   fmtDb(r.channelPeak[c]).c_str(), fmtDb(r.channelRms[c]).c_str());
    }
  }
  if (r.clippedSamples > 0) {
    std::fprintf(stderr, "vkmix: warning: %lld samples clipped at full scale\n",
                 static_cast<long long>(r.clippedSamples));
  }
  if (r.validationErrors > 0) {
    std::fprintf(stderr, "vkmix: %d Vulkan validation errors\n", r.validationErrors);
    return 5;
  }
  std::printf("%s\n", a.output.c_str());
  return 0;
}

int cmdDevices() {
  auto devices = gpu::listDevices();
  if (devices.empty()) std::printf("no Vulkan devices (render with --device cpu)\n");
  for (const auto& d : devices) {
    std::printf("%d  %-40s %-10s Vulkan %s%s\n", d.index, d.name.c_str(), d.type.c_str(),
                d.apiVersion.c_str(), d.hasCompute ? "" : "  (no compute queue)");
  }
  std::printf("cpu  CPU reference mixer (no Vulkan)\n");
  return 0;
}

int cmdLayouts() {
  for (const Layout& l : builtinLayouts()) {
    std::printf("%-6s %-6s %2d ch  mask 0x%05x  ", l.name.c_str(),
                l.itu.empty() ? "-" : l.itu.c_str(), l.numChannels(), l.wavChannelMask());
    for (const Speaker& s : l.speakers) std::printf(" %s(%s)", s.name.c_str(), s.label.c_str());
    std::printf("\n");
  }
  return 0;
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"vkmix: object-based film mix renderer with a Vulkan compute mixing core"};
  app.require_subcommand(1);
  RenderArgs ra;
  auto* render = app.add_subcommand("render", "Render a session to a multichannel file");
  render->add_option("session", ra.session, "Session file (JSON, see docs/session-format.md)")
      ->required();
  render->add_option("-o,--output", ra.output, "Output file (.wav or .flac)")->required();
  render->add_option("--layout", ra.layout,
                     "Output layout (default: the session's); see 'vkmix layouts'");
  render->add_option("--format", ra.format,
                     "wav16 | wav24 | wav32f | flac (default: from the extension; .wav = wav24)");
  render->add_option("--device", ra.device,
                     "Vulkan device index or name substring, or 'cpu' for the CPU reference");
  render->add_option("--block", ra.blockFrames,
                     "Frames per block (the output does not depend on it)");
  render->add_flag("-q,--quiet", ra.quiet, "Print only the output path");
  auto* devices = app.add_subcommand("devices", "List Vulkan devices");
  auto* layouts = app.add_subcommand("layouts", "List output layouts and their channel order");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  try {
    if (*render) return cmdRender(ra);
    if (*devices) return cmdDevices();
    if (*layouts) return cmdLayouts();
    return 2;
  } catch (const InputError& e) {
    std::fprintf(stderr, "vkmix: %s\n", e.what());
    return 1;
  } catch (const GpuError& e) {
    std::fprintf(stderr, "vkmix: GPU: %s\n", e.what());
    return 3;
  } catch (const IoError& e) {
    std::fprintf(stderr, "vkmix: %s\n", e.what());
    return 4;
  } catch (const InternalError& e) {
    std::fprintf(stderr, "vkmix: internal error (please report): %s\n", e.what());
    return 5;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkmix: %s\n", e.what());
    return 5;
  }
}

}  // namespace vkmix::cli
