// ADM BWF masters (ITU-R BS.2076 metadata in a BS.2088 BW64 file): reading one as a session that
// renders through vkmix's own panner, describing it, and writing a session as one (docs/adm.md).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "vkmix/render.hpp"
#include "vkmix/session.hpp"

namespace vkmix {

// Which parts of an ADM master play: the audioProgramme (by ID, "APR_1002", or name; empty: the
// first) and, from each complementary group (audioComplementaryObjectIDRef: alternatives such as
// commentary languages, of which one plays), the audioObjectID chosen; a group with none chosen
// plays its default, the object that lists the others.
struct AdmChoice {
  std::string programme;
  std::vector<std::string> complementary;
};

// Whether `path` is a WAVE file (RIFF, RF64 or BW64) with an axml chunk. Never throws.
bool isAdmFile(const std::filesystem::path& path);

// The session an ADM BWF file describes: an object track per Objects channel (timed blocks as
// position and gain keys, size, divergence), a bed track per DirectSpeakers pack, every clip
// playing the file's own tracks. ADM elements vkmix does not render are named through `warn`,
// never dropped silently. The session's layout is "7.1.4" (choose another when rendering).
// `programme` picks the audioProgramme (by ID, "APR_1002", or name) whose contents play; empty:
// the first (a warning names it when there are more). Throws InputError naming the file and the
// chunk or element at fault, or the file's programmes when none is `programme`.
Session importAdm(const std::filesystem::path& path,
                  const std::function<void(const std::string&)>& warn,
                  const std::string& programme = {});
// The same with complementary objects chosen (`choice`); an ID in no complementary group, or two
// of one group, is an InputError naming --complementary.
Session importAdm(const std::filesystem::path& path,
                  const std::function<void(const std::string&)>& warn, const AdmChoice& choice);

// What the commands that take "a session or an ADM master" open: importAdm(path, warn, programme)
// for an ADM BWF file, else loadSession(path). A `programme` asked of a plain session is an
// InputError naming --programme.
Session loadSessionOrMaster(const std::filesystem::path& path,
                            const std::function<void(const std::string&)>& warn,
                            const std::string& programme = {});
Session loadSessionOrMaster(const std::filesystem::path& path,
                            const std::function<void(const std::string&)>& warn,
                            const AdmChoice& choice);

// What `vkmix adm-info` prints: the file's format, each programme's contents and objects with
// their type, tracks and blocks, and what is not supported. `notRenderable`, when given, gets the
// one-line error ("FILE: FIELD: problem") that a render of the programme shown would stop with
// (a file without axml, a truncated one, values vkmix refuses), or stays empty.
std::string describeAdm(const std::filesystem::path& path, std::string* notRenderable = nullptr);

// Sample format of an exported master.
enum class AdmSampleFormat { Float32, Int24 };

// Writes the session as an ADM BWF master: one track per object track (its signal after clip
// gain, fades, denoise, fader and gain automation; its trajectory as audioBlockFormats), the
// channels of each bed track as a DirectSpeakers pack, and the reverb returns (which ADM cannot
// describe) as a DirectSpeakers bed in the output layout. importAdm of the file renders like the
// session does. The file appears only when complete.
RenderReport exportAdm(const Session& session, const RenderOptions& options,
                       const std::filesystem::path& output,
                       AdmSampleFormat format = AdmSampleFormat::Float32);

}  // namespace vkmix
