// SerialWorker: one thread that runs the jobs it is handed one at a time, in the order handed,
// while the thread that hands them goes on with its own work. The render loop hands it what it
// does with a chunk once the backend has given it back (summing the stems and the mix, handing
// the block on), so the loop's own thread only records and collects the device's work.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace vkmix {

class SerialWorker {
 public:
  // `threadName` names the thread for profilers (at most 15 characters).
  explicit SerialWorker(const char* threadName);
  ~SerialWorker();  // waits for the job in hand (an error it throws is dropped), then stops
  SerialWorker(const SerialWorker&) = delete;
  SerialWorker& operator=(const SerialWorker&) = delete;

  // Waits for the job before (rethrowing its error, and then not starting this one), then starts
  // `job`. Everything the caller wrote before is visible to the job.
  void post(std::function<void()> job);
  // Waits for the job in hand; what it wrote is then visible to the caller. Rethrows its error.
  void wait();

 private:
  void work(const char* threadName);

  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::function<void()> job_;
  std::exception_ptr error_;
  bool busy_ = false, stop_ = false;
  std::thread thread_;  // last: started once the members it uses exist
};

}  // namespace vkmix
