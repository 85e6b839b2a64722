// The delivery of rendered blocks on a thread of its own: meters, limiters, encoders and file
// writes of block k run while block k + 1 renders. Blocks are copied into a bounded queue and
// consumed in order, so the output is the same bytes as consuming them inline. A consumer error
// (a full disk, say) surfaces from the next push() or from finish(); destroying the pipeline
// without finish() (the render threw) stops the thread and drops what is queued.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/renderer.hpp"

namespace vkmix::engine {

class BlockPipeline {
 public:
  // At most `depth` blocks wait between the render and the consumer. A reverb hands on a batch
  // of partitions at once (8 chunks and more): a queue shorter than that stops the render until
  // the consumer has caught up, and then the consumer waits for the next batch.
  BlockPipeline(BlockSink consumer, std::size_t depth = 16);
  ~BlockPipeline();
  BlockPipeline(const BlockPipeline&) = delete;
  BlockPipeline& operator=(const BlockPipeline&) = delete;

  // Queues a copy of the block (waiting while the queue is full).
  void push(const RenderedBlock& block);
  // Waits until every queued block is consumed; rethrows the consumer's exception, if any.
  void finish();

 private:
  struct Owned {
    std::vector<float> mix;
    std::vector<std::vector<float>> stems;
    std::int64_t stride = 0, numFrames = 0;
  };
  void run();
  void rethrowIfFailed();

  BlockSink consumer_;
  std::size_t depth_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Owned> queue_;
  std::vector<Owned> spare_;  // consumed blocks' buffers, reused
  bool closing_ = false, stopping_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace vkmix::engine
