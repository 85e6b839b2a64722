#include "engine/block_pipeline.hpp"

#include "core/thread_cpu.hpp"

namespace vkmix::engine {

BlockPipeline::BlockPipeline(BlockSink consumer, std::size_t depth)
    : consumer_(std::move(consumer)), depth_(depth == 0 ? 1 : depth), thread_([this] { run(); }) {}

BlockPipeline::~BlockPipeline() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BlockPipeline::rethrowIfFailed() {
  if (error_) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    stopping_ = true;
    std::rethrow_exception(e);
  }
}

namespace {

// Whether the block's views are, exactly, the vectors it gives.
bool givesItsBuffers(const RenderedBlock& block) {
  const RenderedBlock::Buffers* give = block.give;
  if (give == nullptr || give->mix == nullptr || give->stems == nullptr) return false;
  auto whole = [](std::span<const float> view, const std::vector<float>& v) {
    return view.data() == v.data() && view.size() == v.size();
  };
  if (!whole(block.mix, *give->mix) || give->stems->size() != block.stems.size()) return false;
  for (std::size_t s = 0; s < block.stems.size(); ++s)
    if (!whole(block.stems[s], (*give->stems)[s])) return false;
  return true;
}

}  // namespace

void BlockPipeline::push(const RenderedBlock& block) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queue_.size() < depth_ || error_ || stopping_; });
  rethrowIfFailed();
  Owned owned;
  if (!spare_.empty()) {
    owned = std::move(spare_.back());
    spare_.pop_back();
  }
  lock.unlock();  // copying needs no lock: the buffers are ours
  if (givesItsBuffers(block)) {
    // The producer's vectors are the block: they change places with this one's.
    owned.mix.swap(*block.give->mix);
    owned.stems.resize(block.stems.size());
    for (std::size_t s = 0; s < block.stems.size(); ++s)
      owned.stems[s].swap((*block.give->stems)[s]);
  } else {
    owned.mix.assign(block.mix.begin(), block.mix.end());
    owned.stems.resize(block.stems.size());
    for (std::size_t s = 0; s < block.stems.size(); ++s)
      owned.stems[s].assign(block.stems[s].begin(), block.stems[s].end());
  }
  owned.stride = block.stride;
  owned.numFrames = block.numFrames;
  lock.lock();
  queue_.push_back(std::move(owned));
  lock.unlock();
  changed_.notify_all();
}

void BlockPipeline::finish() {
  std::unique_lock lock(mutex_);
  closing_ = true;
  changed_.notify_all();
  changed_.wait(lock, [&] { return queue_.empty() || error_; });
  rethrowIfFailed();
}

void BlockPipeline::run() {
  nameThisThread("vkmix-deliver");
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (stopping_) return;
    Owned owned = std::move(queue_.front());
    lock.unlock();
    try {
      RenderedBlock view;
      view.mix = owned.mix;
      for (const auto& s : owned.stems) view.stems.emplace_back(s);
      view.stride = owned.stride;
      view.numFrames = owned.numFrames;
      consumer_(view);
      accountThreadCpu();
    } catch (...) {
      lock.lock();
      error_ = std::current_exception();
      queue_.clear();
      changed_.notify_all();
      // Wait for the producer to see the error (or to give up) before leaving.
      changed_.wait(lock, [&] { return stopping_; });
      return;
    }
    lock.lock();
    queue_.pop_front();  // only now: finish() waits for the block to be consumed, not taken
    spare_.push_back(std::move(owned));
    changed_.notify_all();
  }
}

}  // namespace vkmix::engine
