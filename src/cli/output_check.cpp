#include "cli/output_check.hpp"

#include <cctype>
#include <map>

#include "vkmix/error.hpp"
#include "vkmix/layout.hpp"

namespace vkmix::cli {

void addSessionInputs(io::OutputGuard& guard, const Session& session,
                      const std::filesystem::path& sessionPath) {
  guard.addInput(sessionPath, "the session");
  // A layout file the session names is read too (even where --layout overrides it, it is not
  // something to write over).
  if (session.layout != "binaural" && findLayout(session.layout) == nullptr)
    guard.addInput(session.layout, "layout");
  for (std::size_t r = 0; r < session.reverbs.size(); ++r)
    guard.addInput(session.reverbs[r].resolvedIr, "reverbs[" + std::to_string(r) + "].ir");
  for (std::size_t t = 0; t < session.tracks.size(); ++t) {
    const auto& clips = session.tracks[t].clips;
    for (std::size_t c = 0; c < clips.size(); ++c) {
      guard.addInput(clips[c].resolvedPath,
                     "tracks[" + std::to_string(t) + "].clips[" + std::to_string(c) + "].file");
    }
  }
}

void addLayoutInput(io::OutputGuard& guard, const std::string& layout) {
  // Neither a built-in layout nor "binaural" (docs/binaural.md): a layout file.
  if (!layout.empty() && layout != "binaural" && findLayout(layout) == nullptr)
    guard.addInput(layout, "--layout");
}

std::vector<std::pair<std::string, std::filesystem::path>> stemFiles(
    const Session& session, const std::filesystem::path& stemsDir, const std::string& extension) {
  std::vector<std::pair<std::string, std::filesystem::path>> out;
  std::map<std::string, std::string> byFile;
  for (const Track& t : session.tracks) {
    const std::string file = io::safeFileName(t.stem) + extension;
    if (file.size() > 255)
      throw InputError(session.path.string(), "stem",
                       "\"" + t.stem.substr(0, 40) + "...\" is too long for a file name (" +
                           std::to_string(file.size()) + " bytes with its extension; at most 255)");
    auto [it, added] = byFile.emplace(file, t.stem);
    if (added) {
      out.emplace_back(t.stem, stemsDir / file);
    } else if (it->second != t.stem) {
      throw InputError(session.path.string(), "stem",
                       "stems \"" + it->second + "\" and \"" + t.stem +
                           "\" would both be written to " + file + "; rename one");
    }
  }
  return out;
}

void requireExtension(const std::string& path, const std::string& field,
                      std::initializer_list<const char*> known, const std::string& what) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string list;
  for (const char* k : known) {
    if (ext == k) return;
    list += std::string(list.empty() ? "" : ", ") + k;
  }
  throw InputError(path, field, "is " + what + ": its name must end in " + list);
}

}  // namespace vkmix::cli
