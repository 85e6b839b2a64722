#include "gpu/fault_injection.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>

namespace vkmix::gpu {
namespace {

struct Fault {
  bool active = false;
  FaultPoint point = FaultPoint::Submission;
  long at = 1;
};

Fault readFault() {
  Fault f;
  const char* env = std::getenv("VKMIX_GPU_FAULT");
  if (env == nullptr) return f;
  const std::string spec = env;
  const auto atSign = spec.find('@');
  const std::string kind = spec.substr(0, atSign);
  if (kind == "device-lost") {
    f.point = FaultPoint::Submission;
  } else if (kind == "out-of-memory") {
    f.point = FaultPoint::Allocation;
  } else {
    return f;
  }
  f.active = true;
  if (atSign != std::string::npos)
    f.at = std::max(1L, std::strtol(spec.c_str() + atSign + 1, nullptr, 10));
  return f;
}

}  // namespace

bool injectFault(FaultPoint point) {
  static const Fault fault = readFault();
  static std::atomic<long> calls[2] = {0, 0};
  if (!fault.active || fault.point != point) return false;
  return ++calls[static_cast<int>(point)] == fault.at;
}

}  // namespace vkmix::gpu
