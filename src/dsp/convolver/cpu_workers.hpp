// A small fixed set of threads that run one batch of numbered jobs at a time, the caller taking
// jobs too. The CPU convolver hands it its transforms and its sums; which thread runs a job
// changes nothing in what the job computes, so the results do not depend on the thread count.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace vkmix::dsp {

class CpuWorkers {
 public:
  // threads >= 1 in all: threads - 1 workers, plus the caller of finish().
  explicit CpuWorkers(int threads);
  ~CpuWorkers();  // waits for the jobs the workers have taken; starts no more
  CpuWorkers(const CpuWorkers&) = delete;
  CpuWorkers& operator=(const CpuWorkers&) = delete;
  int threads() const { return static_cast<int>(workers_.size()) + 1; }
  // Starts a batch: job(index, lane) is to run once for every index < jobs, in index order, lane
  // (< threads()) naming the thread that runs it (for per-thread scratch). The workers start on
  // it at once; the caller goes on. One batch at a time: finish() it before the next start().
  void start(std::size_t jobs, std::function<void(std::size_t, int)> job);
  // Takes what is left of the batch on the calling thread (lane 0), waits for the workers'
  // jobs, and rethrows the first exception a job threw. Nothing to do without a batch.
  void finish();
  void run(std::size_t jobs, std::function<void(std::size_t, int)> job) {
    start(jobs, std::move(job));
    finish();
  }

 private:
  void work(int lane);
  void take(std::unique_lock<std::mutex>& lock, int lane);

  std::mutex mutex_;
  std::condition_variable start_, done_;
  std::function<void(std::size_t, int)> job_;
  std::size_t jobs_ = 0, next_ = 0;
  int busy_ = 0;                  // workers inside the current batch
  std::uint64_t generation_ = 0;  // counts batches, so a worker joins each one once
  bool stop_ = false;
  std::exception_ptr error_;
  std::vector<std::thread> workers_;  // last: started once the state above exists
};

}  // namespace vkmix::dsp
