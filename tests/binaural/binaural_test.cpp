// The binaural core against outside oracles: the HRIR pairs as measured in default.sofa (read raw
// with libmysofa, no resampling or normalisation) for the ITD and ILD of a rendered object, direct
// double-precision convolution for the streaming renderer at any chunk size, and the SOFA file's
// own coordinate convention. sofalizer_test.cpp compares whole beds with FFmpeg's sofalizer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <deque>
#include <random>

#include "binaural/binaural_renderer.hpp"
#include "binaural/ear_measures.hpp"
#include "dsp/convolver/params.hpp"
#include "dsp/convolver/reference.hpp"
#include "layout/point_source_panner.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "vkmix/error.hpp"

namespace vkmix::binaural {
namespace {

using ::testing::HasSubstr;

const std::string kDefaultSofa = Hrtf::defaultPath().string();

struct Ears {
  std::vector<float> left, right;
};

// Renders planar feeds (channel c at [c * frames]) to the ears in chunks of the given sizes
// (cycled), and the tail.
Ears render(BinauralRenderer& r, const std::vector<float>& feeds, std::int64_t frames,
            const std::vector<std::int64_t>& chunks) {
  const int nc = r.numChannels();
  Ears out;
  std::vector<float> chunk;
  auto drain = [&] {
    const std::int64_t n = r.ready();
    const std::size_t at = out.left.size();
    out.left.resize(at + static_cast<std::size_t>(n));
    out.right.resize(at + static_cast<std::size_t>(n));
    r.take(n, std::span(out.left).subspan(at), std::span(out.right).subspan(at));
  };
  std::size_t k = 0;
  for (std::int64_t done = 0; done < frames; ++k) {
    const std::int64_t n = std::min(chunks[k % chunks.size()], frames - done);
    chunk.assign(static_cast<std::size_t>(nc * n), 0.0f);
    for (int c = 0; c < nc; ++c)
      for (std::int64_t i = 0; i < n; ++i)
        chunk[static_cast<std::size_t>(c * n + i)] =
            feeds[static_cast<std::size_t>(c * frames + done + i)];
    r.process(chunk, n);
    done += n;
    drain();
  }
  r.finish();
  drain();
  return out;
}

// A point source's feeds: the BS.2127 panner's gains for the direction times the signal.
std::vector<float> pannedFeeds(const Layout& layout, double azimuthDeg, double elevationDeg,
                               const std::vector<float>& signal) {
  const layout::PointSourcePanner panner(layout);
  std::vector<double> g(static_cast<std::size_t>(layout.numChannels()));
  panner.gains(layout::directionOf(azimuthDeg, elevationDeg), g);
  std::vector<float> feeds(g.size() * signal.size());
  for (std::size_t c = 0; c < g.size(); ++c)
    for (std::size_t i = 0; i < signal.size(); ++i)
      feeds[c * signal.size() + i] = static_cast<float>(g[c]) * signal[i];
  return feeds;
}

// The criteria for an object at +90 (left), 0 and -90 degrees, elevation 0: the ITD of
// the render of broadband noise (cross-correlation peak) within 50 us of the measured pair's own
// in default.sofa, and the ILD in each octave band 250 Hz - 8 kHz within 1 dB of the pair's. The
// render runs at 48 kHz (libmysofa resamples the 44.1 kHz set); the oracle is the raw 44.1 kHz
// measurement. Both layouts put a speaker at each of these directions, so the panner plays the
// object from that speaker alone and what is measured is the HRTF path: resampling, delays,
// interpolation at a measured direction, the convolution and the ear routing.
TEST(BinauralTest, ObjectAtSidesAndFrontMatchesMeasuredItdAndIld) {
  const double rate = 48000.0;
  const Hrtf hrtf(kDefaultSofa, rate);
  const std::vector<float> signal = test::noise(65536, 28);
  for (const char* name : {"9.1.6", "7.1.4"}) {
    const Layout& layout = *findLayout(name);
    for (double az : {90.0, 0.0, -90.0}) {
      SCOPED_TRACE(std::string(name) + " azimuth " + std::to_string(az));
      BinauralRenderer r(layout, hrtf);
      const Ears ears = render(r, pannedFeeds(layout, az, 0.0, signal),
                               static_cast<std::int64_t>(signal.size()), {4096});
      const test::RawPair raw = test::rawSofaPair(kDefaultSofa, az, 0.0);
      ASSERT_FALSE(raw.left.empty());
      const double itd = test::itdSeconds(ears.left, ears.right, rate);
      const double itdRef = test::itdSeconds(raw.left, raw.right, raw.sampleRateHz);
      EXPECT_NEAR(itd, itdRef, 50e-6);
      const auto oct = test::octaveCentresHz();
      const auto l = test::bandLevelsDb(ears.left, rate, oct, 1);
      const auto rr = test::bandLevelsDb(ears.right, rate, oct, 1);
      const auto lRef = test::bandLevelsDb(raw.left, raw.sampleRateHz, oct, 1);
      const auto rRef = test::bandLevelsDb(raw.right, raw.sampleRateHz, oct, 1);
      double worst = 0.0;
      for (std::size_t b = 0; b < oct.size(); ++b) {
        const double ild = l[b] - rr[b], ildRef = lRef[b] - rRef[b];
        EXPECT_NEAR(ild, ildRef, 1.0) << "octave band " << oct[b] << " Hz";
        worst = std::max(worst, std::abs(ild - ildRef));
      }
      std::printf(
          "[figures] %s az %+4.0f: ITD %+7.1f us (SOFA %+7.1f us), worst octave ILD "
          "error %.3f dB\n",
          name, az, itd * 1e6, itdRef * 1e6, worst);
    }
  }
}

// SOFA's azimuth, like BS.2051's, is positive to the left: the measurement at +90 is louder and
// earlier at the left ear, and Hrtf::pair(+90) is the same way round.
TEST(BinauralTest, PositiveAzimuthIsTheLeftEar) {
  const test::RawPair raw = test::rawSofaPair(kDefaultSofa, 90.0, 0.0);
  ASSERT_FALSE(raw.left.empty());
  EXPECT_GT(test::energy(raw.left), 4.0 * test::energy(raw.right));
  EXPECT_GT(test::itdSeconds(raw.left, raw.right, raw.sampleRateHz), 400e-6);
  const Hrtf hrtf(kDefaultSofa, 48000.0);
  const HrirPair p = hrtf.pair(90.0, 0.0);
  EXPECT_GT(test::energy(p.left), 4.0 * test::energy(p.right));
  EXPECT_GT(test::itdSeconds(p.left, p.right, 48000.0), 400e-6);
}

// The renderer against direct double-precision convolution of each feed with its speaker's pair
// (and the LFE at its gain): the spec's routing, the partition framing with chunks of odd and
// random sizes, and the float CPU and double reference convolvers. The partition (512) is shorter
// than the HRIRs (~560 taps at 48 kHz), so the pairs span two partitions. Tolerance: float FFT
// convolution of 12 inputs stays ~130 dB below the signal; -100 dB (relative to the ears' RMS)
// leaves room and still catches any misrouted or shifted term.
TEST(BinauralTest, RendererMatchesDirectConvolutionAtAnyChunkSize) {
  const double rate = 48000.0;
  const Hrtf hrtf(kDefaultSofa, rate);
  const Layout& layout = *findLayout("7.1.4");
  const std::int64_t frames = 5000;
  std::vector<float> feeds;
  for (int c = 0; c < layout.numChannels(); ++c) {
    const auto n = test::noise(static_cast<std::size_t>(frames), 100 + static_cast<unsigned>(c));
    feeds.insert(feeds.end(), n.begin(), n.end());
  }
  BinauralOptions options;
  options.partitionFrames = 512;
  options.lfeGainDb = -6.0;
  const double lfeGain = std::pow(10.0, -6.0 / 20.0);
  std::vector<double> expL, expR;
  for (int c = 0; c < layout.numChannels(); ++c) {
    const Speaker& s = layout.speakers[static_cast<std::size_t>(c)];
    const std::vector<float> x(feeds.begin() + c * frames, feeds.begin() + (c + 1) * frames);
    std::vector<double> yl, yr;
    if (s.lfe) {
      for (float v : x) yl.push_back(lfeGain * v);
      yr = yl;
    } else {
      const HrirPair p = hrtf.pair(s.azimuthDeg, s.elevationDeg);
      yl = dsp::directConvolve(x, p.left);
      yr = dsp::directConvolve(x, p.right);
    }
    if (expL.size() < yl.size()) expL.resize(yl.size(), 0.0), expR.resize(yr.size(), 0.0);
    for (std::size_t i = 0; i < yl.size(); ++i) expL[i] += yl[i], expR[i] += yr[i];
  }
  std::mt19937 rng(7);
  std::vector<std::int64_t> randomChunks;
  for (int i = 0; i < 64; ++i) randomChunks.push_back(1 + static_cast<std::int64_t>(rng() % 1500));
  const std::vector<std::vector<std::int64_t>> chunkings = {{512}, {1}, {333, 1021}, randomChunks};
  for (Precision precision : {Precision::Float, Precision::Double}) {
    for (const auto& chunks : chunkings) {
      SCOPED_TRACE("precision " + std::to_string(static_cast<int>(precision)) + ", first chunk " +
                   std::to_string(chunks[0]));
      BinauralRenderer r(layout, hrtf, options, precision);
      const Ears ears = render(r, feeds, frames, chunks);
      ASSERT_EQ(ears.left.size(), expL.size());
      ASSERT_EQ(static_cast<std::int64_t>(ears.left.size()), frames + r.tailFrames());
      double sig = 0.0, err = 0.0, worst = 0.0;
      std::size_t worstAt = 0;
      for (std::size_t i = 0; i < expL.size(); ++i) {
        for (double d : {ears.left[i] - expL[i], ears.right[i] - expR[i]}) {
          err += d * d;
          if (std::abs(d) > worst) worst = std::abs(d), worstAt = i;
        }
        sig += expL[i] * expL[i] + expR[i] * expR[i];
      }
      EXPECT_LT(10.0 * std::log10(err / sig), -100.0)
          << "worst frame " << worstAt << ": expected " << expL[worstAt] << " / " << expR[worstAt]
          << ", got " << ears.left[worstAt] << " / " << ears.right[worstAt];
    }
  }
}

// Through a deferred convolution (a backend that convolves the spans in later chunks' work),
// the renderer hands on nothing a span has not brought back, and the ears are the same bits as
// through the same convolution run at once: spans handed over in order, each collected by
// poll() once the test says it is done, the last ones by finish().
TEST(BinauralTest, ADeferredConvolutionGivesTheSameEarsLater) {
  const Hrtf hrtf(kDefaultSofa, 48000.0);
  const Layout& layout = *findLayout("5.1");
  const dsp::ConvolverSpec spec = binauralSpec(layout, hrtf, {.partitionFrames = 512});
  const std::int64_t frames = 4000;
  std::vector<float> feeds;
  for (int c = 0; c < layout.numChannels(); ++c) {
    const auto n = test::noise(static_cast<std::size_t>(frames), 40 + static_cast<unsigned>(c));
    feeds.insert(feeds.end(), n.begin(), n.end());
  }
  dsp::ReferenceConvolver now(spec), later(spec);
  BinauralRenderer direct(
      spec, 1, [&](std::span<const float> in, std::span<float> out) { now.process(in, out); });
  const Ears expected = render(direct, feeds, frames, {700});

  std::deque<std::vector<float>> queued;
  std::int64_t handedOver = 0;  // spans queued in all
  std::size_t done = 0;         // spans at the queue's front the "device" has convolved
  BinauralRenderer deferred(spec, 1,
                            BinauralRenderer::Deferred{[&](std::span<const float> in) {
                                                         queued.emplace_back(in.begin(), in.end());
                                                         ++handedOver;
                                                       },
                                                       [&] { return done > 0; },
                                                       [&](std::span<float> out) {
                                                         ASSERT_FALSE(queued.empty());
                                                         later.process(queued.front(), out);
                                                         queued.pop_front();
                                                         if (done > 0) --done;
                                                       }});
  Ears got;
  auto drain = [&] {
    deferred.poll();
    const std::int64_t n = deferred.ready();
    const std::size_t at = got.left.size();
    got.left.resize(at + static_cast<std::size_t>(n));
    got.right.resize(at + static_cast<std::size_t>(n));
    deferred.take(n, std::span(got.left).subspan(at), std::span(got.right).subspan(at));
  };
  const std::int64_t chunk = 700;
  std::vector<float> in;
  for (std::int64_t at = 0; at < frames; at += chunk) {
    const std::int64_t n = std::min(chunk, frames - at);
    in.assign(static_cast<std::size_t>(layout.numChannels() * n), 0.0f);
    for (int c = 0; c < layout.numChannels(); ++c)
      std::copy_n(feeds.begin() + c * frames + at, n, in.begin() + c * n);
    // The spans queued so far come back in this chunk; those this chunk completes wait.
    const std::int64_t before = handedOver;
    done = queued.size();
    deferred.process(in, n);
    drain();
    EXPECT_EQ(static_cast<std::int64_t>(got.left.size()), before * 512) << "at frame " << at;
  }
  drain();
  EXPECT_LT(static_cast<std::int64_t>(got.left.size()), frames) << "the last spans wait";
  deferred.finish();
  drain();
  EXPECT_TRUE(queued.empty());
  EXPECT_EQ(got.left, expected.left);
  EXPECT_EQ(got.right, expected.right);
  EXPECT_GT(test::energy(got.left), 0.0);
}

// A full circle of a moving object in 4 s makes no clicks. The ears are linear time-invariant
// filters of the loudspeaker feeds, so a click could only come from the feeds; this holds the
// renderer to that: a 500 Hz tone panned round the horizon with gains updated every 32 frames and
// ramped between (as the engine moves objects) has no broadband transient. Detector: the fourth
// difference, a high-pass that takes a 500 Hz tone down ~95 dB and a step up ~+12 dB; each 5 ms
// window's peak stays below 1e-3 of the tone's amplitude at the ear. The same pan with gains
// switched every 1024 frames without ramps must trip it (the detector sees clicks).
TEST(BinauralTest, MovingObjectFullCircleHasNoClicks) {
  const double rate = 48000.0;
  const Hrtf hrtf(kDefaultSofa, rate);
  const Layout& layout = binauralVirtualLayout();
  const layout::PointSourcePanner panner(layout);
  const auto frames = static_cast<std::int64_t>(4 * rate);
  const std::vector<float> tone = test::sine(static_cast<std::size_t>(frames), 500.0, 48000, 0.5f);
  const auto nc = static_cast<std::size_t>(layout.numChannels());
  auto feedsFor = [&](std::int64_t step, bool ramp) {
    std::vector<float> feeds(nc * static_cast<std::size_t>(frames));
    std::vector<double> g0(nc), g1(nc);
    auto gainsAt = [&](std::int64_t frame, std::vector<double>& g) {
      panner.gains(layout::directionOf(360.0 * static_cast<double>(frame) / frames, 0.0), g);
    };
    for (std::int64_t at = 0; at < frames; at += step) {
      gainsAt(at, g0);
      gainsAt(at + step, g1);
      for (std::int64_t i = at; i < std::min(frames, at + step); ++i) {
        const double t = ramp ? static_cast<double>(i - at) / static_cast<double>(step) : 0.0;
        for (std::size_t c = 0; c < nc; ++c)
          feeds[c * static_cast<std::size_t>(frames) + static_cast<std::size_t>(i)] =
              static_cast<float>((g0[c] + t * (g1[c] - g0[c])) * tone[static_cast<std::size_t>(i)]);
      }
    }
    return feeds;
  };
  auto worstClick = [&](const std::vector<float>& feeds) {
    BinauralRenderer r(layout, hrtf);
    const Ears ears = render(r, feeds, frames, {4800});
    double worst = 0.0;
    for (const auto* ear : {&ears.left, &ears.right}) {
      const std::vector<float>& y = *ear;
      const double level =
          std::sqrt(2.0) * test::rms(std::span(y).first(static_cast<std::size_t>(frames)));
      // Skip the onset and the end, where the tone itself starts and stops.
      for (std::size_t i = 2400; i + 4 < static_cast<std::size_t>(frames) - 2400; ++i) {
        const double d4 =
            static_cast<double>(y[i]) - 4.0 * y[i + 1] + 6.0 * y[i + 2] - 4.0 * y[i + 3] + y[i + 4];
        worst = std::max(worst, std::abs(d4) / level);
      }
    }
    return worst;
  };
  const double smooth = worstClick(feedsFor(32, true));
  const double stepped = worstClick(feedsFor(1024, false));
  std::printf("[figures] moving circle: worst 4th difference %.2e (ramped), %.2e (stepped)\n",
              smooth, stepped);
  EXPECT_LT(smooth, 1e-3);
  EXPECT_GT(stepped, 1e-3);
}

TEST(BinauralTest, MissingOrMalformedSofaIsAOneLineErrorNamingIt) {
  test::ScratchDir dir;
  const std::string garbage = (dir / "garbage.sofa").string();
  test::writeText(garbage, "this is not an HDF5 file\n");
  for (const std::string& path : {(dir / "nowhere.sofa").string(), garbage, dir.path().string()}) {
    std::string message;
    try {
      const Hrtf hrtf(path, 48000.0);
    } catch (const InputError& e) {
      message = e.what();
    }
    EXPECT_THAT(message, HasSubstr(path));
    EXPECT_THAT(message, HasSubstr("SOFA"));
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    std::printf("[figures] error: %s\n", message.c_str());
  }
}

}  // namespace
}  // namespace vkmix::binaural
