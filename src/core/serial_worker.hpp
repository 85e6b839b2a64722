// SerialWorker: one thread that runs the jobs it is handed one at a time, in the order handed,
// while the thread that hands them goes on with its own work. The render loop hands it what it
// does with a chunk once the backend has given it back (summing the stems and the mix, handing
// the block on), so the loop's own thread only records and collects the device's work.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace vkmix {

class SerialWorker {
 public:
  // `threadName` names the thread for profilers (at most 15 characters).
  explicit SerialWorker(const char* threadName);
  ~SerialWorker();  // waits for the jobs queued (an error is dropped), then stops
  SerialWorker(const SerialWorker&) = delete;
  SerialWorker& operator=(const SerialWorker&) = delete;

  // Queues `job`, to run once the jobs before it have. Everything the caller wrote before is
  // visible to the job. After a job has thrown, the jobs queued are dropped and this rethrows
  // its error, once.
  void post(std::function<void()> job);
  // Waits for every job queued; what they wrote is then visible to the caller. Rethrows the
  // error of one that threw (the first; the rest were dropped).
  void wait();

 private:
  void work(const char* threadName);

  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::deque<std::function<void()>> jobs_;
  std::exception_ptr error_;
  bool busy_ = false, stop_ = false;  // busy_: a job is running
  std::thread thread_;                // last: started once the members it uses exist
};

}  // namespace vkmix
