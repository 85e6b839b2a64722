// Writing: WAVE_FORMAT_EXTENSIBLE headers with the right mask, bit depth and sub-format for every
// mask-expressible layout; sample values round-trip; FLAC refuses > 8 channels; nothing appears at
// the output path until finish().
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>

#include "io/audio_encoder.hpp"
#include "io/decoder.hpp"
#include "io/writer.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "vkmix/error.hpp"

namespace vkmix::io {
namespace {

using ::testing::HasSubstr;

struct WavHeader {
  std::uint16_t formatTag = 0, channels = 0, bitsPerSample = 0, validBits = 0;
  std::uint32_t sampleRate = 0, channelMask = 0;
  std::uint8_t subFormat[16] = {};
};

// Parses the fmt chunk of a RIFF/RF64 WAV by the spec.
WavHeader readWavHeader(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  WavHeader h;
  std::size_t pos = 12;
  while (pos + 8 <= bytes.size()) {
    std::uint32_t size = 0;
    std::memcpy(&size, &bytes[pos + 4], 4);
    if (std::memcmp(&bytes[pos], "fmt ", 4) == 0) {
      const char* f = &bytes[pos + 8];
      std::memcpy(&h.formatTag, f, 2);
      std::memcpy(&h.channels, f + 2, 2);
      std::memcpy(&h.sampleRate, f + 4, 4);
      std::memcpy(&h.bitsPerSample, f + 14, 2);
      if (h.formatTag == 0xFFFE) {
        std::memcpy(&h.validBits, f + 18, 2);
        std::memcpy(&h.channelMask, f + 20, 4);
        std::memcpy(h.subFormat, f + 24, 16);
      }
      break;
    }
    pos += 8 + size + (size & 1);
  }
  return h;
}

std::vector<float> planarBlock(int channels, std::int64_t frames) {
  std::vector<float> planar;
  for (int c = 0; c < channels; ++c) {
    auto n =
        test::noise(static_cast<std::size_t>(frames), 100 + static_cast<std::uint32_t>(c), 0.9f);
    planar.insert(planar.end(), n.begin(), n.end());
  }
  return planar;
}

TEST(Writer, WavHeadersCarryTheLayoutMask) {
  for (const char* name : {"2.0", "5.1", "7.1", "5.1.4", "7.1.4"}) {
    for (OutputFormat fmt : {OutputFormat::Wav24, OutputFormat::Wav32f}) {
      test::ScratchDir dir;
      const Layout& layout = *findLayout(name);
      const auto path = dir / "mix.wav";
      AudioWriter w(path, layout, 48000, fmt);
      auto planar = planarBlock(layout.numChannels(), 1000);
      w.write(planar, 1000, 1000);
      w.finish();
      WavHeader h = readWavHeader(path);
      EXPECT_EQ(h.formatTag, 0xFFFE) << name << ": WAVE_FORMAT_EXTENSIBLE";
      EXPECT_EQ(h.channels, layout.numChannels()) << name;
      EXPECT_EQ(h.channelMask, layout.wavChannelMask()) << name;
      EXPECT_EQ(h.sampleRate, 48000u);
      if (fmt == OutputFormat::Wav24) {
        EXPECT_EQ(h.bitsPerSample, 24);
        EXPECT_EQ(h.validBits, 24);
        EXPECT_EQ(h.subFormat[0], 1) << "KSDATAFORMAT_SUBTYPE_PCM";
      } else {
        EXPECT_EQ(h.bitsPerSample, 32);
        EXPECT_EQ(h.subFormat[0], 3) << "KSDATAFORMAT_SUBTYPE_IEEE_FLOAT";
      }
    }
  }
}

TEST(Writer, SamplesRoundTripThroughTheDecoder) {
  test::ScratchDir dir;
  const Layout& layout = *findLayout("7.1.4");
  auto planar = planarBlock(12, 5000);
  for (OutputFormat fmt : {OutputFormat::Wav32f, OutputFormat::Wav24}) {
    const auto path = dir / (fmt == OutputFormat::Wav32f ? "f.wav" : "i.wav");
    AudioWriter w(path, layout, 48000, fmt);
    // In two odd-sized pieces with a stride wider than the frames, as the engine writes.
    std::vector<float> wide(12 * 3000, 0.0f);
    for (int c = 0; c < 12; ++c) std::copy_n(&planar[c * 5000], 2999, &wide[c * 3000]);
    w.write(wide, 3000, 2999);
    for (int c = 0; c < 12; ++c) std::copy_n(&planar[c * 5000 + 2999], 2001, &wide[c * 3000]);
    w.write(wide, 3000, 2001);
    w.finish();
    DecodedAudio d = decodeAudio(path, 48000);
    ASSERT_EQ(d.channels.size(), 12u);
    ASSERT_EQ(d.numFrames(), 5000);
    // float: exact; 24-bit: within half an LSB (2^-24).
    const double tol = fmt == OutputFormat::Wav32f ? 0.0 : 0.5 / 8388608.0 + 1e-12;
    for (int c = 0; c < 12; ++c) {
      std::span<const float> expected(&planar[c * 5000], 5000);
      EXPECT_LE(test::maxAbsDiff(d.channels[c], expected), tol) << "channel " << c;
    }
  }
}

// The conversion as a plain per-sample statement of the rule: the double product rounded by
// nearbyint, clipped to the format's range; NaN is code 0 and no clip.
std::int32_t referenceCode(float x, int bits, std::int64_t& clipped) {
  const double scale = bits == 16 ? 32768.0 : 8388608.0;
  if (std::isnan(x)) return 0;
  double q = std::nearbyint(static_cast<double>(x) * scale);
  if (q > scale - 1.0 || q < -scale) {
    ++clipped;
    q = std::clamp(q, -scale, scale - 1.0);
  }
  return static_cast<std::int32_t>(q) * (bits == 16 ? 1 : 256);
}

// Values where a rounding or clipping shortcut would slip: every tie and its neighbours around
// zero and both clip points, +-1, past full scale, tiny, huge, infinite and NaN.
std::vector<float> edgeValues(int bits) {
  const float scale = bits == 16 ? 32768.0f : 8388608.0f;
  std::vector<float> v = {0.0f,
                          -0.0f,
                          1.0f,
                          -1.0f,
                          2.0f,
                          -2.0f,
                          1e30f,
                          -1e30f,
                          std::numeric_limits<float>::max(),
                          std::numeric_limits<float>::lowest(),
                          std::numeric_limits<float>::denorm_min(),
                          -std::numeric_limits<float>::denorm_min(),
                          std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::quiet_NaN(),
                          -std::numeric_limits<float>::quiet_NaN()};
  for (float centre : {0.0f, scale - 1.0f, -scale, scale, -scale - 1.0f, 1000.0f, -1000.0f}) {
    for (int k = -4; k <= 4; ++k) {
      const float tie = (centre + static_cast<float>(k) + 0.5f) / scale;
      for (float t : {tie, std::nextafter(tie, 10.0f), std::nextafter(tie, -10.0f)}) {
        v.push_back(t);
        v.push_back(std::nextafter(t, 0.0f));
      }
    }
  }
  for (float one : {1.0f, -1.0f}) {
    float t = one;
    for (int k = 0; k < 8; ++k) v.push_back(t = std::nextafter(t, 0.0f));
    t = one;
    for (int k = 0; k < 8; ++k) v.push_back(t = std::nextafter(t, 2.0f * one));
  }
  return v;
}

TEST(Writer, ConversionMatchesThePerSampleRule) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> level(-1.25f, 1.25f);
  std::uniform_int_distribution<std::uint32_t> bitsOf;
  for (int bits : {16, 24}) {
    std::vector<float> x = edgeValues(bits);
    for (int i = 0; i < 200000; ++i) x.push_back(level(rng));
    // Any bit pattern: every exponent, sign and NaN payload.
    for (int i = 0; i < 200000; ++i) {
      const std::uint32_t u = bitsOf(rng);
      float f;
      std::memcpy(&f, &u, 4);
      x.push_back(f);
    }
    std::vector<std::int32_t> expected(x.size());
    std::int64_t expectedClips = 0;
    for (std::size_t i = 0; i < x.size(); ++i)
      expected[i] = referenceCode(x[i], bits, expectedClips);
    // Odd lengths and offsets, so every vector width's remainder runs too.
    std::vector<std::int32_t> codes(x.size(), -1);
    std::int64_t clips = 0;
    for (std::size_t at = 0; at < x.size();) {
      const std::size_t n = std::min<std::size_t>(1 + (at * 7919) % 301, x.size() - at);
      clips += quantiseRun(&x[at], static_cast<std::int64_t>(n), bits, &codes[at]);
      at += n;
    }
    EXPECT_EQ(clips, expectedClips) << bits << "-bit";
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (codes[i] != expected[i] && ++mismatches <= 5)
        ADD_FAILURE() << bits << "-bit: " << x[i] << " gave " << codes[i] << ", not "
                      << expected[i];
    }
    EXPECT_EQ(mismatches, 0u) << bits << "-bit";
  }
}

