// The method against its alternative. A per-object renderer would convolve each object with the
// HRIR pair of its own direction (libmysofa's interpolated pair): that pair is the oracle here.
// The virtual-speaker method instead sums the pairs of the speakers the BS.2127 panner feeds. For
// directions between speakers this measures how far the summed pair's ITD, octave-band ILD and
// third-octave colouration (the RMS over both ears' bands of the level difference, after one gain
// per direction) fall from the object's own pair, for 7.1.4, 9.1.6 (what --layout binaural
// renders to) and a dense 37-speaker layout that the engine's 16-channel mix could not carry.
// Figures for docs/binaural.md; the assertions hold the ordering the document relies on.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "binaural/ear_measures.hpp"
#include "binaural/hrtf.hpp"
#include "layout/point_source_panner.hpp"

namespace vkmix::binaural {
namespace {

std::string label(char layer, int azimuthDeg) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c%c%03d", layer, azimuthDeg < 0 ? '-' : '+',
                std::abs(azimuthDeg));
  return buf;
}

// Every 15 degrees at ear height, every 30 degrees at 30 up, and the zenith.
Layout denseLayout() {
  Layout l{"dense", "", {}};
  for (int az = -165; az <= 180; az += 15)
    l.speakers.push_back({label('M', az), label('M', az), static_cast<double>(az), 0.0, false, 0});
  for (int az = -150; az <= 180; az += 30)
    l.speakers.push_back({label('U', az), label('U', az), static_cast<double>(az), 30.0, false, 0});
  l.speakers.push_back({"T+000", "T+000", 0.0, 90.0, false, 0});
  return l;
}

struct Errors {
  double itdUs, ildDb, colourDb;
};

Errors measure(const Hrtf& hrtf, const Layout& layout, const layout::PointSourcePanner& panner,
               double az, double el) {
  const double rate = hrtf.sampleRateHz();
  std::vector<double> g(static_cast<std::size_t>(layout.numChannels()));
  panner.gains(layout::directionOf(az, el), g);
  std::vector<float> l, r;
  for (std::size_t c = 0; c < g.size(); ++c) {
    if (g[c] == 0.0 || layout.speakers[c].lfe) continue;
    const HrirPair p = hrtf.pair(layout.speakers[c].azimuthDeg, layout.speakers[c].elevationDeg);
    l.resize(std::max(l.size(), p.left.size()), 0.0f);
    r.resize(l.size(), 0.0f);
    for (std::size_t i = 0; i < p.left.size(); ++i) {
      l[i] += static_cast<float>(g[c]) * p.left[i];
      r[i] += static_cast<float>(g[c]) * p.right[i];
    }
  }
  const HrirPair own = hrtf.pair(az, el);
  Errors e{};
  e.itdUs =
      1e6 * std::abs(test::itdSeconds(l, r, rate) - test::itdSeconds(own.left, own.right, rate));
  const auto oct = test::octaveCentresHz();
  const auto ol = test::bandLevelsDb(l, rate, oct, 1), orr = test::bandLevelsDb(r, rate, oct, 1);
  const auto wl = test::bandLevelsDb(own.left, rate, oct, 1);
  const auto wr = test::bandLevelsDb(own.right, rate, oct, 1);
  for (std::size_t b = 0; b < oct.size(); ++b)
    e.ildDb = std::max(e.ildDb, std::abs((ol[b] - orr[b]) - (wl[b] - wr[b])));
  const auto third = test::thirdOctaveCentresHz();
  std::vector<double> d;
  for (const auto* pair : {&l, &r}) {
    const auto a = test::bandLevelsDb(*pair, rate, third, 3);
    const auto b = test::bandLevelsDb(pair == &l ? own.left : own.right, rate, third, 3);
    for (std::size_t k = 0; k < third.size(); ++k) d.push_back(a[k] - b[k]);
  }
  double mean = 0.0;
  for (double x : d) mean += x / static_cast<double>(d.size());
  for (double x : d) e.colourDb += (x - mean) * (x - mean) / static_cast<double>(d.size());
  e.colourDb = std::sqrt(e.colourDb);
  return e;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

TEST(MethodTest, VirtualSpeakersAgainstEachObjectsOwnHrir) {
  const Hrtf hrtf(Hrtf::defaultPath(), 48000.0);
  const Layout dense = denseLayout();
  struct Row {
    const Layout* layout;
    double medianItdUs, worstItdUs, medianIldDb, worstIldDb, medianColourDb;
  };
  std::vector<Row> rows;
  for (const Layout* layout : {findLayout("7.1.4"), findLayout("9.1.6"), &dense}) {
    const layout::PointSourcePanner panner(*layout);
    std::vector<double> itd, ild, colour;
    // Every 5 degrees round the horizon and at 20 degrees up (between the layers).
    for (double el : {0.0, 20.0}) {
      for (int az = -175; az <= 180; az += 5) {
        const Errors e = measure(hrtf, *layout, panner, az, el);
        itd.push_back(e.itdUs);
        ild.push_back(e.ildDb);
        colour.push_back(e.colourDb);
      }
    }
    rows.push_back({layout, median(itd), *std::max_element(itd.begin(), itd.end()), median(ild),
                    *std::max_element(ild.begin(), ild.end()), median(colour)});
    std::printf(
        "[figures] %-6s (%2d speakers): ITD error median %5.0f us, worst %5.0f us; "
        "octave ILD error median %4.1f dB, worst %4.1f dB; colouration median %4.1f dB RMS\n",
        layout->name.c_str(), layout->numChannels(), rows.back().medianItdUs,
        rows.back().worstItdUs, rows.back().medianIldDb, rows.back().worstIldDb,
        rows.back().medianColourDb);
  }
  // Denser layouts come closer to each object's own HRIR (the reason to render 9.1.6, the
  // densest the engine carries, rather than a smaller output layout).
  EXPECT_LT(rows[1].medianIldDb, rows[0].medianIldDb);
  EXPECT_LT(rows[2].medianIldDb, rows[1].medianIldDb);
  EXPECT_LT(rows[2].medianItdUs, rows[0].medianItdUs);
}

}  // namespace
}  // namespace vkmix::binaural
