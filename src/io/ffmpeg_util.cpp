#include "io/ffmpeg_util.hpp"

namespace vkmix::io {

std::string ffmpegError(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

void quietFfmpegLogs() { av_log_set_level(AV_LOG_FATAL); }

}  // namespace vkmix::io
