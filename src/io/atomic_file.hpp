// A file written under a temporary name beside its destination and renamed into place only by
// commit(), so a failed or interrupted render never leaves a file that looks complete.
#pragma once

#include <filesystem>

namespace vkmix::io {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path finalPath);
  ~AtomicFile();  // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::filesystem::path& tempPath() const { return temp_; }
  const std::filesystem::path& finalPath() const { return final_; }
  // Renames the temporary file to the final path (replacing it). Throws IoError on failure.
  void commit();

 private:
  std::filesystem::path final_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

}  // namespace vkmix::io
