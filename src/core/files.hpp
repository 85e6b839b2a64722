// Opening an input: only regular files, so a FIFO, a device or a folder named as media or a session
// is refused at once instead of blocking for ever or being read until memory runs out.
#pragma once

#include <cstdint>
#include <filesystem>

namespace vkmix {

// Throws InputError(path, "", why) unless `path` names an existing regular file (links followed).
// Returns its size in bytes.
std::uint64_t requireRegularFile(const std::filesystem::path& path);

}  // namespace vkmix
