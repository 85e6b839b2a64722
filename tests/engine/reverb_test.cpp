// Reverb buses through the whole engine, with IRs whose output is known exactly (a scaled,
// delayed impulse convolves to a scaled, delayed copy): alignment with the dry signal, every bus
// shape's routing, pre-delay, pre/post-fader sends, tails, block-size invariance, GPU equal to
// the CPU reference, stems summing to the mix with their returns, and bad IR files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <initializer_list>

#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "vkmix/error.hpp"
#include "vkmix/layout.hpp"
#include "vkmix/render.hpp"

namespace vkmix {
namespace {

using ::testing::HasSubstr;

// An IR that is `gain` at frame `delay`, zero elsewhere, `frames` long.
std::vector<float> dirac(std::size_t frames, std::size_t delay, float gain) {
  std::vector<float> h(frames, 0.0f);
  h[delay] = gain;
  return h;
}

class Reverb : public test::GpuFixture {
 protected:
  void SetUp() override {
    GpuFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    test::writeFloatWav(dir_ / "dx.wav", {src_}, 48000);
  }
  Session session(const std::string& reverbs, const std::string& tracks,
                  const std::string& layout = "7.1.4") {
    return parseSession(R"({"vkmix": 1, "layout": ")" + layout + R"(", "reverbs": [)" + reverbs +
                            R"(], "tracks": [)" + tracks + "]}",
                        dir_ / "s.json");
  }
  RenderOptions gpu(std::int64_t block = 4096) const { return renderOptions(block); }
  // Renders `s` at each block size and requires the bits of `base` in every channel.
  void expectSameBitsAtBlocks(const Session& s, const RenderedAudio& base,
                              std::initializer_list<std::int64_t> blocks) const {
    for (std::int64_t block : blocks) {
      RenderedAudio r = renderToMemory(s, gpu(block));
      ASSERT_EQ(r.channels.size(), base.channels.size());
      for (std::size_t c = 0; c < r.channels.size(); ++c) {
        ASSERT_EQ(r.channels[c].size(), base.channels[c].size());
        ASSERT_EQ(
            std::memcmp(r.channels[c].data(), base.channels[c].data(), r.channels[c].size() * 4), 0)
            << "block " << block << " ch " << c;
      }
    }
  }
  // The CPU reference's render, and every channel of `base` within 1e-5 of it; the native CPU
  // backend (float, FFTW) is held to the reference the same way, and gives the same bits for
  // any block size.
  RenderedAudio expectCloseToCpuReference(const Session& s, const RenderedAudio& base) const {
    RenderOptions reference;
    reference.device = "reference";
    RenderedAudio ref = renderToMemory(s, reference);
    for (std::size_t c = 0; c < base.channels.size(); ++c)
      EXPECT_LE(test::maxAbsDiff(base.channels[c], ref.channels[c]), 1e-5) << c;
    RenderOptions cpu;
    cpu.device = "cpu";
    const RenderedAudio native = renderToMemory(s, cpu);
    EXPECT_EQ(native.report.backend.name, "cpu");
    for (std::size_t c = 0; c < base.channels.size(); ++c) {
      std::size_t where = 0;
      EXPECT_LE(test::maxAbsDiff(native.channels[c], ref.channels[c], &where), 1e-5)
          << "cpu backend, channel " << c << " frame " << where;
    }
    for (const int threads : {1, 2, 4}) {
      cpu.blockFrames = 333;
      cpu.backendThreads = threads;
      const RenderedAudio odd = renderToMemory(s, cpu);
      for (std::size_t c = 0; c < base.channels.size(); ++c)
        EXPECT_EQ(odd.channels[c], native.channels[c])
            << "cpu backend, block 333, " << threads << " threads, channel " << c;
    }
    return ref;
  }
  const std::vector<float> src_ = test::noise(9000, 3, 0.5f);
  test::ScratchDir dir_;
};

TEST_F(Reverb, MonoBusReturnsAtCentreAlignedToTheSample) {
  test::writeFloatWav(dir_ / "ir.wav", {dirac(200, 100, 0.5f)}, 48000);
  Session s = session(
      R"({"name": "room", "ir": "ir.wav"})",
      R"({"name": "dx", "position": {"azimuth": 30}, "sends": [{"reverb": "room", "levelDb": -6}], "clips": [{"file": "dx.wav", "start": 0.01}]})");
  RenderedAudio r = renderToMemory(s, gpu(1000));
  // Ends when the IR's last sample above -120 dBFS (frame 100) has passed: 480 + 9000 + 101.
  ASSERT_EQ(r.channels[0].size(), 480u + 9000u + 101u);
  const float send = 0.5f * 0.501187f;
  for (std::size_t i = 0; i < 9000; i += 7) {
    EXPECT_NEAR(r.channels[0][480 + i], src_[i], 1e-6) << "dry at L";
    EXPECT_NEAR(r.channels[2][480 + 100 + i], send * src_[i], 2e-6)
        << "wet at C, 100 frames later, frame " << i;
  }
  EXPECT_NEAR(r.channels[2][480 + 99], 0.0, 2e-6) << "nothing before the IR's delay";
  for (int c : {1, 3, 4, 5, 6, 7, 8, 9, 10, 11}) EXPECT_LT(test::energy(r.channels[c]), 1e-10) << c;
}

TEST_F(Reverb, PerSpeakerIrFeedsEachSpeakerItsOwnChannel) {
  std::vector<std::vector<float>> ir;
  for (std::size_t c = 0; c < 12; ++c)
    ir.push_back(dirac(64, 10 + 4 * c, 0.1f * static_cast<float>(c + 1)));
  test::writeFloatWav(dir_ / "ir12.wav", ir, 48000);
  Session s = session(
      R"({"name": "hall", "ir": "ir12.wav", "wetDb": -6})",
      R"({"name": "dx", "position": {"azimuth": 0}, "gainDb": -3, "sends": [{"reverb": "hall", "levelDb": 0}], "clips": [{"file": "dx.wav"}]})");
  RenderedAudio r = renderToMemory(s, gpu());
  const double wet = 0.501187, post = 0.707946;  // -6 dB wet, -3 dB track gain (post-fader send)
  for (std::size_t c = 0; c < 12; ++c) {
    const std::size_t d = 10 + 4 * c;
    const double dry = c == 2 ? post : 0.0;  // the dry object at centre
    for (std::size_t i = 0; i < 9000; i += 113) {
      const double wetSample = 0.1 * static_cast<double>(c + 1) * wet * post * src_[i];
      const double drySample = i + d < 9000 ? dry * src_[i + d] : 0.0;
      EXPECT_NEAR(r.channels[c][i + d], wetSample + drySample, 3e-6)
          << "speaker " << c << " frame " << i;
    }
  }
}

TEST_F(Reverb, TrueStereoTakesTheSendPannedLeftAndRight) {
  // LL, LR, RL, RR each a dirac at its own delay.
  test::writeFloatWav(dir_ / "ts.wav",
                      {dirac(100, 10, 0.5f), dirac(100, 20, 0.25f), dirac(100, 30, 0.125f),
                       dirac(100, 40, 0.0625f)},
                      48000);
  Session s = session(
      R"({"name": "plate", "ir": "ts.wav"})",
      R"({"name": "left", "position": {"azimuth": 30}, "sends": [{"reverb": "plate"}], "clips": [{"file": "dx.wav"}]})",
      "5.1");
  RenderedAudio r = renderToMemory(s, gpu());
  // A source at +30 sends into input L only: out L = x * hLL (+ dry), out R = x * hLR.
  for (std::size_t i = 0; i < 8000; i += 97) {
    EXPECT_NEAR(r.channels[0][i + 10], 0.5 * src_[i] + src_[i + 10], 3e-6) << i;
    EXPECT_NEAR(r.channels[1][i + 20], 0.25 * src_[i], 3e-6) << i;
  }
}

TEST_F(Reverb, PredelayAndPreFaderSends) {
  test::writeFloatWav(dir_ / "ir.wav", {dirac(10, 0, 1.0f)}, 48000);
  Session s = session(
      R"({"name": "a", "ir": "ir.wav", "predelayMs": 10})",
      R"({"name": "quiet", "gainDb": -40, "position": {"azimuth": 30}, "sends": [{"reverb": "a", "preFader": true}], "clips": [{"file": "dx.wav"}]})");
  RenderedAudio r = renderToMemory(s, gpu());
  // 10 ms = 480 frames; the pre-fader send ignores the -40 dB fader.
  for (std::size_t i = 0; i < 8000; i += 89)
    EXPECT_NEAR(r.channels[2][i + 480], src_[i], 2e-6) << i;
}

TEST_F(Reverb, TailsRunOnAndTailLimitsThem) {
  auto h = test::noise(48000, 9, 0.5f);  // 1 s of decaying noise
  for (std::size_t i = 0; i < h.size(); ++i)
    h[i] *= static_cast<float>(std::exp(-8.0 * static_cast<double>(i) / 48000.0));
  test::writeFloatWav(dir_ / "long.wav", {h}, 48000);
  const std::string tracks =
      R"({"name": "dx", "sends": [{"reverb": "r"}], "clips": [{"file": "dx.wav"}]})";
  RenderedAudio full = renderToMemory(session(R"({"name": "r", "ir": "long.wav"})", tracks), gpu());
  EXPECT_GT(full.channels[0].size(), 9000u + 40000u) << "the tail decays for most of a second";
  EXPECT_GT(test::energy({full.channels[2].data() + 9000, 30000}), 0.0);
  RenderOptions limited = gpu();
  limited.tailSeconds = 0.1;
  RenderedAudio cut =
      renderToMemory(session(R"({"name": "r", "ir": "long.wav"})", tracks), limited);
  EXPECT_EQ(cut.channels[0].size(), 9000u + 4800u);
  // The report: the bus rings as long as ever, the render stops at --tail.
  ASSERT_EQ(cut.report.reverbs.size(), 1u);
  EXPECT_EQ(cut.report.reverbs[0].tailSeconds, full.report.tailSeconds);
  EXPECT_DOUBLE_EQ(cut.report.tailSeconds, 0.1);
  for (std::size_t i = 0; i < cut.channels[2].size(); i += 101)
    EXPECT_EQ(cut.channels[2][i], full.channels[2][i]);
}

// "Decayed below -120 dBFS" is about the output: for a full-scale noise input, what the render
// leaves out of the whole convolution is below -120 dBFS RMS. An IR of noise decaying 60 dB in
// 0.17 s, in float: its samples fall under -120 dBFS long before the tail they add up to does.
TEST_F(Reverb, TailsEndWhereTheOutputIsBelowMinus120Dbfs) {
  constexpr std::size_t kIn = 2400, kIr = 38400;
  const std::vector<float> x = test::noise(kIn, 21, 1.0f);
  std::vector<float> h = test::noise(kIr, 22, 0.5f);
  for (std::size_t i = 0; i < kIr; ++i)
    h[i] *= static_cast<float>(std::exp(-40.0 * static_cast<double>(i) / 48000.0));
  test::writeFloatWav(dir_ / "x.wav", {x}, 48000);
  test::writeFloatWav(dir_ / "decay.wav", {h}, 48000);
  // The dry signal is silenced (a pre-fader send), so front centre carries the wet signal alone.
  const RenderedAudio r = renderToMemory(
      session(R"({"name": "r", "ir": "decay.wav"})",
              R"({"name": "x", "gainDb": -200, "sends": [{"reverb": "r", "preFader": true}],
                  "clips": [{"file": "x.wav"}]})"),
      gpu());
  const std::size_t end = r.channels[2].size();
  // The whole convolution's frames n..n+count, in double.
  auto exact = [&](std::size_t n, std::size_t count) {
    std::vector<float> y(count);
    for (std::size_t i = 0; i < count; ++i) {
      double sum = 0.0;
      for (std::size_t j = (n + i >= kIr ? n + i - kIr + 1 : 0); j < kIn && j <= n + i; ++j)
        sum += static_cast<double>(x[j]) * h[n + i - j];
      y[i] = static_cast<float>(sum);
    }
    return y;
  };
  ASSERT_LT(end, kIn + kIr) << "the IR's last 0.3 s are below the floor";
  EXPECT_LT(test::rms(exact(end, 4800)), 1e-6) << "what the render leaves out";
  EXPECT_GT(test::rms(exact(end - 2400, 2400)), 1e-7) << "and the tail stops near the floor";
  // Stopping after the IR's last sample above -120 dBFS would leave out more than that.
  std::size_t lastLoud = kIr;
  while (lastLoud > 0 && std::abs(h[lastLoud - 1]) <= 1e-6f) --lastLoud;
  EXPECT_GT(test::rms(exact(kIn + lastLoud, 2400)), 1e-6);
  EXPECT_GT(end, kIn + lastLoud);
}

// An IR file padded with digital silence (exported at a fixed length) renders the same bytes as
// the IR alone: the zeros are not convolved (here they would also have chosen the long partition).
TEST_F(Reverb, TrailingSilenceInAnIrIsNotConvolved) {
  // Two channels, the second one shorter (zeros after 20000 frames).
  std::vector<std::vector<float>> h = {test::noise(30000, 17, 0.3f), test::noise(20000, 18, 0.3f)};
  h[1].resize(30000, 0.0f);
  test::writeFloatWav(dir_ / "h.wav", h, 48000);
  for (auto& c : h) c.resize(230000, 0.0f);
  test::writeFloatWav(dir_ / "padded.wav", h, 48000);
  const std::string tracks =
      R"({"name": "dx", "sends": [{"reverb": "r"}], "clips": [{"file": "dx.wav"}]})";
  const RenderedAudio plain =
      renderToMemory(session(R"({"name": "r", "ir": "h.wav"})", tracks), gpu());
  const RenderedAudio r =
      renderToMemory(session(R"({"name": "r", "ir": "padded.wav"})", tracks), gpu());
  ASSERT_EQ(r.channels.size(), plain.channels.size());
  // The report names the bus and gives the IR as convolved: 30000 frames, not 230000.
  ASSERT_EQ(r.report.reverbs.size(), 1u);
  const ReverbReport& bus = r.report.reverbs[0];
  EXPECT_EQ(bus.name, "r");
  EXPECT_EQ(bus.irChannels, 2);
  EXPECT_DOUBLE_EQ(bus.irSeconds, 30000.0 / 48000.0);
  EXPECT_DOUBLE_EQ(bus.tailSeconds, 30000.0 / 48000.0);
  EXPECT_EQ(bus.convolvers, 1);
  EXPECT_EQ(bus.partitionFrames, 16384);
  EXPECT_DOUBLE_EQ(r.report.tailSeconds, 30000.0 / 48000.0);
  for (std::size_t c = 0; c < r.channels.size(); ++c) {
    ASSERT_EQ(r.channels[c].size(), 9000u + 30000u) << "the tail ends with the IR's sound";
    ASSERT_EQ(plain.channels[c].size(), r.channels[c].size());
    EXPECT_EQ(std::memcmp(r.channels[c].data(), plain.channels[c].data(), r.channels[c].size() * 4),
              0)
        << "channel " << c;
  }
}

// Issue 4's capacity: IRs of 10 s at 48 kHz, 4 buses x 12 channels in one session. One 7.1.4 IR
// file of 10 s with an impulse per channel (channel 0's on the very last frame), on 4 buses with
// 0, 100, 200 and 300 ms of pre-delay and their own wet gains; a dialogue track sends to all four
// and an effects track to the first (two convolvers sharing its spectra). Every speaker must carry
// each bus's scaled, delayed copies of the sends and nothing else, to the sample.
TEST_F(Reverb, TenSecondIrsOnFourTwelveChannelBuses) {
  constexpr std::size_t kIr = 480000, kChannels = 12, kIn = 2400;
  std::vector<std::vector<float>> ir(kChannels, std::vector<float>(kIr, 0.0f));
  std::vector<std::size_t> at(kChannels);
  for (std::size_t c = 0; c < kChannels; ++c) {
    at[c] = kIr - 1 - c * 24000;
    ir[c][at[c]] = 0.25f + 0.05f * static_cast<float>(c);
  }
  test::writeFloatWav(dir_ / "ten.wav", ir, 48000);
  const std::vector<float> dx = test::noise(kIn, 31, 0.5f), fx = test::noise(kIn, 32, 0.5f);
  test::writeFloatWav(dir_ / "dx2.wav", {dx}, 48000);
  test::writeFloatWav(dir_ / "fx2.wav", {fx}, 48000);
  const std::string buses =
      R"({"name": "a", "ir": "ten.wav"}, {"name": "b", "ir": "ten.wav", "predelayMs": 100,
          "wetDb": -6}, {"name": "c", "ir": "ten.wav", "predelayMs": 200, "wetDb": -12},
         {"name": "d", "ir": "ten.wav", "predelayMs": 300, "wetDb": -18})";
  const std::string tracks =
      R"({"name": "dx", "stem": "dialogue", "gainDb": -200, "clips": [{"file": "dx2.wav"}],
          "sends": [{"reverb": "a", "preFader": true}, {"reverb": "b", "preFader": true},
                    {"reverb": "c", "preFader": true}, {"reverb": "d", "preFader": true}]},
         {"name": "fx", "stem": "effects", "gainDb": -200, "clips": [{"file": "fx2.wav"}],
          "sends": [{"reverb": "a", "preFader": true}]})";
  const RenderedAudio r = renderToMemory(session(buses, tracks), gpu());
  ASSERT_EQ(r.channels.size(), kChannels);
  ASSERT_EQ(r.report.reverbs.size(), 4u);
  EXPECT_EQ(r.report.reverbs[0].convolvers, 2) << "the dialogue and effects stems";
  EXPECT_EQ(r.report.reverbs[3].convolvers, 1);
  EXPECT_DOUBLE_EQ(r.report.reverbs[3].irSeconds, (kIr + 14400) / 48000.0) << "with pre-delay";
  // The longest tail: channel 0's impulse on the IR's last frame, after 300 ms of pre-delay.
  ASSERT_EQ(r.channels[0].size(), kIn + kIr + 14400);
  const double wet[4] = {1.0, std::pow(10.0, -6.0 / 20), std::pow(10.0, -12.0 / 20),
                         std::pow(10.0, -18.0 / 20)};
  for (std::size_t c = 0; c < kChannels; ++c) {
    std::vector<double> want(r.channels[c].size(), 0.0);
    for (std::size_t b = 0; b < 4; ++b) {
      const std::size_t delay = b * 4800 + at[c];
      for (std::size_t i = 0; i < kIn; ++i) {
        const double x = dx[i] + (b == 0 ? fx[i] : 0.0f);
        want[delay + i] += x * ir[c][at[c]] * wet[b];
      }
    }
    double worst = 0.0;
    for (std::size_t i = 0; i < want.size(); ++i)
      worst = std::max(worst, std::abs(r.channels[c][i] - want[i]));
    EXPECT_LT(worst, 1e-5) << "speaker " << c;
  }
}

