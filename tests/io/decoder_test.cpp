// Decoding through FFmpeg: every container the session format promises, made by the ffmpeg CLI
// (an outside encoder) or the test's own RIFF writer; resampling to the session rate; errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "io/decoder.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "vkmix/error.hpp"

namespace vkmix::io {
namespace {

using ::testing::HasSubstr;

struct Container {
  const char* name;
  const char* file;
  const char* ffmpegArgs;  // encoder options after the inputs
  double lengthTolerance;  // seconds: lossy codecs add priming/padding
};

class DecodeContainers : public ::testing::TestWithParam<Container> {};

TEST_P(DecodeContainers, Decodes440HzAt48kHzFromA44kSource) {
  const Container& c = GetParam();
  test::ScratchDir dir;
  const auto path = dir / c.file;
  // 2 s of 440 Hz at 44.1 kHz in the left channel, 880 Hz in the right; optional video stream.
  std::string cmd =
      "ffmpeg -nostdin -loglevel error -y -f lavfi -i "
      "sine=frequency=440:sample_rate=44100:duration=2 "
      "-f lavfi -i sine=frequency=880:sample_rate=44100:duration=2 ";
  if (std::string(c.name).find("Video") != std::string::npos) {
    cmd += "-f lavfi -i testsrc=size=64x48:rate=10:duration=2 -map 2:v ";
  }
  cmd += "-filter_complex '[0:a][1:a]amerge=inputs=2[a]' -map '[a]' " + std::string(c.ffmpegArgs) +
         " " + path.string();
  std::string log;
  ASSERT_EQ(test::runCommand(cmd, &log), 0) << log;

  MediaInfo info = probeAudio(path);
  EXPECT_EQ(info.numChannels, 2);
  EXPECT_EQ(info.sampleRate, 44100);

  DecodedAudio right = decodeAudio(path, 48000, 0, std::nullopt, {1});
  ASSERT_EQ(right.channels.size(), 1u);
  EXPECT_NEAR(static_cast<double>(right.numFrames()) / 48000.0, 2.0, c.lengthTolerance) << c.name;
  // Measure away from the ends (codec edges): right channel is 880 Hz, left 440 Hz.
  std::span<const float> mid(right.channels[0].data() + 12000, 48000);
  EXPECT_NEAR(test::zeroCrossingFrequency(mid, 48000), 880.0, 3.0) << c.name;
  DecodedAudio both = decodeAudio(path, 48000);
  ASSERT_EQ(both.channels.size(), 2u);
  EXPECT_NEAR(test::zeroCrossingFrequency({both.channels[0].data() + 12000, 48000}, 48000), 440.0,
              3.0);
  // sine= is 1/8 full scale: rms 0.088.
  EXPECT_NEAR(test::rms(mid), 0.125 / std::sqrt(2.0), 0.01) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Formats, DecodeContainers,
    ::testing::Values(
        Container{"Wav16", "a.wav", "-c:a pcm_s16le", 0.001},
        Container{"Wav24", "a.wav", "-c:a pcm_s24le", 0.001},
        Container{"Flac", "a.flac", "-c:a flac", 0.001},
        Container{"Mp3", "a.mp3", "-c:a libmp3lame -b:a 192k", 0.06},
        Container{"AacInMp4WithVideo", "a.mp4", "-c:v libx264 -c:a aac -b:a 192k", 0.06},
        Container{"PcmInMovWithVideo", "a.mov", "-c:v libx264 -c:a pcm_s24le", 0.001},
        Container{"PcmInMkvWithVideo", "a.mkv", "-c:v libx264 -c:a pcm_s16le", 0.001}),
    [](const ::testing::TestParamInfo<Container>& p) { return std::string(p.param.name); });

TEST(Decoder, OffsetAndLengthCutTheResampledSignal) {
  test::ScratchDir dir;
  std::vector<float> ramp(48000);
  for (std::size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<float>(i) / 65536.0f;
  test::writeFloatWav(dir / "ramp.wav", {ramp}, 48000);
  DecodedAudio d = decodeAudio(dir / "ramp.wav", 48000, 1000, 500);
  ASSERT_EQ(d.numFrames(), 500);
  EXPECT_FLOAT_EQ(d.channels[0][0], ramp[1000]);
  EXPECT_FLOAT_EQ(d.channels[0][499], ramp[1499]);
}

TEST(Decoder, SameRateIsBitExact) {
  test::ScratchDir dir;
  auto n = test::noise(10000, 7);
  test::writeFloatWav(dir / "n.wav", {n}, 48000);
  DecodedAudio d = decodeAudio(dir / "n.wav", 48000);
  ASSERT_EQ(d.numFrames(), 10000);
  EXPECT_EQ(test::maxAbsDiff(d.channels[0], n), 0.0);
}

TEST(Decoder, ErrorsNameTheFile) {
  test::ScratchDir dir;
  EXPECT_THAT([&] { decodeAudio(dir / "missing.wav", 48000); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("missing.wav: no such file")));
  test::writeText(dir / "junk.wav", "this is not audio at all, just text pretending");
  EXPECT_THAT([&] { decodeAudio(dir / "junk.wav", 48000); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("junk.wav: ")));
  test::writeFloatWav(dir / "mono.wav", {test::noise(100, 1)}, 48000);
  EXPECT_THAT([&] { decodeAudio(dir / "mono.wav", 48000, 0, std::nullopt, {3}); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("channel 3 does not exist")));
  auto bad = test::noise(100, 2);
  bad[50] = std::nanf("");
  test::writeFloatWav(dir / "nan.wav", {bad}, 48000);
  EXPECT_THAT([&] { decodeAudio(dir / "nan.wav", 48000); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("nan.wav: contains NaN")));
}

// Media the fuzzer (tests/fuzz/media_fuzzer) once crashed or exhausted memory on: each must now
// decode or be a one-line InputError/IoError, promptly.
TEST(Decoder, FuzzFindingsAreErrorsNotCrashes) {
  const auto dir = std::filesystem::path(VKMIX_SOURCE_DIR) / "tests/fuzz/regressions/media";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    try {
      probeAudio(entry.path());
      (void)decodeAudio(entry.path(), 48000, 0, 48000);
    } catch (const InputError& e) {
      EXPECT_THAT(e.what(), HasSubstr(entry.path().filename().string()));
    } catch (const IoError&) {
    }
    ++count;
  }
  EXPECT_GE(count, 1);
  EXPECT_THAT(
      [&] { probeAudio(dir / "w64-gigahertz-rate.w64"); },
      ::testing::ThrowsMessage<InputError>(HasSubstr("claims a sample rate of 1751347072")));
}

// PCM and lossless codecs at the session rate seek to a clip's offset instead of decoding from
// the start: the frames must be exactly those a decode from the start gives, at any offset
// (packet-aligned or not), in float, 16- and 24-bit WAV, Wave64, FLAC, ALAC and WavPack; an MP3
// (decoded from the start and dropped) agrees with its own whole decode too.
TEST(Decoder, SeekingToAnOffsetGivesTheSameFramesAsDecodingFromTheStart) {
  test::ScratchDir dir;
  const int rate = 48000;
  std::vector<float> ramp(10 * rate);
  for (std::size_t i = 0; i < ramp.size(); ++i)
    ramp[i] = static_cast<float>(static_cast<double>(i % 20011) / 20011.0 - 0.5);
  test::writeFloatWav(dir / "f32.wav", {ramp, ramp}, rate);
  for (const char* conversion :
       {"-c:a pcm_s16le x16.wav", "-c:a pcm_s24le x24.w64", "-c:a flac x.flac", "-c:a alac x.m4a",
        "-c:a wavpack x.wv", "-c:a libmp3lame x.mp3"}) {
    ASSERT_EQ(test::runCommand("cd " + dir.path().string() +
                               " && ffmpeg -nostdin -loglevel error -y -i f32.wav " + conversion),
              0);
  }
  for (const char* name : {"f32.wav", "x16.wav", "x24.w64", "x.flac", "x.m4a", "x.wv", "x.mp3"}) {
    const DecodedAudio whole = decodeAudio(dir / name, rate);
    for (std::int64_t offset :
         {std::int64_t{48000}, std::int64_t{7 * 48000 + 123}, std::int64_t{9 * 48000 + 47999}}) {
      const DecodedAudio part = decodeAudio(dir / name, rate, offset, 4096, {1});
      ASSERT_EQ(part.numFrames(), std::min<std::int64_t>(4096, 10 * 48000 - offset)) << name;
      for (std::int64_t i = 0; i < part.numFrames(); ++i) {
        ASSERT_EQ(part.channels[0][static_cast<std::size_t>(i)],
                  whole.channels[1][static_cast<std::size_t>(offset + i)])
            << name << " offset " << offset << " frame " << i;
      }
    }
  }
}

// A clip from an offset into lossy media gets the frames a whole decode has there, bit for bit,
// for each codec a film's media comes in (encoded by the ffmpeg CLI, an outside encoder). Seeking
// a pre-roll before the offset was tried and is why lossy media decode from the start: AAC's
// noise substitution (and AC-3's dither) draw from a generator whose state is the whole decode's
// history, so after a seek the noise bands were other noise (the sine channel matched exactly).
TEST(Decoder, LossyCodecsFromAnOffsetGiveTheFramesOfAWholeDecode) {
  test::ScratchDir dir;
  const int rate = 48000;
  const std::vector<float> left = test::noise(12 * rate, 21, 0.25f);
  std::vector<float> right(left.size());
  for (std::size_t i = 0; i < right.size(); ++i)
    right[i] = 0.4f * static_cast<float>(std::sin(0.0123 * static_cast<double>(i)));
  test::writeFloatWav(dir / "f32.wav", {left, right}, rate);
  const std::vector<std::pair<const char*, const char*>> files = {
      {"-c:a aac -b:a 192k", "aac.m4a"},    {"-c:a libmp3lame -b:a 256k", "x.mp3"},
      {"-c:a libopus -b:a 128k", "x.opus"}, {"-c:a libvorbis -q:a 5", "x.ogg"},
      {"-c:a ac3 -b:a 384k", "x.ac3"},      {"-c:a eac3 -b:a 384k", "x.eac3"}};
  for (const auto& [args, name] : files) {
    ASSERT_EQ(
        test::runCommand("cd " + dir.path().string() +
                         " && ffmpeg -nostdin -loglevel error -y -i f32.wav " + args + " " + name),
        0)
        << name;
    const DecodedAudio whole = decodeAudio(dir / name, rate);
    ASSERT_GT(whole.numFrames(), 11 * rate) << name;
    for (const std::int64_t offset :
         {std::int64_t{2 * rate}, std::int64_t{5 * rate + 777}, std::int64_t{11 * rate + 1001}}) {
      const DecodedAudio part = decodeAudio(dir / name, rate, offset, 8192);
      ASSERT_EQ(part.numFrames(), std::min<std::int64_t>(8192, whole.numFrames() - offset))
          << name << " offset " << offset;
      for (std::size_t c = 0; c < 2; ++c) {
        for (std::int64_t i = 0; i < part.numFrames(); ++i) {
          ASSERT_EQ(part.channels[c][static_cast<std::size_t>(i)],
                    whole.channels[c][static_cast<std::size_t>(offset + i)])
              << name << " offset " << offset << " channel " << c << " frame " << i;
        }
      }
    }
  }
}

// Plain PCM WAVE is read straight from its data chunk (io/pcm_wave), everything else through
// FFmpeg. The same samples in a NUT file (FFmpeg's demuxer and PCM decoder, then libswresample)
// are the oracle: every sample format, RF64, and a 5.1 WAVE_FORMAT_EXTENSIBLE file must give the
// same bits, frame count and codec name, and the channel mask the file declares.
TEST(Decoder, PlainPcmWaveReadsTheSameBitsAsFfmpeg) {
  test::ScratchDir dir;
  const int rate = 48000;
  std::vector<std::vector<float>> source;
  for (int c = 0; c < 6; ++c) {
    std::vector<float> x = test::noise(30011, static_cast<unsigned>(c + 3));
    for (float& v : x) v *= 1.2f;  // past full scale: the integer formats clip
    x[100] = 1.0f;
    x[101] = -1.0f;
    source.push_back(std::move(x));
  }
  test::writeFloatWav(dir / "src.wav", source, rate);
  struct Format {
    const char* codec;
    const char* extra;
  };
  for (const Format& f : {Format{"pcm_u8", ""}, Format{"pcm_s16le", ""}, Format{"pcm_s24le", ""},
                          Format{"pcm_s32le", ""}, Format{"pcm_f32le", ""}, Format{"pcm_f64le", ""},
                          Format{"pcm_s24le", "-rf64 always"}}) {
    SCOPED_TRACE(std::string(f.codec) + " " + f.extra);
    const std::string cd = "cd " + dir.path().string() + " && ffmpeg -nostdin -loglevel error -y ";
    ASSERT_EQ(test::runCommand(cd + "-i src.wav -c:a " + f.codec + " " + f.extra + " x.wav"), 0);
    ASSERT_EQ(test::runCommand(cd + "-i x.wav -c:a copy x.nut"), 0);
    const MediaInfo wavInfo = probeAudio(dir / "x.wav");
    const MediaInfo nutInfo = probeAudio(dir / "x.nut");
    EXPECT_EQ(wavInfo.codec, nutInfo.codec);
    EXPECT_EQ(wavInfo.numChannels, 6);
    EXPECT_EQ(wavInfo.exactFrames, 30011);
    const DecodedAudio wav = decodeAudio(dir / "x.wav", rate);
    const DecodedAudio nut = decodeAudio(dir / "x.nut", rate);
    ASSERT_EQ(wav.channels.size(), nut.channels.size());
    // NUT keeps no layout; ffmpeg wrote the extensible mask of its 5.1 (FL FR FC LFE BL BR).
    EXPECT_EQ(wav.channelMask, 0x3Fu);
    for (std::size_t c = 0; c < wav.channels.size(); ++c) {
      ASSERT_EQ(wav.channels[c].size(), nut.channels[c].size());
      EXPECT_EQ(std::memcmp(wav.channels[c].data(), nut.channels[c].data(),
                            wav.channels[c].size() * sizeof(float)),
                0)
          << "channel " << c;
    }
    // A subset from an offset, as clips read it.
    const DecodedAudio part = decodeAudio(dir / "x.wav", rate, 20000, 5000, {4, 1});
    ASSERT_EQ(part.numFrames(), 5000);
    EXPECT_EQ(part.channels[0][0], nut.channels[4][20000]);
    EXPECT_EQ(part.channels[1][4999], nut.channels[1][24999]);
  }
  // A NaN is named with its time in the file, whichever path reads it.
  auto bad = test::noise(48000, 2);
  bad[36000] = std::nanf("");
  test::writeFloatWav(dir / "nan.wav", {bad}, rate);
  EXPECT_THAT([&] { decodeAudio(dir / "nan.wav", rate, 24000); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("NaN or infinite samples near 0.75")));
}

// Mono 24-bit WAVE, the commonest clip format (three-byte samples read with 32-bit loads, the
// last one from the buffer's slack): every length from one frame to past the reader's 32 KiB
// window, from an odd offset, gives FFmpeg's bits (the same samples through NUT).
TEST(Decoder, MonoTwentyFourBitReadsTheSameBitsAsFfmpeg) {
  test::ScratchDir dir;
  const int rate = 48000;
  std::vector<float> x = test::noise(50021, 9);
  for (float& v : x) v *= 1.2f;  // past full scale: clipped on the way to 24 bits
  test::writeFloatWav(dir / "src.wav", {x}, rate);
  const std::string cd = "cd " + dir.path().string() + " && ffmpeg -nostdin -loglevel error -y ";
  ASSERT_EQ(test::runCommand(cd + "-i src.wav -c:a pcm_s24le x.wav"), 0);
  ASSERT_EQ(test::runCommand(cd + "-i x.wav -c:a copy x.nut"), 0);
  const DecodedAudio nut = decodeAudio(dir / "x.nut", rate);
  ASSERT_EQ(nut.numFrames(), 50021);
  for (const std::int64_t offset : {0, 7}) {
    for (const std::int64_t frames : {1, 19, 20, 21, 36, 4096, 50021 - 7}) {
      const DecodedAudio wav = decodeAudio(dir / "x.wav", rate, offset, frames);
      ASSERT_EQ(wav.numFrames(), frames);
      EXPECT_EQ(std::memcmp(wav.channels[0].data(),
                            nut.channels[0].data() + static_cast<std::size_t>(offset),
                            static_cast<std::size_t>(frames) * sizeof(float)),
                0)
          << "offset " << offset << ", " << frames << " frames";
    }
  }
}

// Short reads (a block of a few hundred frames, as with many voices) come from a read-ahead
// window: the same bits as one long read, across window refills, the data's end, a step back
// (a reverb send reading its dry voice's frames again) and a step past the window.
TEST(Decoder, ShortDirectReadsThroughTheWindowGiveTheSameBits) {
  test::ScratchDir dir;
  const int rate = 48000;
  const std::vector<float> x = test::noise(30011, 12);
  test::writeFloatWav(dir / "src.wav", {x}, rate);
  ASSERT_EQ(test::runCommand("cd " + dir.path().string() +
                             " && ffmpeg -nostdin -loglevel error -y -i src.wav -c:a pcm_s24le "
                             "x.wav"),
            0);
  const DecodedAudio whole = decodeAudio(dir / "x.wav", rate);
  ASSERT_EQ(whole.numFrames(), 30011);
  StreamDecoder reader(dir / "x.wav", rate, {}, 0);
  ASSERT_TRUE(reader.readsDirectly());
  std::vector<float> got(whole.channels[0].size() + 64, -9.0f);
  std::int64_t at = 0;
  int step = 0;
  while (at < whole.numFrames()) {
    // 1 to 2000 frames: up to 1365 through the window, larger ones straight from the file.
    const std::int64_t n = std::int64_t{1} + (step * 397) % 2000;
    float* dst = got.data() + at;
    const std::int64_t read = reader.decodeInto(&dst, n, 0.5f);
    ASSERT_EQ(read, std::min(n, whole.numFrames() - at)) << "at " << at;
    if (step % 5 == 4 && read > 3) {  // read the last frames again
      std::vector<float> again(static_cast<std::size_t>(read));
      float* a = again.data();
      reader.rewindDirect(read);
      ASSERT_EQ(reader.decodeInto(&a, read, 0.5f), read);
      EXPECT_EQ(std::memcmp(again.data(), dst, again.size() * sizeof(float)), 0) << "at " << at;
    }
    if (step % 11 == 10) {  // skip ahead past the window, then read on from there
      const std::int64_t skip = std::min<std::int64_t>(9000, whole.numFrames() - at - read);
      reader.rewindDirect(-skip);
      for (std::int64_t i = 0; i < skip; ++i)
        got[static_cast<std::size_t>(at + read + i)] = 0.5f * whole.channels[0][at + read + i];
      at += skip;
    }
    at += read;
    ++step;
  }
  for (std::size_t i = 0; i < whole.channels[0].size(); ++i) {
    ASSERT_EQ(got[i], 0.5f * whole.channels[0][i]) << "frame " << i;
  }
  float* end = got.data() + whole.numFrames();
  EXPECT_EQ(reader.decodeInto(&end, 10, 0.5f), 0);
}

}  // namespace
}  // namespace vkmix::io
