#include "io/ffmpeg_util.hpp"

namespace vkmix::io {

std::string ffmpegError(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

void configureFfmpeg() {
  av_log_set_level(AV_LOG_FATAL);
  // No single FFmpeg allocation may pass 256 MiB: a corrupt header's claimed chunk size otherwise
  // becomes the allocation (a 119-byte WAV asked for 1.2 GB; found by tests/fuzz/media_fuzzer).
  // Audio frames and the largest video packets a mux copies stay far below.
  av_max_alloc(std::size_t{256} << 20);
}

}  // namespace vkmix::io
