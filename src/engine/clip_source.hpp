// Clip audio for the block loop, streamed: a ClipSource decodes a clip's frames just ahead of the
// block being rendered and forgets what has played, so memory follows what is sounding now, not
// the session's length. FrameCounter tells the planner how many frames a clip's media has after
// its offset (exactly: from the container for PCM at the session rate, else by decoding and
// discarding), so every clip is validated before the first block.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "io/decoder.hpp"

namespace vkmix::engine {

// Where a voice's samples come from: a clip's media, or a track's denoised signal.
class SampleSource {
 public:
  virtual ~SampleSource() = default;
  // Copies frames [clipFrame, clipFrame + n) of channel `c` into dst, zeros past the end.
  // Reads go forward: clipFrame never falls below an earlier call's.
  virtual void read(int c, std::int64_t clipFrame, std::int64_t n, float* dst) = 0;
};

class ClipSource final : public SampleSource {
 public:
  // Reads the file's `channels` (empty: all of them, in order).
  ClipSource(const std::filesystem::path& file, int sampleRate, const std::vector<int>& channels,
             std::int64_t offsetFrames);

  void read(int c, std::int64_t clipFrame, std::int64_t n, float* dst) override;

 private:
  io::StreamDecoder decoder_;
  std::vector<std::vector<float>> buffer_;  // frames [bufferStart_, bufferStart_ + size)
  std::int64_t bufferStart_ = 0;
  bool ended_ = false;
};

class FrameCounter {
 public:
  explicit FrameCounter(int sampleRate) : sampleRate_(sampleRate) {}
  // Frames of the file's audio after offsetFrames at the session rate; InputError naming the file.
  std::int64_t framesAfter(const std::filesystem::path& file, std::int64_t offsetFrames);

 private:
  int sampleRate_;
  std::map<std::pair<std::string, std::int64_t>, std::int64_t> counted_;
};

}  // namespace vkmix::engine
