// ClipSource: a mono PCM clip read block by block streams straight from the file into the
// caller's rows; that path must give exactly the samples of the buffered path (the same source
// after a decode-ahead), from an offset, across the end of the media (zeros after), serve a
// second read of the same frames (a reverb send reads what its dry voice read) or of frames
// overlapping them, and still name a NaN with its time.
#include "engine/clip_source.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/decoded_file.hpp"
#include "engine/frame_counter.hpp"
#include "engine/voice_plan.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {
namespace {

namespace fs = std::filesystem;

// Reads [0, total) of channel 0 in blocks of `block` frames; with `ahead`, each block is first
// decoded ahead (what a decode-ahead worker does), so every read is served from the buffer.
std::vector<float> readAll(ClipSource& s, std::int64_t total, std::int64_t block, bool ahead) {
  std::vector<float> out(static_cast<std::size_t>(total), -7.0f);
  for (std::int64_t at = 0; at < total; at += block) {
    const std::int64_t n = std::min(block, total - at);
    if (ahead) s.decodeAhead(at + n);
    s.read(0, at, n, out.data() + at);
    std::vector<float> again(static_cast<std::size_t>(n), -7.0f);
    s.read(0, at, n, again.data());
    EXPECT_TRUE(std::equal(again.begin(), again.end(), out.begin() + at)) << "reread at " << at;
  }
  return out;
}

TEST(ClipSource, DirectReadsGiveTheBufferedSamples) {
  test::ScratchDir dir;
  const int rate = 48000;
  const std::vector<float> x = test::noise(20000, 5);
  test::writeFloatWav(dir / "m.wav", {x}, rate);
  for (const std::int64_t offset : {0, 1234}) {
    for (const std::int64_t block : {1, 777, 4096, 30000}) {
      SCOPED_TRACE("offset " + std::to_string(offset) + ", block " + std::to_string(block));
      ClipSource direct(dir / "m.wav", rate, {0}, offset, 20000 - offset),
          buffered(dir / "m.wav", rate, {0}, offset, 20000 - offset);
      // Past the media's end: the last frames are zeros on both paths.
      const std::int64_t total = 20000 - offset + 500;
      const std::vector<float> a = readAll(direct, total, block, false);
      const std::vector<float> b = readAll(buffered, total, block, true);
      ASSERT_EQ(a, b);
      // The file's own samples (float WAV: exact), whatever the reads' and the reader's windows'
      // alignment, then zeros.
      const auto played = static_cast<std::size_t>(20000 - offset);
      EXPECT_TRUE(std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(played),
                             x.begin() + offset));
      EXPECT_TRUE(std::all_of(a.begin() + static_cast<std::ptrdiff_t>(played), a.end(),
                              [](float v) { return v == 0.0f; }));
    }
  }
}

// Reads that overlap the one before (half a block back, past its end) get the file's frames:
// the part already read is read from the file again, the rest continues from there.
TEST(ClipSource, OverlappingDirectReadsGiveTheFilesFrames) {
  test::ScratchDir dir;
  const std::vector<float> x = test::noise(20000, 7);
  test::writeFloatWav(dir / "m.wav", {x}, 48000);
  for (const std::int64_t block : {777, 4096}) {
    ClipSource s(dir / "m.wav", 48000, {0}, 0, 20000);
    auto expect = [&](std::int64_t at, std::int64_t n) {
      std::vector<float> got(static_cast<std::size_t>(n), -7.0f);
      s.read(0, at, n, got.data());
      for (std::int64_t i = 0; i < n; ++i) {
        const float want = at + i < 20000 ? x[static_cast<std::size_t>(at + i)] : 0.0f;
        ASSERT_EQ(got[static_cast<std::size_t>(i)], want)
            << "block " << block << ", frame " << at + i;
      }
    };
    for (std::int64_t at = 0; at < 21000; at += block) {
      expect(at, block);
      expect(at + block / 2, block);
    }
  }
}

