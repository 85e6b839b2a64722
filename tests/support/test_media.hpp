// Test media: a scratch folder per test, a plain float WAV writer written from the RIFF spec
// (independent of vkmix's FFmpeg writer, so decoding is checked against an outside encoder), and
// running the ffmpeg CLI to make files in other containers and codecs.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace vkmix::test {

// A fresh empty folder under the system temp dir, removed when the object dies.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Writes 32-bit float WAV (WAVE_FORMAT_IEEE_FLOAT) with channels[c][frame].
void writeFloatWav(const std::filesystem::path& path,
                   const std::vector<std::vector<float>>& channels, int sampleRate);

// Runs a shell command; returns its exit status. Output goes to `log` if given.
int runCommand(const std::string& command, std::string* output = nullptr);

// Writes `text` to a file.
void writeText(const std::filesystem::path& path, const std::string& text);

}  // namespace vkmix::test
