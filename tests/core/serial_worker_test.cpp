// SerialWorker: jobs run one at a time in the order posted, on one named thread whose CPU is
// accounted; wait() sees what they wrote; a job's error reaches the caller once (at wait() or
// the next post()), the jobs queued after it are dropped, and the worker goes on afterwards.
#include "core/serial_worker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/thread_cpu.hpp"
#include "support/worker_probe.hpp"

namespace vkmix {
namespace {

TEST(SerialWorker, JobsRunInOrderOnOneThreadAndWaitSeesTheirWrites) {
  SerialWorker worker("vkmix-test");
  std::vector<int> order;  // written by the jobs only, read after wait()
  std::set<std::thread::id> threads;
  for (int round = 0; round < 200; ++round) {
    for (int j = 0; j < 1 + round % 5; ++j) {
      worker.post([&, v = round * 10 + j] {
        order.push_back(v);
        threads.insert(std::this_thread::get_id());
      });
    }
    worker.wait();
    ASSERT_EQ(order.size(), static_cast<std::size_t>(1 + round % 5)) << round;
    for (int j = 0; j < 1 + round % 5; ++j)
      ASSERT_EQ(order[static_cast<std::size_t>(j)], round * 10 + j);
    order.clear();
  }
  EXPECT_EQ(threads.size(), 1u);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u) << "the jobs run on the worker";
}

TEST(SerialWorker, AnErrorReachesTheCallerOnceAndDropsTheJobsAfterIt) {
  SerialWorker worker("vkmix-test");
  std::atomic<bool> release{false};
  std::atomic<int> ran{0};
  // The first job holds the worker until the rest are queued.
  worker.post([&] {
    while (!release.load()) std::this_thread::yield();
    ran.fetch_add(1);
  });
  worker.post([] { throw std::runtime_error("job 2"); });
  worker.post([&] { ran.fetch_add(100); });
  release.store(true);
  try {
    worker.wait();
    FAIL() << "the error should reach wait()";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "job 2");
  }
  EXPECT_EQ(ran.load(), 1) << "the job after the error was dropped";
  EXPECT_NO_THROW(worker.wait()) << "once";
  worker.post([&] { ran.fetch_add(1); });
  worker.wait();
  EXPECT_EQ(ran.load(), 2) << "the worker goes on";
}

TEST(SerialWorker, TheThreadIsNamedAndItsCpuIsAccounted) {
  test::WorkerProbe probe;
  const double before = accountedCpuSeconds();
  {
    SerialWorker worker("vkmix-test");
    for (int j = 0; j < 3; ++j) worker.post([&] { probe.job(false); });
    worker.wait();
  }
  EXPECT_EQ(probe.names(), std::set<std::string>{"vkmix-test"});
  EXPECT_GE(probe.workerCpu(), 0.015);
  EXPECT_GE(accountedCpuSeconds() - before, probe.workerCpu());
}

TEST(SerialWorker, DestroyingItWaitsForTheJobsQueued) {
  std::atomic<int> ran{0};
  {
    SerialWorker worker("vkmix-test");
    for (int j = 0; j < 20; ++j)
      worker.post([&] {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        ran.fetch_add(1);
      });
  }
  EXPECT_EQ(ran.load(), 20);
}

}  // namespace
}  // namespace vkmix
