// HOA ADM masters rendered end to end on each backend (reference, cpu, vulkan): every output
// channel is the decode matrix (BS.2127's AllRAD design, tests/layout/hoa_decoder_test) applied
// by hand to the file's channels, sample by sample, including the decoder's negative gains and
// through the gain grid when the track has gain automation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "adm/common_definitions.hpp"
#include "engine/captured_render.hpp"
#include "layout/hoa_decoder.hpp"
#include "support/adm_files.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "vkmix/adm.hpp"
#include "vkmix/error.hpp"
#include "vkmix/render.hpp"
#include "vkmix/session.hpp"
#include "wave/bw64.hpp"

namespace vkmix {
namespace {

constexpr int kRate = 48000;
constexpr std::size_t kFrames = 12000;

class Hoa : public test::BackendTest {
 protected:
  // Renders the master, imported, after `edit` changes the session.
  test::CapturedRender render(const test::HoaMaster& m,
                              const std::vector<std::vector<float>>& audio,
                              const std::string& layout,
                              const std::function<void(Session&)>& edit = nullptr,
                              std::int64_t block = 1000) {
    test::writeAdmFile(dir_ / "scene.wav", m.doc, m.chna, audio, kRate);
    Session s = importAdm(dir_ / "scene.wav", nullptr);
    if (edit) edit(s);
    RenderOptions o = backend(block);  // 1000: not a multiple of the 256-frame gain grid
    o.layout = layout;
    return test::captureRender(s, o);
  }

  // The largest difference between each output channel and sum_k d[acn_k][c] * audio[k] * gain.
  static double worstAgainstDecoder(const test::CapturedRender& r, const Layout& l,
                                    const std::vector<std::vector<double>>& d,
                                    const std::vector<int>& acnOfTrack,
                                    const std::vector<std::vector<float>>& audio, double gain,
                                    const std::vector<double>& trackGains = {}) {
    double worst = 0.0;
    for (int c = 0; c < l.numChannels(); ++c) {
      const auto& out = r.mix.at(static_cast<std::size_t>(c));
      EXPECT_EQ(out.size(), kFrames);
      for (std::size_t i = 0; i < std::min(out.size(), kFrames); ++i) {
        double want = 0.0;
        for (std::size_t k = 0; k < audio.size(); ++k)
          want += d[static_cast<std::size_t>(acnOfTrack[k])][static_cast<std::size_t>(c)] *
                  audio[k][i] * (trackGains.empty() ? 1.0 : trackGains[k]);
        worst = std::max(worst, std::abs(out[i] - gain * want));
      }
    }
    return worst;
  }

