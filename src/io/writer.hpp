// Writing the rendered mix through FFmpeg: WAV (WAVE_FORMAT_EXTENSIBLE with the layout's channel
// mask; RF64 automatically past 4 GiB), 24-bit integer or 32-bit float, and FLAC up to 8 channels.
// The file is written under a temporary name and appears at its path only after finish().
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "vkmix/layout.hpp"

namespace vkmix::io {

enum class OutputFormat { Wav16, Wav24, Wav32f, Flac };

// Parses "wav16", "wav24", "wav32f", "flac"; nullopt otherwise.
std::optional<OutputFormat> parseOutputFormat(std::string_view name);
std::string outputFormatName(OutputFormat f);
// The format a file name implies: .flac -> Flac, anything else -> Wav24.
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
