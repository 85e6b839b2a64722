#include "engine/clip_source.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <tuple>

#include "engine/decoded_file.hpp"
#include "engine/row_kernels.hpp"
#include "engine/voice_plan.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {

ClipSource::ClipSource(const std::filesystem::path& file, int sampleRate,
                       const std::vector<int>& channels, std::int64_t offsetFrames,
                       std::int64_t expectedFrames, std::int64_t firstFrame)
    : decoder_(file, sampleRate, channels,
               offsetFrames + std::clamp<std::int64_t>(firstFrame, 0, expectedFrames)),
      buffer_(static_cast<std::size_t>(decoder_.numChannels())),
      bufferStart_(std::clamp<std::int64_t>(firstFrame, 0, expectedFrames)),
      file_(file),
      expectedFrames_(expectedFrames) {}

void throwMediaEnded(const std::filesystem::path& file, std::int64_t available,
                     std::int64_t expected) {
  throw IoError(file.string() + ": the media ended " + std::to_string(available) +
                " frames into the clip, which plays " + std::to_string(expected) +
                ": the file changed during the render");
}

void ClipSource::mediaEnded(std::int64_t available) {
  ended_ = true;
  if (available < expectedFrames_) throwMediaEnded(file_, available, expectedFrames_);
}

void ClipSource::readScaled(int c, std::int64_t clipFrame, std::int64_t n, float* dst, float gain) {
  std::lock_guard lock(mutex_);
  forgetBefore(clipFrame);  // what has played
  const bool direct = buffer_.size() == 1 && buffered() == 0 && decoder_.readsDirectly();
  if (direct && clipFrame >= directFrom_ && clipFrame < bufferStart_) {
    // Frames the last read took straight from the file: read them again (a plain PCM file seeks
    // for free), then put the reader back.
    const std::int64_t back = bufferStart_ - clipFrame;
    const std::int64_t again = std::min(n, back);
    decoder_.rewindDirect(back);
    const std::int64_t got = decoder_.decodeInto(&dst, again, gain);
    decoder_.rewindDirect(got - back);
    std::fill(dst + got, dst + again, 0.0f);
    if (again == n) return;
    clipFrame += again;
    n -= again;
    dst += again;
  }
  if (direct && bufferStart_ == clipFrame && !ended_) {
    // Streaming a mono PCM file with nothing buffered (no decode-ahead): straight from the
    // file's bytes into the caller's row, nothing kept.
    const std::int64_t got = decoder_.decodeInto(&dst, n, gain);
    directFrom_ = clipFrame;
    bufferStart_ = clipFrame + got;
    if (got < n) mediaEnded(bufferStart_);
    std::fill(dst + got, dst + n, 0.0f);
    return;
  }
  decodeUntil(clipFrame + n, clipFrame);
  // The buffered part of the request, then zeros (before the buffer only if the clip reads
  // backwards, which the loop never does; past it once the media has ended).
  const std::vector<float>& ch = buffer_[static_cast<std::size_t>(c)];
  const std::int64_t from = std::clamp<std::int64_t>(bufferStart_ - clipFrame, 0, n);
  const std::int64_t to = std::clamp<std::int64_t>(bufferStart_ + buffered() - clipFrame, from, n);
  std::fill(dst, dst + from, 0.0f);
  if (to > from) {  // (an empty buffer may have no storage to point into)
    const float* in = ch.data() + head_ + (clipFrame + from - bufferStart_);
    scaleRow(dst + from, in, gain, to - from);
  }
  std::fill(dst + to, dst + n, 0.0f);
}

void ClipSource::decodeAhead(std::int64_t clipFrameEnd) {
  std::lock_guard lock(mutex_);
  decodeUntil(clipFrameEnd, bufferStart_);
}

void ClipSource::forgetBefore(std::int64_t clipFrame) {
  const std::int64_t drop = std::clamp<std::int64_t>(clipFrame - bufferStart_, 0, buffered());
  head_ += drop;
  bufferStart_ += drop;
  const auto size = static_cast<std::int64_t>(buffer_[0].size());
  if (head_ == size) {
    // All played: the next decode refills the same rows from their start, nothing moved.
    for (auto& ch : buffer_) ch.clear();
    head_ = 0;
  } else if (head_ >= kCompactFrames && head_ >= size - head_) {
    // The frames still to play (the decoding ahead: a chunk or two) move to the front once
    // kCompactFrames have played, and no more of them than have played, not at every read.
    for (auto& ch : buffer_) ch.erase(ch.begin(), ch.begin() + head_);
    head_ = 0;
  }
}

void ClipSource::decodeUntil(std::int64_t end, std::int64_t keepFrom) {
  directFrom_ = std::numeric_limits<std::int64_t>::max();  // the decoder moves on from here
  while (!ended_ && bufferStart_ + buffered() < end) {
    const std::int64_t want = std::max<std::int64_t>(4096, end - bufferStart_ - buffered());
    if (decoder_.decode(buffer_, want) == 0) mediaEnded(bufferStart_ + buffered());
    // Frames before `keepFrom` are never read (reads go forward): a read far into the clip drops
    // them as they come instead of buffering the whole stretch.
    forgetBefore(keepFrom);
  }
}