TEST_F(Reverb, BitIdenticalForAnyBlockSizeAndEqualToTheCpuReference) {
  auto h = test::noise(6000, 9, 0.2f);
  test::writeFloatWav(dir_ / "ir.wav", {h, test::noise(6000, 10, 0.2f)}, 48000);
  Session s = session(
      R"({"name": "r", "ir": "ir.wav"})",
      R"({"name": "fly", "positionKeys": [{"time": 0, "azimuth": 0}, {"time": 0.2, "azimuth": 180}], "gainKeys": [{"time": 0, "gainDb": -6}, {"time": 0.2, "gainDb": 0}],
                          "sends": [{"reverb": "r", "levelDb": -3}], "clips": [{"file": "dx.wav"}]},
                         {"name": "bed", "stem": "music", "type": "bed", "bed": "2.0", "sends": [{"reverb": "r", "preFader": true}],
                          "clips": [{"file": "st.wav", "start": 0.05}]})");
  test::writeFloatWav(dir_ / "st.wav", {test::noise(5000, 11, 0.3f), test::noise(5000, 12, 0.3f)},
                      48000);
  RenderedAudio base = renderToMemory(s, gpu(4096));
  ASSERT_EQ(base.channels.size(), 12u);
  expectSameBitsAtBlocks(s, base, {333, 777});
  expectCloseToCpuReference(s, base);
  // Each stem carries its own returns; they still sum to the mix.
  for (std::size_t c = 0; c < 12; ++c) {
    for (std::size_t i = 0; i < base.channels[c].size(); i += 3) {
      float sum = 0.0f;
      for (const auto& stem : base.stems) sum += stem[c][i];
      ASSERT_EQ(sum, base.channels[c][i]);
    }
  }
  EXPECT_GT(test::energy(base.stems[0][1]), 0.0) << "music stem's wet return";
}