// readScaled gives read()'s samples times the gain, rounded as that multiply rounds them, on the
// direct path (24-bit, scaled as converted), the repeat read and the buffered path.
TEST(ClipSource, ScaledReadsAreReadsTimesTheGain) {
  test::ScratchDir dir;
  const std::vector<float> x = test::noise(10000, 8, 0.5f);
  test::writeFloatWav(dir / "f.wav", {x}, 48000);
  ASSERT_EQ(test::runCommand("ffmpeg -nostdin -loglevel error -y -i '" + (dir / "f.wav").string() +
                             "' -c:a pcm_s24le '" + (dir / "m.wav").string() + "'"),
            0);
  const float gain = 0.7071f;
  for (const bool ahead : {false, true}) {
    ClipSource plain(dir / "m.wav", 48000, {0}, 0, 10000),
        scaled(dir / "m.wav", 48000, {0}, 0, 10000);
    for (std::int64_t at = 0; at < 10500; at += 4096) {
      const std::int64_t n = 4096;
      if (ahead) {
        plain.decodeAhead(at + n);
        scaled.decodeAhead(at + n);
      }
      std::vector<float> want(n), got(n, -7.0f), again(n, -7.0f);
      plain.read(0, at, n, want.data());
      for (float& v : want) v *= gain;
      scaled.readScaled(0, at, n, got.data(), gain);
      scaled.readScaled(0, at, n, again.data(), gain);
      ASSERT_EQ(got, want) << (ahead ? "buffered" : "direct") << " at " << at;
      ASSERT_EQ(again, want) << (ahead ? "buffered" : "direct") << " reread at " << at;
    }
  }
}

TEST(ClipSource, DirectReadsNameANan) {
  test::ScratchDir dir;
  std::vector<float> x = test::noise(48000, 6);
  x[24000] = std::nanf("");
  test::writeFloatWav(dir / "nan.wav", {x}, 48000);
  ClipSource s(dir / "nan.wav", 48000, {0}, 0, 48000);
  EXPECT_THAT([&] { readAll(s, 48000, 4096, false); },
              ::testing::ThrowsMessage<InputError>(
                  ::testing::HasSubstr("NaN or infinite samples near 0.5")));
}

// Media that end before the frames the planner counted changed during the render (a file cut or
// replaced while it plays): an I/O error naming the file, not silence in the mix. PCM read
// straight from the file, PCM buffered ahead, and a compressed file through FFmpeg alike.
TEST(ClipSource, MediaEndingBeforeThePlannedFramesIsAnError) {
  test::ScratchDir dir;
  test::writeFloatWav(dir / "m.wav", {test::noise(20000, 9)}, 48000);
  ASSERT_EQ(test::runCommand("ffmpeg -nostdin -loglevel error -y -i '" + (dir / "m.wav").string() +
                             "' -c:a flac '" + (dir / "m.flac").string() + "'"),
            0);
  for (const char* name : {"m.wav", "m.flac"}) {
    for (const bool ahead : {false, true}) {
      // As if the planner had found 30000 frames: the file now holds 20000.
      ClipSource s(dir / name, 48000, {0}, 0, 30000);
      EXPECT_THAT([&] { readAll(s, 30000, 4096, ahead); },
                  ::testing::ThrowsMessage<IoError>(::testing::HasSubstr(
                      std::string(name) + ": the media ended 20000 frames into the clip, which "
                                          "plays 30000: the file changed during the render")))
          << name << (ahead ? " buffered" : " direct");
      ClipSource whole(dir / name, 48000, {0}, 0, 20000);
      EXPECT_NO_THROW(readAll(whole, 21000, 4096, ahead)) << name;
    }
  }
}

// The planner counts a clip's frames after its offset. A compressed or resampled file is decoded
// once, whatever number of clips play it from whatever offsets, and each count is what a decoder
// opened at that offset gives.
TEST(FrameCounter, DecodesACompressedFileOnceForAllItsClips) {
  test::ScratchDir dir;
  const int rate = 48000;
  test::writeFloatWav(dir / "src.wav", {test::noise(3 * rate + 123, 6, 0.3f)}, rate);
  const std::string cd = "cd " + dir.path().string() + " && ffmpeg -nostdin -loglevel error -y ";
  ASSERT_EQ(test::runCommand(cd + "-i src.wav -c:a aac -b:a 128k a.m4a"), 0);
  ASSERT_EQ(test::runCommand(cd + "-i src.wav -ar 44100 -c:a flac r.flac"), 0);
  FrameCounter counter(rate);
  for (const char* name : {"a.m4a", "r.flac"}) {
    for (const std::int64_t offset : {0, 4800, 96000, 3 * rate + 5000}) {
      io::StreamDecoder decoder(dir / name, rate, {0}, offset);
      std::vector<std::vector<float>> scratch(1);
      std::int64_t expected = 0;
      for (std::int64_t got; (got = decoder.decode(scratch, 1 << 16)) > 0; scratch[0].clear())
        expected += got;
      EXPECT_EQ(counter.framesAfter(dir / name, offset), expected) << name << " from " << offset;
    }
  }
  EXPECT_EQ(counter.decodedFiles(), 2);
  // PCM at the session rate: its header's count, no decode.
  EXPECT_EQ(counter.framesAfter(dir / "src.wav", 1000), 3 * rate + 123 - 1000);
  EXPECT_EQ(counter.decodedFiles(), 2);
}

