#include "dsp/convolver/cpu_workers.hpp"

#include <utility>

#include "core/thread_cpu.hpp"

namespace vkmix::dsp {

CpuWorkers::CpuWorkers(int threads) {
  for (int lane = 1; lane < threads; ++lane) workers_.emplace_back([this, lane] { work(lane); });
}

CpuWorkers::~CpuWorkers() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    next_ = jobs_;  // the jobs not yet taken are dropped
  }
  start_.notify_all();
  for (std::thread& t : workers_) t.join();
}

// Takes jobs until none is left; the lock is held between jobs, not while one runs.
void CpuWorkers::take(std::unique_lock<std::mutex>& lock, int lane) {
  while (next_ < jobs_) {
    const std::size_t index = next_++;
    lock.unlock();
    std::exception_ptr failed;
    try {
      job_(index, lane);
    } catch (...) {
      failed = std::current_exception();
    }
    lock.lock();
    if (failed) {
      if (!error_) error_ = failed;
      next_ = jobs_;  // the batch has failed: start no more of it
    }
  }
}

void CpuWorkers::work(int lane) {
  nameThisThread("vkmix-conv");
  std::uint64_t seen = 0;
  std::unique_lock lock(mutex_);
  for (;;) {
    start_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    ++busy_;
    take(lock, lane);
    accountThreadCpu();  // before the batch counts as done, so a render's figure has it
    if (--busy_ == 0) done_.notify_one();
  }
}

void CpuWorkers::start(std::size_t jobs, std::function<void(std::size_t, int)> job) {
  {
    std::lock_guard lock(mutex_);
    job_ = std::move(job);
    jobs_ = jobs;
    next_ = 0;
    error_ = nullptr;
    ++generation_;
  }
  if (!workers_.empty() && jobs > 0) start_.notify_all();
}

void CpuWorkers::finish() {
  std::unique_lock lock(mutex_);
  take(lock, 0);
  // Every job is taken; wait for the workers still running theirs. A worker that wakes late
  // finds nothing left to take.
  done_.wait(lock, [&] { return busy_ == 0; });
  job_ = nullptr;
  jobs_ = next_ = 0;
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

}  // namespace vkmix::dsp
