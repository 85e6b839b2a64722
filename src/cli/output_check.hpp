// What each command reads and writes, handed to io::OutputGuard before any work: the session and
// everything it refers to are inputs; the mix, stems, downmixes, report, plot and exports outputs.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "io/output_guard.hpp"
#include "vkmix/session.hpp"

namespace vkmix::cli {

// The session file (or ADM master), its layout file, every clip's media and every reverb's IR.
void addSessionInputs(io::OutputGuard& guard, const Session& session,
                      const std::filesystem::path& sessionPath);

// A --layout that names a layout file is an input too.
void addLayoutInput(io::OutputGuard& guard, const std::string& layout);

// The stem names a session delivers, each with the file it gets in `stemsDir` (extension
// included); two names that give one file are an error naming both.
std::vector<std::pair<std::string, std::filesystem::path>> stemFiles(
    const Session& session, const std::filesystem::path& stemsDir, const std::string& extension);

// An output named for what it holds (a master is not written as mix.mp3, a session not as .wav):
// InputError naming `field` unless `path`'s extension, in any letter case, is one of `known`
// (the message: "is WHAT: its name must end in .a, .b").
void requireExtension(const std::string& path, const std::string& field,
                      std::initializer_list<const char*> known, const std::string& what);

}  // namespace vkmix::cli
