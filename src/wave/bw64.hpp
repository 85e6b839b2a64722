// BW64 / RF64 / RIFF WAVE files as ITU-R BS.2088 defines them for ADM: the chunk walk (ds64 for
// sizes past 4 GiB, fmt, data, chna, axml) and a streaming writer that adds chna and axml. The
// walk reads headers and chunks; io::StreamDecoder reads PCM data straight from dataOffset.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace vkmix::wave {

// One row of the chna chunk: audio track `trackIndex` (1-based, as stored) carries audioTrackUID
// `uid`, whose format is `trackFormatRef` (AT_... or AC_...) in pack `packFormatRef` (AP_...).
struct ChnaEntry {
  int trackIndex = 0;
  std::string uid;
  std::string trackFormatRef;
  std::string packFormatRef;
};

struct Bw64Info {
  std::string container;  // "RIFF", "RF64" or "BW64"
  int numChannels = 0;
  int sampleRate = 0;
  int bitsPerSample = 0;
  int blockAlign = 0;  // bytes per frame, as the fmt chunk says
  bool isFloat = false;
  std::uint64_t channelMask = 0;        // WAVE_FORMAT_EXTENSIBLE's dwChannelMask; 0 without one
  std::uint64_t dataOffset = 0;         // of the first sample
  std::uint64_t dataBytes = 0;          // what the file holds
  std::uint64_t declaredDataBytes = 0;  // what the data chunk's header promises (more: cut short)
  std::uint64_t numFrames = 0;
  bool hasChna = false;
  bool hasAxml = false;
  std::vector<ChnaEntry> chna;
  std::string axml;
};

// Reads `n` bytes at `offset` into `dst`; returns how many it could (fewer at the end).
using ByteReader = std::function<std::size_t(std::uint64_t offset, std::span<std::uint8_t> dst)>;

// What the chunk walk reads besides fmt and data. AudioOnly notes chna and axml (hasChna,
// hasAxml) without reading them: the decoder that opens each clip of a master needs neither, and
// copying a master's axml (up to 64 MiB) once per clip made rendering it quadratic in objects.
enum class Bw64Read { Everything, AudioOnly };

// Walks the chunks of a WAVE file of `size` bytes. Throws InputError(source, "<chunk>", ...) for
// a file that is not WAVE or whose chunks are malformed or truncated. An axml chunk over 64 MiB
// or a chna over 65535 entries is refused.
Bw64Info parseBw64(const ByteReader& read, std::uint64_t size, const std::string& source,
                   Bw64Read what = Bw64Read::Everything);
Bw64Info readBw64(const std::filesystem::path& path, Bw64Read what = Bw64Read::Everything);

enum class Bw64Sample { Int24, Float32 };

// Writes interleaved frames to a BW64 file: RIFF with a JUNK chunk that becomes ds64 (and the
// header BW64) if the file grows past 4 GiB, then fmt, chna, data, and axml after the data.
class Bw64Writer {
 public:
  Bw64Writer(const std::filesystem::path& path, int numChannels, int sampleRate, Bw64Sample sample,
             std::vector<ChnaEntry> chna);
  ~Bw64Writer();
  Bw64Writer(const Bw64Writer&) = delete;
  Bw64Writer& operator=(const Bw64Writer&) = delete;

  // frames[f * numChannels + c]; 24-bit samples are clipped to full scale.
  void write(std::span<const float> interleaved);
  // Appends axml and fixes the sizes. Throws IoError on any write failure.
  void finish(const std::string& axml);
  std::uint64_t framesWritten() const { return frames_; }

 private:
  void put(const void* data, std::size_t n);
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  int channels_;
  Bw64Sample sample_;
  std::uint64_t dataStart_ = 0;
  std::uint64_t frames_ = 0;
  std::vector<std::uint8_t> scratch_;
};

}  // namespace vkmix::wave
