#include "cli/loudness_table.hpp"

#include <nlohmann/json.hpp>

#include "core/one_line.hpp"

namespace vkmix::cli {
namespace {

std::string num(double v, const char* fmt = "%7.1f") {
  if (v <= -199.0) return "   -inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

void row(std::FILE* out, const std::string& name, const LoudnessFigures& f) {
  std::fprintf(out, "%-12s %s %s %s %s %s %s\n", oneLine(name).c_str(),
               num(f.integratedLufs).c_str(), num(f.loudnessRangeLu).c_str(),
               num(f.momentaryMaxLufs).c_str(), num(f.shortTermMaxLufs).c_str(),
               num(f.truePeakDbtp).c_str(), num(f.samplePeakDbfs).c_str());
}

nlohmann::json level(double v) {
  return v <= -199.0 ? nlohmann::json(nullptr) : nlohmann::json(std::round(v * 100.0) / 100.0);
}

}  // namespace

void printLoudnessTable(std::FILE* out, const RenderReport& r) {
  std::fprintf(out, "%-12s %7s %7s %7s %7s %7s %7s\n", "programme", "I LUFS", "LRA LU", "M max",
               "S max", "TP dBTP", "SP dBFS");
  row(out, "mix", r.mix);
  for (const NamedLoudness& s : r.stems) row(out, "  " + s.name, s.loudness);
  // A matrix downmix goes by its layout ("downmix 5.1"); one named otherwise by its name
  // ("binaural", whose layout is 2.0), which fits the column.
  for (const NamedLoudness& d : r.downmixes)
    row(out, d.name == d.layout ? "downmix " + d.name : d.name, d.loudness);
  std::fprintf(out, "%-12s", "channel");
  for (const std::string& n : r.channelNames) std::fprintf(out, " %6s", oneLine(n).c_str());
  std::fprintf(out, "\n%-12s", "  TP dBTP");
  for (double v : r.mix.channelTruePeakDbtp) std::fprintf(out, " %6s", num(v, "%6.1f").c_str());
  std::fprintf(out, "\n%-12s", "  SP dBFS");
  for (double v : r.mix.channelSamplePeakDbfs) std::fprintf(out, " %6s", num(v, "%6.1f").c_str());
  std::fprintf(out, "\n");
}

std::string measureJson(const std::string& file, const RenderReport& r) {
  nlohmann::json channels = nlohmann::json::array();
  for (std::size_t c = 0; c < r.channelNames.size(); ++c) {
    channels.push_back({{"name", r.channelNames[c]},
                        {"samplePeakDbfs", level(r.mix.channelSamplePeakDbfs[c])},
                        {"truePeakDbtp", level(r.mix.channelTruePeakDbtp[c])}});
  }
  nlohmann::json j = {{"file", file},
                      {"sampleRate", r.sampleRate},
                      {"durationSeconds", r.durationSeconds},
                      {"integratedLufs", level(r.mix.integratedLufs)},
                      {"loudnessRangeLu", std::round(r.mix.loudnessRangeLu * 100.0) / 100.0},
                      {"truePeakDbtp", level(r.mix.truePeakDbtp)},
                      {"samplePeakDbfs", level(r.mix.samplePeakDbfs)},
                      {"momentaryMaxLufs", level(r.mix.momentaryMaxLufs)},
                      {"shortTermMaxLufs", level(r.mix.shortTermMaxLufs)},
                      {"channels", channels}};
  return j.dump(2) + "\n";
}

}  // namespace vkmix::cli
