// DecodeAhead: every job of a batch runs once per batch, the loop's reads see what the workers
// decoded, and a failure comes back at finish() as the first failed job's error in job order.
#include "engine/decode_ahead.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace vkmix::engine {
namespace {

// Records how far it was asked to decode; jobs named to fail throw with their name, the slow
// ones sleep first so they fail after faster ones.
class FakeSource final : public SampleSource {
 public:
  explicit FakeSource(int id, bool fails = false, bool slow = false)
      : id_(id), fails_(fails), slow_(slow) {}
  void read(int, std::int64_t, std::int64_t, float*) override {}
  void decodeAhead(std::int64_t clipFrameEnd) override {
    if (slow_) std::this_thread::sleep_for(std::chrono::milliseconds(30));
    ++calls;
    decodedTo = clipFrameEnd;
    if (fails_) throw std::runtime_error("source " + std::to_string(id_));
  }
  std::atomic<int> calls{0};
  std::atomic<std::int64_t> decodedTo{0};

 private:
  int id_;
  bool fails_, slow_;
};

TEST(DecodeAhead, EveryJobRunsOncePerBatch) {
  std::vector<std::unique_ptr<FakeSource>> sources;
  for (int i = 0; i < 50; ++i) sources.push_back(std::make_unique<FakeSource>(i));
  DecodeAhead ahead(3);
  for (std::int64_t batch = 1; batch <= 4; ++batch) {
    std::vector<DecodeAhead::Job> jobs;
    for (auto& s : sources) jobs.emplace_back(s.get(), batch * 100);
    ahead.start(std::move(jobs));
    ahead.finish();
    for (auto& s : sources) {
      EXPECT_EQ(s->calls, batch);
      EXPECT_EQ(s->decodedTo, batch * 100);
    }
  }
  ahead.start({});  // an empty batch finishes at once
  ahead.finish();
}

TEST(DecodeAhead, TheFirstFailedJobInOrderIsReported) {
  // Job 1 fails slowly, job 3 fails at once: job 1's error is the one reported, every time.
  for (int round = 0; round < 5; ++round) {
    FakeSource ok0(0), bad1(1, true, true), ok2(2), bad3(3, true);
    DecodeAhead ahead(4);
    ahead.start({{&ok0, 1}, {&bad1, 1}, {&ok2, 1}, {&bad3, 1}});
    try {
      ahead.finish();
      FAIL() << "no error";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), "source 1");
    }
    EXPECT_EQ(ok2.calls, 1);  // the others still ran
  }
}

// The batch's last job (the next chunk's clips opening) runs once per batch, finish() waits for
// it, and its error comes after every decode job's in order.
TEST(DecodeAhead, TheLastJobRunsOnceAndItsErrorComesLast) {
  DecodeAhead ahead(3);
  std::atomic<int> lastRuns{0};
  for (int batch = 1; batch <= 3; ++batch) {
    FakeSource a(0), b(1);
    ahead.start({{&a, 5}, {&b, 5}}, [&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      ++lastRuns;
    });
    ahead.finish();
    EXPECT_EQ(lastRuns, batch);
    EXPECT_EQ(a.calls + b.calls, 2);
  }
  ahead.start({}, [&] { ++lastRuns; });  // a batch of the last job alone
  ahead.finish();
  EXPECT_EQ(lastRuns, 4);
  for (const bool decodeFails : {false, true}) {
    FakeSource slowBad(7, decodeFails, true);
    ahead.start({{&slowBad, 1}}, [] { throw std::runtime_error("opening"); });
    try {
      ahead.finish();
      FAIL() << "no error";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), decodeFails ? "source 7" : "opening");
    }
  }
}

TEST(DecodeAhead, NoThreadsRunsNothingAndTheDestructorWaits) {
  FakeSource a(0);
  {
    DecodeAhead none(0);
    none.start({{&a, 10}});
    none.finish();
  }
  EXPECT_EQ(a.calls, 0);
  FakeSource slow(1, false, true);
  {
    DecodeAhead ahead(1);
    ahead.start({{&slow, 10}});
  }  // destroyed with the batch in flight: waits for it
  EXPECT_EQ(slow.calls, 1);
}

}  // namespace
}  // namespace vkmix::engine
