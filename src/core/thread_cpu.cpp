#include "core/thread_cpu.hpp"

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <ctime>

namespace vkmix {
namespace {

std::atomic<std::int64_t> gAccountedNs{0};
thread_local std::int64_t tAccountedNs = 0;

std::int64_t threadCpuNs() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

}  // namespace

void nameThisThread(const char* name) { ::pthread_setname_np(::pthread_self(), name); }

double threadCpuSeconds() { return static_cast<double>(threadCpuNs()) * 1e-9; }

void accountThreadCpu() {
  const std::int64_t now = threadCpuNs();
  gAccountedNs += now - tAccountedNs;
  tAccountedNs = now;
}

void restartThreadCpu() { tAccountedNs = threadCpuNs(); }

double accountedCpuSeconds() { return static_cast<double>(gAccountedNs.load()) * 1e-9; }

}  // namespace vkmix
