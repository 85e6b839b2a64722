// Denoising one file outside a session (`vkmix denoise`): the same denoiser a session track's
// "denoise" runs, on every channel of the file at its own sample rate, latency-compensated (the
// output lines up with the input sample for sample and has its length).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "vkmix/session.hpp"

namespace vkmix {

struct DenoiseFileOptions {
  std::filesystem::path input;
  std::filesystem::path output;
  std::string format;  // "wav16", "wav24", "wav32f", "flac"; "" = from the extension
  std::string device;  // as RenderOptions::device ("cpu" for the CPU reference)
  bool validation = false;
  Denoise settings;  // learn times are seconds into the file
  std::function<bool()> cancelled;
};

struct DenoiseFileReport {
  std::string device;
  int numChannels = 0;
  int sampleRate = 0;
  std::int64_t numFrames = 0;
  double wallSeconds = 0.0;
};

// Throws InputError naming the file (unreadable, NaN samples, a silent learn range) or the
// output; the output appears only when complete.
DenoiseFileReport denoiseFile(const DenoiseFileOptions& options);

}  // namespace vkmix
