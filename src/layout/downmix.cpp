#include "layout/downmix.hpp"

#include <map>
#include <string>

#include "vkmix/error.hpp"

namespace vkmix::layout {
namespace {

constexpr double kMinus3Db =
    0.70710678118654752;  // -3 dB: a channel folded into two, or a pair into one

using Matrix = std::vector<std::vector<double>>;
// One step: each source label goes to destination labels with gains.
using Rule = std::map<std::string, std::vector<std::pair<std::string, double>>>;

Matrix stepMatrix(const Layout& from, const Layout& to, const Rule& rule) {
  Matrix m(to.speakers.size(), std::vector<double>(from.speakers.size(), 0.0));
  for (std::size_t i = 0; i < from.speakers.size(); ++i) {
    const std::string& label = from.speakers[i].label;
    auto it = rule.find(label);
    if (it == rule.end()) {  // same speaker in both layouts: straight through
      if (auto o = to.indexOfLabel(label)) m[*o][i] = 1.0;
      continue;
    }
    for (const auto& [dest, gain] : it->second) {
      if (auto o = to.indexOfLabel(dest)) m[*o][i] += gain;
    }
  }
  return m;
}

Matrix multiply(const Matrix& a, const Matrix& b) {  // a after b
  Matrix m(a.size(), std::vector<double>(b[0].size(), 0.0));
  for (std::size_t r = 0; r < a.size(); ++r)
    for (std::size_t k = 0; k < b.size(); ++k)
      for (std::size_t c = 0; c < b[0].size(); ++c) m[r][c] += a[r][k] * b[k][c];
  return m;
}

struct Step {
  const char* from;
  const char* to;
  Rule rule;
};

const std::vector<Step>& steps() {
  static const std::vector<Step> s = {
      // Wides between front and side; top-middles between top-front and top-rear.
      {"9.1.6",
       "7.1.4",
       {{"M+060", {{"M+030", kMinus3Db}, {"M+090", kMinus3Db}}},
        {"M-060", {{"M-030", kMinus3Db}, {"M-090", kMinus3Db}}},
        {"U+090", {{"U+045", kMinus3Db}, {"U+135", kMinus3Db}}},
        {"U-090", {{"U-045", kMinus3Db}, {"U-135", kMinus3Db}}}}},
      // Heights fold into the layer below at -3 dB: top-front to the fronts, top-rear to the rears.
      {"7.1.4",
       "7.1",
       {{"U+045", {{"M+030", kMinus3Db}}},
        {"U-045", {{"M-030", kMinus3Db}}},
        {"U+135", {{"M+135", kMinus3Db}}},
        {"U-135", {{"M-135", kMinus3Db}}}}},
      {"7.1.2", "7.1", {{"U+090", {{"M+090", kMinus3Db}}}, {"U-090", {{"M-090", kMinus3Db}}}}},
      {"5.1.4",
       "5.1",
       {{"U+030", {{"M+030", kMinus3Db}}},
        {"U-030", {{"M-030", kMinus3Db}}},
        {"U+110", {{"M+110", kMinus3Db}}},
        {"U-110", {{"M-110", kMinus3Db}}}}},
      {"5.1.2", "5.1", {{"U+030", {{"M+030", kMinus3Db}}}, {"U-030", {{"M-030", kMinus3Db}}}}},
      // Side and rear surrounds share the 5.1 surround between them.
      {"7.1",
       "5.1",
       {{"M+090", {{"M+110", kMinus3Db}}},
        {"M+135", {{"M+110", kMinus3Db}}},
        {"M-090", {{"M-110", kMinus3Db}}},
        {"M-135", {{"M-110", kMinus3Db}}}}},
      // Lo/Ro (BS.775): L' = L + 0.707 C + 0.707 Ls, R' = R + 0.707 C + 0.707 Rs; LFE dropped.
      {"5.1",
       "2.0",
       {{"M+000", {{"M+030", kMinus3Db}, {"M-030", kMinus3Db}}},
        {"M+110", {{"M+030", kMinus3Db}}},
        {"M-110", {{"M-030", kMinus3Db}}},
        {"LFE1", {}}}},
  };
  return s;
}

}  // namespace

Matrix downmixMatrix(const Layout& from, const Layout& to) {
  Matrix m(from.speakers.size(), std::vector<double>(from.speakers.size(), 0.0));
  for (std::size_t i = 0; i < m.size(); ++i) m[i][i] = 1.0;
  const Layout* at = &from;
  while (at->name != to.name) {
    const Step* next = nullptr;
    for (const Step& s : steps()) {
      if (s.from == at->name) next = &s;
    }
    if (next == nullptr) {
      throw InputError("--downmix", to.name,
                       "no matrix downmix leads from " + from.name + " to " + to.name +
                           " (the chain is 9.1.6 > 7.1.4 > 7.1 > 5.1 > 2.0)");
    }
    const Layout* dest = findLayout(next->to);
    m = multiply(stepMatrix(*at, *dest, next->rule), m);
    at = dest;
  }
  return m;
}

}  // namespace vkmix::layout
