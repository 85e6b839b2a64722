// ParallelFor: every iteration runs exactly once per run(), on the workers and the caller, run
// after run (a worker late for one job must not take the next one's iterations); an exception
// reaches the caller after the other iterations ran; with no workers the caller runs them in order.
#include "core/parallel_for.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/thread_cpu.hpp"

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
  std::mutex mutex;
  std::set<std::string> names;
  double workerCpu = 0.0;
  std::atomic<bool> workerRan{false};
  const auto caller = std::this_thread::get_id();
  const double before = accountedCpuSeconds();
  pool.run(8, [&](std::size_t) {
    const bool onCaller = std::this_thread::get_id() == caller;
    // The caller's iterations wait for a worker's (a loaded host may wake the workers late).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (onCaller && !workerRan && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const double t0 = threadCpuSeconds();
    volatile double sink = 0.0;
    while (threadCpuSeconds() - t0 < 0.005) sink = sink + 1.0;
    const double spent = threadCpuSeconds() - t0;
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    std::lock_guard lock(mutex);
    if (!onCaller) {
      workerRan = true;
      names.insert(name);
      workerCpu += spent;
    }
  });
  EXPECT_EQ(names, std::set<std::string>{"vkmix-test"});
  EXPECT_GE(workerCpu, 0.005);
  EXPECT_GE(accountedCpuSeconds() - before, workerCpu);
}

}  // namespace
}  // namespace vkmix