// The data chunk's bytes of a RIFF WAV.
std::vector<std::uint8_t> wavData(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  std::size_t pos = 12;
  while (pos + 8 <= bytes.size()) {
    std::uint32_t size = 0;
    std::memcpy(&size, &bytes[pos + 4], 4);
    if (std::memcmp(&bytes[pos], "data", 4) == 0)
      return {bytes.begin() + static_cast<std::ptrdiff_t>(pos + 8),
              bytes.begin() + static_cast<std::ptrdiff_t>(pos + 8 + size)};
    pos += 8 + size + (size & 1);
  }
  return {};
}

TEST(Writer, IntegerFilesHoldThePerSampleCodesInterleaved) {
  // 12 channels, blocks longer than the encoder's tile and not a multiple of it, a stride wider
  // than the frames, edge values among the noise.
  const Layout& layout = *findLayout("7.1.4");
  const std::int64_t frames = 1000, stride = 1003;
  for (OutputFormat fmt : {OutputFormat::Wav16, OutputFormat::Wav24}) {
    const int bits = fmt == OutputFormat::Wav16 ? 16 : 24;
    std::vector<float> planar(static_cast<std::size_t>(12 * stride), 0.5f);
    const std::vector<float> edges = edgeValues(bits);
    for (int c = 0; c < 12; ++c) {
      auto n =
          test::noise(static_cast<std::size_t>(frames), 40 + static_cast<std::uint32_t>(c), 1.1f);
      std::copy(n.begin(), n.end(), &planar[static_cast<std::size_t>(c * stride)]);
      for (std::size_t k = 0; k < edges.size(); k += 12)
        planar[static_cast<std::size_t>(c * stride) + (k * 3 + c) % frames] = edges[k];
    }
    test::ScratchDir dir;
    const auto path = dir / "codes.wav";
    AudioWriter w(path, layout, 48000, fmt);
    w.write(planar, stride, frames);
    w.write(planar, stride, frames - 1);
    w.finish();
    std::vector<std::uint8_t> expected;
    std::int64_t expectedClips = 0;
    for (std::int64_t n : {frames, frames - 1}) {
      for (std::int64_t i = 0; i < n; ++i) {
        for (int c = 0; c < 12; ++c) {
          const std::int32_t code =
              referenceCode(planar[static_cast<std::size_t>(c * stride + i)], bits, expectedClips);
          const auto u = static_cast<std::uint32_t>(code);
          if (bits == 16) {
            expected.push_back(static_cast<std::uint8_t>(u));
            expected.push_back(static_cast<std::uint8_t>(u >> 8));
          } else {
            for (int b = 1; b < 4; ++b) expected.push_back(static_cast<std::uint8_t>(u >> (8 * b)));
          }
        }
      }
    }
    EXPECT_EQ(w.clippedSamples(), expectedClips) << bits << "-bit";
    EXPECT_GT(expectedClips, 0) << "the signal clips";
    EXPECT_TRUE(wavData(path) == expected) << bits << "-bit data chunk";
  }
}

