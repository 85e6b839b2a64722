// Clip audio for the block loop, streamed: a ClipSource decodes a clip's frames just ahead of the
// block being rendered and forgets what has played, so memory follows what is sounding now, not
// the session's length (engine/frame_counter validates every clip's frames before the first
// block; engine/decoded_file serves compressed files several clips share).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "io/decoder.hpp"
#include "vkmix/render.hpp"

namespace vkmix::engine {

struct PlannedClip;  // engine/voice_plan.hpp

// The error of a clip whose media now holds `available` of the `expected` frames the planner
// counted after its offset: the file changed during the render.
[[noreturn]] void throwMediaEnded(const std::filesystem::path& file, std::int64_t available,
                                  std::int64_t expected);

// Where a voice's samples come from: a clip's media, or a track's denoised signal.
class SampleSource {
 public:
  virtual ~SampleSource() = default;
  // Copies frames [clipFrame, clipFrame + n) of channel `c` into dst, zeros past the end.
  // Reads go forward: clipFrame never falls below an earlier call's.
  virtual void read(int c, std::int64_t clipFrame, std::int64_t n, float* dst) = 0;
  // read() times `gain`, each sample rounded as a multiply after read() would round it. Sources
  // that convert samples anyway scale them as they go.
  virtual void readScaled(int c, std::int64_t clipFrame, std::int64_t n, float* dst, float gain) {
    read(c, clipFrame, n, dst);
    if (gain != 1.0f)
      for (std::int64_t i = 0; i < n; ++i) dst[i] *= gain;
  }
  // Decodes ahead until frames before `clipFrameEnd` are buffered (engine/decode_ahead runs it
  // on a worker). Sources that cannot run off the loop's thread do nothing.
  virtual void decodeAhead(std::int64_t /*clipFrameEnd*/) {}
  // Whether reads may come from several threads at once (fillBlock's pool): ClipSource's hold
  // its lock; a denoised track's pump the GPU, whose queue takes one thread at a time.
  virtual bool concurrentReads() const { return false; }
  // A source whose signal the backend's device holds (a denoised track, on a backend that
  // denoises in the chunk's own work): makes frames before clipFrameEnd ready there, in the work
  // of the chunk being filled, and returns the source's index in MixBlock::deviceRows; it is
  // then never read. -1 (every other source): read() it.
  virtual int onDevice(std::int64_t clipFrameEnd) {
    (void)clipFrameEnd;
    return -1;
  }
};

class ClipSource final : public SampleSource {
 public:
  // Reads the file's `channels` (empty: all of them, in order). `expectedFrames`: how many frames
  // after the offset the clip reads, all of which the media held when the render was planned
  // (PlannedClip::mediaFrames); media ending sooner changed during the render, and reads throw
  // IoError rather than play silence. `firstFrame`: the first clip frame any read asks for (a
  // range render opening a clip that started before it); the decoder starts there, which gives
  // the frames a decoder from frame 0 would (io::StreamDecoder's offsets are exact).
  ClipSource(const std::filesystem::path& file, int sampleRate, const std::vector<int>& channels,
             std::int64_t offsetFrames, std::int64_t expectedFrames, std::int64_t firstFrame = 0);

  void read(int c, std::int64_t clipFrame, std::int64_t n, float* dst) override {
    readScaled(c, clipFrame, n, dst, 1.0f);
  }
  void readScaled(int c, std::int64_t clipFrame, std::int64_t n, float* dst, float gain) override;
  void decodeAhead(std::int64_t clipFrameEnd) override;
  bool concurrentReads() const override { return true; }

 private:
  // Decodes until frames before `end` are buffered or the media ends, dropping frames before
  // `keepFrom` (mutex_ held).
  void decodeUntil(std::int64_t end, std::int64_t keepFrom);
  // The decoder has no more frames, `available` of them having come (mutex_ held).
  void mediaEnded(std::int64_t available);
  // Drops the buffered frames before `clipFrame` (mutex_ held).
  void forgetBefore(std::int64_t clipFrame);
  std::int64_t buffered() const { return static_cast<std::int64_t>(buffer_[0].size()) - head_; }

  // Played frames stay at the front of the rows until this many have gathered.
  static constexpr std::int64_t kCompactFrames = 1 << 16;

  std::mutex mutex_;  // a decode-ahead worker and the loop may both be in this source
  io::StreamDecoder decoder_;
  // Frames [bufferStart_, bufferStart_ + buffered()) from row index head_ on; the rows' frames
  // before head_ have played.
  std::vector<std::vector<float>> buffer_;
  std::int64_t head_ = 0;
  std::int64_t bufferStart_ = 0;
  // Frames [directFrom_, bufferStart_) were just read straight from the file, unbuffered: a read
  // of them again (a reverb send reads what its dry voice read) reads the file again.
  std::int64_t directFrom_ = std::numeric_limits<std::int64_t>::max();
  bool ended_ = false;
  std::filesystem::path file_;
  std::int64_t expectedFrames_;
};

class DecodedFile;  // engine/decoded_file.hpp

// Opens clip sources so that clips playing the same file from the same offset and starting on the
// same timeline frame (a poly recording's channels as objects, an ADM master's tracks) read
// through one decoder of the union of their channels instead of one decoder each, and clips of a
// compressed file that others play too read one DecodedFile (within kDecodedBytes).
class ClipSourcePool {
 public:
  ClipSourcePool(const std::vector<PlannedClip>& clips, int sampleRate);
  // The clip's source, for reads from timeline frame `fromFrame` on (ClipSource's firstFrame).
  std::unique_ptr<SampleSource> open(int clipIndex, std::int64_t fromFrame = 0);

  // The most decoded media kept at once, and the most one file may take of it.
  static constexpr std::int64_t kDecodedBytes = std::int64_t{256} << 20;
  static constexpr std::int64_t kDecodedFileBytes = std::int64_t{64} << 20;
  // Whether clip `clipIndex` reads a DecodedFile (for tests).
  bool readsDecoded(int clipIndex) const {
    return decodedOf_[static_cast<std::size_t>(clipIndex)] >= 0;
  }

 private:
  struct Decoded {
    std::shared_ptr<DecodedFile> file;  // dropped when its last clip has been opened
    int opensLeft = 0;
  };
  std::mutex mutex_;  // over decoded_ (opens may come from the loop and a decode-ahead worker)
  std::vector<int> decodedOf_;  // per clip: its entry in decoded_, or -1
  std::vector<Decoded> decoded_;
  struct Group {
    std::filesystem::path file;
    std::int64_t offsetFrames = 0;
    std::vector<int> channels;  // the file channels its decoder keeps
    std::weak_ptr<ClipSource> source;
    std::int64_t frames = 0;  // the longest of its clips
  };
  const std::vector<PlannedClip>& clips_;
  int sampleRate_;
  std::vector<int> groupOf_;               // per clip: its group, or -1 (a decoder of its own)
  std::vector<std::vector<int>> viewMap_;  // per clip: its channel k -> the group's channel
  std::vector<Group> groups_;
};

}  // namespace vkmix::engine
