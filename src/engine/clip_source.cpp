#include "engine/clip_source.hpp"

#include <algorithm>
#include <cmath>

namespace vkmix::engine {

ClipSource::ClipSource(const std::filesystem::path& file, int sampleRate,
                       const std::vector<int>& channels, std::int64_t offsetFrames)
    : decoder_(file, sampleRate, channels, offsetFrames),
      buffer_(static_cast<std::size_t>(decoder_.numChannels())) {}

void ClipSource::read(int c, std::int64_t clipFrame, std::int64_t n, float* dst) {
  // Forget what has played.
  const auto have = static_cast<std::int64_t>(buffer_[0].size());
  const std::int64_t drop = std::clamp<std::int64_t>(clipFrame - bufferStart_, 0, have);
  if (drop > 0) {
    for (auto& ch : buffer_) ch.erase(ch.begin(), ch.begin() + drop);
    bufferStart_ += drop;
  }
  // Decode ahead until the request is covered (skipping what lies before it) or the media ends.
  while (!ended_ && bufferStart_ + static_cast<std::int64_t>(buffer_[0].size()) < clipFrame + n) {
    const std::int64_t want = std::max<std::int64_t>(
        4096, clipFrame + n - bufferStart_ - static_cast<std::int64_t>(buffer_[0].size()));
    if (decoder_.decode(buffer_, want) == 0) ended_ = true;
    const std::int64_t before = std::clamp<std::int64_t>(
        clipFrame - bufferStart_, 0, static_cast<std::int64_t>(buffer_[0].size()));
    if (before > 0) {
      for (auto& ch : buffer_) ch.erase(ch.begin(), ch.begin() + before);
      bufferStart_ += before;
    }
  }
  const std::int64_t from = clipFrame - bufferStart_;
  const auto size = static_cast<std::int64_t>(buffer_[static_cast<std::size_t>(c)].size());
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t at = from + i;
    dst[i] = at >= 0 && at < size
                 ? buffer_[static_cast<std::size_t>(c)][static_cast<std::size_t>(at)]
                 : 0.0f;
  }
}

std::int64_t FrameCounter::framesAfter(const std::filesystem::path& file,
                                       std::int64_t offsetFrames) {
  auto key = std::make_pair(file.string(), offsetFrames);
  if (auto it = counted_.find(key); it != counted_.end()) return it->second;
  std::int64_t frames = -1;
  const io::MediaInfo info = io::probeAudio(file);
  if (info.exactFrames > 0 && info.sampleRate == sampleRate_) {
    frames = std::max<std::int64_t>(0, info.exactFrames - offsetFrames);
  } else {
    // Compressed or resampled: count by decoding, keeping nothing.
    io::StreamDecoder decoder(file, sampleRate_, {0}, offsetFrames);
    std::vector<std::vector<float>> scratch(1);
    frames = 0;
    for (std::int64_t got; (got = decoder.decode(scratch, 1 << 16)) > 0; scratch[0].clear())
      frames += got;
  }
  counted_.emplace(key, frames);
  return frames;
}

}  // namespace vkmix::engine
