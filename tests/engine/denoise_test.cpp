// Denoised tracks through the whole engine: transparent and sample-aligned at 0 dB (latency
// compensated, fader/fades/pan after the denoiser, beds too), noise reduction on speech-like
// material with a learned profile, GPU and the native CPU backend equal to the reference, the same
// bytes for any block size on both, and one-line errors for bad settings.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "support/speech.hpp"
#include "support/test_media.hpp"
#include "vkmix/error.hpp"
#include "vkmix/render.hpp"

namespace vkmix {
namespace {

using ::testing::HasSubstr;

constexpr int kRate = 48000;

class Denoise : public test::GpuFixture {
 protected:
  void SetUp() override {
    GpuFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    speech_ = test::speechLike(4 * kRate, kRate, 5);
    noisy_ = test::mixAtSnr(speech_,
                            test::coloredNoise(test::NoiseKind::White, speech_.size(), kRate, 6),
                            5.0, &noise_);
    test::writeFloatWav(dir_ / "clean.wav", {speech_}, kRate);
    test::writeFloatWav(dir_ / "noisy.wav", {noisy_}, kRate);
    test::writeFloatWav(dir_ / "bed.wav",
                        {test::noise(30000, 8, 0.3f), test::noise(30000, 9, 0.3f)}, kRate);
  }
  Session session(const std::string& tracks) {
    return parseSession(R"({"vkmix": 1, "layout": "5.1", "tracks": [)" + tracks + "]}",
                        dir_ / "s.json");
  }
  test::ScratchDir dir_;
  std::vector<float> speech_, noise_, noisy_;
};

// Two tracks whose settings are the only difference: an object with fades and a fader, and a bed.
std::string tracksWith(const std::string& denoise) {
  return R"({"name": "dx", "stem": "dialogue", "gainDb": -4, "position": {"azimuth": 20},)" +
         denoise +
         R"( "clips": [{"file": "noisy.wav", "start": 0.25, "length": 2.0, "fadeIn": 0.1, "fadeOut": 0.2},
                       {"file": "noisy.wav", "start": 2.5, "offset": 1.0, "gainDb": -3}]},
            {"name": "amb", "type": "bed", "bed": "2.0", "stem": "effects", )" +
         denoise + R"( "clips": [{"file": "bed.wav", "start": 0.1}]})";
}

TEST_F(Denoise, TransparentAndInSyncAtZeroDb) {
  RenderedAudio plain = renderToMemory(session(tracksWith("")), renderOptions());
  RenderedAudio zero =
      renderToMemory(session(tracksWith(R"("denoise": {"reductionDb": 0},)")), renderOptions(1000));
  ASSERT_EQ(plain.channels.size(), zero.channels.size());
  for (std::size_t c = 0; c < plain.channels.size(); ++c) {
    ASSERT_EQ(plain.channels[c].size(), zero.channels[c].size());
    EXPECT_LE(test::maxAbsDiff(plain.channels[c], zero.channels[c]), 1e-6) << "channel " << c;
  }
  EXPECT_GT(test::rms(zero.channels[0]), 0.01);  // the test has signal where it compares
  // Switched off, the track plays exactly as without the key.
  RenderedAudio off = renderToMemory(
      session(tracksWith(R"("denoise": {"enabled": false, "reductionDb": 30},)")), renderOptions());
  EXPECT_EQ(off.channels, plain.channels);
}

TEST_F(Denoise, LearnedProfileCleansTheTrackAndGpuEqualsCpu) {
  const std::string dx =
      R"({"name": "dx", "position": {"azimuth": 0}, "clips": [{"file": "FILE"}])";
  auto track = [&](const std::string& file, const std::string& denoise) {
    std::string t = dx;
    t.replace(t.find("FILE"), 4, file);
    return t + denoise + "}";
  };
  const std::string settings =
      R"(, "denoise": {"reductionDb": 18, "learn": {"start": 0.0, "end": 0.28}})";
  RenderedAudio clean = renderToMemory(session(track("clean.wav", "")), renderOptions());
  RenderedAudio noisy = renderToMemory(session(track("noisy.wav", "")), renderOptions());
  RenderedAudio gpu = renderToMemory(session(track("noisy.wav", settings)), renderOptions());
  RenderOptions reference = renderOptions();
  reference.device = "reference";
  RenderedAudio ref = renderToMemory(session(track("noisy.wav", settings)), reference);
  RenderOptions cpu = renderOptions();
  cpu.device = "cpu";
  RenderedAudio native = renderToMemory(session(track("noisy.wav", settings)), cpu);
  const std::size_t centre = 2;  // 5.1: L R C LFE Ls Rs
  EXPECT_LE(test::maxAbsDiff(gpu.channels[centre], ref.channels[centre]), 1e-5);
  EXPECT_LE(test::maxAbsDiff(native.channels[centre], ref.channels[centre]), 1e-5) << "cpu";
  const auto before = test::scoreDenoise(clean.channels[centre], noise_, noisy.channels[centre],
                                         noisy.channels[centre], kRate);
  const auto after = test::scoreDenoise(clean.channels[centre], noise_, noisy.channels[centre],
                                        gpu.channels[centre], kRate);
  std::printf("engine, white 5 dB, learned: SNR %.2f -> %.2f dB, distortion %.2f dB\n",
              before.snrDb, after.snrDb, after.speechDistortionDb);
  EXPECT_GT(after.snrDb - before.snrDb, 5.0);
}