  test::ScratchDir dir_;
};

// BS.2094's first-order SN3D pack (AP_00040001, AC_00040001..04 as the file's four tracks) with
// a plane wave encoded from L's direction (azimuth 30): W = s, Y = s sin 30, Z = 0, X = s cos 30.
// In 7.1.4 every channel is the decoder applied by hand within 2e-6 (float mixing), L carries the
// most power and the LFE nothing; in 2.0 L carries more than 80 % of it.
TEST_P(Hoa, FirstOrderCommonPackRendersAsTheDecoder) {
  if (HasFatalFailure() || IsSkipped()) return;
  const adm::CommonPack pack = adm::commonHoaPack(1, HoaNormalization::SN3D);
  const test::HoaMaster m = test::commonHoaMaster(pack.packId, pack.channelIds);
  const std::vector<float> s = test::noise(kFrames, 5, 0.3f);
  std::vector<std::vector<float>> audio(4, s);
  for (int acn = 0; acn < 4; ++acn) {
    const double y =
        layout::sphericalHarmonic(layout::componentOfAcn(acn), 30.0, 0.0, HoaNormalization::SN3D);
    for (float& x : audio[static_cast<std::size_t>(acn)]) x = static_cast<float>(x * y);
  }
  for (const char* name : {"7.1.4", "2.0"}) {
    const Layout& l = *findLayout(name);
    const test::CapturedRender r = render(m, audio, name);
    const auto d = layout::hoaDecodeByAcn(l, 1, HoaNormalization::SN3D);
    EXPECT_LT(worstAgainstDecoder(r, l, d, {0, 1, 2, 3}, audio, 1.0), 2e-6) << name;
    ASSERT_EQ(r.groups.size(), 1u);  // its stem ("music"), the whole mix
    EXPECT_EQ(r.groups[0], r.mix);
    std::vector<double> power(static_cast<std::size_t>(l.numChannels()), 0.0);
    double total = 0.0;
    for (std::size_t c = 0; c < power.size(); ++c) {
      for (float x : r.mix[c]) power[c] += static_cast<double>(x) * x;
      total += power[c];
    }
    const std::size_t left = static_cast<std::size_t>(*l.indexOfLabel("M+030"));
    for (std::size_t c = 0; c < power.size(); ++c) {
      if (l.speakers[c].lfe) {
        EXPECT_EQ(power[c], 0.0);
      }
      if (c != left) {
        EXPECT_GT(power[left], power[c]) << name << " " << l.speakers[c].label;
      }
    }
    if (std::string(name) == "2.0") {
      EXPECT_GT(power[left] / total, 0.8);
    }
  }
}

// A custom second-order N3D pack with its tracks in a scrambled order and a channel missing
// (ACN 5), each track an independent noise: the decode has negative gains, and each output
// channel is still the decoder (designed for the eight channels present) applied by hand, on
// every backend; with a gain key (-6 dB) the gains come through the gain grid, still exact; block
// gains per channel scale their columns; the bytes are the same for any chunk size.
TEST_P(Hoa, SecondOrderCustomPackRendersWithNegativeGains) {
  if (HasFatalFailure() || IsSkipped()) return;
  const std::vector<int> acns = {0, 3, 1, 2, 8, 6, 4, 7};
  std::vector<std::pair<int, int>> components;
  for (int acn : acns) {
    const layout::HoaComponent c = layout::componentOfAcn(acn);
    components.emplace_back(c.order, c.degree);
  }
  const test::HoaMaster m = test::hoaMaster(components, "N3D");
  std::vector<std::vector<float>> audio;
  for (std::size_t k = 0; k < acns.size(); ++k)
    audio.push_back(test::noise(kFrames, 20 + static_cast<std::uint32_t>(k), 0.2f));
  std::vector<bool> present(9, true);
  present[5] = false;
  const Layout& l = *findLayout("7.1.4");
  const auto d = layout::hoaDecodeByAcn(l, 2, HoaNormalization::N3D, present);
  bool negative = false;
  for (const auto& column : d) {
    for (double g : column) negative = negative || g < -0.01;
  }
  ASSERT_TRUE(negative);
  const test::CapturedRender plain = render(m, audio, "7.1.4");
  EXPECT_LT(worstAgainstDecoder(plain, l, d, acns, audio, 1.0), 2e-6);
  // The same bytes whatever the chunk size.
  EXPECT_EQ(render(m, audio, "7.1.4", nullptr, 4096).mix, plain.mix);

  const test::CapturedRender r = render(m, audio, "7.1.4", [](Session& s) {
    s.tracks.at(0).gainKeys = {GainKey{0.0, -6.0, Interpolation::Linear}};
  });
  EXPECT_LT(worstAgainstDecoder(r, l, d, acns, audio, std::pow(10.0, -6.0 / 20.0)), 2e-6);

  // Block gains per channel (BS.2127 scales each decoder column by its channel's, sign and all):
  // 0.5 on the second-order channels, 0.25 on X, -0.5 on Y (an inverted clip).
  test::HoaMaster scaled = m;
  std::vector<double> gains;
  for (std::size_t k = 0; k < acns.size(); ++k) {
    gains.push_back(acns[k] >= 4 ? 0.5 : acns[k] == 3 ? 0.25 : acns[k] == 1 ? -0.5 : 1.0);
    scaled.doc.channels[k].blocks[0].gain = gains.back();
  }
  EXPECT_LT(worstAgainstDecoder(render(scaled, audio, "7.1.4"), l, d, acns, audio, 1.0, gains),
            2e-6);
}

INSTANTIATE_TEST_SUITE_P(Backends, Hoa, ::testing::Values("reference", "cpu", "vulkan"),
                         [](const auto& p) { return p.param; });

// adm-export writes an hoa track as BS.2094's common pack where there is one (first-order SN3D:
// AP_00040001; second-order FuMa: AP_00040022) and as a custom HOA pack otherwise (order 0),
// each file track an ACN channel of the track's print; the import renders as the session does.
// Track prints are at most 16 channels: order 4 is refused, naming the key.
TEST(HoaExport, ExportThenImportRendersLikeTheSession) {
  test::ScratchDir dir;
  auto file = [&](const char* name, std::size_t channels, std::uint32_t seed) {
    std::vector<std::vector<float>> audio;
    for (std::size_t c = 0; c < channels; ++c)
      audio.push_back(test::noise(kRate / 4, seed + static_cast<std::uint32_t>(c), 0.2f));
    test::writeFloatWav(dir / name, audio, kRate);
  };
  file("first.wav", 4, 1);
  file("second.wav", 9, 10);
  file("w.wav", 1, 30);
  file("fourth.wav", 25, 40);
  const Session s = parseSession(R"({"vkmix": 1, "layout": "7.1.4", "tracks": [
      {"name": "amb", "stem": "effects", "type": "hoa", "order": 1,
       "clips": [{"file": "first.wav"}]},
      {"name": "room", "stem": "music", "type": "hoa", "order": 2, "normalization": "FuMa",
       "gainDb": -4, "clips": [{"file": "second.wav", "start": 0.05}]},
      {"name": "omni", "stem": "music", "type": "hoa", "order": 0, "normalization": "N3D",
       "clips": [{"file": "w.wav"}]}]})",
                                 dir / "s.json");
  RenderOptions o;
  o.device = "cpu";
  exportAdm(s, o, dir / "master.wav");
  const wave::Bw64Info info = wave::readBw64(dir / "master.wav");
  EXPECT_THAT(info.axml,
              ::testing::HasSubstr("<audioPackFormatIDRef>AP_00040001</audioPackFormatIDRef>"));
  EXPECT_THAT(info.axml,
              ::testing::HasSubstr("<audioPackFormatIDRef>AP_00040022</audioPackFormatIDRef>"));
  EXPECT_THAT(info.axml, ::testing::HasSubstr("typeDefinition=\"HOA\""));
  ASSERT_EQ(info.chna.size(), 4u + 9u + 1u);
  EXPECT_EQ(info.chna[4 + 8].trackFormatRef, "AT_00040209_01");  // FuMa's U (ACN 8)
  std::vector<std::string> warnings;
  const Session back =
      importAdm(dir / "master.wav", [&](const std::string& w) { warnings.push_back(w); });
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  ASSERT_EQ(back.tracks.size(), 3u);
  for (const Track& t : back.tracks) {
    EXPECT_EQ(t.type, TrackType::Hoa);
    EXPECT_EQ(t.hoaNormalization, t.name == "room"   ? HoaNormalization::FuMa
                                  : t.name == "omni" ? HoaNormalization::N3D
                                                     : HoaNormalization::SN3D);
    EXPECT_EQ(t.hoaOrder, t.name == "room" ? 2 : t.name == "omni" ? 0 : 1);
  }
  for (const char* layout : {"7.1.4", "5.1"}) {
    o.layout = layout;
    const RenderedAudio x = renderToMemory(s, o), y = renderToMemory(back, o);
    ASSERT_EQ(x.channels.size(), y.channels.size());
    double worst = 0.0;
    for (std::size_t c = 0; c < x.channels.size(); ++c) {
      ASSERT_EQ(x.channels[c].size(), y.channels[c].size());
      for (std::size_t i = 0; i < x.channels[c].size(); ++i)
        worst = std::max(worst, std::abs(static_cast<double>(x.channels[c][i]) - y.channels[c][i]));
    }
    EXPECT_LT(worst, 1e-6) << layout;
  }

  const Session fourth = parseSession(R"({"vkmix": 1, "tracks": [
      {"name": "big", "type": "hoa", "order": 4, "clips": [{"file": "fourth.wav"}]}]})",
                                      dir / "f.json");
  EXPECT_THAT([&] { exportAdm(fourth, o, dir / "fourth_master.wav"); },
              ::testing::ThrowsMessage<InputError>(::testing::HasSubstr(
                  "f.json: tracks[0].order: track prints (adm-export) carry HOA up to order 3")));
  EXPECT_FALSE(std::filesystem::exists(dir / "fourth_master.wav"));
  // It renders, though: 25 channels decoded into 7.1.4.
  o.layout = "7.1.4";
  EXPECT_EQ(renderToMemory(fourth, o).channels.size(), 12u);
}

