// The render command's options, shared with the farm commands (cli/farm_commands.cpp), which
// take every render option and run the render's setup and report on the farm's machines.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/progress.hpp"
#include "engine/spec.hpp"
#include "vkmix/render.hpp"
#include "vkmix/session.hpp"

namespace CLI {
class App;
}

namespace vkmix::cli {

struct RenderArgs {
  std::string session;
  std::string output;
  std::string layout;
  std::string format;
  std::string device;
  std::int64_t blockFrames = 0;  // 0: chosen from the session (RenderOptions::blockFrames)
  int decodeThreads = -1;
  int readThreads = -1;
  int backendThreads = -1;
  bool quiet = false;
  std::string stemsDir;
  std::optional<double> loudnessTarget;
  std::string loudnessReference = "programme";
  double truePeakCeiling = -1.0;
  std::vector<std::string> downmixes;  // LAYOUT=FILE
  std::string hrtf;                    // --hrtf
  std::string reportJson;
  std::string plotSvg;
  std::optional<double> tailSeconds;
  std::string range;      // render's --range START:END (cli/range_arg); not a farm option
  std::string programme;  // an ADM master's audioProgramme (ID or name); empty: the first
  std::vector<std::string> complementary;  // an ADM master's chosen complementary objects
  VideoOptions video;
  bool overwrite = false;
  bool allowShortMedia = false;
  std::string progress = "auto";
  std::string spec;  // a delivery spec to check the render against (engine/spec.hpp)
};

// -y/--overwrite and -n/--no-overwrite (the last given wins) into `overwrite`.
void addOverwriteFlags(CLI::App* command, bool& overwrite);

// Every render option but the session and -o, on `command`.
void addRenderOptions(CLI::App* command, RenderArgs& a);

// What a render runs with, made from its options.
struct RenderSetup {
  Session session;
  RenderOptions options;
  DeliveryOptions delivery;
  const engine::DeliverySpec* spec = nullptr;
  std::unique_ptr<ProgressLine> progress;
};
// Loads the session and turns the options into RenderOptions and DeliveryOptions (InputError for
// a bad value); the render polls Ctrl-C and shows progress as `vkmix render` does. Checks every
// file it reads and writes (checkRenderFiles).
void setupRender(const RenderArgs& a, RenderSetup& s);
// Every file the render reads and writes, checked before any work (io::OutputGuard).
void checkRenderFiles(const RenderArgs& a, const Session& session, const DeliveryOptions& d);
// After the render: the report and plot files, the spec check and the summary on stderr; the
// exit status.
int reportRender(const RenderArgs& a, const RenderSetup& s, const RenderReport& r);
// True once SIGINT, SIGTERM or SIGHUP arrived (a render stops at its next block).
bool stopRequested();

}  // namespace vkmix::cli
