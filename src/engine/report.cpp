#include "engine/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "adm/xml.hpp"
#include "io/atomic_file.hpp"
#include "loudness/meter.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {
namespace {

using nlohmann::json;

// -200 (silence) becomes null in JSON: it is not a level anyone should average.
json level(double v) { return v <= -199.0 ? json(nullptr) : json(std::round(v * 100.0) / 100.0); }

json figuresJson(const LoudnessFigures& f, const std::vector<std::string>& channelNames) {
  json channels = json::array();
  for (std::size_t c = 0; c < f.channelSamplePeakDbfs.size(); ++c) {
    channels.push_back({{"name", c < channelNames.size() ? channelNames[c] : std::to_string(c)},
                        {"samplePeakDbfs", level(f.channelSamplePeakDbfs[c])},
                        {"truePeakDbtp", level(f.channelTruePeakDbtp[c])}});
  }
  return {{"integratedLufs", level(f.integratedLufs)},
          {"loudnessRangeLu", std::round(f.loudnessRangeLu * 100.0) / 100.0},
          {"truePeakDbtp", level(f.truePeakDbtp)},
          {"samplePeakDbfs", level(f.samplePeakDbfs)},
          {"momentaryMaxLufs", level(f.momentaryMaxLufs)},
          {"shortTermMaxLufs", level(f.shortTermMaxLufs)},
          {"channels", channels}};
}

void writeAtomically(const std::filesystem::path& path, const std::string& text) {
  io::AtomicFile file(path);
  {
    std::ofstream out(file.tempPath(), std::ios::binary);
    if (!out) throw InputError(path.string(), "", "cannot create the file");
    out << text;
    out.flush();
    if (!out) throw IoError(path.string() + ": write failed (disk full?)");
  }
  file.commit();
}

}  // namespace

LoudnessFigures loudnessFigures(const loudness::LoudnessMeter& m) {
  const loudness::LoudnessSummary s = m.summary();
  return LoudnessFigures{.integratedLufs = s.integratedLufs,
                         .loudnessRangeLu = s.loudnessRangeLu,
                         .truePeakDbtp = s.truePeakDbtp,
                         .samplePeakDbfs = s.samplePeakDbfs,
                         .momentaryMaxLufs = s.momentaryMaxLufs,
                         .shortTermMaxLufs = s.shortTermMaxLufs,
                         .channelSamplePeakDbfs = s.channelSamplePeakDbfs,
                         .channelTruePeakDbtp = s.channelTruePeakDbtp,
                         .shortTermLufs = m.shortTermLufs()};
}

namespace {

json outputJson(const OutputFile& o) {
  json j = {{"role", o.role}, {"name", o.name}, {"path", o.path.string()}, {"format", o.format}};
  if (!o.layout.empty()) {
    j["layout"] = o.layout;
    j["channels"] = o.channels;
  }
  return j;
}

json specJson(const SpecResult& s) {
  json checks = json::array();
  for (const SpecCheck& c : s.checks) {
    checks.push_back({{"programme", c.programme},
                      {"integratedLufs", level(c.integratedLufs)},
                      {"truePeakDbtp", level(c.truePeakDbtp)},
                      {"loudnessPass", c.loudnessPass},
                      {"truePeakPass", c.truePeakPass}});
  }
  return {{"name", s.spec.name},
          {"source", s.spec.source},
          {"targetLufs", s.spec.targetLufs},
          {"toleranceLu", s.spec.toleranceLu},
          {"truePeakMaxDbtp", s.spec.truePeakMaxDbtp},
          {"measure", specMeasureName(s.spec.measure)},
          {"checks", checks},
          {"pass", s.pass}};
}

// The QC log's keys: who rendered what from where, into which files, to which target.
void addContext(json& doc, const RenderReport& r, const ReportContext& c) {
  if (!c.version.empty()) doc["vkmix"] = c.version;
  if (!c.session.empty()) {
    std::error_code ec;
    const std::filesystem::path absolute = std::filesystem::absolute(c.session, ec);
    doc["session"] = {{"path", c.session.string()},
                      {"absolute", ec ? c.session.string() : absolute.lexically_normal().string()}};
  }
  json outputs = json::array();
  for (const OutputFile& o : r.outputs) outputs.push_back(outputJson(o));
  if (!c.plot.empty()) outputs.push_back(outputJson({"plot", "plot", c.plot, "svg", "", 0}));
  if (!c.report.empty())
    outputs.push_back(outputJson({"report", "report", c.report, "json", "", 0}));
  doc["outputs"] = outputs;
  if (r.normalisation) {
    doc["normalisation"] = {
        {"targetLufs", r.normalisation->targetLufs},
        {"reference",
         r.normalisation->reference == LoudnessReference::Dialogue ? "dialogue" : "programme"},
        {"truePeakCeilingDbtp", r.normalisation->truePeakCeilingDbtp}};
  }
  if (c.spec) doc["spec"] = specJson(*c.spec);
}

}  // namespace

