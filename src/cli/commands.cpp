#include "cli/commands.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <thread>

#include "binaural/virtual_speakers.hpp"
#include "cli/adm_commands.hpp"
#include "cli/farm_commands.hpp"
#include "cli/loudness_table.hpp"
#include "cli/output_check.hpp"
#include "cli/progress.hpp"
#include "cli/range_arg.hpp"
#include "cli/render_args.hpp"
#include "cli/version.hpp"
#include "core/one_line.hpp"
#include "engine/binaural_render.hpp"
#include "engine/report.hpp"
#include "engine/spec.hpp"
#include "gpu/context.hpp"
#include "io/decoder.hpp"
#include "io/writer.hpp"
#include "layout/layout_file.hpp"
#include "loudness/meter.hpp"
#include "ui/inspect.hpp"
#include "vkmix/adm.hpp"
#include "vkmix/denoise.hpp"
#include "vkmix/error.hpp"
#include "vkmix/layout.hpp"
#include "vkmix/render.hpp"

namespace vkmix::cli {
namespace {

// Set by SIGINT/SIGTERM; the render polls it every block and unwinds, removing its temporaries.
volatile std::sig_atomic_t gStopSignal = 0;

// The exit statuses, as --help's footer lists them; the rest are in run()'s catch blocks.
constexpr int kExitSpecFailed = 6;
constexpr const char* kExitCodes =
    "Exit codes:\n"
    "  0      success\n"
    "  1      bad input: session, media, an option's value (one line names the file and field)\n"
    "  2      usage: unknown command or option, a required argument missing\n"
    "  3      GPU: no usable device, device lost, out of device memory\n"
    "  4      I/O: a write failed (disk full, permissions), or media changed mid-render\n"
    "  5      internal error (a bug: please report it), or Vulkan validation errors\n"
    "  6      render --spec: a delivery-spec check failed; every output was written\n"
    "  128+N  stopped by signal N (129 SIGHUP, 130 Ctrl-C, 143 SIGTERM); nothing written";

// The handler stays installed: the same signal often arrives twice (coreutils timeout signals
// the child and its process group), and a reset to the default action would let the second one
// kill the render mid-write. The render stops within a block either way.
void onStopSignal(int signal) { gStopSignal = signal; }

// CLI11 converts "nan" and "inf" to doubles, and range checks written as `x < lo || x > hi` let NaN
// through: every numeric option is checked finite as text first.
const CLI::Validator kFinite(
    [](std::string& text) -> std::string {
      char* end = nullptr;
      const double v = std::strtod(text.c_str(), &end);
      if (end == text.c_str() || *end != '\0') return "\"" + text + "\" is not a number";
      if (!std::isfinite(v)) return "\"" + text + "\" is not a finite number";
      return {};
    },
    "FINITE");

// A value given empty (--range "") is a mistake, not "not given".
const CLI::Validator kNonEmpty(
    [](std::string& text) -> std::string { return text.empty() ? "the value is empty" : ""; },
    "TEXT");

}  // namespace

// -y replaces existing outputs; without it (or with -n) an existing output is an error, as in
// ffmpeg. The last of the two given wins.
void addOverwriteFlags(CLI::App* command, bool& overwrite) {
  command
      ->add_flag_callback(
          "-y,--overwrite", [&overwrite] { overwrite = true; }, "Replace output files that exist")
      ->trigger_on_parse();
  command
      ->add_flag_callback(
          "-n,--no-overwrite", [&overwrite] { overwrite = false; },
          "Refuse to replace output files that exist (the default)")
      ->trigger_on_parse();
}

bool stopRequested() { return gStopSignal != 0; }

void checkRenderFiles(const RenderArgs& a, const Session& session, const DeliveryOptions& d) {
  io::OutputGuard guard;
  addSessionInputs(guard, session, a.session);
  addLayoutInput(guard, a.layout);
  guard.addInput(a.video.picture, "--video");
  guard.addOutput(a.output, "--output");
  if (!a.stemsDir.empty()) {
    guard.addOutputFolder(a.stemsDir, "--stems");
    const io::OutputFormat format =
        a.format.empty() ? io::defaultFormatFor(a.output)
                         : io::parseOutputFormat(a.format).value_or(io::OutputFormat::Wav24);
    const std::string ext(io::formatInfo(format).extension);
    for (const auto& [stem, file] : stemFiles(session, a.stemsDir, ext))
      guard.addOutput(file, "--stems (stem \"" + stem + "\")");
  }
  for (const auto& [layout, file] : d.downmixes) guard.addOutput(file, "--downmix " + layout);
  if (!a.hrtf.empty()) guard.addInput(a.hrtf, "--hrtf");
  if (!a.reportJson.empty()) guard.addOutput(a.reportJson, "--report");
  if (!a.plotSvg.empty()) guard.addOutput(a.plotSvg, "--plot");
  guard.check(a.overwrite);
}

void setupRender(const RenderArgs& a, RenderSetup& s) {
  auto warn = [](const std::string& w) { std::cerr << "vkmix: warning: " << oneLine(w) << "\n"; };
  s.spec = a.spec.empty() ? nullptr : &engine::findDeliverySpec(a.spec);
  const engine::DeliverySpec* spec = s.spec;
  // An ADM BWF master renders like a session (docs/adm.md).
  s.session = loadSessionOrMaster(a.session, warn, AdmChoice{a.programme, a.complementary});
  const Session& session = s.session;
  if (spec) engine::checkSpecApplies(*spec, session);
  RenderOptions& options = s.options;
  options.layout = a.layout;
  options.device = a.device;
  // The double-precision path's name before the native CPU backend took "cpu": kept for one
  // release, with a note, so scripts written for it keep working and learn the new name.
  if (a.device == "cpu-reference")
    warn("--device cpu-reference is now --device reference; the old name goes in the next release");
  options.blockFrames = a.blockFrames;
  options.decodeThreads = a.decodeThreads;
  options.readThreads = a.readThreads;
  options.backendThreads = a.backendThreads;
  options.tailSeconds = a.tailSeconds;
  if (!a.range.empty()) {
    if (spec)
      throw InputError("--range", a.range,
                       "a delivery spec (--spec) checks the whole programme, not a range of it");
    options.range = parseRange(a.range, session.sampleRate);
  }
  options.allowShortMedia = a.allowShortMedia;
  // Validation layers: always in debug builds, on request (VKMIX_VALIDATION=1) in others.
#ifdef NDEBUG
  options.validation = std::getenv("VKMIX_VALIDATION") != nullptr;
#else
  options.validation = true;
#endif
  options.warn = warn;
  options.cancelled = [] { return gStopSignal != 0; };
  // A progress line on a terminal only, at most four times a second; logs get the summary.
  // A bar on a terminal (not with -q), JSON lines on request; logs get the summary.
  ProgressMode mode = parseProgressMode(a.progress);
  if (a.quiet && mode == ProgressMode::Auto) mode = ProgressMode::None;
  s.progress = std::make_unique<ProgressLine>(mode, stderr);
  options.progress = [p = s.progress.get()](double done, double total) { p->update(done, total); };
  options.passStarted = [p = s.progress.get()](int pass, int passes, const std::string& what) {
    p->passStarted(pass, passes, what);
  };

  DeliveryOptions& delivery = s.delivery;
  delivery.output = a.output;
  delivery.format = a.format;
  delivery.stemsDir = a.stemsDir;
  delivery.loudnessTargetLufs = a.loudnessTarget;
  delivery.truePeakCeilingDbtp = a.truePeakCeiling;
  delivery.meterDialogueDownmixes = spec && spec->measure == engine::SpecMeasure::Dialogue;
  if (a.loudnessReference == "dialogue") {
    delivery.reference = LoudnessReference::Dialogue;
  } else if (a.loudnessReference != "programme") {
    throw InputError("--loudness-reference", "",
                     "\"" + a.loudnessReference + "\" is not one of programme, dialogue");
  }
  for (const std::string& d : a.downmixes) {
    auto eq = d.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == d.size()) {
      throw InputError("--downmix", d, "expected LAYOUT=FILE, e.g. 2.0=mix_LoRo.wav");
    }
    delivery.downmixes.emplace_back(d.substr(0, eq), d.substr(eq + 1));
  }
  delivery.hrtf = a.hrtf;
  options.hrtf = a.hrtf;
  if (!a.hrtf.empty() && !engine::isBinauralRender(session, options) &&
      std::none_of(delivery.downmixes.begin(), delivery.downmixes.end(),
                   [](const auto& d) { return d.first == "binaural"; })) {
    throw InputError("--hrtf", a.hrtf,
                     "applies to a binaural render: add --layout binaural or --downmix "
                     "binaural=FILE");
  }

