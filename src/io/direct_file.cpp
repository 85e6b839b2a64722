#include "io/direct_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>

namespace vkmix::io {

namespace {

// Large enough that a direct write or read costs the device one request per few milliseconds of
// a film-sized stream; small enough to be nothing beside a render's buffers.
constexpr std::size_t kBufferBytes = std::size_t{2} << 20;

char* alignedBuffer() {
  // Aligned to its own size, so that transparent huge pages can back it: pinning it for each
  // direct write then takes one page, not 512.
  void* p = std::aligned_alloc(kBufferBytes, kBufferBytes);
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<char*>(p);
}

// Opens with O_DIRECT when the file system takes it. A file system without direct I/O refuses
// it with EINVAL only after creating the file, so the retry must not insist on creating it again
// (it did not exist before: O_EXCL would have failed first).
// VKMIX_DIRECT_IO=0 writes and reads through the page cache, for a file system that takes
// O_DIRECT but does it slowly (some network mounts).
bool directAllowed() {
  static const bool allowed = [] {
    const char* v = std::getenv("VKMIX_DIRECT_IO");
    return v == nullptr || std::string_view(v) != "0";
  }();
  return allowed;
}

int openMaybeDirect(const std::filesystem::path& path, int flags, bool& direct) {
  direct = false;
  if (!directAllowed()) return ::open(path.c_str(), flags, 0666);
  int fd = ::open(path.c_str(), flags | O_DIRECT, 0666);
  if (fd >= 0) {
    direct = true;
    return fd;
  }
  if (errno != EINVAL) return -1;
  direct = false;
  if ((flags & O_EXCL) != 0) flags = (flags & ~O_EXCL) | O_TRUNC;
  return ::open(path.c_str(), flags, 0666);
}

bool clearDirect(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags & ~O_DIRECT) == 0;
}

}  // namespace

void DirectWriter::Free::operator()(char* p) const { std::free(p); }
void DirectReader::Free::operator()(char* p) const { std::free(p); }

DirectWriter::DirectWriter(std::filesystem::path path, bool exclusive, std::string name)
    : path_(std::move(path)), name_(name.empty() ? path_.string() : std::move(name)) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
  fd_ = openMaybeDirect(path_, flags, direct_);
  if (fd_ < 0) fail("cannot create", errno);
  if (direct_) buffer_.reset(alignedBuffer());
}

DirectWriter::~DirectWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void DirectWriter::fail(const char* what, int error) const {
  throw FileError(name_ + ": " + what + ": " + std::strerror(error), error);
}

void DirectWriter::plainWrite(const char* data, std::size_t bytes, std::int64_t offset) {
  while (bytes > 0) {
    const ssize_t n = ::pwrite(fd_, data, bytes, offset);
    if (n < 0 && errno == EINTR) continue;
    // A short write with no error is a full disk that the next write would report.
    if (n <= 0) fail("cannot write", n < 0 ? errno : ENOSPC);
    data += n;
    offset += n;
    bytes -= static_cast<std::size_t>(n);
  }
}

void DirectWriter::writeGathered(std::size_t bytes) {
  const char* data = buffer_.get();
  std::size_t done = 0;
  while (done < bytes && direct_) {
    const ssize_t n = ::pwrite(fd_, data + done, bytes - done, bufferAt_ + done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EINVAL && clearDirect(fd_)) {
      direct_ = false;  // the file system takes O_DIRECT at open but not these writes
      break;
    }
    if (n <= 0) fail("cannot write", n < 0 ? errno : ENOSPC);
    done += static_cast<std::size_t>(n);
    // A short direct write that ends mid-block cannot go on directly.
    if (done % kDirectAlign != 0) {
      if (!clearDirect(fd_)) fail("cannot write", errno);
      direct_ = false;
    }
  }
  if (done < bytes) plainWrite(data + done, bytes - done, bufferAt_ + done);
  std::memmove(buffer_.get(), data + bytes, gathered_ - bytes);
  gathered_ -= bytes;
  bufferAt_ += static_cast<std::int64_t>(bytes);
}

