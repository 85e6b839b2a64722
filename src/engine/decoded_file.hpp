// Compressed media decoded once for the clips that share it (ClipSourcePool's choice).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/clip_source.hpp"

namespace vkmix::engine {

// A compressed media file that several clips play, decoded once, whole, at the session rate,
// for all of them (a sound effect or an ambience used again and again would otherwise be decoded
// again by every clip). The samples are the ones a ClipSource decodes: a StreamDecoder's frames
// do not depend on where it starts. Decoded the first time a clip needs it, on that thread.
class DecodedFile {
 public:
  DecodedFile(std::filesystem::path file, int sampleRate)
      : file_(std::move(file)), sampleRate_(sampleRate) {}
  // The file's channels, decoding them first if no one has (thread-safe).
  const std::vector<std::vector<float>>& channels();
  const std::filesystem::path& file() const { return file_; }

 private:
  std::once_flag decoded_;
  std::filesystem::path file_;
  int sampleRate_;
  std::vector<std::vector<float>> channels_;
};

// A clip of `file`: its `channels` of the file (empty: all, in order) from `offsetFrames`, which
// the planner found `expectedFrames` long (fewer now is an IoError, as a ClipSource says).
std::unique_ptr<SampleSource> openDecodedClip(std::shared_ptr<DecodedFile> file,
                                              const std::vector<int>& channels,
                                              std::int64_t offsetFrames,
                                              std::int64_t expectedFrames);

}  // namespace vkmix::engine
