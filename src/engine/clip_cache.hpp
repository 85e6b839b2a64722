// Decoded clip audio, keyed by (file, offset, length, channel): each distinct clip range is
// decoded once. The walking skeleton keeps clips in memory; the streaming engine (issue 6)
// replaces this with bounded per-clip buffers fed by decoder threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

#include "io/decoder.hpp"

namespace vkmix::engine {

class ClipCache {
 public:
  explicit ClipCache(int sampleRate) : sampleRate_(sampleRate) {}

  // The decoded frames [offset, offset + length) of the file, all channels or just `channel`.
  const io::DecodedAudio& get(const std::filesystem::path& file, std::int64_t offsetFrames,
                              std::optional<std::int64_t> lengthFrames, std::optional<int> channel);

 private:
  using Key = std::tuple<std::string, std::int64_t, std::int64_t, int>;
  int sampleRate_;
  std::map<Key, std::unique_ptr<io::DecodedAudio>> clips_;
};

}  // namespace vkmix::engine