// A mono bus takes two partitions per convolver call on the GPU (GpuConvolver::batch) and one
// on the CPU reference. Over several calls, with the send ending mid-batch, any block size gives
// the same bits, equal to the reference's within float rounding.
TEST_F(Reverb, MonoBusBatchesAreBitIdenticalForAnyBlockSize) {
  test::writeFloatWav(dir_ / "long.wav", {test::noise(80000, 21, 0.3f)}, 48000);
  test::writeFloatWav(dir_ / "ir.wav", {test::noise(20000, 22, 0.2f)}, 48000);
  Session s = session(
      R"({"name": "r", "ir": "ir.wav"})",
      R"({"name": "dx", "position": {"azimuth": -30}, "sends": [{"reverb": "r", "levelDb": -6}], "clips": [{"file": "long.wav", "start": 0.02}]})");
  RenderedAudio base = renderToMemory(s, gpu(4096));
  // 960 + 80000 frames of send and a 20000-frame tail: seven 16384-frame partitions.
  ASSERT_EQ(base.channels[2].size(), 960u + 80000u + 20000u);
  ASSERT_EQ(base.channels.size(), 12u);
  expectSameBitsAtBlocks(s, base, {333, 8192});
  const RenderedAudio ref = expectCloseToCpuReference(s, base);
  EXPECT_GT(test::energy(ref.channels[2]), 1.0) << "the wet return at C";
}