TEST_F(Denoise, SameBytesForAnyBlockSize) {
  const std::string settings = R"("denoise": {"reductionDb": 15, "hum": {"frequency": 60}},)";
  for (const char* device : {"", "cpu"}) {
    auto options = [&](std::int64_t block) {
      RenderOptions o = renderOptions(block);
      if (*device != 0) o.device = device;
      return o;
    };
    RenderedAudio base = renderToMemory(session(tracksWith(settings)), options(4096));
    EXPECT_GT(test::rms(base.channels[0]), 0.01) << device;  // signal where bytes are compared
    for (std::int64_t block : {333, 8192}) {
      RenderedAudio r = renderToMemory(session(tracksWith(settings)), options(block));
      ASSERT_EQ(r.channels.size(), base.channels.size());
      for (std::size_t c = 0; c < base.channels.size(); ++c)
        EXPECT_EQ(r.channels[c], base.channels[c])
            << "device '" << device << "' block " << block << " channel " << c;
    }
  }
}

// The native CPU backend's float denoiser against the reference in adaptive mode with hum
// notches, on an object and a bed, through fades, fader and pan: within 1e-5 of full scale, as
// the GPU is held in LearnedProfileCleansTheTrackAndGpuEqualsCpu.
TEST_F(Denoise, CpuEqualsReferenceAdaptiveWithHum) {
  const std::string settings = R"("denoise": {"reductionDb": 15, "hum": {"frequency": 60}},)";
  RenderOptions reference = renderOptions(1000);
  reference.device = "reference";
  RenderOptions cpu = renderOptions(1000);
  cpu.device = "cpu";
  RenderedAudio ref = renderToMemory(session(tracksWith(settings)), reference);
  RenderedAudio native = renderToMemory(session(tracksWith(settings)), cpu);
  ASSERT_EQ(native.channels.size(), ref.channels.size());
  double worst = 0;
  for (std::size_t c = 0; c < ref.channels.size(); ++c) {
    ASSERT_EQ(native.channels[c].size(), ref.channels[c].size());
    std::size_t at = 0;
    const double d = test::maxAbsDiff(native.channels[c], ref.channels[c], &at);
    worst = std::max(worst, d);
    EXPECT_LE(d, 1e-5) << "channel " << c << " frame " << at << ": cpu " << native.channels[c][at]
                       << ", reference " << ref.channels[c][at];
  }
  std::printf("engine, adaptive + hum: cpu vs reference max abs %.2e\n", worst);
  EXPECT_GT(test::rms(ref.channels[0]), 0.01);  // the test has signal where it compares
}

TEST_F(Denoise, BadSettingsAreOneLineErrorsNamingTheField) {
  struct Case {
    std::string denoise, field;
  };
  const std::vector<Case> cases = {
      {R"("denoise": {"reductionDb": 90},)", "tracks[0].denoise.reductionDb"},
      {R"("denoise": {"smoothing": -1},)", "tracks[0].denoise.smoothing"},
      {R"("denoise": {"learn": {"start": 1.0}},)", "tracks[0].denoise.learn.end"},
      {R"("denoise": {"learn": {"start": 1.0, "end": 1.01}},)", "tracks[0].denoise.learn.end"},
      {R"("denoise": {"hum": {"harmonics": 99}},)", "tracks[0].denoise.hum.harmonics"},
      {R"("denoise": {"reductionDb": 12, "reduction": 3},)", "tracks[0].denoise.reduction"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT([&] { renderToMemory(session(tracksWith(c.denoise)), renderOptions()); },
                ::testing::ThrowsMessage<InputError>(HasSubstr(c.field)))
        << c.denoise;
  }
  // A learn range where the track plays nothing.
  EXPECT_THAT(
      [&] {
        renderToMemory(session(tracksWith(R"("denoise": {"learn": {"start": 30, "end": 31}},)")),
                       renderOptions());
      },
      ::testing::ThrowsMessage<InputError>(HasSubstr("tracks[0].denoise.learn: no audio plays")));
}

}  // namespace
}  // namespace vkmix
