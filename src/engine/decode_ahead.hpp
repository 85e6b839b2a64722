// DecodeAhead: worker threads that decode the open clips' next block while the block loop
// uploads this one and waits for the device, so the loop finds its samples already buffered.
// A batch is a list of (source, clip frame to have decoded by); the loop starts one per block and
// finishes it before it next reads. Every source decodes the same frames whichever thread runs
// it, so the output does not depend on the thread count.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "engine/clip_source.hpp"

namespace vkmix::engine {

class DecodeAhead {
 public:
  // `threads` workers; 0 runs nothing ahead (every read then decodes in the loop).
  explicit DecodeAhead(int threads);
  ~DecodeAhead();  // waits for the batch in flight, then stops the workers
  DecodeAhead(const DecodeAhead&) = delete;
  DecodeAhead& operator=(const DecodeAhead&) = delete;

  bool enabled() const { return !workers_.empty(); }

  using Job = std::pair<SampleSource*, std::int64_t>;
  // Starts a batch. The sources must outlive it (until finish()). Finishes the previous batch
  // first if the caller has not. `last`, where given, is one more job after `jobs`, on one
  // worker (work that must not run on two threads at once: opening the next chunk's clips).
  void start(std::vector<Job> jobs, std::function<void()> last = {});
  // Waits for the batch; a job that failed rethrows its error (the first in job order, so which
  // bad file is named does not depend on timing).
  void finish();

 private:
  void work();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<Job> jobs_;
  std::function<void()> last_;
  std::size_t count_ = 0;  // jobs_, and last_ where given
  std::vector<std::exception_ptr> errors_;
  std::size_t next_ = 0, finished_ = 0;
  bool running_ = false, stop_ = false;
};

}  // namespace vkmix::engine
