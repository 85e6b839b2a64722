#include "support/test_media.hpp"

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>

namespace vkmix::test {

ScratchDir::ScratchDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("vkmix-test-" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {
void put32(std::ofstream& o, std::uint32_t v) { o.write(reinterpret_cast<const char*>(&v), 4); }
void put16(std::ofstream& o, std::uint16_t v) { o.write(reinterpret_cast<const char*>(&v), 2); }
}  // namespace

void writeFloatWav(const std::filesystem::path& path,
                   const std::vector<std::vector<float>>& channels, int sampleRate) {
  const auto nc = static_cast<std::uint16_t>(channels.size());
  const std::size_t frames = channels.empty() ? 0 : channels[0].size();
  for (const auto& ch : channels) {
    if (ch.size() != frames)
      throw std::invalid_argument("writeFloatWav: channels of different lengths");
  }
  const auto dataBytes = static_cast<std::uint32_t>(frames * nc * 4);
  std::ofstream o(path, std::ios::binary);
  if (!o) throw std::runtime_error("cannot write " + path.string());
  o.write("RIFF", 4);
  put32(o, 36 + dataBytes);
  o.write("WAVEfmt ", 8);
  put32(o, 16);
  put16(o, 3);  // WAVE_FORMAT_IEEE_FLOAT
  put16(o, nc);
  put32(o, static_cast<std::uint32_t>(sampleRate));
  put32(o, static_cast<std::uint32_t>(sampleRate) * nc * 4);
  put16(o, static_cast<std::uint16_t>(nc * 4));
  put16(o, 32);
  o.write("data", 4);
  put32(o, dataBytes);
  for (std::size_t i = 0; i < frames; ++i) {
    for (const auto& ch : channels) o.write(reinterpret_cast<const char*>(&ch[i]), 4);
  }
}

int runCommand(const std::string& command, std::string* output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buf{};
  std::string text;
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe) != nullptr) text += buf.data();
  int status = ::pclose(pipe);
  if (output != nullptr) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void writeText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream o(path, std::ios::binary);
  o << text;
}

}  // namespace vkmix::test
