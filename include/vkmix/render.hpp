// Rendering a session: the public entry points the CLI, the inspector and tests use.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "vkmix/session.hpp"

namespace vkmix {

struct RenderOptions {
  std::string layout;               // output layout; "" = the session's
  std::string device;               // "" = best Vulkan device; index; name substring; "cpu"
  std::int64_t blockFrames = 4096;  // frames per block; the output does not depend on it
  bool validation = false;          // Vulkan validation layers (tests and debug builds)
  std::function<void(const std::string&)> warn;             // non-fatal problems
  std::function<void(double done, double total)> progress;  // seconds rendered / to render
};

struct RenderReport {
  std::string device;  // "llvmpipe (LLVM 15.0.6, 256 bits) [cpu]" or "cpu-reference"
  std::string layout;
  int sampleRate = 0;
  std::int64_t numFrames = 0;
  double durationSeconds = 0.0;
  double wallSeconds = 0.0;
  std::vector<double> channelPeak;  // per output channel, linear full scale
  std::vector<double> channelRms;
  std::int64_t clippedSamples = 0;  // integer formats only
  int numVoices = 0;
  int validationErrors = 0;  // with RenderOptions::validation
};

// Renders into memory: channels[c][frame] in the output layout's channel (file) order.
struct RenderedAudio {
  RenderReport report;
  std::vector<std::vector<float>> channels;
};
RenderedAudio renderToMemory(const Session& session, const RenderOptions& options);

// Renders to a file (format "wav16", "wav24", "wav32f", "flac"; "" = from the extension), written
// under a temporary name and renamed into place when complete.
RenderReport renderToFile(const Session& session, const RenderOptions& options,
                          const std::filesystem::path& output, const std::string& format = "");

}  // namespace vkmix
