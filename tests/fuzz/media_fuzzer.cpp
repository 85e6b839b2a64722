// libFuzzer target: opening, probing and decoding arbitrary bytes as a media file (vkmix's FFmpeg
// wrapper: container probing, exact frame counts, channel selection, resampling, the NaN/Inf
// check). A corrupt file must end in an InputError or IoError. The bytes go through a file in
// /dev/shm because the decoder opens paths, as the render does.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "io/decoder.hpp"
#include "vkmix/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/dev/shm/vkmix-media-fuzz-" + std::to_string(::getpid());
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  try {
    const vkmix::io::MediaInfo info = vkmix::io::probeAudio(path);
    // At most a second at 48 kHz, every channel, then channel 0 alone from an offset.
    (void)vkmix::io::decodeAudio(path, 48000, 0, 48000);
    if (info.numChannels > 0) {
      vkmix::io::StreamDecoder d(path, 48000, {0}, 100);
      std::vector<std::vector<float>> out(1);
      while (d.decode(out, 4096) > 0 && out[0].size() < 48000) {
      }
    }
  } catch (const vkmix::InputError&) {
  } catch (const vkmix::IoError&) {
  }
  return 0;
}
