// The render's progress as the user sees it: a bar on a terminal that names its pass ("pass 1/2
// measuring") with that pass's speed and ETA, or one JSON object per update for scripts and farm
// wrappers (--progress json), or nothing.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace vkmix::cli {

enum class ProgressMode { Auto, Bar, Json, None };

// "auto" (a bar when stderr is a terminal), "bar", "json", "none"; throws InputError otherwise.
ProgressMode parseProgressMode(const std::string& text);

class ProgressLine {
 public:
  ProgressLine(ProgressMode mode, std::FILE* out);
  void passStarted(int pass, int passes, const std::string& what);
  // Seconds rendered of this pass, of `total`; bars are redrawn at most four times a second.
  void update(double done, double total);
  // Ends the bar's line, if one was drawn.
  void finish();

 private:
  ProgressMode mode_;
  std::FILE* out_;
  int pass_ = 1, passes_ = 1;
  std::string what_ = "rendering";
  std::chrono::steady_clock::time_point passStart_;
  std::chrono::steady_clock::time_point lastPrint_;
  bool drawn_ = false;
};

}  // namespace vkmix::cli