// An hoa track's binauralMode survives adm-export: a mode other than mid goes out as a custom HOA
// pack whose blocks carry it as headphoneVirtualise (BS.2094's common channels are not in the
// file to carry it), and the import reads it back; the binaural renders of the session and of
// the master are the same.
TEST(HoaExport, BinauralModeRoundTrips) {
  test::ScratchDir dir;
  std::vector<std::vector<float>> audio;
  for (std::uint32_t c = 0; c < 4; ++c) audio.push_back(test::noise(kRate / 4, 90 + c, 0.2f));
  test::writeFloatWav(dir / "foa.wav", audio, kRate);
  const Session s = parseSession(R"({"vkmix": 1, "tracks": [
      {"name": "amb", "type": "hoa", "order": 1, "binauralMode": "off",
       "clips": [{"file": "foa.wav"}]},
      {"name": "far", "type": "hoa", "order": 1, "binauralMode": "far",
       "clips": [{"file": "foa.wav"}]}]})",
                                 dir / "s.json");
  RenderOptions o;
  o.device = "cpu";
  exportAdm(s, o, dir / "master.wav");
  const wave::Bw64Info info = wave::readBw64(dir / "master.wav");
  EXPECT_THAT(info.axml, ::testing::HasSubstr("<headphoneVirtualise bypass=\"1\""));
  EXPECT_THAT(info.axml, ::testing::HasSubstr("<headphoneVirtualise bypass=\"0\" DRR=\"0\""));
  std::vector<std::string> warnings;
  const Session back =
      importAdm(dir / "master.wav", [&](const std::string& w) { warnings.push_back(w); });
  EXPECT_THAT(warnings, ::testing::ElementsAre());
  ASSERT_EQ(back.tracks.size(), 2u);
  EXPECT_EQ(back.tracks[0].binauralMode, BinauralMode::Off);
  EXPECT_EQ(back.tracks[1].binauralMode, BinauralMode::Far);
  EXPECT_EQ(back.tracks[0].hoaOrder, 1);
  EXPECT_THAT(back.tracks[0].clips.at(0).channels, ::testing::ElementsAre(0, 1, 2, 3));
  o.layout = "binaural";
  const RenderedAudio x = renderToMemory(s, o), y = renderToMemory(back, o);
  ASSERT_EQ(x.channels.size(), y.channels.size());
  double worst = 0.0;
  for (std::size_t c = 0; c < x.channels.size(); ++c) {
    ASSERT_EQ(x.channels[c].size(), y.channels[c].size());
    for (std::size_t i = 0; i < x.channels[c].size(); ++i)
      worst = std::max(worst, std::abs(static_cast<double>(x.channels[c][i]) - y.channels[c][i]));
  }
  EXPECT_LT(worst, 1e-6);
}