std::string reportJson(const RenderReport& r, const ReportContext& context) {
  json stems = json::array();
  for (const NamedLoudness& s : r.stems) {
    json j = figuresJson(s.loudness, r.channelNames);
    j["name"] = s.name;
    if (!s.file.empty()) j["file"] = s.file.string();
    stems.push_back(j);
  }
  json downmixes = json::array();
  for (const NamedLoudness& d : r.downmixes) {
    json j = figuresJson(d.loudness, {});
    j["layout"] = d.layout;
    j["file"] = d.file.string();
    downmixes.push_back(j);
  }
  json reverbs = json::array();
  for (const ReverbReport& v : r.reverbs) {
    reverbs.push_back({{"name", v.name},
                       {"irChannels", v.irChannels},
                       {"irSeconds", std::round(v.irSeconds * 1000.0) / 1000.0},
                       {"tailSeconds", std::round(v.tailSeconds * 1000.0) / 1000.0},
                       {"convolvers", v.convolvers},
                       {"partitionFrames", v.partitionFrames}});
  }
  json passes = json::array();
  for (const RenderPass& p : r.passes) {
    passes.push_back({{"stage", p.stage},
                      {"source", p.source},
                      {"wallSeconds", std::round(p.wallSeconds * 1000.0) / 1000.0}});
  }
  json doc = {{"device", r.device},
              {"layout", r.layout},
              {"sampleRate", r.sampleRate},
              {"startSeconds", r.startSeconds},
              {"durationSeconds", r.durationSeconds},
              {"wallSeconds", r.wallSeconds},
              {"passes", passes},
              {"voices", r.numVoices},
              {"peakVoices", r.peakVoices},
              {"blockFrames", r.blockFrames},
              {"normalisationGainDb", std::round(r.normalisationGainDb * 100.0) / 100.0},
              {"limiterReductionDb", std::round(r.limiterReductionDb * 100.0) / 100.0},
              {"clippedSamples", r.clippedSamples},
              {"mix", figuresJson(r.mix, r.channelNames)},
              {"stems", stems},
              {"downmixes", downmixes},
              {"reverbs", reverbs},
              {"tailSeconds", std::round(r.tailSeconds * 1000.0) / 1000.0}};
  const BackendFigures& b = r.backend;
  json stages = json::object();
  for (const auto& [stage, seconds] : b.stageSeconds)
    stages[stage] = std::round(seconds * 1e4) / 1e4;
  doc["backend"] = {{"name", b.name},
                    {"chunkFrames", b.chunkFrames},
                    {"chunks", b.chunks},
                    {"submissions", b.submissions},
                    {"hostToDeviceBytes", b.hostToDeviceBytes},
                    {"deviceToHostBytes", b.deviceToHostBytes},
                    {"hostCpuSeconds", std::round(b.hostCpuSeconds * 1e4) / 1e4},
                    {"loopCpuSeconds", std::round(b.loopCpuSeconds * 1e4) / 1e4},
                    {"stageSeconds", stages}};
  addContext(doc, r, context);
  return doc.dump(2) + "\n";
}

void writeReportJson(const RenderReport& report, const std::filesystem::path& path,
                     const ReportContext& context) {
  writeAtomically(path, reportJson(report, context));
}

