#include "engine/clip_cache.hpp"

namespace vkmix::engine {

const io::DecodedAudio& ClipCache::get(const std::filesystem::path& file, std::int64_t offsetFrames,
                                       std::optional<std::int64_t> lengthFrames,
                                       std::optional<int> channel) {
  Key key{file.string(), offsetFrames, lengthFrames.value_or(-1), channel.value_or(-1)};
  auto it = clips_.find(key);
  if (it == clips_.end()) {
    std::vector<int> keep;
    if (channel) keep.push_back(*channel);
    auto decoded = std::make_unique<io::DecodedAudio>(
        io::decodeAudio(file, sampleRate_, offsetFrames, lengthFrames, keep));
    it = clips_.emplace(key, std::move(decoded)).first;
  }
  return *it->second;
}

}  // namespace vkmix::engine
