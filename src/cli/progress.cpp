#include "cli/progress.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "vkmix/error.hpp"

namespace vkmix::cli {

ProgressMode parseProgressMode(const std::string& text) {
  if (text == "auto") return ProgressMode::Auto;
  if (text == "bar") return ProgressMode::Bar;
  if (text == "json") return ProgressMode::Json;
  if (text == "none") return ProgressMode::None;
  throw InputError("--progress", "", "\"" + text + "\" is not one of auto, bar, json, none");
}

ProgressLine::ProgressLine(ProgressMode mode, std::FILE* out) : mode_(mode), out_(out) {
  if (mode_ == ProgressMode::Auto)
    mode_ = ::isatty(::fileno(out)) != 0 ? ProgressMode::Bar : ProgressMode::None;
  passStart_ = std::chrono::steady_clock::now();
  lastPrint_ = passStart_ - std::chrono::seconds(1);
}

void ProgressLine::passStarted(int pass, int passes, const std::string& what) {
  pass_ = pass;
  passes_ = passes;
  what_ = what;
  passStart_ = std::chrono::steady_clock::now();
  lastPrint_ = passStart_ - std::chrono::seconds(1);
  // A pass's bar ends on its own line, so the next pass starts a fresh one.
  finish();
}

void ProgressLine::update(double done, double total) {
  if (mode_ == ProgressMode::None) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - lastPrint_ < std::chrono::milliseconds(250) && done < total) return;
  lastPrint_ = now;
  const double elapsed = std::chrono::duration<double>(now - passStart_).count();
  const double speed = elapsed > 0 ? done / elapsed : 0.0;
  const double eta = speed > 0 ? (total - done) / speed : 0.0;
  if (mode_ == ProgressMode::Json) {
    const nlohmann::json line = {{"pass", pass_},    {"passes", passes_}, {"stage", what_},
                                 {"position", done}, {"duration", total}, {"speed", speed},
                                 {"eta", eta}};
    std::fprintf(out_, "%s\n", line.dump().c_str());
    std::fflush(out_);
    return;
  }
  drawn_ = true;
  const int filled = total > 0 ? static_cast<int>(24.0 * done / total) : 0;
  std::fprintf(out_, "\rpass %d/%d %-12s [%-24s] %5.1f / %.1f s  %5.1fx realtime  ETA %5.1f s ",
               pass_, passes_, what_.substr(0, 12).c_str(),
               std::string(static_cast<std::size_t>(filled), '#').c_str(), done, total, speed, eta);
  std::fflush(out_);
}

void ProgressLine::finish() {
  if (drawn_) std::fprintf(out_, "\n");
  drawn_ = false;
}

}  // namespace vkmix::cli
