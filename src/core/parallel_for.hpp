// ParallelFor: a few worker threads that share a loop's iterations with the thread that asks.
// The block loop reads a chunk's clip rows through it, and the CPU backend mixes a chunk's
// channels, on machines with cores to spare; each iteration writes its own memory, so the bytes
// do not depend on which thread ran it or how many there are.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace vkmix {

class ParallelFor {
 public:
  // 0 workers: run() runs everything on the calling thread. `threadName` names the workers for
  // profilers (at most 15 characters).
  explicit ParallelFor(int workers, const char* threadName = "vkmix-read");
  ~ParallelFor();
  ParallelFor(const ParallelFor&) = delete;
  ParallelFor& operator=(const ParallelFor&) = delete;

  int workers() const { return static_cast<int>(threads_.size()); }
  // Calls fn(i) for every i in [0, count), on the workers and the calling thread, and returns
  // when all calls have. The first exception thrown is rethrown here (the rest still run).
  void run(std::size_t count, const std::function<void(std::size_t)>& fn);

 private:
  struct Job {
    const std::function<void(std::size_t)>* fn = nullptr;
    std::size_t count = 0;
    std::atomic<std::size_t> next{0};
    std::size_t finished = 0;  // iterations done (mutex_)
    std::exception_ptr error;  // the first one thrown (mutex_)
  };
  void work(const char* threadName);
  void drain(Job& job);  // takes the job's iterations until none is left

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  // The current job. A worker keeps the one it took: one that woke late finds its iterations all
  // taken, and does not touch the next job's.
  std::shared_ptr<Job> job_;
  std::size_t generation_ = 0;
  bool stop_ = false;
};

}  // namespace vkmix
