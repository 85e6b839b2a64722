#include "cli/adm_commands.hpp"

#include <cstdio>
#include <iostream>

#include "cli/one_line.hpp"
#include "cli/output_check.hpp"
#include "vkmix/adm.hpp"
#include "vkmix/error.hpp"

namespace vkmix::cli {
namespace {

void warnLine(const std::string& w) { std::cerr << "vkmix: warning: " << oneLine(w) << "\n"; }

}  // namespace

int cmdAdmInfo(const std::string& file) {
  std::fputs(describeAdm(file).c_str(), stdout);
  return 0;
}

int cmdAdmExport(const AdmExportArgs& a, const std::function<bool()>& cancelled) {
  AdmSampleFormat format = AdmSampleFormat::Float32;
  if (a.format == "wav24") {
    format = AdmSampleFormat::Int24;
  } else if (a.format != "wav32f") {
    throw InputError("--format", "", "\"" + a.format + "\" is not one of wav32f, wav24");
  }
  const Session session = loadSessionOrMaster(a.session, warnLine, a.programme);
  {
    io::OutputGuard guard;
    addSessionInputs(guard, session, a.session);
    addLayoutInput(guard, a.layout);
    guard.addOutput(a.output, "--output");
    guard.check(a.overwrite);
  }
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
  std::printf("%s\n", a.output.c_str());
  return 0;
}

int cmdAdmImport(const std::string& file, const std::string& output, const std::string& programme,
                 bool overwrite) {
  Session session = importAdm(file, warnLine, programme);
  {
    io::OutputGuard guard;
    guard.addInput(file, "the ADM master");
    guard.addOutput(output, "--output");
    guard.check(overwrite);
  }
  saveSession(session, output);
  std::printf("%s\n", output.c_str());
  return 0;
}

}  // namespace vkmix::cli
