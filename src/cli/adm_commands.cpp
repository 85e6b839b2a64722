#include "cli/adm_commands.hpp"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/output_check.hpp"
#include "core/one_line.hpp"
#include "vkmix/adm.hpp"
#include "vkmix/error.hpp"

namespace vkmix::cli {
namespace {

void warnLine(const std::string& w) { std::cerr << "vkmix: warning: " << oneLine(w) << "\n"; }

}  // namespace

int cmdAdmInfo(const std::string& file) {
  // Names in a master are anyone's text: each line printed with its control characters escaped.
  std::string notRenderable;
  const std::string text = describeAdm(file, &notRenderable);
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    std::printf("%s\n", oneLine(std::string_view(text).substr(at, end - at)).c_str());
    at = end + 1;
  }
  // A master render would refuse: the listing, then (last) why, and a failing exit as render's.
  if (!notRenderable.empty()) {
    std::fflush(stdout);
    std::fprintf(stderr, "vkmix: %s\n", oneLine(notRenderable).c_str());
    return 1;
  }
  return 0;
}

int cmdAdmExport(const AdmExportArgs& a, const std::function<bool()>& cancelled) {
  AdmSampleFormat format = AdmSampleFormat::Float32;
  if (a.format == "wav24") {
    format = AdmSampleFormat::Int24;
  } else if (a.format != "wav32f") {
    throw InputError("--format", "", "\"" + a.format + "\" is not one of wav32f, wav24");
  }
  const Session session =
      loadSessionOrMaster(a.session, warnLine, AdmChoice{a.programme, a.complementary});
  {
    io::OutputGuard guard;
    addSessionInputs(guard, session, a.session);
    addLayoutInput(guard, a.layout);
    guard.addOutput(a.output, "--output");
    guard.check(a.overwrite);
  }
  requireExtension(a.output, "--output", {".wav", ".bwf", ".bw64", ".rf64"}, "an ADM BWF master");
  RenderOptions options;
  options.layout = a.layout;
  options.device = a.device;
  options.blockFrames = a.blockFrames;
  options.warn = warnLine;
  options.cancelled = cancelled;
  const RenderReport r = exportAdm(session, options, a.output, format);
  if (!a.quiet) {
    std::fprintf(stderr, "device: %s; %zu tracks, %.2f s of audio in %.2f s wall\n",
                 r.device.c_str(), r.channelNames.size(), r.durationSeconds, r.wallSeconds);
  }
  std::printf("%s\n", oneLine(a.output).c_str());
  return 0;
}

int cmdAdmImport(const std::string& file, const std::string& output, const AdmChoice& choice,
                 bool overwrite) {
  Session session = importAdm(file, warnLine, choice);
  // The session's media paths as seen from where it is written, so it renders from there.
  std::error_code ec;
  const std::filesystem::path folder = std::filesystem::absolute(output, ec).parent_path();
  for (Track& t : session.tracks) {
    for (Clip& c : t.clips) {
      const auto relative =
          std::filesystem::absolute(c.resolvedPath, ec).lexically_relative(folder);
      c.file = relative.empty() ? std::filesystem::absolute(c.resolvedPath, ec).string()
                                : relative.string();
    }
  }
  {
    io::OutputGuard guard;
    guard.addInput(file, "the ADM master");
    guard.addOutput(output, "--output");
    guard.check(overwrite);
  }
  requireExtension(output, "--output", {".json"}, "a session");
  saveSession(session, output);
  std::printf("%s\n", oneLine(output).c_str());
  return 0;
}

}  // namespace vkmix::cli
