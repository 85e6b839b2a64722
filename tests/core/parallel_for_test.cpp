// ParallelFor: every iteration runs exactly once per run(), on the workers and the caller, run
// after run (a worker late for one job must not take the next one's iterations); an exception
// reaches the caller after the other iterations ran; with no workers the caller runs them in order.
#include "core/parallel_for.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/thread_cpu.hpp"
#include "support/worker_probe.hpp"

namespace vkmix {
namespace {

TEST(ParallelFor, EveryIterationRunsOnceRunAfterRun) {
  ParallelFor pool(3);
  std::set<std::thread::id> threads;
  std::mutex mutex;
  for (std::size_t round = 0; round < 500; ++round) {
    const std::size_t count = 1 + round % 37;
    std::vector<std::atomic<int>> hits(count);
    pool.run(count, [&](std::size_t i) {
      hits[i].fetch_add(1);
      std::lock_guard lock(mutex);
      threads.insert(std::this_thread::get_id());
    });
    for (std::size_t i = 0; i < count; ++i) ASSERT_EQ(hits[i].load(), 1) << round << " " << i;
  }
  EXPECT_GE(threads.size(), 1u);
  EXPECT_LE(threads.size(), 4u) << "three workers and the caller";
}

TEST(ParallelFor, AnExceptionReachesTheCallerAfterTheOtherIterations) {
  ParallelFor pool(2);
  std::atomic<int> ran{0};
  EXPECT_THROW(pool.run(64,
                        [&](std::size_t i) {
                          ran.fetch_add(1);
                          if (i == 10) throw std::runtime_error("row 10");
                        }),
               std::runtime_error);
  EXPECT_EQ(ran.load(), 64);
  // The pool still works.
  std::atomic<int> again{0};
  pool.run(8, [&](std::size_t) { again.fetch_add(1); });
  EXPECT_EQ(again.load(), 8);
}

TEST(ParallelFor, WithoutWorkersTheCallerRunsTheIterationsInOrder) {
  ParallelFor pool(0);
  std::vector<std::size_t> order;
  pool.run(5, [&](std::size_t i) { order.push_back(i); });
  EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
}

// The workers carry the name they were given, and what they spend is in the process's CPU
// ledger (the render report's host CPU) by the time run() returns.
TEST(ParallelFor, WorkersAreNamedAndTheirCpuIsAccounted) {
  ParallelFor pool(2, "vkmix-test");
  test::WorkerProbe probe;
  const auto caller = std::this_thread::get_id();
  const double before = accountedCpuSeconds();
  pool.run(8, [&](std::size_t) { probe.job(std::this_thread::get_id() == caller); });
  EXPECT_EQ(probe.names(), std::set<std::string>{"vkmix-test"});
  EXPECT_GE(probe.workerCpu(), 0.005);
  EXPECT_GE(accountedCpuSeconds() - before, probe.workerCpu());
}

}  // namespace
}  // namespace vkmix
