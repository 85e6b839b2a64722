#include "engine/frame_counter.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "vkmix/error.hpp"

namespace vkmix::engine {

namespace {

// The file's size and modification time; nullopt when it cannot be stat'ed.
std::optional<std::pair<std::int64_t, std::int64_t>> fileStamp(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return std::nullopt;
  return std::pair<std::int64_t, std::int64_t>{
      static_cast<std::int64_t>(st.st_size),
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

// Records are kept by absolute path: the render planned from them may run in another folder.
std::string recordKey(const std::filesystem::path& file) {
  return std::filesystem::absolute(file).lexically_normal().string();
}

}  // namespace

const io::MediaInfo& FrameCounter::info(const std::filesystem::path& file) {
  auto it = info_.find(file.string());
  if (it != info_.end()) return it->second;
  if (cancelled_ && cancelled_()) throw Interrupted("planning interrupted");
  io::MediaInfo info;
  const MediaRecord* recorded = nullptr;
  if (given_) {
    const auto r = given_->find(recordKey(file));
    if (r != given_->end()) recorded = &r->second;
  }
  if (recorded != nullptr) {
    info.numChannels = recorded->numChannels;
    info.sampleRate = recorded->sampleRate;
    info.codec = recorded->codec;
    info.durationSeconds = recorded->durationSeconds;
    info.exactFrames = recorded->exactFrames;
    info.promisedFrames = recorded->promisedFrames;
    probed_[file.string()] = *recorded;
    if (recorded->frames >= 0) total_.emplace(file.string(), recorded->frames);
  } else {
    // The stamp before the probe: a file changed while it is probed looks changed later.
    const auto stamp = fileStamp(file);
    info = io::probeAudio(file);
    MediaRecord& r = probed_[file.string()];
    if (stamp) std::tie(r.sizeBytes, r.modifiedNs) = *stamp;
    r.numChannels = info.numChannels;
    r.sampleRate = info.sampleRate;
    r.codec = info.codec;
    r.durationSeconds = info.durationSeconds;
    r.exactFrames = info.exactFrames;
    r.promisedFrames = info.promisedFrames;
  }
  if (info.promisedFrames > info.exactFrames) {
    const std::string what = "is cut short: its header promises " +
                             std::to_string(info.promisedFrames) + " frames, the file holds " +
                             std::to_string(info.exactFrames);
    if (!allowShort_)
      throw InputError(file.string(), "",
                       what + " (an interrupted copy?); --allow-short-media plays silence there");
    if (warn_) warn_(file.string() + ": " + what + "; silence plays in their place");
  }
  return info_.emplace(file.string(), std::move(info)).first->second;
}

std::int64_t FrameCounter::framesAfter(const std::filesystem::path& file,
                                       std::int64_t offsetFrames) {
  const io::MediaInfo& info = this->info(file);  // a recorded file's frames come with it
  auto it = total_.find(file.string());
  if (it == total_.end()) {
    std::int64_t frames = 0;
    if (info.exactFrames > 0 && info.sampleRate == sampleRate_) {
      frames = info.exactFrames;
    } else {
      // Compressed or resampled: count by decoding the whole file once, keeping nothing. A
      // decoder opened at an offset gives the frames from there on of this same stream, so every
      // clip of the file takes its count from this one: a feature's hundred clips of one long
      // compressed file cost one decode, not a hundred.
      io::StreamDecoder decoder(file, sampleRate_, {0}, 0);
      std::vector<std::vector<float>> scratch(1);
      for (std::int64_t got; (got = decoder.decode(scratch, 1 << 16)) > 0; scratch[0].clear()) {
        frames += got;
        if (cancelled_ && cancelled_()) throw Interrupted("planning interrupted");
      }
      ++decodedFiles_;
    }
    it = total_.emplace(file.string(), frames).first;
  }
  return std::max<std::int64_t>(0, it->second - offsetFrames);
}

MediaRecords FrameCounter::records() const {
  MediaRecords out;
  for (const auto& [file, record] : probed_) {
    MediaRecord& r = out[recordKey(file)] = record;
    const auto total = total_.find(file);
    r.frames = total == total_.end() ? -1 : total->second;
  }
  return out;
}

void FrameCounter::checkUnchanged(const std::filesystem::path& file) const {
  if (!given_) return;
  const auto r = given_->find(recordKey(file));
  if (r == given_->end()) return;
  const auto stamp = fileStamp(file);
  const int err = errno;
  if (!stamp)
    throw InputError(file.string(), "",
                     "cannot be read (" + std::string(std::strerror(err)) +
                         "), and the frames rendered play it");
  if (stamp->first == r->second.sizeBytes && stamp->second == r->second.modifiedNs) return;
  const std::string how = stamp->first != r->second.sizeBytes
                              ? "it is " + std::to_string(stamp->first) + " bytes, recorded " +
                                    std::to_string(r->second.sizeBytes)
                              : "its modification time is not the recorded one";
  throw InputError(file.string(), "",
                   "changed since the render was planned from its record (" + how +
                       "): put the recorded file back (cp -p keeps its time) or plan the "
                       "render again");
}

}  // namespace vkmix::engine
