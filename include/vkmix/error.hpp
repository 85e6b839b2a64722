// Error types every vkmix module throws. User mistakes (session, media, values) are InputError and
// carry the file and the field at fault, so the CLI prints them as one line; bugs are
// InternalError.
#pragma once

#include <stdexcept>
#include <string>

namespace vkmix {

// Bad input from the user: a session file, a media file, an option. what() is the one-line message
// "FILE: FIELD: problem" (FIELD omitted when the whole file is at fault).
class InputError : public std::runtime_error {
 public:
  InputError(std::string file, std::string field, const std::string& problem);
  const std::string& file() const { return file_; }
  const std::string& field() const { return field_; }
  // The problem alone, without file and field (for re-throwing under another file and field).
  const std::string& problem() const { return problem_; }

 private:
  std::string file_;
  std::string field_;
  std::string problem_;
};

// A broken invariant inside vkmix: always a bug, never the user's fault.
class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// The GPU failed (no device, out of device memory, device lost); the message names the step.
class GpuError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The render was stopped on request (SIGINT/SIGTERM, or RenderOptions::cancelled); nothing was
// written.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writing or reading a file failed for a reason outside the user's data (disk full, permissions).
class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace vkmix