std::string loudnessPlotSvg(const RenderReport& r, std::optional<double> target) {
  const double width = 900, height = 360, left = 60, right = 130, top = 30, bottom = 40;
  const double plotW = width - left - right, plotH = height - top - bottom;
  const double floorLufs = -60, ceilLufs = 0;
  const double seconds = std::max(r.durationSeconds, 0.1);
  auto x = [&](double t) { return left + plotW * t / seconds; };
  auto y = [&](double l) {
    return top + plotH * (ceilLufs - std::clamp(l, floorLufs, ceilLufs)) / (ceilLufs - floorLufs);
  };
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(1);
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" "
       "fill=\"white\"/>\n";
  char integrated[32] = "silent";
  if (r.mix.integratedLufs > -199)
    std::snprintf(integrated, sizeof integrated, "%.1f LUFS", r.mix.integratedLufs);
  s << "<text x=\"" << left << "\" y=\"18\" font-size=\"14\">Short-term loudness (3 s), "
    << adm::escapeXml(r.layout) << " — mix integrated " << integrated << "</text>\n";
  for (int l = -60; l <= 0; l += 10) {  // grid and labels
    s << "<line x1=\"" << left << "\" x2=\"" << left + plotW << "\" y1=\"" << y(l) << "\" y2=\""
      << y(l) << "\" stroke=\"#ddd\"/><text x=\"" << left - 8 << "\" y=\"" << y(l) + 4
      << "\" text-anchor=\"end\">" << l << "</text>\n";
  }
  const double step = seconds > 600 ? 60 : (seconds > 60 ? 10 : (seconds > 10 ? 2 : 0.5));
  // Times on the session's timeline: a range render's plot starts at its START.
  const double start = r.startSeconds;
  for (double t = std::ceil(start / step - 1e-9) * step; t <= start + seconds + 1e-9; t += step) {
    s << "<text x=\"" << x(t - start) << "\" y=\"" << top + plotH + 16
      << "\" text-anchor=\"middle\">" << t << " s</text>\n";
  }
  s << "<text x=\"14\" y=\"" << top + plotH / 2 << "\" transform=\"rotate(-90 14 "
    << top + plotH / 2 << ")\" text-anchor=\"middle\">LUFS</text>\n";
  if (target) {
    s << "<line x1=\"" << left << "\" x2=\"" << left + plotW << "\" y1=\"" << y(*target)
      << "\" y2=\"" << y(*target) << "\" stroke=\"#c00\" stroke-dasharray=\"6 4\"/><text x=\""
      << left + plotW + 6 << "\" y=\"" << y(*target) + 4 << "\" fill=\"#c00\">target " << *target
      << "</text>\n";
  }
  const char* colours[] = {"#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"};
  auto curve = [&](const std::vector<double>& st, const char* colour, double widthPx,
                   const std::string& label, int row) {
    std::ostringstream path;
    path.setf(std::ios::fixed);
    path.precision(1);
    bool pen = false;
    for (std::size_t k = 0; k < st.size(); ++k) {
      if (st[k] <= floorLufs) {
        pen = false;
        continue;
      }
      path << (pen ? " L" : " M") << x((static_cast<double>(k) + 1) * 0.1) << " " << y(st[k]);
      pen = true;
    }
    s << "<path d=\"" << path.str() << "\" fill=\"none\" stroke=\"" << colour
      << "\" stroke-width=\"" << widthPx << "\"/>\n";
    s << "<line x1=\"" << left + plotW + 6 << "\" x2=\"" << left + plotW + 24 << "\" y1=\""
      << top + 10 + row * 18 << "\" y2=\"" << top + 10 + row * 18 << "\" stroke=\"" << colour
      << "\" stroke-width=\"" << widthPx << "\"/><text x=\"" << left + plotW + 28 << "\" y=\""
      << top + 14 + row * 18 << "\">" << adm::escapeXml(label) << "</text>\n";
  };
  int row = 0;
  for (std::size_t i = 0; i < r.stems.size(); ++i)
    curve(r.stems[i].loudness.shortTermLufs, colours[(i + 1) % 6], 1.2, r.stems[i].name, row++);
  curve(r.mix.shortTermLufs, "#000", 2.0, "mix", row++);
  s << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << plotW << "\" height=\"" << plotH
    << "\" fill=\"none\" stroke=\"#888\"/>\n</svg>\n";
  return s.str();
}

void writeLoudnessPlotSvg(const RenderReport& report, std::optional<double> targetLufs,
                          const std::filesystem::path& path) {
  writeAtomically(path, loudnessPlotSvg(report, targetLufs));
}

}  // namespace vkmix::engine
