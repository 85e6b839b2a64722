// Writing the rendered mix through FFmpeg: WAV (WAVE_FORMAT_EXTENSIBLE with the layout's channel
// mask; RF64 automatically past 4 GiB) 16/24-bit integer or 32-bit float, Sony Wave64, CAF and
// Matroska audio (24-bit PCM), FLAC up to 8 channels, and lossy previews (AAC, E-AC-3) up to 5.1.
// The file is written under a temporary name and appears at its path only after finish().
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vkmix/layout.hpp"

namespace vkmix::io {

enum class OutputFormat { Wav16, Wav24, Wav32f, W64, Caf, Mka, Flac, Aac, Eac3 };

// What `--format` accepts: every output format with its file extension and limits.
struct FormatInfo {
  OutputFormat format;
  std::string_view name;       // "wav24"
  std::string_view extension;  // ".wav"
  int maxChannels;             // the container's or codec's limit
  bool lossy;
  std::string_view description;
};
const std::vector<FormatInfo>& outputFormats();
const FormatInfo& formatInfo(OutputFormat f);

// Parses a format name ("wav24", "eac3", ...); nullopt otherwise.
std::optional<OutputFormat> parseOutputFormat(std::string_view name);
std::string outputFormatName(OutputFormat f);
// "wav16, wav24, ..." for messages.
std::string outputFormatNames();
// The format a file name implies by its extension: .wav wav24, .w64 w64, .caf caf, .mka mka,
// .flac flac, .m4a/.aac aac, .eac3/.ec3 eac3, in any letter case. Any other extension (or none)
// throws InputError listing the known ones.
OutputFormat defaultFormatFor(const std::filesystem::path& path);

class AudioWriter {
 public:
  // Throws InputError (naming the output path) when the format cannot hold the layout (FLAC past
  // 8 channels) or the file cannot be created.
  AudioWriter(const std::filesystem::path& path, const Layout& layout, int sampleRate,
              OutputFormat format);
  ~AudioWriter();  // without finish(), removes the temporary file
  AudioWriter(const AudioWriter&) = delete;
  AudioWriter& operator=(const AudioWriter&) = delete;

  // Appends frames given channel-major: channel c's samples are planar[c * stride + i], i < n.
  void write(std::span<const float> planar, std::int64_t stride, std::int64_t numFrames);
  // Flushes and closes the temporary file; the output path is not touched yet.
  void close();
  // Renames the closed file into place (after close()).
  void commit();
  // close() then commit().
  void finish();
  // Samples that were clipped to full scale when converted to integer.
  std::int64_t clippedSamples() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vkmix::io
