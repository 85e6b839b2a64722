// `vkmix render --video`: a picture with an AAC stereo track gets the mix (5.1 PCM in MOV, E-AC-3
// in MP4) and a stereo downmix added; the video stream's packets are untouched (same hash), the
// new streams have the right layouts, tags and duration, and the session's pictureStart lands on
// the picture's first frame, to the sample.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"

namespace vkmix {
namespace {

using ::testing::HasSubstr;

class VideoMux : public test::GpuFixture {
 protected:
  void SetUp() override {
    GpuFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_EQ(test::runCommand("ffmpeg -nostdin -loglevel error -y -f lavfi -i "
                               "testsrc=size=160x120:rate=24:duration=4 -f lavfi -i "
                               "sine=f=440:duration=4 -c:v libx264 -pix_fmt yuv420p -c:a aac "
                               "-ac 2 -shortest " +
                               (dir_ / "pic.mp4").string()),
              0);
    // A click at timeline 1.5 s on the centre; the picture starts at timeline 1.0 s.
    std::vector<float> click(48000, 0.0f);
    click[0] = 0.5f;
    test::writeFloatWav(dir_ / "click.wav", {click}, 48000);
    test::writeText(dir_ / "s.json", R"({"vkmix": 1, "layout": "5.1", "pictureStart": 1.0,
      "tracks": [{"name": "c", "position": {"azimuth": 0}, "clips": [{"file": "click.wav", "start": 1.5}]}]})");
  }
  std::string run(const std::string& command) {
    std::string out;
    EXPECT_EQ(test::runCommand(command + " 2>&1", &out), 0) << command << "\n" << out;
    return out;
  }
  std::string videoHash(const std::filesystem::path& file) {
    return run("ffmpeg -nostdin -loglevel error -i " + file.string() +
               " -map 0:v -c copy -f md5 -");
  }
  std::string probe(const std::filesystem::path& file) {
    return run(
        "ffprobe -v error -show_entries "
        "stream=index,codec_name,channels,channel_layout:stream_tags=language:stream_"
        "disposition=default -of compact " +
        file.string());
  }
  test::ScratchDir dir_;
};

TEST_F(VideoMux, MovGetsPcmMixAndDownmixAlignedToThePicture) {
  const auto out = dir_ / "final.mov";
  run(std::string(VKMIX_BINARY) + " render " + (dir_ / "s.json").string() + " --video " +
      (dir_ / "pic.mp4").string() + " -o " + out.string() + " --mux-downmix 2.0 --language eng -q");
  EXPECT_EQ(videoHash(out), videoHash(dir_ / "pic.mp4"));
  const std::string streams = probe(out);
  EXPECT_THAT(streams, HasSubstr("index=0|codec_name=h264"));
  EXPECT_THAT(streams, HasSubstr("index=1|codec_name=aac|channels=2|channel_layout=stereo|"
                                 "disposition:default=0"));
  EXPECT_THAT(streams, HasSubstr("index=2|codec_name=pcm_s24le|channels=6|channel_layout=5.1|"
                                 "disposition:default=1|tag:language=eng"));
  EXPECT_THAT(streams, HasSubstr("index=3|codec_name=pcm_s24le|channels=2|channel_layout=stereo"));
  // The mix's centre channel: the click (timeline 1.5 s) half a second after the picture starts.
  const auto rawFile = dir_ / "centre.f32";
  run("ffmpeg -nostdin -loglevel error -i " + out.string() +
      " -map 0:a:1 -af 'pan=mono|c0=FC' -f f32le " + rawFile.string());
  std::ifstream in(rawFile, std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), {});
  std::filesystem::remove(rawFile);
  std::vector<float> centre(raw.size() / 4);
  std::memcpy(centre.data(), raw.data(), centre.size() * 4);
  ASSERT_GT(centre.size(), 48000u);
  std::size_t peak = 0;
  for (std::size_t i = 0; i < centre.size(); ++i)
    if (std::abs(centre[i]) > std::abs(centre[peak])) peak = i;
  EXPECT_EQ(peak, 24000u);
  EXPECT_NEAR(centre[peak], 0.5f, 1e-6);
  // The mix lasts from the picture's start to the end of the session (2.5 s - 1.0 s).
  EXPECT_EQ(centre.size(), 72000u);
}

TEST_F(VideoMux, Mp4GetsEac3AndTheVideoIsUntouched) {
  const auto out = dir_ / "final.mp4";
  run(std::string(VKMIX_BINARY) + " render " + (dir_ / "s.json").string() + " --video " +
      (dir_ / "pic.mp4").string() + " -o " + out.string() + " -q");
  EXPECT_EQ(videoHash(out), videoHash(dir_ / "pic.mp4"));
  EXPECT_THAT(probe(out), HasSubstr("index=2|codec_name=eac3|channels=6|channel_layout=5.1(side)|"
                                    "disposition:default=1"));
  const std::string duration =
      run("ffprobe -v error -select_streams a:1 -show_entries "
          "stream=duration -of csv=p=0 " +
          out.string());
  EXPECT_NEAR(std::stod(duration), 1.5, 0.05);
}

TEST_F(VideoMux, BadRequestsAreOneLineAndLeaveNothing) {
  const std::string base = std::string(VKMIX_BINARY) + " render " + (dir_ / "s.json").string();
  struct Case {
    std::string args, expected;
  };
  const std::vector<Case> cases = {
      {" --video " + (dir_ / "none.mov").string() + " -o " + (dir_ / "o.mov").string(),
       "none.mov: --video: cannot open"},
      {" --video " + (dir_ / "click.wav").string() + " -o " + (dir_ / "o.mov").string(),
       "has no video stream"},
      {" --video " + (dir_ / "pic.mp4").string() + " -o " + (dir_ / "o.avi").string(),
       "a picture output must be .mov, .mp4, .m4v or .mkv"},
      {" --video " + (dir_ / "pic.mp4").string() + " -o " + (dir_ / "o.mp4").string() +
           " --mux-codec pcm",
       "MP4 holds no PCM"},
      {" --video " + (dir_ / "pic.mp4").string() + " -o " + (dir_ / "o.mov").string() +
           " --mux-codec opus",
       "--mux-codec: \"opus\" is not one of pcm, aac, eac3"},
  };
  for (const Case& c : cases) {
    std::string text;
    EXPECT_NE(test::runCommand(base + c.args + " 2>&1", &text), 0) << c.args;
    EXPECT_THAT(text, HasSubstr(c.expected)) << c.args;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name == "pic.mp4" || name == "click.wav" || name == "s.json")
        << "left behind: " << name;
  }
}

}  // namespace
}  // namespace vkmix
