// Host wall time spent inside a backend's calls, per stage, for the render report.
#pragma once

#include <chrono>

namespace vkmix::backend {

class StageClock {
 public:
  explicit StageClock(double& total) : total_(total), start_(std::chrono::steady_clock::now()) {}
  ~StageClock() {
    total_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  StageClock(const StageClock&) = delete;
  StageClock& operator=(const StageClock&) = delete;

 private:
  double& total_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace vkmix::backend
