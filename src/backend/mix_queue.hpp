// The CPU-side backends mix a chunk when it is submitted and hand the mixes on in order when they
// are collected: a queue of finished mixes per mixer, their buffers reused rather than allocated
// per chunk (first touches of fresh pages cost more than the mix, docs/architecture.md).
#pragma once

#include <algorithm>
#include <deque>
#include <span>
#include <vector>

#include "core/assert.hpp"

namespace vkmix::backend {

class MixQueues {
 public:
  explicit MixQueues(std::size_t mixers) : queues_(mixers) {}
  // A buffer of `floats` for mixer `m`'s next mix, already queued behind the ones before it.
  std::vector<float>& push(std::size_t m, std::size_t floats) {
    std::vector<float> v;
    if (!spares_.empty()) {
      v = std::move(spares_.back());
      spares_.pop_back();
    }
    v.resize(floats);
    return queues_[m].emplace_back(std::move(v));
  }
  // Copies mixer `m`'s oldest mix into `out` and forgets it.
  void pop(std::size_t m, std::span<float> out) {
    std::deque<std::vector<float>>& q = queues_[m];
    VKMIX_ASSERT(!q.empty() && out.size() >= q.front().size(), "no mix to finish");
    std::copy(q.front().begin(), q.front().end(), out.begin());
    spares_.push_back(std::move(q.front()));
    q.pop_front();
  }

 private:
  std::vector<std::deque<std::vector<float>>> queues_;
  std::vector<std::vector<float>> spares_;
};

}  // namespace vkmix::backend