// A mixed-order hoa track (a channel map's -1) goes out with only the channels it has, as a custom
// HOA pack whose channels name their order and degree, so the import designs the decoder for the
// same channels and renders as the session does (a full pack would bring the absent channel back
// as a silent one and a full-order decoder). A second-order track with no second-order channel
// comes back as first order, decoded the same.
TEST(HoaExport, MixedOrderExportsOnlyTheChannelsPresent) {
  test::ScratchDir dir;
  std::vector<std::vector<float>> audio;
  for (std::uint32_t c = 0; c < 4; ++c) audio.push_back(test::noise(kRate / 4, 110 + c, 0.2f));
  test::writeFloatWav(dir / "foa.wav", audio, kRate);
  const Session s = parseSession(R"({"vkmix": 1, "tracks": [
      {"name": "noz", "type": "hoa", "order": 1, "clips": [{"file": "foa.wav",
       "channels": [0, 1, -1, 3]}]},
      {"name": "low", "type": "hoa", "order": 2, "normalization": "N3D", "clips": [{"file":
       "foa.wav", "channels": [3, 2, 1, 0, -1, -1, -1, -1, -1]}]}]})",
                                 dir / "s.json");
  RenderOptions o;
  o.device = "cpu";
  exportAdm(s, o, dir / "master.wav");
  const wave::Bw64Info info = wave::readBw64(dir / "master.wav");
  EXPECT_EQ(info.chna.size(), 3u + 4u);
  EXPECT_THAT(info.axml, ::testing::Not(::testing::HasSubstr("AP_00040001")));
  std::vector<std::string> warnings;
  const Session back =
      importAdm(dir / "master.wav", [&](const std::string& w) { warnings.push_back(w); });
  EXPECT_THAT(warnings, ::testing::ElementsAre());
  ASSERT_EQ(back.tracks.size(), 2u);
  EXPECT_EQ(back.tracks[0].hoaOrder, 1);
  EXPECT_THAT(back.tracks[0].clips.at(0).channels, ::testing::ElementsAre(0, 1, -1, 2));
  EXPECT_EQ(back.tracks[1].hoaOrder, 1);
  EXPECT_EQ(back.tracks[1].hoaNormalization, HoaNormalization::N3D);
  EXPECT_THAT(back.tracks[1].clips.at(0).channels, ::testing::ElementsAre(3, 4, 5, 6));
  for (const char* layout : {"7.1.4", "5.1"}) {
    o.layout = layout;
    const RenderedAudio x = renderToMemory(s, o), y = renderToMemory(back, o);
    ASSERT_EQ(x.channels.size(), y.channels.size());
    double worst = 0.0, peak = 0.0;
    for (std::size_t c = 0; c < x.channels.size(); ++c) {
      ASSERT_EQ(x.channels[c].size(), y.channels[c].size());
      for (std::size_t i = 0; i < x.channels[c].size(); ++i) {
        worst = std::max(worst, std::abs(static_cast<double>(x.channels[c][i]) - y.channels[c][i]));
        peak = std::max(peak, std::abs(static_cast<double>(x.channels[c][i])));
      }
    }
    EXPECT_GT(peak, 0.05) << layout;
    EXPECT_LT(worst, 1e-6) << layout;
  }
}

