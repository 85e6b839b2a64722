#include "io/output_guard.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <optional>

#include "vkmix/error.hpp"

namespace vkmix::io {
namespace {

namespace fs = std::filesystem;

struct Identity {
  dev_t device = 0;
  ino_t inode = 0;
  bool operator==(const Identity&) const = default;
};

std::optional<Identity> identityOf(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return Identity{st.st_dev, st.st_ino};
}

// The path an output will have once written: its folder resolved (links, "..", relative
// spellings) and its own name kept, so two spellings of a file not yet written compare equal.
fs::path wouldBe(const fs::path& path) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  if (ec) return path.lexically_normal();
  const fs::path folder = fs::weakly_canonical(absolute.parent_path(), ec);
  if (ec) return absolute.lexically_normal();
  return folder / absolute.filename();
}

bool isLeftOver(const std::string& name, const std::string& prefix, bool pidThenDash,
                const std::string& extension = {}) {
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  if (!extension.empty() && !name.ends_with(extension)) return false;
  std::size_t end = prefix.size();
  while (end < name.size() && name[end] >= '0' && name[end] <= '9') ++end;
  if (end == prefix.size() || end - prefix.size() > 9) return false;
  if (pidThenDash ? (end >= name.size() || name[end] != '-') : end != name.size()) return false;
  const pid_t pid = static_cast<pid_t>(std::stol(name.substr(prefix.size(), end - prefix.size())));
  if (pid == ::getpid()) return false;
  // Only a process that is certainly gone: EPERM means it runs under another user.
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace

void OutputGuard::addInput(const fs::path& path, std::string role) {
  // A session names each media file in many clips: it is resolved and compared once, under the
  // first clip's name.
  if (!path.empty() && inputPaths_.insert(path).second) inputs_.push_back({path, std::move(role)});
}

void OutputGuard::addOutput(const fs::path& path, std::string role) {
  outputs_.push_back({path, std::move(role)});
}

void OutputGuard::addOutputFolder(const fs::path& path, std::string role) {
  folders_.push_back({path, std::move(role)});
}

void OutputGuard::check(bool overwrite) const {
  for (const Entry& f : folders_) {
    if (f.path.empty()) throw InputError(f.role, "", "the folder's path is empty");
    std::error_code ec;
    const auto status = fs::status(f.path, ec);
    if (fs::exists(status)) {
      if (!fs::is_directory(status))
        throw InputError(f.path.string(), f.role, "exists and is not a folder");
      if (::access(f.path.c_str(), W_OK | X_OK) != 0)
        throw InputError(f.path.string(), f.role, "the folder cannot be written");
      continue;
    }
    // It will be created, one level, as -o's folder must exist: its parent must be a writable
    // folder (a typo deep in a path is not silently built).
    const fs::path up = wouldBe(f.path).parent_path();
    if (!fs::is_directory(up, ec))
      throw InputError(f.path.string(), f.role,
                       "the folder's parent does not exist (" + up.string() + ")");
    if (::access(up.c_str(), W_OK | X_OK) != 0)
      throw InputError(f.path.string(), f.role,
                       "the folder cannot be created (" + up.string() + " is not writable)");
  }

  std::vector<std::optional<Identity>> inputIds;
  std::vector<fs::path> inputPaths;
  for (const Entry& in : inputs_) {
    inputIds.push_back(identityOf(in.path));
    inputPaths.push_back(wouldBe(in.path));
  }
  std::vector<fs::path> seen;
  std::vector<std::optional<Identity>> seenIds;
  for (const Entry& out : outputs_) {
    if (out.path.empty()) throw InputError(out.role, "", "the output path is empty");
    const std::string name = out.path.string();
    if (name.back() == '/' || out.path.filename() == "." || out.path.filename() == "..")
      throw InputError(name, out.role, "names a folder; give a file name");
    struct stat st {};
    const bool exists = ::lstat(out.path.c_str(), &st) == 0;
    if (exists) {
      if (S_ISLNK(st.st_mode))
        throw InputError(name, out.role,
                         "is a symbolic link; vkmix replaces files whole, which would replace the "
                         "link: name the file it points to");
      if (S_ISDIR(st.st_mode)) throw InputError(name, out.role, "is a folder; give a file name");
      if (!S_ISREG(st.st_mode))
        throw InputError(name, out.role,
                         "is not a regular file (a device, FIFO or socket); vkmix writes regular "
                         "files only");
    }
    const std::optional<Identity> id = exists ? identityOf(out.path) : std::nullopt;
    const fs::path resolved = wouldBe(out.path);
    // A file where a folder of outputs goes (-o X --stems X) would fail only at the end.
    for (const Entry& f : folders_) {
      if (resolved == wouldBe(f.path))
        throw InputError(
            name, out.role,
            "is also the folder of " + f.role + ": an output file and a folder, one path");
    }
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      if ((id && inputIds[i] && *id == *inputIds[i]) || resolved == inputPaths[i])
        throw InputError(name, out.role,
                         "is also " + inputs_[i].role + " (" + inputs_[i].path.string() +
                             "), an input: vkmix never writes its inputs");
    }
    for (std::size_t j = 0; j < seen.size(); ++j) {
      if ((id && seenIds[j] && *id == *seenIds[j]) || resolved == seen[j])
        throw InputError(name, out.role,
                         "is also the file of " + outputs_[j].role + ": two outputs, one file");
    }
    seen.push_back(resolved);
    seenIds.push_back(id);
    if (exists && !overwrite)
      throw InputError(name, out.role, "already exists; -y (--overwrite) replaces it");
    const fs::path folder = resolved.parent_path();
    std::error_code ec;
    // An output inside a folder still to be created (--stems DIR) was checked with that folder.
    if (!fs::exists(folder, ec)) {
      bool planned = false;
      for (const Entry& f : folders_) planned = planned || wouldBe(f.path) == folder;
      if (!planned)
        throw InputError(name, out.role,
                         "the output folder does not exist (" + folder.string() + ")");
    } else if (!fs::is_directory(folder, ec)) {
      throw InputError(name, out.role, folder.string() + " is not a folder");
    } else if (::access(folder.c_str(), W_OK | X_OK) != 0) {
      throw InputError(name, out.role,
                       "the output folder " + folder.string() + " cannot be written");
    }
  }
}

std::string safeFileName(std::string_view name) {
  std::string out;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    out += (c == '/' || c == '\\' || u < 0x20 || u == 0x7f) ? '_' : c;
  }
  if (out.empty() || out == "." || out == "..") return "_" + out;
  if (out.front() == '.') out.front() = '_';
  return out;
}

std::string temporaryOwner() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return safeFileName(host[0] != '\0' ? host : "host") + "-" + std::to_string(::getpid());
}

void removeStaleTemporaries(const fs::path& finalPath) {
  const fs::path folder = finalPath.has_parent_path() ? finalPath.parent_path() : fs::path(".");
  // The names io::AtomicFile and the video render's work folder give their temporaries, this
  // host's only: "HOST-" then the pid.
  std::string self = temporaryOwner();
  const std::string host = self.substr(0, self.rfind('-') + 1);
  const std::string tempPrefix = "." + finalPath.stem().string() + ".vkmix-tmp-" + host;
  const std::string workPrefix = "." + finalPath.filename().string() + ".vkmix-" + host;
  DIR* dir = ::opendir(folder.c_str());
  if (dir == nullptr) return;
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(dir)) names.emplace_back(e->d_name);
  ::closedir(dir);
  for (const std::string& n : names) {
    std::error_code ec;
    if (isLeftOver(n, tempPrefix, true, finalPath.extension().string())) {
      fs::remove(folder / n, ec);
    } else if (isLeftOver(n, workPrefix, false)) {
      fs::remove_all(folder / n, ec);
    }
  }
}

}  // namespace vkmix::io
