// PlanarFifo: multichannel frames waiting to be used (channel-major storage, one row per channel
// in one allocation), for aligning dry stems with reverb returns and for gathering convolver
// partitions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>

namespace vkmix::engine {

class PlanarFifo {
 public:
  explicit PlanarFifo(int channels) : channels_(static_cast<std::size_t>(channels)) {}
  std::int64_t frames() const { return channels_ == 0 ? 0 : tail_ - head_; }
  // Appends n frames given channel-major with `stride` frames per channel row.
  void append(std::span<const float> planar, std::int64_t stride, std::int64_t n) {
    makeRoom(n);
    for (std::size_t c = 0; c < channels_; ++c)
      std::copy_n(planar.begin() + static_cast<std::ptrdiff_t>(c * stride), n, row(c) + tail_);
    tail_ += n;
  }
  // Appends n frames the caller then writes, every one of every channel (lastFrames); until then
  // they hold whatever the memory held.
  void appendUnset(std::int64_t n) {
    makeRoom(n);
    tail_ += n;
  }
  // Channel c's last n frames.
  float* lastFrames(int c, std::int64_t n) { return row(static_cast<std::size_t>(c)) + tail_ - n; }
  // Copies the first n frames into dst (channel-major, `stride` per row).
  void read(std::span<float> dst, std::int64_t stride, std::int64_t n) const {
    for (std::size_t c = 0; c < channels_; ++c)
      std::copy_n(row(c) + head_, n, dst.begin() + static_cast<std::ptrdiff_t>(c * stride));
  }
  // Adds the first n frames into dst.
  void addTo(std::span<float> dst, std::int64_t stride, std::int64_t n) const {
    for (std::size_t c = 0; c < channels_; ++c) {
      const float* src = row(c) + head_;
      float* d = dst.data() + c * stride;
      for (std::int64_t i = 0; i < n; ++i) d[i] += src[i];
    }
  }
  // Channel c's first waiting frame (frames() of them follow).
  const float* channel(int c) const { return row(static_cast<std::size_t>(c)) + head_; }
  void consume(std::int64_t n) {
    head_ += n;
    // Drained (every block, without reverb): the next append reuses the same, cache-warm rows.
    if (head_ == tail_) head_ = tail_ = 0;
  }

 private:
  float* row(std::size_t c) { return data_.get() + c * static_cast<std::size_t>(capacity_); }
  const float* row(std::size_t c) const {
    return data_.get() + c * static_cast<std::size_t>(capacity_);
  }
  // Room for n frames past tail_: the waiting frames move to the rows' fronts where they and the
  // new ones take half the rows at most (so a frame moves about once per half a row's length
  // appended), else the rows grow to twice what they must hold. Their length stays within four
  // times the most frames held.
  void makeRoom(std::int64_t n) {
    if (tail_ + n <= capacity_) return;
    const std::int64_t waiting = tail_ - head_;
    if (2 * (waiting + n) <= capacity_) {
      for (std::size_t c = 0; c < channels_; ++c)
        std::copy(row(c) + head_, row(c) + tail_, row(c));  // forwards: the front is free
    } else {
      const std::int64_t capacity = 2 * (waiting + n);
      // Uninitialised, as appendUnset promises no zeros.
      std::unique_ptr<float[]> grown(new float[channels_ * static_cast<std::size_t>(capacity)]);
      for (std::size_t c = 0; c < channels_; ++c)
        std::copy_n(row(c) + head_, waiting, grown.get() + c * static_cast<std::size_t>(capacity));
      data_ = std::move(grown);
      capacity_ = capacity;
    }
    head_ = 0;
    tail_ = waiting;
  }

  std::size_t channels_;
  std::unique_ptr<float[]> data_;
  std::int64_t capacity_ = 0;  // frames per channel row
  std::int64_t head_ = 0, tail_ = 0;
};

}  // namespace vkmix::engine