// A clip whose channel count is not (order + 1)^2 is refused when planned, naming the key.
TEST(HoaExport, AClipOfTheWrongWidthIsNamed) {
  test::ScratchDir dir;
  test::writeFloatWav(dir / "two.wav", {test::noise(100, 1, 0.1f), test::noise(100, 2, 0.1f)},
                      kRate);
  const Session s = parseSession(R"({"vkmix": 1, "tracks": [
      {"name": "amb", "type": "hoa", "order": 1, "clips": [{"file": "two.wav"}]}]})",
                                 dir / "w.json");
  RenderOptions o;
  o.device = "cpu";
  EXPECT_THAT([&] { renderToMemory(s, o); },
              ::testing::ThrowsMessage<InputError>(::testing::HasSubstr(
                  "w.json: tracks[0].clips[0].file: two.wav has 2 channel(s); order 1 needs 4")));
}

// On headphones (--layout binaural) an hoa track is decoded for the virtual loudspeakers (9.1.6)
// and those go through the HRTF: the same as a 9.1.6 bed carrying the decode made by hand, whose
// feeds hold the decoder's negative gains. Stems and the mix agree as for any track.
TEST(HoaBinaural, IsTheBinauralRenderOfItsDecode) {
  test::ScratchDir dir;
  std::vector<std::vector<float>> amb;
  for (std::uint32_t c = 0; c < 9; ++c) amb.push_back(test::noise(kRate / 4, 70 + c, 0.2f));
  test::writeFloatWav(dir / "amb.wav", amb, kRate);
  const Layout& virt = *findLayout("9.1.6");
  const auto d = layout::hoaDecodeByAcn(virt, 2, HoaNormalization::SN3D);
  std::vector<std::vector<float>> feeds(static_cast<std::size_t>(virt.numChannels()),
                                        std::vector<float>(amb[0].size(), 0.0f));
  for (std::size_t c = 0; c < feeds.size(); ++c) {
    for (std::size_t i = 0; i < feeds[c].size(); ++i) {
      double x = 0.0;
      for (std::size_t k = 0; k < amb.size(); ++k) x += d[k][c] * amb[k][i];
      feeds[c][i] = static_cast<float>(x);
    }
  }
  test::writeFloatWav(dir / "feeds.wav", feeds, kRate);
  const Session hoa = parseSession(R"({"vkmix": 1, "tracks": [
      {"name": "amb", "type": "hoa", "order": 2, "clips": [{"file": "amb.wav"}]}]})",
                                   dir / "h.json");
  const Session bed = parseSession(R"({"vkmix": 1, "tracks": [
      {"name": "amb", "type": "bed", "bed": "9.1.6", "clips": [{"file": "feeds.wav"}]}]})",
                                   dir / "b.json");
  RenderOptions o;
  o.device = "cpu";
  o.layout = "binaural";
  const RenderedAudio x = renderToMemory(hoa, o), y = renderToMemory(bed, o);
  ASSERT_EQ(x.channels.size(), 2u);
  ASSERT_EQ(y.channels.size(), 2u);
  double worst = 0.0, peak = 0.0;
  for (std::size_t c = 0; c < 2; ++c) {
    ASSERT_EQ(x.channels[c].size(), y.channels[c].size());
    for (std::size_t i = 0; i < x.channels[c].size(); ++i) {
      worst = std::max(worst, std::abs(static_cast<double>(x.channels[c][i]) - y.channels[c][i]));
      peak = std::max(peak, std::abs(static_cast<double>(y.channels[c][i])));
    }
  }
  EXPECT_GT(peak, 0.05);
  EXPECT_LT(worst, 1e-5);
}

}  // namespace
}  // namespace vkmix