struct CapturedPacket {
  std::vector<std::uint8_t> data;
  std::int64_t pts = 0, dts = 0, duration = 0;
  int flags = 0, sideData = 0;
  AVRational timeBase{0, 1};
  bool operator==(const CapturedPacket& o) const {
    return data == o.data && pts == o.pts && dts == o.dts && duration == o.duration &&
           flags == o.flags && sideData == o.sideData && timeBase.num == o.timeBase.num &&
           timeBase.den == o.timeBase.den;
  }
};

std::vector<CapturedPacket> encodeAll(OutputFormat fmt, PcmPacking packing,
                                      const std::vector<float>& planar, std::int64_t stride) {
  const Layout& layout = *findLayout("7.1.4");
  AudioEncoder encoder("test.wav", layout, 48000, fmt, false, packing);
  std::vector<CapturedPacket> packets;
  const PacketSink sink = [&](AVPacket* p) {
    packets.push_back({{p->data, p->data + p->size},
                       p->pts,
                       p->dts,
                       p->duration,
                       p->flags,
                       p->side_data_elems,
                       p->time_base});
  };
  // Uneven writes: a whole encoder frame gathered from several, several in one, then the rest.
  std::int64_t at = 0;
  for (std::int64_t n : {1000, 3500, 9000, 1}) {
    std::vector<float> piece(static_cast<std::size_t>(12 * stride));
    for (int c = 0; c < 12; ++c)
      std::copy_n(&planar[static_cast<std::size_t>(c * stride + at)], n,
                  &piece[static_cast<std::size_t>(c * stride)]);
    encoder.write(piece, stride, n, sink);
    at += n;
  }
  encoder.flush(sink);
  return packets;
}

