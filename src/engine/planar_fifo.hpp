// PlanarFifo: multichannel frames waiting to be used (channel-major storage, one vector per
// channel), for aligning dry stems with reverb returns and for gathering convolver partitions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <utility>
#include <vector>

namespace vkmix::engine {

class PlanarFifo {
  // Channels grow without zeroing where the caller writes every new frame (appendUnset).
  template <typename T>
  struct UnsetAllocator : std::allocator<T> {
    template <typename U>
    struct rebind {
      using other = UnsetAllocator<U>;
    };
    UnsetAllocator() = default;
    template <typename U>
    UnsetAllocator(const UnsetAllocator<U>& /*other*/) {}
    template <typename U>
    void construct(U* p) {
      ::new (static_cast<void*>(p)) U;
    }
    template <typename U, typename... A>
    void construct(U* p, A&&... args) {
      ::new (static_cast<void*>(p)) U(std::forward<A>(args)...);
    }
  };
  using Channel = std::vector<float, UnsetAllocator<float>>;

 public:
  explicit PlanarFifo(int channels) : data_(static_cast<std::size_t>(channels)) {}
  std::int64_t frames() const {
    return data_.empty() ? 0 : static_cast<std::int64_t>(data_[0].size()) - head_;
  }
  // Appends n frames given channel-major with `stride` frames per channel row.
  void append(std::span<const float> planar, std::int64_t stride, std::int64_t n) {
    for (std::size_t c = 0; c < data_.size(); ++c) {
      auto from = planar.begin() + static_cast<std::ptrdiff_t>(c * stride);
      data_[c].insert(data_[c].end(), from, from + n);
    }
  }
  // Appends n frames the caller then writes, every one of every channel (lastFrames).
  void appendUnset(std::int64_t n) {
    for (auto& ch : data_) ch.resize(ch.size() + static_cast<std::size_t>(n));
  }
  // Channel c's last n frames.
  float* lastFrames(int c, std::int64_t n) {
    Channel& ch = data_[static_cast<std::size_t>(c)];
    return ch.data() + (ch.size() - static_cast<std::size_t>(n));
  }
  // Copies the first n frames into dst (channel-major, `stride` per row).
  void read(std::span<float> dst, std::int64_t stride, std::int64_t n) const {
    for (std::size_t c = 0; c < data_.size(); ++c) {
      std::copy_n(data_[c].begin() + head_, n,
                  dst.begin() + static_cast<std::ptrdiff_t>(c * stride));
    }
  }
  // Adds the first n frames into dst.
  void addTo(std::span<float> dst, std::int64_t stride, std::int64_t n) const {
    for (std::size_t c = 0; c < data_.size(); ++c) {
      const float* src = data_[c].data() + head_;
      float* d = dst.data() + c * stride;
      for (std::int64_t i = 0; i < n; ++i) d[i] += src[i];
    }
  }
  // Channel c's first waiting frame (frames() of them follow).
  const float* channel(int c) const { return data_[static_cast<std::size_t>(c)].data() + head_; }
  void consume(std::int64_t n) {
    head_ += n;
    if (!data_.empty() && head_ == static_cast<std::int64_t>(data_[0].size())) {
      // Drained (every block, without reverb): the next append reuses the same, cache-warm rows.
      for (auto& ch : data_) ch.clear();
      head_ = 0;
    } else if (head_ > 1 << 16 &&
               head_ * 2 > static_cast<std::int64_t>(data_.empty() ? 0 : data_[0].size())) {
      for (auto& ch : data_) ch.erase(ch.begin(), ch.begin() + head_);
      head_ = 0;
    }
  }

 private:
  std::vector<Channel> data_;
  std::int64_t head_ = 0;
};

}  // namespace vkmix::engine
