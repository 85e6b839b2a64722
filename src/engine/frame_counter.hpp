// What each media file holds (channels, rate, frames after an offset), probed once per file
// however many clips play it, or taken from a render's media records. The planner's count of a
// clip's frames after its offset is exact: from the container for PCM at the session rate, else
// by decoding the file once and discarding.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "io/decoder.hpp"
#include "vkmix/render.hpp"

namespace vkmix::engine {

// What each media file holds, probed once per file however many clips play it.
class FrameCounter {
 public:
  // A file whose header promises more frames than it holds is an error, or with
  // `allowShortMedia` a warning (once per file) and silence where its frames are missing.
  // `cancelled` is polled per file and while a compressed file is decoded to count its frames.
  FrameCounter(int sampleRate, bool allowShortMedia = false,
               std::function<void(const std::string&)> warn = {},
               std::function<bool()> cancelled = {})
      : sampleRate_(sampleRate),
        allowShort_(allowShortMedia),
        warn_(std::move(warn)),
        cancelled_(std::move(cancelled)) {}
  const io::MediaInfo& info(const std::filesystem::path& file);
  // Frames of the file's audio after offsetFrames at the session rate; InputError naming the file.
  std::int64_t framesAfter(const std::filesystem::path& file, std::int64_t offsetFrames);
  int decodedFiles() const { return decodedFiles_; }  // files counted by decoding them

  // Answers from these records, without opening the files they list (RenderOptions::mediaRecords;
  // keyed by absolute path, as records() writes them).
  void useRecords(std::shared_ptr<const MediaRecords> records) { given_ = std::move(records); }
  // What was learned of every file asked about, probed or recorded: what a render planned from
  // them needs (a file's frames only where framesAfter counted them).
  MediaRecords records() const;
  // InputError naming the file when it is recorded and is now missing or differs from its record
  // (size, modification time): the render is about to open it. Files not recorded pass.
  void checkUnchanged(const std::filesystem::path& file) const;

 private:
  int sampleRate_;
  bool allowShort_;
  std::function<void(const std::string&)> warn_;
  std::function<bool()> cancelled_;
  std::map<std::string, io::MediaInfo> info_;
  std::map<std::string, std::int64_t> total_;  // file -> its frames at the session rate
  std::map<std::string, MediaRecord> probed_;  // file -> its size and time when probed
  std::shared_ptr<const MediaRecords> given_;
  int decodedFiles_ = 0;
};

}  // namespace vkmix::engine
