#include "core/files.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "vkmix/error.hpp"

namespace vkmix {

std::uint64_t requireRegularFile(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    throw InputError(path.string(), "",
                     err == ENOENT ? std::string("no such file")
                                   : std::string("cannot open: ") + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) throw InputError(path.string(), "", "is a folder, not a file");
  if (!S_ISREG(st.st_mode))
    throw InputError(path.string(), "",
                     "is not a regular file (a FIFO, device or socket); vkmix reads files only");
  return static_cast<std::uint64_t>(st.st_size);
}

std::optional<std::filesystem::path> cacheDir() {
  if (const char* dir = std::getenv("VKMIX_CACHE_DIR")) {
    if (*dir == '\0') return std::nullopt;
    return std::filesystem::path(dir);
  }
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0')
    return std::filesystem::path(xdg) / "vkmix";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return std::filesystem::path(home) / ".cache" / "vkmix";
  return std::nullopt;
}

}  // namespace vkmix