TEST_F(Reverb, BadIrsAreOneLineErrors) {
  test::writeFloatWav(dir_ / "three.wav", {dirac(10, 0, 1), dirac(10, 0, 1), dirac(10, 0, 1)},
                      48000);
  auto nan = dirac(10, 0, 1.0f);
  nan[3] = std::nanf("");
  test::writeFloatWav(dir_ / "nan.wav", {nan}, 48000);
  test::writeFloatWav(dir_ / "empty.wav", {std::vector<float>{}}, 48000);
  const std::string track =
      R"({"name": "dx", "sends": [{"reverb": "r"}], "clips": [{"file": "dx.wav"}]})";
  struct Case {
    std::string ir, expected;
  };
  for (const Case& c :
       {Case{"three.wav", "reverbs[0].ir: three.wav has 3 channels; a reverb takes 1"},
        Case{"nan.wav", "reverbs[0].ir: "}, Case{"missing.wav", "reverbs[0].ir: "},
        Case{"empty.wav", "reverbs[0].ir: "}}) {
    Session s = session(R"({"name": "r", "ir": ")" + c.ir + R"("})", track);
    EXPECT_THAT([&] { renderToMemory(s, gpu()); },
                ::testing::ThrowsMessage<InputError>(HasSubstr("s.json: " + c.expected)))
        << c.ir;
  }
  EXPECT_THAT(
      [&] {
        session(R"({"name": "r", "ir": "x.wav"})",
                R"({"name": "dx", "sends": [{"reverb": "hall"}], "clips": []})");
      },
      ::testing::ThrowsMessage<InputError>(
          HasSubstr("tracks[0].sends[0].reverb: no reverb named \"hall\"")));
}

}  // namespace
}  // namespace vkmix
