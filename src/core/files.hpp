// Files outside the render's own: inputs are opened only as regular files, so a FIFO, a device or
// a folder named as media or a session is refused at once instead of blocking for ever or being
// read until memory runs out; and the folder vkmix keeps its caches in.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace vkmix {

// Throws InputError(path, "", why) unless `path` names an existing regular file (links followed).
// Returns its size in bytes.
std::uint64_t requireRegularFile(const std::filesystem::path& path);

// The folder of vkmix's caches (VkFFT kernels, FFTW wisdom): $VKMIX_CACHE_DIR (empty: none, no
// caching), else $XDG_CACHE_HOME/vkmix, else ~/.cache/vkmix; none without a home.
std::optional<std::filesystem::path> cacheDir();

// Writes a cache file whole or not at all: under a temporary name, then renamed, so a reader never
// sees half of it. Best effort: a cache that cannot be written is only not written.
void writeCacheFile(const std::filesystem::path& file, std::string_view bytes);

// FNV-1a, 64-bit: the checksum and the key hash of vkmix's cache files.
std::uint64_t fnv1a(const void* data, std::size_t bytes);

}  // namespace vkmix
