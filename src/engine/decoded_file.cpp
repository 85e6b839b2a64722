#include "engine/decoded_file.hpp"

#include <algorithm>
#include <string>

#include "engine/row_kernels.hpp"
#include "io/decoder.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {

const std::vector<std::vector<float>>& DecodedFile::channels() {
  std::call_once(decoded_, [this] {
    io::StreamDecoder decoder(file_, sampleRate_);
    std::vector<std::vector<float>> out(static_cast<std::size_t>(decoder.numChannels()));
    while (decoder.decode(out, 1 << 16) > 0) {
    }
    channels_ = std::move(out);
  });
  return channels_;
}

namespace {

// A clip of a DecodedFile: its channels, from its offset.
class DecodedClipSource final : public SampleSource {
 public:
  DecodedClipSource(std::shared_ptr<DecodedFile> file, const std::vector<int>& channels,
                    std::int64_t offsetFrames, std::int64_t expectedFrames)
      : file_(std::move(file)),
        channels_(channels),
        offset_(offsetFrames),
        expectedFrames_(expectedFrames) {}

  void read(int c, std::int64_t clipFrame, std::int64_t n, float* dst) override {
    readScaled(c, clipFrame, n, dst, 1.0f);
  }
  void readScaled(int c, std::int64_t clipFrame, std::int64_t n, float* dst, float gain) override {
    const std::vector<float>& ch = channel(c);
    // The clip's frames the media holds, then zeros, as a ClipSource reads them.
    const auto held = static_cast<std::int64_t>(ch.size()) - offset_;
    const std::int64_t from = std::clamp<std::int64_t>(-clipFrame, 0, n);
    const std::int64_t to = std::clamp<std::int64_t>(held - clipFrame, from, n);
    std::fill(dst, dst + from, 0.0f);
    if (to > from) scaleRow(dst + from, ch.data() + offset_ + clipFrame + from, gain, to - from);
    std::fill(dst + to, dst + n, 0.0f);
  }
  void decodeAhead(std::int64_t /*clipFrameEnd*/) override { channel(0); }
  bool concurrentReads() const override { return true; }

 private:
  const std::vector<float>& channel(int c) {
    const std::vector<std::vector<float>>& all = file_->channels();
    const auto frames = all.empty() ? 0 : static_cast<std::int64_t>(all[0].size());
    if (frames - offset_ < expectedFrames_)
      throwMediaEnded(file_->file(), std::max<std::int64_t>(0, frames - offset_), expectedFrames_);
    const int fileChannel = channels_.empty() ? c : channels_[static_cast<std::size_t>(c)];
    return all[static_cast<std::size_t>(fileChannel)];
  }

  std::shared_ptr<DecodedFile> file_;
  std::vector<int> channels_;  // the file's channel of each clip channel; empty: all in order
  std::int64_t offset_;
  std::int64_t expectedFrames_;
};

}  // namespace

std::unique_ptr<SampleSource> openDecodedClip(std::shared_ptr<DecodedFile> file,
                                              const std::vector<int>& channels,
                                              std::int64_t offsetFrames,
                                              std::int64_t expectedFrames) {
  return std::make_unique<DecodedClipSource>(std::move(file), channels, offsetFrames,
                                             expectedFrames);
}

}  // namespace vkmix::engine
