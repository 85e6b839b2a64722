// A small fixed set of threads that run one batch of numbered jobs at a time, the caller taking
// jobs too. The CPU convolver hands it its transforms and its outputs; which thread runs a job
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
  // threads >= 1 in all: threads - 1 workers, plus the caller of run().
  explicit CpuWorkers(int threads);
  ~CpuWorkers();
  CpuWorkers(const CpuWorkers&) = delete;
  CpuWorkers& operator=(const CpuWorkers&) = delete;
  int threads() const { return static_cast<int>(workers_.size()) + 1; }
  // Runs job(index, lane) once for every index < jobs and returns when all have finished. lane
  // (< threads()) names the thread running it, for per-thread scratch. Jobs are taken in index
  // order; the first exception a job throws is rethrown here once the batch has finished.
  // One run() at a time.
  void run(std::size_t jobs, const std::function<void(std::size_t, int)>& job);

 private:
  void work(int lane);
  void take(std::unique_lock<std::mutex>& lock, int lane);

  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(std::size_t, int)>* job_ = nullptr;
  std::size_t jobs_ = 0, next_ = 0;
  int busy_ = 0;                  // workers inside the current batch
  std::uint64_t generation_ = 0;  // counts batches, so a worker joins each one once
  bool stop_ = false;
  std::exception_ptr error_;
  std::vector<std::thread> workers_;  // last: started once the state above exists
};

}  // namespace vkmix::dsp