// Compressed files that several clips play are decoded once for all of them: each clip's reads
// (any offset, any of its channels, scaled or not, in blocks) are the bits its own ClipSource
// reads, for a lossless file at the session rate (which a ClipSource seeks), a resampled one and
// a lossy one (which it decodes from the start). A file one clip plays, a PCM file and a file
// larger than the budget stream as before; media shorter than planned is still an I/O error.
TEST(ClipSourcePool, ClipsOfOneCompressedFileReadOneDecodedCopy) {
  test::ScratchDir dir;
  const int rate = 48000;
  std::vector<std::vector<float>> src;
  for (unsigned c = 0; c < 3; ++c) src.push_back(test::noise(3 * rate + 321, 40 + c, 0.4f));
  test::writeFloatWav(dir / "src.wav", src, rate);
  const std::string cd = "cd " + dir.path().string() + " && ffmpeg -nostdin -loglevel error -y ";
  ASSERT_EQ(test::runCommand(cd + "-i src.wav -c:a flac f.flac"), 0);
  ASSERT_EQ(test::runCommand(cd + "-i src.wav -ar 44100 -c:a flac r.flac"), 0);
  ASSERT_EQ(test::runCommand(cd + "-i src.wav -c:a aac -b:a 192k a.m4a"), 0);
  ASSERT_EQ(test::runCommand(cd + "-i src.wav -c:a flac once.flac"), 0);
  ASSERT_EQ(test::runCommand(cd + "-i src.wav -c:a flac big.flac"), 0);

  FrameCounter counter(rate);
  std::vector<PlannedClip> clips;
  auto add = [&](const char* name, std::vector<int> channels, std::int64_t offset) {
    const fs::path file = dir / name;
    const std::int64_t after = counter.framesAfter(file, offset);
    PlannedClip c{file, std::move(channels), offset, 0, after, -1, after};
    c.compressed = !counter.info(file).codec.starts_with("pcm_");
    c.fileChannels = counter.info(file).numChannels;
    c.fileFrames = counter.framesAfter(file, 0);
    clips.push_back(c);
  };
  for (const char* name : {"f.flac", "r.flac", "a.m4a", "src.wav", "big.flac"}) {
    add(name, {1}, 0);
    add(name, {0, 2}, 4800);
    add(name, {}, rate + 777);  // past a second: a ClipSource of the lossless file seeks
  }
  add("once.flac", {2}, 100);
  // As if big.flac held more than one file may take of the budget.
  for (PlannedClip& c : clips)
    if (c.file.filename() == "big.flac") c.fileFrames = ClipSourcePool::kDecodedFileBytes;
  ClipSourcePool pool(clips, rate);
  for (std::size_t i = 0; i < clips.size(); ++i) {
    const PlannedClip& c = clips[i];
    const std::string name = c.file.filename().string();
    const bool decoded = name == "f.flac" || name == "r.flac" || name == "a.m4a";
    EXPECT_EQ(pool.readsDecoded(static_cast<int>(i)), decoded) << name;
    std::unique_ptr<SampleSource> source = pool.open(static_cast<int>(i));
    const int channels = c.channels.empty() ? 3 : static_cast<int>(c.channels.size());
    ClipSource own(c.file, rate, c.channels, c.offsetFrames, c.mediaFrames);
    // Reads go forward: every channel of a block, then the next block.
    for (std::int64_t at = 0; at < c.mediaFrames + 500; at += 4096) {
      const float gain = at % 8192 == 0 ? 1.0f : 0.7f;
      source->decodeAhead(at + 4096);
      for (int ch = 0; ch < channels; ++ch) {
        std::vector<float> a(4096, -7.0f), b(4096, -5.0f);
        source->readScaled(ch, at, 4096, a.data(), gain);
        own.readScaled(ch, at, 4096, b.data(), gain);
        ASSERT_TRUE(a == b) << name << " from " << c.offsetFrames << ", channel " << ch
                            << ", frame " << at;
      }
    }
  }

  std::vector<PlannedClip> changed(2, clips.front());
  changed[1].mediaFrames += 1000;  // the file now holds fewer frames than planned
  ClipSourcePool short_(changed, rate);
  std::vector<float> row(4096);
  EXPECT_NO_THROW(short_.open(0)->read(0, 0, 4096, row.data()));
  EXPECT_THAT([&] { short_.open(1)->read(0, 0, 4096, row.data()); },
              ::testing::ThrowsMessage<IoError>(::testing::HasSubstr(
                  "f.flac: the media ended " + std::to_string(changed[0].mediaFrames) +
                  " frames into the clip")));
}

}  // namespace
}  // namespace vkmix::engine
