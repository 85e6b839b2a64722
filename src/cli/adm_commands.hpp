// `vkmix adm-info`, `vkmix adm-export`, `vkmix adm-import`: ADM BWF masters (docs/adm.md).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "vkmix/adm.hpp"

namespace vkmix::cli {

struct AdmExportArgs {
  std::string session;
  std::string output;
  std::string layout;
  std::string format = "wav32f";  // wav32f | wav24
  std::string device;
  std::int64_t blockFrames = 0;  // 0: chosen from the session (RenderOptions::blockFrames)
  std::string programme;         // an ADM master in: its audioProgramme (ID or name)
  std::vector<std::string> complementary;  // an ADM master in: chosen complementary objects
  bool quiet = false;
  bool overwrite = false;  // -y
};

int cmdAdmInfo(const std::string& file);
int cmdAdmExport(const AdmExportArgs& a, const std::function<bool()>& cancelled);
int cmdAdmImport(const std::string& file, const std::string& output, const AdmChoice& choice,
                 bool overwrite);

}  // namespace vkmix::cli
