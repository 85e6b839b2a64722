// BW64 chunks (src/wave): the writer's files read back (by the reader and by FFmpeg elsewhere),
// ds64 sizes past 4 GiB, and malformed chunks named in the error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "support/test_media.hpp"
#include "vkmix/error.hpp"
#include "wave/bw64.hpp"

namespace vkmix::wave {
namespace {

using ::testing::HasSubstr;

std::vector<std::uint8_t> readAll(const std::filesystem::path& p) {
  std::FILE* f = std::fopen(p.c_str(), "rb");
  std::vector<std::uint8_t> b(std::filesystem::file_size(p));
  EXPECT_EQ(std::fread(b.data(), 1, b.size(), f), b.size());
  std::fclose(f);
  return b;
}

Bw64Info parseBytes(const std::vector<std::uint8_t>& b, std::uint64_t claimedSize = 0) {
  ByteReader read = [&b](std::uint64_t offset, std::span<std::uint8_t> dst) -> std::size_t {
    if (offset >= b.size()) return 0;
    const std::size_t n = std::min<std::size_t>(dst.size(), b.size() - offset);
    std::memcpy(dst.data(), b.data() + offset, n);
    return n;
  };
  return parseBw64(read, claimedSize ? claimedSize : b.size(), "m.wav");
}

std::string errorOf(const std::vector<std::uint8_t>& b) {
  try {
    parseBytes(b);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Bw64, WriterOutputReadsBack) {
  test::ScratchDir dir;
  const std::vector<ChnaEntry> chna = {{1, "ATU_00000001", "AT_00031001_01", "AP_00031001"},
                                       {2, "ATU_00000002", "AT_00010001_01", "AP_00010002"}};
  {
    Bw64Writer w(dir / "a.wav", 2, 48000, Bw64Sample::Int24, chna);
    w.write(std::vector<float>{0.5f, -0.25f, 1.5f, -2.0f, 0.0f, 1.0f / 8388608.0f});
    w.finish("<axml/>");  // odd length: padded
  }
  const Bw64Info info = readBw64(dir / "a.wav");
  EXPECT_EQ(info.container, "RIFF");
  EXPECT_EQ(info.numChannels, 2);
  EXPECT_EQ(info.sampleRate, 48000);
  EXPECT_EQ(info.bitsPerSample, 24);
  EXPECT_FALSE(info.isFloat);
  EXPECT_EQ(info.numFrames, 3u);
  EXPECT_TRUE(info.hasAxml);
  EXPECT_EQ(info.axml, "<axml/>");
  ASSERT_EQ(info.chna.size(), 2u);
  EXPECT_EQ(info.chna[1].trackIndex, 2);
  EXPECT_EQ(info.chna[1].uid, "ATU_00000002");
  EXPECT_EQ(info.chna[1].trackFormatRef, "AT_00010001_01");
  EXPECT_EQ(info.chna[1].packFormatRef, "AP_00010002");
  // 24-bit samples: rounded, clipped at full scale.
  const auto bytes = readAll(dir / "a.wav");
  auto sample = [&](int i) {
    const std::uint8_t* p = bytes.data() + info.dataOffset + 3 * i;
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(p[0] | (p[1] << 8) | (p[2] << 16))
                                     << 8) >>
           8;
  };
  EXPECT_EQ(sample(0), 4194304);
  EXPECT_EQ(sample(1), -2097152);
  EXPECT_EQ(sample(2), 8388607);
  EXPECT_EQ(sample(3), -8388608);
  EXPECT_EQ(sample(5), 1);

  // Read for its audio alone, the file has the same audio fields, and its metadata chunks are
  // noted but not read (a decoder opens every clip of a master this way).
  const Bw64Info audio = readBw64(dir / "a.wav", Bw64Read::AudioOnly);
  EXPECT_EQ(audio.numChannels, 2);
  EXPECT_EQ(audio.numFrames, 3u);
  EXPECT_EQ(audio.dataOffset, info.dataOffset);
  EXPECT_EQ(audio.blockAlign, info.blockAlign);
  EXPECT_TRUE(audio.hasAxml);
  EXPECT_TRUE(audio.hasChna);
  EXPECT_TRUE(audio.axml.empty());
  EXPECT_TRUE(audio.chna.empty());
}

TEST(Bw64, Ds64CarriesSizesPastFourGigabytes) {
  test::ScratchDir dir;
  {
    Bw64Writer w(dir / "f.wav", 1, 48000, Bw64Sample::Float32, {});
    w.write(std::vector<float>(10, 0.25f));
    w.finish("<x/>");
  }
  auto b = readAll(dir / "f.wav");
  const Bw64Info small = parseBytes(b);
  // Turn it into what the writer makes past 4 GiB: BW64 header, ds64 with 64-bit sizes, and a
  // data chunk of 6 GiB whose 32-bit size is 0xFFFFFFFF. The reader takes the ds64 size and
  // caps it at what the (claimed) file holds.
  const std::uint64_t dataBytes = 6ull << 30;
  std::memcpy(b.data(), "BW64", 4);
  std::memset(b.data() + 4, 0xFF, 4);
  std::memcpy(b.data() + 12, "ds64", 4);
  for (int i = 0; i < 8; ++i) b[20 + 8 + i] = static_cast<std::uint8_t>(dataBytes >> (8 * i));
  std::memset(b.data() + small.dataOffset - 4, 0xFF, 4);
  const Bw64Info big = parseBytes(b, small.dataOffset + dataBytes);
  EXPECT_EQ(big.container, "BW64");
  EXPECT_EQ(big.dataBytes, dataBytes);
  EXPECT_EQ(big.numFrames, dataBytes / 4);
  // Without the ds64 the same header is an error naming it.
  std::memcpy(b.data() + 12, "JUNK", 4);
  EXPECT_THAT(errorOf(b), HasSubstr("ds64: missing before the data chunk"));
}

TEST(Bw64, MalformedChunksAreNamed) {
  test::ScratchDir dir;
  {
    Bw64Writer w(dir / "g.wav", 1, 48000, Bw64Sample::Float32,
                 {{1, "ATU_00000001", "AT_1", "AP_1"}});
    w.write(std::vector<float>(4, 0.0f));
    w.finish("<x/>");
  }
  const auto good = readAll(dir / "g.wav");
  EXPECT_THAT(errorOf({good.begin(), good.begin() + 6}), HasSubstr("header: truncated"));
  auto notWave = good;
  std::memcpy(notWave.data() + 8, "AVI ", 4);
  EXPECT_THAT(errorOf(notWave), HasSubstr("not a WAVE file"));
  auto badFmt = good;
  badFmt[12 + 36 + 8] = 2;  // the fmt tag (after the header and JUNK): ADPCM
  EXPECT_THAT(errorOf(badFmt), HasSubstr("fmt: format tag 2"));
  auto badChna = good;
  const std::size_t chna = 12 + 8 + 28 + 8 + 16;  // RIFF header, JUNK, fmt
  ASSERT_EQ(std::memcmp(badChna.data() + chna, "chna", 4), 0);
  badChna[chna + 8 + 2] = 200;  // 200 entries claimed in a chunk holding one
  EXPECT_THAT(errorOf(badChna), HasSubstr("chna: says 200 entries"));
  auto badId = good;
  std::memcpy(badId.data() + chna, "\x01\x02\x03\x04", 4);
  EXPECT_THAT(errorOf(badId), HasSubstr("invalid chunk id"));
  // A data chunk cut short is a truncated recording: the frames that exist.
  const Bw64Info info = parseBytes({good.begin(), good.end() - 14});
  EXPECT_LT(info.numFrames, 4u);
}

}  // namespace
}  // namespace vkmix::wave