  checkRenderFiles(a, session, delivery);
}

int reportRender(const RenderArgs& a, const RenderSetup& s, const RenderReport& r) {
  s.progress->finish();
  const engine::DeliverySpec* spec = s.spec;
  // A failed check is information about outputs that are all written, not a failed render.
  std::optional<engine::SpecResult> checked;
  if (spec) checked = engine::checkSpec(*spec, r);
  if (!a.plotSvg.empty()) engine::writeLoudnessPlotSvg(r, a.loudnessTarget, a.plotSvg);
  if (!a.reportJson.empty()) {
    engine::writeReportJson(r, a.reportJson,
                            {versionLine(), a.session, a.reportJson, a.plotSvg, checked});
  }
  if (!a.quiet) {
    struct rusage usage {};
    ::getrusage(RUSAGE_SELF, &usage);
    std::fprintf(stderr, "device: %s, peak memory %ld MB\n", r.device.c_str(),
                 usage.ru_maxrss / 1024);
    std::fprintf(stderr,
                 "layout: %s, %d Hz, %d voices (%d at once, blocks of %lld), %.2f s of audio in "
                 "%.2f s wall (%.1fx realtime)\n",
                 r.layout.c_str(), r.sampleRate, r.numVoices, r.peakVoices,
                 static_cast<long long>(r.blockFrames), r.durationSeconds, r.wallSeconds,
                 r.wallSeconds > 0 ? r.durationSeconds / r.wallSeconds : 0.0);
    for (const ReverbReport& v : r.reverbs) {
      std::fprintf(stderr,
                   "reverb %s: %d-channel IR of %.2f s, rings %.2f s, %d convolver(s), "
                   "%lld-frame partitions\n",
                   oneLine(v.name).c_str(), v.irChannels, v.irSeconds, v.tailSeconds, v.convolvers,
                   static_cast<long long>(v.partitionFrames));
    }
    const BackendFigures& b = r.backend;
    if (b.chunks > 0 && r.durationSeconds > 0) {
      std::fprintf(stderr,
                   "backend: %s, %lld chunks of %lld frames, %.1f submissions per chunk, host CPU "
                   "%.4f s per audio second (block loop %.4f)\n",
                   b.name.c_str(), static_cast<long long>(b.chunks),
                   static_cast<long long>(b.chunkFrames),
                   static_cast<double>(b.submissions) / static_cast<double>(b.chunks),
                   b.hostCpuSeconds / r.durationSeconds, b.loopCpuSeconds / r.durationSeconds);
    }
    if (!r.reverbs.empty() && !s.options.range)
      std::fprintf(stderr, "rendered %.2f s past the last clip for the reverb tails\n",
                   r.tailSeconds);
    if (s.options.range) {
      const double start = static_cast<double>(s.options.range->start) / r.sampleRate;
      std::fprintf(stderr, "range: %.3f s to %.3f s of the render (its loudness below)\n", start,
                   start + r.durationSeconds);
    }
    if (a.loudnessTarget) {
      std::fprintf(stderr,
                   "normalised: %+.2f dB to %.1f LUFS (%s), limiter at most %.2f dB at %.1f dBTP\n",
                   r.normalisationGainDb, *a.loudnessTarget, a.loudnessReference.c_str(),
                   r.limiterReductionDb, a.truePeakCeiling);
    }
    printLoudnessTable(stderr, r);
    if (checked) std::fprintf(stderr, "%s\n", engine::specSummary(*checked).c_str());
  }
  if (checked) {
    for (const std::string& failure : engine::specFailures(*checked))
      std::fprintf(stderr, "vkmix: spec %s: %s\n", a.spec.c_str(), oneLine(failure).c_str());
  }
  if (r.clippedSamples > 0) {
    std::fprintf(stderr, "vkmix: warning: %lld samples clipped at full scale\n",
                 static_cast<long long>(r.clippedSamples));
  }
  if (r.validationErrors > 0) {
    std::fprintf(stderr, "vkmix: %d Vulkan validation errors\n", r.validationErrors);
    return 5;
  }
  std::printf("%s\n", oneLine(a.output).c_str());
  return checked && !checked->pass ? kExitSpecFailed : 0;
}