namespace {

// A clip's channels read from a decoder it shares with other clips.
class SharedClipView final : public SampleSource {
 public:
  SharedClipView(std::shared_ptr<ClipSource> source, const std::vector<int>& map)
      : source_(std::move(source)), map_(map) {}
  void read(int c, std::int64_t clipFrame, std::int64_t n, float* dst) override {
    source_->read(map_[static_cast<std::size_t>(c)], clipFrame, n, dst);
  }
  void readScaled(int c, std::int64_t clipFrame, std::int64_t n, float* dst, float gain) override {
    source_->readScaled(map_[static_cast<std::size_t>(c)], clipFrame, n, dst, gain);
  }
  void decodeAhead(std::int64_t clipFrameEnd) override { source_->decodeAhead(clipFrameEnd); }
  bool concurrentReads() const override { return true; }

 private:
  std::shared_ptr<ClipSource> source_;
  const std::vector<int>& map_;
};

}  // namespace

ClipSourcePool::ClipSourcePool(const std::vector<PlannedClip>& clips, int sampleRate)
    : decodedOf_(clips.size(), -1),
      clips_(clips),
      sampleRate_(sampleRate),
      groupOf_(clips.size(), -1),
      viewMap_(clips.size()) {
  // Compressed files that two or more clips play, most-played first, as long as the whole of
  // each fits kDecodedFileBytes and all of them kDecodedBytes.
  std::map<std::string, std::vector<int>> byFile;
  for (std::size_t i = 0; i < clips.size(); ++i) {
    const PlannedClip& c = clips[i];
    if (c.denoised < 0 && c.compressed) byFile[c.file.string()].push_back(static_cast<int>(i));
  }
  std::vector<const std::pair<const std::string, std::vector<int>>*> candidates;
  for (const auto& entry : byFile)
    if (entry.second.size() >= 2) candidates.push_back(&entry);
  std::stable_sort(candidates.begin(), candidates.end(), [](const auto* a, const auto* b) {
    return a->second.size() > b->second.size();
  });
  std::int64_t budget = kDecodedBytes;
  for (const auto* entry : candidates) {
    const PlannedClip& c = clips[static_cast<std::size_t>(entry->second.front())];
    const std::int64_t bytes =
        c.fileFrames * c.fileChannels * static_cast<std::int64_t>(sizeof(float));
    if (bytes > kDecodedFileBytes || bytes > budget) continue;
    budget -= bytes;
    for (int i : entry->second)
      decodedOf_[static_cast<std::size_t>(i)] = static_cast<int>(decoded_.size());
    decoded_.push_back(Decoded{std::make_shared<DecodedFile>(c.file, sampleRate),
                               static_cast<int>(entry->second.size())});
  }
  // Only clips that name their channels share: "all channels" has no count to merge until the
  // file is open, and such clips (unmapped beds) rarely repeat a file.
  std::map<std::tuple<std::string, std::int64_t, std::int64_t>, std::vector<int>> members;
  for (std::size_t i = 0; i < clips.size(); ++i) {
    const PlannedClip& c = clips[i];
    if (c.denoised >= 0 || c.channels.empty() || decodedOf_[i] >= 0) continue;
    members[{c.file.string(), c.offsetFrames, c.startFrame}].push_back(static_cast<int>(i));
  }
  for (const auto& [key, indices] : members) {
    if (indices.size() < 2) continue;
    Group g{clips[static_cast<std::size_t>(indices[0])].file, std::get<1>(key), {}, {}, 0};
    for (int i : indices) {
      const PlannedClip& c = clips[static_cast<std::size_t>(i)];
      g.frames = std::max(g.frames, c.mediaFrames);
      for (int ch : clips[static_cast<std::size_t>(i)].channels) {
        if (std::find(g.channels.begin(), g.channels.end(), ch) == g.channels.end())
          g.channels.push_back(ch);
      }
    }
    std::sort(g.channels.begin(), g.channels.end());
    for (int i : indices) {
      groupOf_[static_cast<std::size_t>(i)] = static_cast<int>(groups_.size());
      for (int ch : clips[static_cast<std::size_t>(i)].channels) {
        viewMap_[static_cast<std::size_t>(i)].push_back(static_cast<int>(
            std::lower_bound(g.channels.begin(), g.channels.end(), ch) - g.channels.begin()));
      }
    }
    groups_.push_back(std::move(g));
  }
}

std::unique_ptr<SampleSource> ClipSourcePool::open(int clipIndex, std::int64_t fromFrame) {
  const auto i = static_cast<std::size_t>(clipIndex);
  const PlannedClip& c = clips_[i];
  // The clips of a group start on the same frame, so they skip the same frames.
  const std::int64_t skip = std::max<std::int64_t>(0, fromFrame - c.startFrame);
  if (decodedOf_[i] >= 0) {
    std::shared_ptr<DecodedFile> file;
    {
      std::lock_guard lock(mutex_);
      Decoded& d = decoded_[static_cast<std::size_t>(decodedOf_[i])];
      file = d.file;
      // Its last clip opened: the decoded samples live as long as the sources that read them.
      if (--d.opensLeft == 0) d.file.reset();
    }
    if (file) return openDecodedClip(file, c.channels, c.offsetFrames, c.mediaFrames);
  }
  if (groupOf_[i] < 0)
    return std::make_unique<ClipSource>(c.file, sampleRate_, c.channels, c.offsetFrames,
                                        c.mediaFrames, skip);
  Group& g = groups_[static_cast<std::size_t>(groupOf_[i])];
  std::shared_ptr<ClipSource> shared = g.source.lock();
  if (!shared) {
    shared = std::make_shared<ClipSource>(g.file, sampleRate_, g.channels, g.offsetFrames, g.frames,
                                          skip);
    g.source = shared;
  }
  return std::make_unique<SharedClipView>(std::move(shared), viewMap_[i]);
}

}  // namespace vkmix::engine
