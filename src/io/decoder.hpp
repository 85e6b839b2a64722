// Decoding any file FFmpeg reads (WAV, FLAC, MP3, AAC/PCM in MP4/MOV/MKV, ...) to planar float at
// the session's sample rate. Errors are InputError naming the media file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vkmix::io {

struct MediaInfo {
  int numChannels = 0;
  int sampleRate = 0;
  std::string codec;
  double durationSeconds = 0.0;  // as the container says; may be approximate
  std::int64_t exactFrames = 0;  // PCM streams: the exact frame count at sampleRate; 0 otherwise
  // Plain PCM WAV: the frames its header promises; more than exactFrames when the file was cut
  // short (an interrupted copy). 0 where unknown.
  std::int64_t promisedFrames = 0;
};

// Opens the file's best audio stream and reports what it holds.
MediaInfo probeAudio(const std::filesystem::path& path);

struct DecodedAudio {
  int sampleRate = 0;
  std::uint64_t channelMask = 0;  // the file's channel layout as FFmpeg/WAV mask bits; 0 = unknown
  std::vector<std::vector<float>> channels;  // planar: channels[c][frame]
  std::int64_t numFrames() const {
    return channels.empty() ? 0 : static_cast<std::int64_t>(channels[0].size());
  }
};

// Incremental decoding of a file's best audio stream, resampled to `sampleRate`, starting at
// `offsetFrames` of the resampled signal (decoded from the start and dropped: exact for every
// codec), keeping the channels in `keepChannels` (empty: all). Memory is what the caller keeps.
class StreamDecoder {
 public:
  StreamDecoder(const std::filesystem::path& path, int sampleRate,
                const std::vector<int>& keepChannels = {}, std::int64_t offsetFrames = 0);
  ~StreamDecoder();
  StreamDecoder(const StreamDecoder&) = delete;
  StreamDecoder& operator=(const StreamDecoder&) = delete;

  int numChannels() const;                  // channels kept
  std::uint64_t sourceChannelMask() const;  // the file's layout mask (0 if unknown or a subset)
  // Appends up to `maxFrames` decoded frames to out[c] (out has numChannels() vectors); returns
  // how many were appended, 0 once the stream has ended. NaN/Inf samples are an InputError.
  std::int64_t decode(std::vector<std::vector<float>>& out, std::int64_t maxFrames);
  // Whether decodeInto can be used: plain PCM read straight from the file (io/pcm_wave).
  bool readsDirectly() const;
  // The frames a direct reader has left to give (readsDirectly() only).
  std::int64_t directFramesLeft() const;
  // Writes the next frames, up to `frames`, to dst[c][0..) (readsDirectly() only); returns how
  // many, fewer only where the stream ends. The samples decode() would append, times `gain`.
  std::int64_t decodeInto(float* const* dst, std::int64_t frames, float gain = 1.0f);
  // Moves a direct reader `frames` back (forward if negative) from where it is, to read frames
  // again (readsDirectly() only; a plain PCM file seeks for free).
  void rewindDirect(std::int64_t frames);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Decodes the file's best audio stream, resampled to `sampleRate` (libswresample), keeping frames
// [offsetFrames, offsetFrames + maxFrames) of the resampled signal (maxFrames unset: to the end).
// Only the channels in `keepChannels` are kept (empty: all). NaN or infinite samples are an
// InputError.
DecodedAudio decodeAudio(const std::filesystem::path& path, int sampleRate,
                         std::int64_t offsetFrames = 0,
                         std::optional<std::int64_t> maxFrames = std::nullopt,
                         const std::vector<int>& keepChannels = {});

}  // namespace vkmix::io