namespace {

int cmdRender(const RenderArgs& a) {
  RenderSetup s;
  setupRender(a, s);

  RenderReport r;
  if (!a.video.picture.empty()) {
    if (!a.stemsDir.empty() || !a.downmixes.empty() || !a.format.empty()) {
      throw InputError("--video", "",
                       "stems and downmixes go into the picture file as streams: use --mux-stems "
                       "and --mux-downmix LAYOUT (and --mux-codec for the codec)");
    }
    r = renderIntoVideo(s.session, s.options, s.delivery, a.video);
  } else {
    r = renderToFile(s.session, s.options, s.delivery);
  }
  return reportRender(a, s, r);
}

// Loudspeaker position of an FFmpeg/WAV mask bit, for BS.1770 channel weights. BL/BR are the
// surrounds (M+-110) of a 5.1 file and the rears (M+-135) when SL/SR are present too.
struct Role {
  std::string name;
  double azimuth = 0, elevation = 0;
  bool lfe = false;
};

std::vector<Role> rolesFor(std::uint64_t mask, int channels) {
  struct Bit {
    std::uint64_t bit;
    const char* name;
    double az, el;
  };
  const bool hasSides = (mask & 0x600) != 0;
  const Bit bits[] = {{0x1, "FL", 30, 0},
                      {0x2, "FR", -30, 0},
                      {0x4, "FC", 0, 0},
                      {0x8, "LFE", 0, -30},
                      {0x10, "BL", hasSides ? 135.0 : 110.0, 0},
                      {0x20, "BR", hasSides ? -135.0 : -110.0, 0},
                      {0x40, "FLC", 15, 0},
                      {0x80, "FRC", -15, 0},
                      {0x100, "BC", 180, 0},
                      {0x200, "SL", 90, 0},
                      {0x400, "SR", -90, 0},
                      {0x800, "TC", 0, 90},
                      {0x1000, "TFL", 45, 30},
                      {0x2000, "TFC", 0, 30},
                      {0x4000, "TFR", -45, 30},
                      {0x8000, "TBL", 135, 30},
                      {0x10000, "TBC", 180, 30},
                      {0x20000, "TBR", -135, 30}};
  std::vector<Role> roles;
  for (const Bit& b : bits) {
    if (mask & b.bit) roles.push_back({b.name, b.az, b.el, b.bit == 0x8});
  }
  if (static_cast<int>(roles.size()) == channels) return roles;
  // No usable mask: take the built-in layout with this channel count, else all front channels.
  roles.clear();
  for (const Layout& l : builtinLayouts()) {
    if (l.numChannels() == channels) {
      for (const Speaker& s : l.speakers)
        roles.push_back({s.name, s.azimuthDeg, s.elevationDeg, s.lfe});
      return roles;
    }
  }
  for (int c = 0; c < channels; ++c) roles.push_back({"ch" + std::to_string(c), 0, 0, false});
  return roles;
}

int cmdMeasure(const std::string& file, bool json) {
  io::MediaInfo info = io::probeAudio(file);
  if (info.promisedFrames > info.exactFrames)
    std::fprintf(stderr,
                 "vkmix: warning: %s: is cut short: its header promises %lld frames, the file "
                 "holds %lld; measured what it holds\n",
                 oneLine(file).c_str(), static_cast<long long>(info.promisedFrames),
                 static_cast<long long>(info.exactFrames));
  // Streamed a chunk at a time: a feature-length file is metered in constant memory, and Ctrl-C
  // is heard between chunks.
  io::StreamDecoder decoder(file, info.sampleRate);
  const int nc = decoder.numChannels();
  std::vector<Role> roles = rolesFor(decoder.sourceChannelMask(), nc);
  std::vector<double> weights;
  for (const Role& r : roles)
    weights.push_back(loudness::channelWeight(r.azimuth, r.elevation, r.lfe));
  loudness::LoudnessMeter meter(info.sampleRate, weights);
  constexpr std::int64_t kChunkFrames = 1 << 16;
  std::vector<std::vector<float>> chunk(static_cast<std::size_t>(nc));
  std::vector<float> planar;
  std::int64_t frames = 0;
  for (;;) {
    if (gStopSignal != 0) throw Interrupted("measure");
    for (auto& c : chunk) c.clear();
    const std::int64_t n = decoder.decode(chunk, kChunkFrames);
    if (n <= 0) break;
    planar.clear();
    for (const auto& c : chunk) planar.insert(planar.end(), c.begin(), c.begin() + n);
    meter.addFrames(planar, n, n);
    frames += n;
  }

  RenderReport r;
  r.layout = std::to_string(nc) + " ch";
  r.sampleRate = info.sampleRate;
  r.numFrames = frames;
  r.durationSeconds = static_cast<double>(frames) / info.sampleRate;
  for (const Role& role : roles) r.channelNames.push_back(role.name);
  r.mix = engine::loudnessFigures(meter);
  if (json) {
    std::printf("%s", measureJson(file, r).c_str());
  } else {
    std::printf("%s: %d channels, %d Hz, %.2f s\n", oneLine(file).c_str(), nc, info.sampleRate,
                r.durationSeconds);
    printLoudnessTable(stdout, r);
  }
  return 0;
}

struct DenoiseArgs {
  DenoiseFileOptions options;
  bool overwrite = false;
  std::string learn;  // START:END seconds
  std::string hum;    // HZ[:HARMONICS]
  bool quiet = false;
};

// "A:B" as two numbers; nullopt when it is not that.
std::optional<std::pair<double, double>> parsePair(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) return std::nullopt;
  try {
    std::size_t used = 0;
    const double a = std::stod(text.substr(0, colon), &used);
    if (used != colon) return std::nullopt;
    const std::string rest = text.substr(colon + 1);
    const double b = std::stod(rest, &used);
    if (used != rest.size() || !std::isfinite(a) || !std::isfinite(b)) return std::nullopt;
    return std::make_pair(a, b);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

int cmdDenoise(DenoiseArgs& a) {
  Denoise& d = a.options.settings;
  if (!(d.reductionDb >= 0.0 && d.reductionDb <= 60.0))
    throw InputError("--reduction", "", "must be within 0..60 dB");
  if (!(d.smoothing >= 0.0 && d.smoothing <= 1.0))
    throw InputError("--smoothing", "", "must be within 0..1");
  if (!a.learn.empty()) {
    const auto range = parsePair(a.learn);
    if (!range || !(range->first >= 0.0 && range->second - range->first >= 0.1))
      throw InputError("--learn", "", "expected START:END seconds, at least 0.1 s apart");
    d.learnStartSeconds = range->first;
    d.learnEndSeconds = range->second;
  }
  if (!a.hum.empty()) {
    auto hz = parsePair(a.hum.find(':') == std::string::npos ? a.hum + ":8" : a.hum);
    if (!hz || !(hz->first >= 20.0 && hz->first <= 1000.0) ||
        !(hz->second >= 1 && hz->second <= 32) || hz->second != std::floor(hz->second))
      throw InputError("--hum", "", "expected HZ[:HARMONICS], 20..1000 Hz and 1..32 harmonics");
    d.humHz = hz->first;
    d.humHarmonics = static_cast<int>(hz->second);
  }
  {
    io::OutputGuard guard;
    guard.addInput(a.options.input, "the input");
    guard.addOutput(a.options.output, "--output");
    guard.check(a.overwrite);
  }
  a.options.cancelled = [] { return gStopSignal != 0; };
  const DenoiseFileReport r = denoiseFile(a.options);
  const double seconds = static_cast<double>(r.numFrames) / r.sampleRate;
  if (a.quiet) {
    std::printf("%s\n", oneLine(a.options.output.string()).c_str());
  } else {
    std::printf("%s: %d ch, %.2f s denoised on %s in %.2f s (%.1fx realtime)\n",
                oneLine(a.options.output.string()).c_str(), r.numChannels, seconds,
                r.device.c_str(), r.wallSeconds, r.wallSeconds > 0 ? seconds / r.wallSeconds : 0.0);
  }
  return 0;
}

int cmdFormats() {
  std::printf("%-7s %-6s %-8s %s\n", "format", "ext", "channels", "");
  for (const io::FormatInfo& f : io::outputFormats()) {
    std::printf("%-7s %-6s <= %-5d %s\n", std::string(f.name).c_str(),
                std::string(f.extension).c_str(), f.maxChannels,
                std::string(f.description).c_str());
  }
  std::printf(
      "Without --format the output's extension picks (.wav = wav24); stems follow the mix, "
      "downmixes their own extension.\n");
  return 0;
}

int cmdDevices() {
  std::vector<gpu::DeviceInfo> devices;
  try {
    devices = gpu::listDevices();
  } catch (const GpuError&) {
    // No Vulkan driver: the CPU backends below still render.
  }
  bool gpu = false;
  for (const auto& d : devices) {
    std::printf("%d  %-40s %-10s Vulkan %s%s\n", d.index, d.name.c_str(), d.type.c_str(),
                d.apiVersion.c_str(), d.hasCompute ? "" : "  (no compute queue)");
    gpu = gpu || ((d.type == "discrete" || d.type == "integrated") && d.hasCompute);
  }
  // The SIMD width the CPU backend's vectorised loops can use on this processor.
  const char* simd = __builtin_cpu_supports("avx512f") ? "AVX-512 (512-bit)"
                     : __builtin_cpu_supports("avx2")  ? "AVX2 (256-bit)"
                                                       : "SSE2 (128-bit)";
  std::printf("cpu        native CPU backend: %u cores, %s, FFTW%s\n",
              std::max(1u, std::thread::hardware_concurrency()), simd,
              gpu ? "" : "  [the default: no GPU]");
  std::printf("reference  double-precision CPU reference (the specification; cpu-reference)\n");
  return 0;
}

void printLayout(const Layout& l, bool positions) {
  std::printf("%-6s %-6s %2d ch  mask 0x%05x  ", l.name.c_str(),
              l.itu.empty() ? "-" : l.itu.c_str(), l.numChannels(), l.wavChannelMask());
  for (const Speaker& s : l.speakers) {
    if (positions && !s.lfe) {
      std::printf(" %s(%s %g/%g)", s.name.c_str(), s.label.c_str(), s.azimuthDeg, s.elevationDeg);
    } else {
      std::printf(" %s(%s)", s.name.c_str(), s.label.c_str());
    }
  }
  std::printf("\n");
}

int cmdLayouts(const std::string& file, bool positions) {
  if (!file.empty()) {
    printLayout(layout::loadLayoutFile(file), true);
    return 0;
  }
  for (const Layout& l : builtinLayouts()) printLayout(l, positions);
  // Not a loudspeaker layout, but what --layout and --downmix take beside them: the two ears,
  // written as 2.0 (docs/binaural.md).
  const Layout& ears = binaural::binauralLayout();
  std::printf(
      "%-6s %-6s %2d ch  mask 0x%05x   %s(left ear) %s(right ear)  headphones: %s through "
      "an HRTF (--hrtf)\n",
      ears.name.c_str(), "-", ears.numChannels(), ears.wavChannelMask(),
      ears.speakers[0].name.c_str(), ears.speakers[1].name.c_str(),
      binaural::binauralVirtualLayout().name.c_str());
  return 0;
}

}  // namespace

void addRenderOptions(CLI::App* command, RenderArgs& a) {
  command->add_option(
      "--programme", a.programme,
      "ADM master: the audioProgramme to render, by ID or name (default: the first)");
  command->add_option("--complementary", a.complementary,
                      "ADM master: the audioObjectID to play from a complementary group (default: "
                      "the group's first); repeat for several groups");
  command->add_option("--layout", a.layout,
                      "Output layout (default: the session's); see 'vkmix layouts'; binaural: "
                      "the mix on headphones (docs/binaural.md)");
  command->add_option(
      "--format", a.format,
      "Output format, see 'vkmix formats' (default: from the extension; .wav = wav24)");
  command->add_option(
      "--device", a.device,
      "cpu (native), reference (double precision), or a Vulkan device index or name "
      "substring (llvmpipe: Vulkan on the CPU); default: a GPU, else cpu");
  command->add_option("--block", a.blockFrames,
                      "Frames per block (default: from the busiest moment's voice count, 512 to "
                      "4096; the output does not depend on it)");
  command
      ->add_option("--decode-threads", a.decodeThreads,
                   "Threads decoding the next block's clips (and, on the CPU backends, denoising "
                   "tracks) ahead (default: cores - 2, at most 4, at least 1 on a Vulkan device or "
                   "for denoised tracks on a CPU backend; 0 = none; the output does not depend "
                   "on it)")
      ->check(CLI::Range(0, 64));
  command
      ->add_option("--read-threads", a.readThreads,
                   "Threads reading each block's clip rows beside the block loop (default: cores "
                   "- 2, at most 8, none below 4 cores; the output does not depend on it)")
      ->check(CLI::Range(0, 64));
  command
      ->add_option("--backend-threads", a.backendThreads,
                   "Threads the CPU backend mixes on beside the block loop (default: cores - 2, "
                   "at most 15, none below 4 cores; the output does not depend on it)")
      ->check(CLI::Range(0, 64));
  command->add_option("--stems", a.stemsDir,
                      "Also write each stem (dialogue, music, effects, ...) to DIR/<stem>.wav");
  command
      ->add_option("--loudness-target", a.loudnessTarget,
                   "Normalise to this integrated loudness, LUFS (e.g. -24, -23, -27)")
      ->check(kFinite);
  command->add_option(
      "--loudness-reference", a.loudnessReference,
      "What the target measures: programme (the mix) or dialogue (the dialogue stem)");
  command
      ->add_option("--true-peak-ceiling", a.truePeakCeiling,
                   "Limiter ceiling when normalising, dBTP (default -1)")
      ->check(kFinite);
  command->add_option(
      "--downmix", a.downmixes,
      "Also write a matrix downmix, LAYOUT=FILE (e.g. 5.1=mix51.wav, 2.0=LoRo.wav), or the mix on "
      "headphones, binaural=FILE (docs/binaural.md); repeatable");
  command
      ->add_option("--hrtf", a.hrtf,
                   "SOFA HRTF file for --layout binaural or a binaural downmix (default: "
                   "libmysofa's default.sofa, "
                   "the MIT KEMAR set)")
      ->check(kNonEmpty);
  command
      ->add_option("--tail", a.tailSeconds,
                   "Longest reverb tail to render after the last clip, seconds (default: until "
                   "every IR's remaining energy is below -120 dB, docs/reverb.md)")
      ->check(kFinite);
  command->add_option("--report", a.reportJson, "Write the loudness report as JSON");
  command->add_option("--plot", a.plotSvg, "Write a loudness-over-time plot (SVG)");
  command->add_option("--video", a.video.picture,
                      "Mux into this picture file: its streams copied untouched, the mix added "
                      "(-o FINAL.mov|.mp4|.mkv)");
  command->add_option("--mux-codec", a.video.codec,
                      "Codec of the muxed audio: pcm | aac | eac3 (default pcm; eac3 in .mp4)");
  command->add_flag("--mux-stems", a.video.stems, "Also mux each stem as an audio stream");
  command->add_option("--mux-downmix", a.video.downmixes,
                      "Also mux a matrix downmix (e.g. 2.0) as an audio stream; repeatable");
  command->add_option("--language", a.video.language,
                      "ISO 639-2 language tag of the muxed streams (default und)");
  command
      ->add_option("--spec", a.spec,
                   "Check the mix and every downmix against a delivery spec, in the report and "
                   "the exit status (6: failed; the outputs are still written). It only checks: "
                   "normalise with --loudness-target. " +
                       engine::deliverySpecSummary())
      ->type_name("NAME");
  command->add_flag("-q,--quiet", a.quiet, "Print only the output path");
  command->add_option("--progress", a.progress,
                      "Progress: auto (a bar on a terminal), bar, json (one object per update on "
                      "stderr: pass, passes, stage, position, duration, speed, eta), none");
  addOverwriteFlags(command, a.overwrite);
  command->add_flag("--allow-short-media", a.allowShortMedia,
                    "Render WAV media cut short (header promises more than the file holds) with "
                    "silence for the missing frames and a warning per file, instead of refusing");
}

int run(int argc, char** argv) {
  // First thing, so a signal never finds the process without its clean-up path.
  std::signal(SIGINT, onStopSignal);
  std::signal(SIGTERM, onStopSignal);
  // A closed terminal or a dropped ssh session stops a render as cleanly as Ctrl-C does.
  std::signal(SIGHUP, onStopSignal);
  // Past a file-size limit (ulimit -f) writes then fail with EFBIG and unwind like a full disk,
  // instead of the default action killing the process with the temporary file left behind.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"vkmix: object-based film mix renderer with a Vulkan compute mixing core"};
  app.set_version_flag("--version", versionLine());
  app.require_subcommand(1);
  RenderArgs ra;
  auto* render = app.add_subcommand("render", "Render a session to a multichannel file");
  render
      ->add_option("session", ra.session,
                   "Session file (JSON, see docs/session-format.md) or ADM BWF master (.wav)")
      ->required();
  render->add_option("-o,--output", ra.output, "Output file (.wav or .flac)")->required();
  addRenderOptions(render, ra);
  render
      ->add_option("--range", ra.range,
                   "Render only START:END of the session (seconds, or HH:MM:SS.fff; START: to the "
                   "end): exactly those frames of the full render, its reverbs and denoisers "
                   "warmed up from before START (docs/architecture.md, \"Range renders\")")
      ->type_name("START:END")
      ->check(kNonEmpty);
  std::string measureFile;
  bool measureJsonFlag = false;
  auto* measure =
      app.add_subcommand("measure", "Meter any file FFmpeg reads (BS.1770-4 / EBU R 128)");
  measure->add_option("file", measureFile, "Audio or video file")->required();
  measure->add_flag("--json", measureJsonFlag, "Print JSON");
  DenoiseArgs da;
  auto* denoise = app.add_subcommand(
      "denoise",
      "Denoise a file (the session \"denoise\" track setting, on its own; docs/denoise.md)");
  denoise->add_option("input", da.options.input, "Audio or video file")->required();
  denoise->add_option("-o,--output", da.options.output, "Output file (.wav or .flac)")->required();
  denoise
      ->add_option("--reduction", da.options.settings.reductionDb,
                   "Most the noise is attenuated, dB (0..60, default 12)")
      ->check(kFinite);
  denoise
      ->add_option("--smoothing", da.options.settings.smoothing,
                   "Against musical noise, 0..1 (default 0.5)")
      ->check(kFinite);
  denoise->add_option(
      "--learn", da.learn,
      "START:END seconds of noise alone to learn a profile from (default: adaptive)");
  denoise->add_option("--hum", da.hum, "Remove mains hum: HZ[:HARMONICS], e.g. 50 or 60:12");
  denoise->add_option("--format", da.options.format, "Output format, see 'vkmix formats'");
  denoise->add_option(
      "--device", da.options.device,
      "cpu, reference, or a Vulkan device index or name substring (default: a GPU, else cpu)");
  denoise->add_flag("-q,--quiet", da.quiet, "Print only the output path");
  addOverwriteFlags(denoise, da.overwrite);
  std::string admFile, admSessionOut, admProgramme;
  std::vector<std::string> admComplementary;
  auto* admInfo = app.add_subcommand(
      "adm-info", "Print an ADM BWF file's programme, contents, objects and their tracks");
  admInfo->add_option("file", admFile, "ADM BWF (BW64/RF64/WAV with axml and chna)")->required();
  AdmExportArgs ea;
  auto* admExport =
      app.add_subcommand("adm-export", "Write a session as an ADM BWF master (objects and beds)");
  admExport->add_option("session", ea.session, "Session file")->required();
  admExport->add_option("-o,--output", ea.output, "The ADM BWF file (.wav)")->required();
  admExport->add_option("--layout", ea.layout,
                        "Layout of the reverb-return bed (default: the session's)");
  admExport->add_option("--format", ea.format, "wav32f (default) or wav24");
  admExport->add_option("--device", ea.device, "Vulkan device, or 'cpu'");
  admExport->add_option("--block", ea.blockFrames, "Frames per block");
  admExport->add_option("--programme", ea.programme,
                        "ADM master in: the audioProgramme to export (default: the first)");
  admExport->add_option("--complementary", ea.complementary,
                        "ADM master in: the audioObjectID to play from a complementary group");
  admExport->add_flag("-q,--quiet", ea.quiet, "Print only the output path");
  addOverwriteFlags(admExport, ea.overwrite);
  auto* admImport = app.add_subcommand(
      "adm-import", "Write the session an ADM BWF file renders as (to edit or inspect it)");
  admImport->add_option("file", admFile, "ADM BWF file")->required();
  admImport->add_option("-o,--output", admSessionOut, "Session file to write (.json)")->required();
  admImport->add_option("--programme", admProgramme,
                        "The audioProgramme to import, by ID or name (default: the first)");
  admImport->add_option("--complementary", admComplementary,
                        "The audioObjectID to play from a complementary group (default: the "
                        "group's first); repeat for several groups");
  bool admImportOverwrite = false;
  addOverwriteFlags(admImport, admImportOverwrite);
  ui::InspectOptions io;
  std::string inspectSize;
  auto* inspect = app.add_subcommand(
      "inspect", "See, move and hear the session's objects in the room (ImGui window)");
  inspect->add_option("session", io.session, "Session file or ADM BWF master")->required();
  inspect->add_option("--programme", io.programme,
                      "ADM master: the audioProgramme to open, by ID or name (default: the first)");
  inspect->add_option("--complementary", io.complementary,
                      "ADM master: the audioObjectID to open from a complementary group (default: "
                      "the group's first); repeat for several groups");
  inspect->add_option("--layout", io.layout, "Room layout (default: the session's)");
  inspect->add_option("--device", io.device, "Vulkan device index or name substring");
  bool inspectOverwrite = false;
  addOverwriteFlags(inspect, inspectOverwrite);
  inspect->add_option("--screenshot", io.screenshot,
                      "Draw one frame offscreen to this PNG and exit (no display needed)");
  inspect->add_option("--time", io.time, "Playhead, seconds (default 0)")->check(kFinite);
  inspect->add_option("--select", io.select, "Select this track (its speakers light up)");
  inspect->add_option("--size", inspectSize, "Window or screenshot size, WIDTHxHEIGHT (1280x760)");
  inspect->add_option(
      "--frames", io.frames,
      "Close the window after N frames and print the frame rate (tests, benchmarks)");
  inspect->add_flag("--play", io.play, "Start playing at --time");
  inspect->add_option("--audio-device", io.audioDevice,
                      "ALSA device of the preview (default: default; e.g. hw:1, null)");
  inspect->add_option("--audio-channels", io.audioChannels,
                      "Ask the device for at most this many channels (2: stereo fold-down)");
  inspect->add_option("--hrtf", io.hrtf,
                      "SOFA HRTF file of the binaural preview (default: libmysofa's default.sofa, "
                      "the MIT KEMAR set)");
  auto* formats = app.add_subcommand("formats", "List output formats (--format) and their limits");
  auto* devices = app.add_subcommand(
      "devices", "List the devices: Vulkan GPUs, the native CPU backend, the reference");
  std::string layoutFile;
  bool layoutPositions = false;
  auto* layouts =
      app.add_subcommand("layouts", "List output layouts and their channel (file) order");
  layouts->add_option("file", layoutFile, "A layout file (.json) to check and print");
  layouts->add_flag("--positions", layoutPositions, "Also print each speaker's azimuth/elevation");

  FarmArgs farmArgs;
  const FarmCommands farm = addFarmCommands(app, farmArgs);

  // After the subcommands, which would each inherit (and repeat) it.
  app.footer(kExitCodes);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  try {
    if (*render) return cmdRender(ra);
    if (*measure) return cmdMeasure(measureFile, measureJsonFlag);
    if (*denoise) return cmdDenoise(da);
    if (*inspect) {
      if (!inspectSize.empty()) {
        int used = 0;
        if (std::sscanf(inspectSize.c_str(), "%dx%d%n", &io.width, &io.height, &used) != 2 ||
            used != static_cast<int>(inspectSize.size()) || io.width < 64 || io.height < 64 ||
            io.width > 16384 || io.height > 16384)
          throw InputError("--size", inspectSize,
                           "expected WIDTHxHEIGHT, each 64..16384, e.g. 1920x1080");
      }
#ifndef NDEBUG
      io.validation = true;
#else
      io.validation = std::getenv("VKMIX_VALIDATION") != nullptr;
#endif
      if (inspect->count("--screenshot") > 0) {
        std::string ext = io.screenshot.extension().string();
        for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (ext != ".png")
          throw InputError(io.screenshot.string(), "--screenshot", "must be a .png file");
        io::OutputGuard guard;
        guard.addInput(io.session, "the session");
        addLayoutInput(guard, io.layout);
        if (!io.hrtf.empty()) guard.addInput(io.hrtf, "--hrtf");
        guard.addOutput(io.screenshot, "--screenshot");
        guard.check(inspectOverwrite);
      }
      return ui::runInspector(io);
    }
    if (*admInfo) return cmdAdmInfo(admFile);
    if (*admExport) return cmdAdmExport(ea, [] { return gStopSignal != 0; });
    if (*admImport) {
      return cmdAdmImport(admFile, admSessionOut, AdmChoice{admProgramme, admComplementary},
                          admImportOverwrite);
    }
    if (const std::optional<int> farmed = runFarm(farm, farmArgs)) return *farmed;
    if (*formats) return cmdFormats();
    if (*devices) return cmdDevices();
    if (*layouts) return cmdLayouts(layoutFile, layoutPositions);
    return 2;
  } catch (const InputError& e) {
    std::fprintf(stderr, "vkmix: %s\n", oneLine(e.what()).c_str());
    return 1;
  } catch (const GpuError& e) {
    std::fprintf(stderr, "vkmix: GPU: %s\n", oneLine(e.what()).c_str());
    return 3;
  } catch (const IoError& e) {
    std::fprintf(stderr, "vkmix: %s\n", oneLine(e.what()).c_str());
    return 4;
  } catch (const Interrupted&) {
    std::fprintf(stderr, "\nvkmix: interrupted; no output was written\n");
    return 128 + (gStopSignal != 0 ? gStopSignal : SIGINT);
  } catch (const InternalError& e) {
    std::fprintf(stderr, "vkmix: internal error (please report): %s\n", oneLine(e.what()).c_str());
    return 5;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkmix: %s\n", oneLine(e.what()).c_str());
    return 5;
  }
}

}  // namespace vkmix::cli
