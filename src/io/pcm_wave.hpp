// Plain PCM in a WAVE file (RIFF, RF64 or BW64; integer 8/16/24/32-bit or IEEE float 32/64-bit)
// read straight from its data chunk. A film session's media is mostly this, and through FFmpeg
// every 4 KiB of it costs a demuxer packet, a decoded frame and a resampler call. Samples are
// converted to float exactly as FFmpeg's PCM decoders and libswresample convert them, so both
// paths give the same bits (tests/io/decoder_test.cpp holds them to it).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "wave/bw64.hpp"

namespace vkmix::io {

class PcmWaveReader {
 public:
  // The reader for `path`, or null when it is not a WAVE file of plain PCM whose chunks the
  // walk accepts (FFmpeg then reads it, and words any error).
  static std::unique_ptr<PcmWaveReader> open(const std::filesystem::path& path);
  ~PcmWaveReader();
  PcmWaveReader(const PcmWaveReader&) = delete;
  PcmWaveReader& operator=(const PcmWaveReader&) = delete;

  const wave::Bw64Info& info() const { return info_; }
  // The file's channel layout mask, as FFmpeg reports it: the extensible mask when it names
  // every channel, else 0 (unknown).
  std::uint64_t channelMask() const;

  void seek(std::int64_t frame);
  std::int64_t position() const { return position_; }  // the next frame read() gives
  // Appends up to `maxFrames` frames of the file channels `keep` to out[k]; returns how many, 0
  // at the end. A NaN or infinite float sample is an InputError naming the file and the time.
  std::int64_t read(const std::vector<int>& keep, std::vector<std::vector<float>>& out,
                    std::int64_t maxFrames);
  // The same, written to dst[k][0..) instead (room for maxFrames each) and times `gain` (as a
  // multiply after reading would give): no buffer between the file's bytes and the caller's rows.
  std::int64_t readInto(const std::vector<int>& keep, float* const* dst, std::int64_t maxFrames,
                        float gain = 1.0f);

 private:
  PcmWaveReader(int fd, std::string file, wave::Bw64Info info);
  // The bytes of frames [position_, position_ + n); `got` of them were there. Small reads come
  // from the reader's window, larger ones into this thread's buffer.
  const std::uint8_t* fetch(std::int64_t n, std::int64_t& got);
  // Reads frames [frame, frame + n) to `to`; returns how many whole frames were there.
  std::int64_t readAt(std::int64_t frame, std::int64_t n, std::uint8_t* to);

  // Read-ahead for small reads. With many voices blocks get short (1024 voices: 1024 frames, a
  // 3 KiB read per mono 24-bit clip), and a read call's fixed cost outweighs its copy: at 1024
  // voices the kernel's side of pread was 45% of the render. A reader asked for a quarter window
  // or less reads a whole window ahead (16 MiB at 1024 clips; 32 KiB windows took 16 MB more for no
  // more speed); larger reads go straight through.
  static constexpr std::int64_t kWindowBytes = 16 * 1024;
  std::vector<std::uint8_t> window_;
  std::int64_t windowStart_ = 0;   // frame
  std::int64_t windowFrames_ = 0;  // whole frames held

  int fd_;
  std::string file_;
  wave::Bw64Info info_;
  std::int64_t frameBytes_ = 0;
  std::int64_t position_ = 0;  // frame
  std::vector<float*> rows_;   // read()'s destinations, kept between calls
};

}  // namespace vkmix::io
