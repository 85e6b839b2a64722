// Large files streamed past the page cache. A render writes gigabytes it will not read again (the
// deliverables) or will read once (the render kept for normalisation); through the page cache
// each byte is copied into kernel memory by the thread that writes it, which costs the render
// threads more CPU than encoding does, and evicts the media the decoders are reading. These
// classes use O_DIRECT where the file system takes it (whole aligned blocks from aligned memory)
// and plain buffered I/O where it does not (tmpfs, some network file systems), with the same
// bytes on disk either way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "vkmix/error.hpp"

namespace vkmix::io {

// What these classes throw: an IoError naming the file, with the system's error number.
class FileError : public IoError {
 public:
  FileError(const std::string& what, int error) : IoError(what), error_(error) {}
  int error() const { return error_; }

 private:
  int error_;
};

// The alignment direct I/O needs of memory, file offsets and lengths here: 4096 covers devices
// with 512-byte and 4 KiB logical blocks.
inline constexpr std::size_t kDirectAlign = 4096;

// A file written mostly front to back: appends are gathered into whole aligned blocks written
// directly, and gathered bytes may be written again in place; the first write to bytes already
// on disk (a container's header patched at the close) writes what is gathered and continues with
// buffered writes, as does a file system that refuses direct I/O. Errors throw FileError naming
// the file.
class DirectWriter {
 public:
  // Creates `path`, truncating it, or with `exclusive` failing if it exists. Errors name `name`
  // (the file a temporary file becomes, say), else the path.
  DirectWriter(std::filesystem::path path, bool exclusive, std::string name = {});
  ~DirectWriter();  // closes without reporting errors; close() reports them
  DirectWriter(const DirectWriter&) = delete;
  DirectWriter& operator=(const DirectWriter&) = delete;

  // Writes `bytes` at the position and moves it past them.
  void write(const void* data, std::size_t bytes);
  void seek(std::int64_t offset) { position_ = offset; }
  std::int64_t position() const { return position_; }
  std::int64_t size() const { return size_; }
  // Writes everything gathered and closes the file; the file is whole on disk (as far as the
  // kernel's write-back) when this returns. No write after it.
  void close();
  // Whether writes still go past the page cache (for tests).
  bool direct() const { return direct_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void writeGathered(std::size_t bytes);  // the first `bytes` of the buffer, at its offset
  void leaveDirect();
  void plainWrite(const char* data, std::size_t bytes, std::int64_t offset);
  [[noreturn]] void fail(const char* what, int error) const;

  std::filesystem::path path_;
  std::string name_;
  int fd_ = -1;
  bool direct_ = false;
  struct Free {
    void operator()(char* p) const;
  };
  std::unique_ptr<char, Free> buffer_;  // kDirectAlign-aligned, gathering appends
  std::size_t gathered_ = 0;            // bytes in the buffer
  std::int64_t bufferAt_ = 0;           // the file offset of the buffer's first byte
  std::int64_t position_ = 0;
  std::int64_t size_ = 0;
};

// A file read front to back, in large aligned reads past the page cache where the file system
// takes them. Errors (and a file shorter than asked) throw FileError naming the file.
class DirectReader {
 public:
  explicit DirectReader(std::filesystem::path path);
  ~DirectReader();
  DirectReader(const DirectReader&) = delete;
  DirectReader& operator=(const DirectReader&) = delete;

  // Reads `bytes` at the position and moves it past them.
  void read(void* data, std::size_t bytes);
  std::int64_t position() const { return position_; }
  std::int64_t size() const { return size_; }
  bool direct() const { return direct_; }

 private:
  [[noreturn]] void fail(const char* what, int error) const;

  std::filesystem::path path_;
  int fd_ = -1;
  bool direct_ = false;
  struct Free {
    void operator()(char* p) const;
  };
  std::unique_ptr<char, Free> buffer_;
  std::int64_t windowAt_ = 0;  // the file offset of the buffer's first byte
  std::size_t windowBytes_ = 0;
  std::int64_t position_ = 0;
  std::int64_t size_ = 0;
};

}  // namespace vkmix::io