void DirectWriter::leaveDirect() {
  if (!buffer_) return;
  const std::size_t whole = gathered_ / kDirectAlign * kDirectAlign;
  if (whole > 0) writeGathered(whole);
  if (direct_) {
    if (!clearDirect(fd_)) fail("cannot write", errno);
    direct_ = false;
  }
  if (gathered_ > 0) writeGathered(gathered_);
  buffer_.reset();
}

void DirectWriter::write(const void* data, std::size_t bytes) {
  const char* p = static_cast<const char*>(data);
  // Bytes still gathered may be written again in place (a header patched before the first
  // block goes out); bytes already on disk, or a gap past the end, end direct writing.
  if (buffer_ &&
      (position_ < bufferAt_ || position_ > bufferAt_ + static_cast<std::int64_t>(gathered_)))
    leaveDirect();
  while (bytes > 0 && buffer_) {
    const auto at = static_cast<std::size_t>(position_ - bufferAt_);
    const std::size_t n = std::min(bytes, kBufferBytes - at);
    std::memcpy(buffer_.get() + at, p, n);
    gathered_ = std::max(gathered_, at + n);
    p += n;
    bytes -= n;
    position_ += static_cast<std::int64_t>(n);
    size_ = std::max(size_, position_);
    if (gathered_ == kBufferBytes) writeGathered(kBufferBytes);
    if (!direct_) leaveDirect();
  }
  if (bytes > 0) {
    plainWrite(p, bytes, position_);
    position_ += static_cast<std::int64_t>(bytes);
    size_ = std::max(size_, position_);
  }
}

void DirectWriter::close() {
  if (fd_ < 0) return;
  leaveDirect();
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("cannot close", errno);
}

DirectReader::DirectReader(std::filesystem::path path) : path_(std::move(path)) {
  fd_ = openMaybeDirect(path_, O_RDONLY | O_CLOEXEC, direct_);
  if (fd_ < 0) fail("cannot open", errno);
  struct stat st {};
  if (::fstat(fd_, &st) != 0) fail("cannot read", errno);
  size_ = st.st_size;
  buffer_.reset(alignedBuffer());
}

DirectReader::~DirectReader() {
  if (fd_ >= 0) ::close(fd_);
}

void DirectReader::fail(const char* what, int error) const {
  throw FileError(path_.string() + ": " + what + ": " + std::strerror(error), error);
}

void DirectReader::read(void* data, std::size_t bytes) {
  char* p = static_cast<char*>(data);
  while (bytes > 0) {
    const std::int64_t into = position_ - windowAt_;
    if (into >= 0 && into < static_cast<std::int64_t>(windowBytes_)) {
      const std::size_t n = std::min(bytes, windowBytes_ - static_cast<std::size_t>(into));
      std::memcpy(p, buffer_.get() + into, n);
      p += n;
      bytes -= n;
      position_ += static_cast<std::int64_t>(n);
      continue;
    }
    if (position_ >= size_) fail("cannot read (cut short)", EIO);
    windowAt_ = position_ / static_cast<std::int64_t>(kDirectAlign) *
                static_cast<std::int64_t>(kDirectAlign);
    windowBytes_ = 0;
    while (windowBytes_ < kBufferBytes) {
      const ssize_t n = ::pread(fd_, buffer_.get() + windowBytes_, kBufferBytes - windowBytes_,
                                windowAt_ + static_cast<std::int64_t>(windowBytes_));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EINVAL && direct_ && clearDirect(fd_)) {
        direct_ = false;
        continue;
      }
      if (n < 0) fail("cannot read", errno);
      if (n == 0) break;
      windowBytes_ += static_cast<std::size_t>(n);
      // Direct reads come in whole blocks until the end of the file; after a short one, the
      // next starts mid-block, which only a buffered read may.
      if (direct_ && windowBytes_ % kDirectAlign != 0) {
        if (!clearDirect(fd_)) fail("cannot read", errno);
        direct_ = false;
      }
    }
    if (static_cast<std::int64_t>(windowBytes_) <= position_ - windowAt_)
      fail("cannot read (cut short)", EIO);
  }
}

}  // namespace vkmix::io
