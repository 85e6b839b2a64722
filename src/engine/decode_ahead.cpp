#include "engine/decode_ahead.hpp"

#include "core/thread_cpu.hpp"

namespace vkmix::engine {

DecodeAhead::DecodeAhead(int threads) {
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

DecodeAhead::~DecodeAhead() {
  {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return !running_ || finished_ == count_; });
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void DecodeAhead::start(std::vector<Job> jobs, std::function<void()> last) {
  if (workers_.empty()) return;
  finish();
  {
    std::lock_guard lock(mutex_);
    jobs_ = std::move(jobs);
    last_ = std::move(last);
    count_ = jobs_.size() + (last_ ? 1 : 0);
    errors_.assign(count_, nullptr);
    next_ = 0;
    finished_ = 0;
    running_ = true;
  }
  wake_.notify_all();
}

void DecodeAhead::finish() {
  std::unique_lock lock(mutex_);
  if (!running_) return;
  done_.wait(lock, [&] { return finished_ == count_; });
  running_ = false;
  for (const std::exception_ptr& e : errors_) {
    if (e) std::rethrow_exception(e);
  }
}

void DecodeAhead::work() {
  nameThisThread("vkmix-decode");
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || (running_ && next_ < count_); });
    if (stop_) return;
    const std::size_t k = next_++;
    const bool isLast = k == jobs_.size();
    const Job job = isLast ? Job{} : jobs_[k];
    lock.unlock();
    std::exception_ptr error;
    try {
      if (isLast) {
        last_();
      } else {
        job.first->decodeAhead(job.second);
      }
    } catch (...) {
      error = std::current_exception();
    }
    accountThreadCpu();
    lock.lock();
    errors_[k] = error;
    if (++finished_ == count_) done_.notify_all();
  }
}

}  // namespace vkmix::engine
