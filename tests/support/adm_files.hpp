// ADM BWF test files built by the project: a DocumentBuilder's axml and chna around planar audio,
// written with vkmix's own BW64 writer (read back by FFmpeg and by the importer).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adm/builder.hpp"

namespace vkmix::test {

// channels[track][frame], one per chna row of `adm`, in track order.
void writeAdmFile(const std::filesystem::path& path, const adm::DocumentBuilder& adm,
                  const std::vector<std::vector<float>>& channels, int sampleRate);

// The same for a document and chna of the test's own making (edited after a builder, say).
void writeAdmFile(const std::filesystem::path& path, const adm::Document& doc,
                  const std::vector<wave::ChnaEntry>& chna,
                  const std::vector<std::vector<float>>& channels, int sampleRate);

// A master whose one object is a 5.1 bed (BS.2094's common channels L, R, C, LFE, Ls, Rs on
// file tracks 1-6, not defined in the file) through the direct Matrix pack AP_00021001 into
// BS.2094's common 2.0 (AP_00010002): channel Lo (AC_00021001) plays on M+030 as
// L + centre * C + surround * Ls, Ro (AC_00021002) on M-030 as R + centre * C + surround * Rs.
// BS.775's Lo/Ro downmix is centre = surround = sqrt(1/2); the LFE is left out.
struct MatrixMaster {
  adm::Document doc;
  std::vector<wave::ChnaEntry> chna;
};
MatrixMaster loRoMatrixMaster(double centre, double surround);

// A master whose one object "scene" (AO_1001) is an HOA pack, a file track per channel in the
// order given. Custom (hoaMaster): pack AP_00041001 with normalization `packNorm` (none when
// empty), channel formats AC_00041001... whose one block has the (order, degree) given and
// normalization `blockNorm` (none when empty); the track formats are left to BS.2076's
// numbering. Common (commonHoaMaster): BS.2094's pack `packId` and channels `channelIds`
// (AC_0004xxxx), none of them defined in the file.
struct HoaMaster {
  adm::Document doc;
  std::vector<wave::ChnaEntry> chna;
};
HoaMaster hoaMaster(const std::vector<std::pair<int, int>>& components, const std::string& packNorm,
                    const std::string& blockNorm = "");
HoaMaster commonHoaMaster(const std::string& packId, const std::vector<std::string>& channelIds);

// A block at (azimuth, elevation) from `rtime` for `duration` seconds.
adm::BlockFormat polarBlock(double azimuth, double elevation, double rtime, double duration);

// xmllint (libxml2-utils): exports are checked by an XML 1.0 parser that is not vkmix's own.
bool haveXmllint();
// `xmllint --noout file`: 0 when the file is well-formed XML; its complaints go to `output`.
int xmllint(const std::filesystem::path& file, std::string* output);
// The axml chunk of an ADM BWF file, written to `xmlFile` for xmllint.
void extractAxml(const std::filesystem::path& wav, const std::filesystem::path& xmlFile);

}  // namespace vkmix::test

// In a test: without xmllint, skips the test, or fails it under CI=true (CI installs it).
#define VKMIX_REQUIRE_XMLLINT()                                                        \
  do {                                                                                 \
    if (!::vkmix::test::haveXmllint()) {                                               \
      const char* ci = std::getenv("CI");                                              \
      if (ci != nullptr && std::string(ci) == "true") FAIL() << "no xmllint under CI"; \
      GTEST_SKIP() << "xmllint is not installed (apt-get install libxml2-utils)";      \
    }                                                                                  \
  } while (false)