TEST(Writer, OwnPcmPacketsAreFfmpegs) {
  const std::int64_t stride = 13501;
  std::vector<float> planar;
  for (int c = 0; c < 12; ++c) {
    auto n =
        test::noise(static_cast<std::size_t>(stride), 60 + static_cast<std::uint32_t>(c), 1.2f);
    planar.insert(planar.end(), n.begin(), n.end());
  }
  for (OutputFormat fmt : {OutputFormat::Wav16, OutputFormat::Wav24, OutputFormat::Wav32f,
                           OutputFormat::W64, OutputFormat::Caf, OutputFormat::Mka}) {
    const auto own = encodeAll(fmt, PcmPacking::Own, planar, stride);
    const auto ffmpeg = encodeAll(fmt, PcmPacking::Ffmpeg, planar, stride);
    ASSERT_EQ(own.size(), ffmpeg.size()) << outputFormatName(fmt);
    EXPECT_GE(own.size(), 4u) << outputFormatName(fmt);
    for (std::size_t k = 0; k < own.size(); ++k) {
      EXPECT_TRUE(own[k] == ffmpeg[k])
          << outputFormatName(fmt) << " packet " << k << ": size " << own[k].data.size() << "/"
          << ffmpeg[k].data.size() << " pts " << own[k].pts << "/" << ffmpeg[k].pts << " dts "
          << own[k].dts << "/" << ffmpeg[k].dts << " duration " << own[k].duration << "/"
          << ffmpeg[k].duration << " flags " << own[k].flags << "/" << ffmpeg[k].flags
          << " side data " << own[k].sideData << "/" << ffmpeg[k].sideData << " time base "
          << own[k].timeBase.num << "/" << own[k].timeBase.den << " vs " << ffmpeg[k].timeBase.num
          << "/" << ffmpeg[k].timeBase.den;
    }
  }
}

TEST(Writer, FlacHoldsUpToEightChannelsOnly) {
  test::ScratchDir dir;
  const Layout& l71 = *findLayout("7.1");
  {
    AudioWriter w(dir / "m.flac", l71, 48000, OutputFormat::Flac);
    auto planar = planarBlock(8, 10000);
    w.write(planar, 10000, 10000);
    w.finish();
    DecodedAudio d = decodeAudio(dir / "m.flac", 48000);
    ASSERT_EQ(d.channels.size(), 8u);
    EXPECT_EQ(d.numFrames(), 10000);
    EXPECT_LE(test::maxAbsDiff(d.channels[5], {&planar[5 * 10000], 10000}),
              0.5 / 8388608.0 + 1e-12);
  }
  EXPECT_THAT(
      [&] { AudioWriter w(dir / "x.flac", *findLayout("7.1.4"), 48000, OutputFormat::Flac); },
      ::testing::ThrowsMessage<InputError>(HasSubstr("FLAC holds at most 8 channels")));
  EXPECT_FALSE(std::filesystem::exists(dir / "x.flac"));
}

TEST(Writer, NothingAppearsUntilFinishAndAbandonedFilesAreRemoved) {
  test::ScratchDir dir;
  const auto path = dir / "mix.wav";
  {
    AudioWriter w(path, *findLayout("5.1"), 48000, OutputFormat::Wav24);
    auto planar = planarBlock(6, 100);
    w.write(planar, 100, 100);
    EXPECT_FALSE(std::filesystem::exists(path));
  }  // destroyed without finish(): a failed render
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "temporary file left behind";
}

TEST(Writer, ClipsAndCountsOverloadsInIntegerFormats) {
  test::ScratchDir dir;
  AudioWriter w(dir / "c.wav", *findLayout("2.0"), 48000, OutputFormat::Wav24);
  std::vector<float> planar = {2.0f, -3.0f, 0.5f, 0.0f};  // L: 2, -3; R: 0.5, 0
  w.write(planar, 2, 2);
  w.finish();
  EXPECT_EQ(w.clippedSamples(), 2);
  DecodedAudio d = decodeAudio(dir / "c.wav", 48000);
  EXPECT_NEAR(d.channels[0][0], 1.0, 1e-6);
  EXPECT_NEAR(d.channels[0][1], -1.0, 1e-6);
}

