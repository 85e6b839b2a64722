#include "core/parallel_for.hpp"

#include "core/thread_cpu.hpp"

namespace vkmix {

ParallelFor::ParallelFor(int workers, const char* threadName) {
  for (int i = 0; i < workers; ++i) threads_.emplace_back([this, threadName] { work(threadName); });
}

ParallelFor::~ParallelFor() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void ParallelFor::drain(Job& job) {
  std::size_t done = 0;
  std::exception_ptr error;
  for (std::size_t i = job.next.fetch_add(1); i < job.count; i = job.next.fetch_add(1)) {
    try {
      (*job.fn)(i);
    } catch (...) {
      if (!error) error = std::current_exception();
    }
    ++done;
  }
  accountThreadCpu();
  std::lock_guard lock(mutex_);
  if (error && !job.error) job.error = error;
  job.finished += done;
  if (done > 0 && job.finished == job.count) done_.notify_all();
}

void ParallelFor::work(const char* threadName) {
  nameThisThread(threadName);
  std::size_t seen = 0;
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      job = job_;
    }
    drain(*job);
  }
}

void ParallelFor::run(std::size_t count, const std::function<void(std::size_t)>& fn) {
  if (threads_.empty() || count < 2) {
    for (std::size_t i = 0; i < count; ++i) fn(i);
    return;
  }
  auto job = std::make_shared<Job>();
  job->fn = &fn;
  job->count = count;
  {
    std::lock_guard lock(mutex_);
    job_ = job;
    ++generation_;
  }
  wake_.notify_all();
  drain(*job);
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return job->finished == count; });
  if (job->error) std::rethrow_exception(job->error);
}

}  // namespace vkmix
