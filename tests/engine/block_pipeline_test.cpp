// The delivery thread: blocks arrive in order and intact, a consumer error reaches the render, and
// a render that stops early leaves no thread behind.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "engine/block_pipeline.hpp"

namespace vkmix::engine {
namespace {

RenderedBlock blockOf(std::vector<float>& mix, std::vector<float>& stem, int k) {
  for (std::size_t i = 0; i < mix.size(); ++i)
    mix[i] = static_cast<float>(k * 1000 + static_cast<int>(i));
  stem.assign(mix.size(), static_cast<float>(-k));
  RenderedBlock b;
  b.mix = mix;
  b.stems = {stem};
  b.stride = 8;
  b.numFrames = 7;
  return b;
}

TEST(BlockPipeline, DeliversEveryBlockInOrderAndIntact) {
  std::vector<int> seen;
  bool intact = true;
  {
    BlockPipeline pipe(
        [&](const RenderedBlock& b) {
          const int k = static_cast<int>(b.mix[0]) / 1000;
          seen.push_back(k);
          std::this_thread::sleep_for(std::chrono::microseconds(k % 3 == 0 ? 300 : 0));
          intact = intact && b.stride == 8 && b.numFrames == 7 && b.stems.size() == 1 &&
                   b.stems[0][5] == static_cast<float>(-k) &&
                   b.mix[15] == static_cast<float>(k * 1000 + 15);
        },
        2);
    std::vector<float> mix(16), stem;
    // The producer reuses its buffers at once, as the render does.
    for (int k = 0; k < 50; ++k) pipe.push(blockOf(mix, stem, k));
    pipe.finish();
    ASSERT_EQ(seen.size(), 50u);  // finish() waits for the last one
  }
  for (int k = 0; k < 50; ++k) EXPECT_EQ(seen[static_cast<std::size_t>(k)], k);
  EXPECT_TRUE(intact);
}

// A producer that gives its vectors has them swapped, not copied: the consumer still gets every
// block intact, the producer writing each one into whatever vectors it holds by then (resized,
// as the collector does), and a block whose views are not those vectors is copied.
TEST(BlockPipeline, GivenVectorsChangePlacesAndStillArriveIntact) {
  std::vector<int> seen;
  bool intact = true;
  std::vector<float> mix, stem1, stem2;
  std::vector<std::vector<float>> stems(2);
  int swapped = 0;
  {
    BlockPipeline pipe(
        [&](const RenderedBlock& b) {
          const int k = static_cast<int>(b.mix[0]) / 1000;
          seen.push_back(k);
          intact = intact && b.stems.size() == 2 && b.stems[0][3] == static_cast<float>(-k) &&
                   b.stems[1][15] == static_cast<float>(k) &&
                   b.mix[15] == static_cast<float>(k * 1000 + 15);
        },
        3);
    for (int k = 0; k < 40; ++k) {
      mix.resize(16);
      for (auto& s : stems) s.resize(16);
      for (std::size_t i = 0; i < 16; ++i) {
        mix[i] = static_cast<float>(k * 1000 + static_cast<int>(i));
        stems[0][i] = static_cast<float>(-k);
        stems[1][i] = static_cast<float>(k);
      }
      const float* before = mix.data();
      RenderedBlock b;
      b.mix = mix;
      b.stems = {stems[0], stems[1]};
      b.stride = 8;
      b.numFrames = 7;
      const RenderedBlock::Buffers give{&mix, &stems};
      // Every third block views a copy: the pipeline must copy it, leaving the vectors alone.
      std::vector<float> partMix(mix);
      if (k % 3 == 2) b.mix = partMix;
      b.give = &give;
      pipe.push(b);
      if (k % 3 == 2) {
        EXPECT_EQ(mix.data(), before);
        EXPECT_EQ(mix[15], static_cast<float>(k * 1000 + 15));
      } else {
        swapped += mix.data() != before ? 1 : 0;
      }
    }
    pipe.finish();
  }
  ASSERT_EQ(seen.size(), 40u);
  for (int k = 0; k < 40; ++k) EXPECT_EQ(seen[static_cast<std::size_t>(k)], k);
  EXPECT_TRUE(intact);
  EXPECT_GT(swapped, 20);  // the given blocks' vectors went to the pipeline
}

TEST(BlockPipeline, AConsumerErrorReachesTheProducer) {
  BlockPipeline pipe([](const RenderedBlock& b) {
    if (b.mix[0] >= 3000.0f) throw std::runtime_error("disk full");
  });
  std::vector<float> mix(16), stem;
  bool thrown = false;
  try {
    for (int k = 0; k < 1000; ++k) pipe.push(blockOf(mix, stem, k));
    pipe.finish();
  } catch (const std::runtime_error& e) {
    thrown = std::string(e.what()) == "disk full";
  }
  EXPECT_TRUE(thrown);
}

TEST(BlockPipeline, StoppingEarlyDropsTheQueueAndJoins) {
  std::atomic<int> consumed{0};
  {
    BlockPipeline pipe(
        [&](const RenderedBlock&) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          ++consumed;
        },
        8);
    std::vector<float> mix(16), stem;
    for (int k = 0; k < 8; ++k) pipe.push(blockOf(mix, stem, k));
    // No finish(): the render threw. The destructor must not wait for all eight.
  }
  EXPECT_LT(consumed.load(), 8);
}

}  // namespace
}  // namespace vkmix::engine