TEST(Writer, UnwritableFolderIsAnError) {
  EXPECT_THROW(
      AudioWriter("/proc/vkmix-cannot-write/x.wav", *findLayout("2.0"), 48000, OutputFormat::Wav24),
      std::runtime_error);
}

}  // namespace
}  // namespace vkmix::io

namespace vkmix::io {
namespace {

// Every format writes a 5.1 file that FFmpeg reads back with 6 channels in vkmix's (WAV mask)
// order: each channel carries its own tone (300 Hz x (c + 1)), and after decoding each channel's
// strongest tone is its own, also through the lossy codecs' own channel orders (AAC: C L R Ls Rs
// LFE; E-AC-3: L C R Ls Rs LFE). Lossless formats round-trip within 24-bit quantisation. The
// layout reads back as 5.1 except where the container has none (mka) or names the same surround
// pair "side" (caf, eac3: their 5.1 has one surround pair).
TEST(Writer, EveryFormatKeepsTheChannelOrder) {
  test::ScratchDir dir;
  const Layout& layout = *findLayout("5.1");
  const int rate = 48000;
  const std::int64_t frames = 24000;
  std::vector<float> planar(static_cast<std::size_t>(6 * frames));
  for (int c = 0; c < 6; ++c) {
    const double f = c == 3 ? 60.0 : 300.0 * (c + 1);  // the LFE gets a low tone
    for (std::int64_t i = 0; i < frames; ++i)
      planar[static_cast<std::size_t>(c * frames + i)] = static_cast<float>(
          0.25 * std::sin(2.0 * 3.141592653589793 * f * static_cast<double>(i) / rate));
  }
  for (const FormatInfo& info : outputFormats()) {
    const auto path = dir / ("five." + std::string(info.name) + std::string(info.extension));
    {
      AudioWriter w(path, layout, rate, info.format);
      w.write(planar, frames, frames);
      w.finish();
    }
    DecodedAudio back = decodeAudio(path, rate);
    ASSERT_EQ(back.channels.size(), 6u) << info.name;
    if (info.format != OutputFormat::Mka) {
      EXPECT_TRUE(back.channelMask == layout.wavChannelMask() || back.channelMask == 0x60f)
          << info.name << " mask " << back.channelMask;  // 0x60f: 5.1(side)
    }
    for (int c = 0; c < 6; ++c) {
      const auto& x = back.channels[static_cast<std::size_t>(c)];
      ASSERT_GE(static_cast<std::int64_t>(x.size()), frames - 2048) << info.name;
      // Correlate against every channel's tone over the middle; its own must win.
      int best = -1;
      double bestCorr = 0.0;
      for (int k = 0; k < 6; ++k) {
        double corr = 0.0;
        for (int lag = 0; lag <= 2048; ++lag) {  // lossy codecs add a delay (priming)
          double cc = 0.0;
          for (std::int64_t i = 4096; i < frames - 4096; i += 3) {
            const auto j = static_cast<std::size_t>(i + lag);
            if (j >= x.size()) break;
            cc += x[j] * planar[static_cast<std::size_t>(k * frames + i)];
          }
          corr = std::max(corr, std::abs(cc));
          if (!info.lossy) break;  // lossless: no delay
        }
        if (corr > bestCorr) {
          bestCorr = corr;
          best = k;
        }
      }
      EXPECT_EQ(best, c) << info.name << " channel " << c;
      if (!info.lossy && info.format != OutputFormat::Wav16) {
        EXPECT_LE(test::maxAbsDiff(
                      std::span<const float>(x).first(static_cast<std::size_t>(frames)),
                      std::span<const float>(planar).subspan(static_cast<std::size_t>(c * frames),
                                                             static_cast<std::size_t>(frames))),
                  1.0 / 8388608.0)
            << info.name;
      }
    }
  }
}

TEST(Writer, LossyFormatsStopAtFivePointOne) {
  test::ScratchDir dir;
  for (OutputFormat f : {OutputFormat::Aac, OutputFormat::Eac3}) {
    EXPECT_THAT([&] { AudioWriter w(dir / "x.out", *findLayout("7.1.4"), 48000, f); },
                ::testing::ThrowsMessage<InputError>(HasSubstr("holds at most 6 channels")));
  }
  EXPECT_EQ(defaultFormatFor("a.eac3"), OutputFormat::Eac3);
  EXPECT_EQ(defaultFormatFor("a.m4a"), OutputFormat::Aac);
  EXPECT_EQ(defaultFormatFor("a.w64"), OutputFormat::W64);
  EXPECT_EQ(defaultFormatFor("a.WAV"), OutputFormat::Wav24);
}

}  // namespace
}  // namespace vkmix::io
