#include "core/serial_worker.hpp"

#include "core/thread_cpu.hpp"

namespace vkmix {

SerialWorker::SerialWorker(const char* threadName)
    : thread_([this, threadName] { work(threadName); }) {}

SerialWorker::~SerialWorker() {
  {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return !busy_ && jobs_.empty(); });
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void SerialWorker::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (error_) {
      std::exception_ptr e = error_;
      error_ = nullptr;
      std::rethrow_exception(e);
    }
    jobs_.push_back(std::move(job));
  }
  wake_.notify_all();
}

void SerialWorker::wait() {
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return !busy_ && jobs_.empty(); });
  if (error_) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);
  }
}

void SerialWorker::work(const char* threadName) {
  nameThisThread(threadName);
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
    if (stop_) return;
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    busy_ = true;
    lock.unlock();
    std::exception_ptr error;
    try {
      job();
    } catch (...) {
      error = std::current_exception();
    }
    job = nullptr;  // what the job holds goes on this thread, before the caller is told
    accountThreadCpu();
    lock.lock();
    busy_ = false;
    if (error) {
      if (!error_) error_ = error;
      jobs_.clear();  // they follow the one that failed: what they would use may be wrong
    }
    if (jobs_.empty()) done_.notify_all();
  }
}

}  // namespace vkmix
