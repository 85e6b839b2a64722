// `vkmix farm submit|status|wait|join|segment` (docs/farm.md): a render on a Slurm farm in time
// segments, joined into exactly the one-machine render.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/render_args.hpp"

namespace CLI {
class App;
}

namespace vkmix::cli {

struct FarmArgs {
  RenderArgs render;  // submit: the render's options
  int segments = 0;
  std::string segmentSeconds;  // as given: its one error covers every bad number
  std::string partition;
  std::vector<std::string> sbatch;
  std::string jobDir;
  std::string resume;
  std::string dir;  // status, wait, join, segment
  int index = 0;    // segment
  bool quiet = false;
  bool overwrite = false;  // join
};

struct FarmCommands {
  CLI::App* submit = nullptr;
  CLI::App* status = nullptr;
  CLI::App* wait = nullptr;
  CLI::App* join = nullptr;
  CLI::App* segment = nullptr;
};

FarmCommands addFarmCommands(CLI::App& app, FarmArgs& f);
// The exit status of the farm command parsed, or nullopt when none was.
std::optional<int> runFarm(const FarmCommands& c, FarmArgs& f);

}  // namespace vkmix::cli
