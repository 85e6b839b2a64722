// What the jobs of a thread pool tell a test about the threads that ran them: each job burns 5 ms
// of its thread's CPU; the workers' names and CPU are collected (the caller's thread is not a
// worker). The caller's jobs first wait for a worker's, up to 10 s: a loaded host may wake the
// workers late, and a pool whose caller took every job would show no worker at all.
#pragma once

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "core/thread_cpu.hpp"

namespace vkmix::test {

class WorkerProbe {
 public:
  void job(bool onCaller) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (onCaller && !workerRan_ && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const double t0 = threadCpuSeconds();
    volatile double sink = 0.0;
    while (threadCpuSeconds() - t0 < 0.005) sink = sink + 1.0;
    const double spent = threadCpuSeconds() - t0;
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    std::lock_guard lock(mutex_);
    if (onCaller) return;
    workerRan_ = true;
    names_.insert(name);
    workerCpu_ += spent;
  }
  const std::set<std::string>& names() const { return names_; }
  double workerCpu() const { return workerCpu_; }

 private:
  std::mutex mutex_;
  std::atomic<bool> workerRan_{false};
  std::set<std::string> names_;
  double workerCpu_ = 0.0;
};

}  // namespace vkmix::test
