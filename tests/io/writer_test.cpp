// Writing: WAVE_FORMAT_EXTENSIBLE headers with the right mask, bit depth and sub-format for every
// mask-expressible layout; sample values round-trip; FLAC refuses > 8 channels; nothing appears at
// the output path until finish().
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

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
