// The files a command reads and the files it will write, checked together before any work starts:
// an output never replaces an input or another output (compared by file identity, so links and
// other spellings are caught), is a regular file or does not exist yet, replaces an existing file
// only when the user said so (-y), and lands in a folder that exists and can be written.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace vkmix::io {

class OutputGuard {
 public:
  // `role` names the file in messages: "the session", "tracks[2].clips[0].file", "--output".
  // Inputs that do not exist are ignored here (opening them reports that, with its field).
  void addInput(const std::filesystem::path& path, std::string role);
  void addOutput(const std::filesystem::path& path, std::string role);
  // A folder that outputs go into and that the render may create (--stems DIR).
  void addOutputFolder(const std::filesystem::path& path, std::string role);

  // Throws InputError naming the output and what it clashes with; nothing is touched.
  void check(bool overwrite) const;

 private:
  struct Entry {
    std::filesystem::path path;
    std::string role;
  };
  std::vector<Entry> inputs_;
  std::set<std::filesystem::path> inputPaths_;  // as spelled: repeats are skipped
  std::vector<Entry> outputs_;
  std::vector<Entry> folders_;
};

// A name from the session (a stem, a track) as one file-name component: path separators, "..",
// control characters and a leading dot replaced by '_', so it can never leave its folder or hide.
std::string safeFileName(std::string_view name);

// What temporaries' names carry to say whose they are: this machine's host name (sanitised) and
// this process's pid, "HOST-PID". A pid means something only on its own host (and PID
// namespace: containers get host names of their own), so a render into a folder shared over the
// network never takes another machine's live render for a dead one.
std::string temporaryOwner();

// Removes what a killed vkmix left beside `finalPath`: the hidden temporaries of AtomicFile (with
// the same extension) and the work folders of a video render, whose names carry this host and
// the pid of a process that no longer runs here.
void removeStaleTemporaries(const std::filesystem::path& finalPath);

}  // namespace vkmix::io
