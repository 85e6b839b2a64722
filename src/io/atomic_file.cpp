#include "io/atomic_file.hpp"

#include <unistd.h>

#include <atomic>
#include <string>

#include "io/output_guard.hpp"
#include "vkmix/error.hpp"

namespace vkmix::io {
namespace {
std::atomic<int> gCounter{0};
}

AtomicFile::AtomicFile(std::filesystem::path finalPath) : final_(std::move(finalPath)) {
  // A render killed with SIGKILL cannot clean up: the next one to the same output does.
  removeStaleTemporaries(final_);
  // Same directory as the destination, so the rename never crosses filesystems; the name keeps
  // the extension last because FFmpeg picks muxer defaults from it.
  std::string name = "." + final_.stem().string() + ".vkmix-tmp-" + temporaryOwner() + "-" +
                     std::to_string(gCounter++) + final_.extension().string();
  temp_ = final_.parent_path() / name;
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
}

void AtomicFile::commit() {
  std::error_code ec;
  std::filesystem::rename(temp_, final_, ec);
  if (ec)
    throw IoError(final_.string() + ": cannot move the finished file into place: " + ec.message());
  committed_ = true;
}

}  // namespace vkmix::io
