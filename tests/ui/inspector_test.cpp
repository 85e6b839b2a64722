// The inspector: the room mapping, screenshots of the demo session whose object dots sit at the
// pixels the mapping predicts (at two times), a scripted drag that moves an object, saves, and
// changes the rendered audio as predicted, undo/redo, the filter, and the preview's session slice.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stb_image.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "binaural/hrtf.hpp"
#include "support/adm_files.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "ui/audio_preview.hpp"
#include "ui/inspect.hpp"
#include "ui/offscreen_inspector.hpp"
#include "vkmix/error.hpp"
#include "vkmix/render.hpp"

namespace vkmix::ui {
namespace {

using ::testing::HasSubstr;

constexpr int kWidth = 1280, kHeight = 760;

struct Rgb {
  int r, g, b;
};

Rgb pixelAt(const std::vector<std::uint8_t>& rgba, int width, Pixel p) {
  const auto x = static_cast<int>(std::lround(p.x)), y = static_cast<int>(std::lround(p.y));
  const std::size_t i = (static_cast<std::size_t>(y) * width + x) * 4;
  return {rgba[i], rgba[i + 1], rgba[i + 2]};
}

Rgb colourOf(unsigned packed) {
  return {static_cast<int>(packed & 0xFF), static_cast<int>((packed >> 8) & 0xFF),
          static_cast<int>((packed >> 16) & 0xFF)};
}

bool near(Rgb a, Rgb b) {
  return std::abs(a.r - b.r) <= 12 && std::abs(a.g - b.g) <= 12 && std::abs(a.b - b.b) <= 12;
}

class Inspector : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      context_ = std::make_unique<gpu::Context>(
          gpu::ContextOptions{.device = "", .validation = true, .graphics = true});
    } catch (const std::exception& e) {
      if (std::getenv("CI") != nullptr) FAIL() << "CI must have a Vulkan device: " << e.what();
      GTEST_SKIP() << "no Vulkan device: " << e.what();
    }
  }
  void TearDown() override {
    if (context_) {
      EXPECT_EQ(context_->validationErrorCount(), 0);
    }
  }
  std::unique_ptr<gpu::Context> context_;
};

TEST(Room, PixelsMapBackToTheRoom) {
  const Rect r{100, 50, 400, 300};
  const RoomPoint front = roomPoint({0, 0, 1});
  EXPECT_NEAR(front.y, 1.0, 1e-12);
  const RoomPoint left = roomPoint({90, 0, 1});
  EXPECT_NEAR(left.x, -1.0, 1e-12);  // azimuth is positive to the left
  const Pixel centre = toPixel(View::Top, r, {0, 0, 0});
  EXPECT_FLOAT_EQ(centre.x, 300.0f);
  EXPECT_FLOAT_EQ(centre.y, 200.0f);
  const Pixel up = toPixel(View::Top, r, front);
  EXPECT_FLOAT_EQ(up.y, 200.0f - viewScale(r));  // front is up the top view
  const RoomPoint p{0.3, -0.4, 0.5};
  for (View v : {View::Top, View::Front}) {
    const RoomPoint back = fromPixel(v, r, toPixel(v, r, p), p);
    EXPECT_NEAR(back.x, p.x, 1e-5);
    EXPECT_NEAR(back.y, p.y, 1e-5);
    EXPECT_NEAR(back.z, p.z, 1e-5);
  }
  // A polar position stays polar; a Cartesian one stays Cartesian and in range.
  Position polar;
  polar.azimuthDeg = 10;
  polar.widthDeg = 30;
  const Position moved = movedTo(polar, roomPoint({-45, 20, 1}));
  EXPECT_FALSE(moved.cartesian);
  EXPECT_NEAR(moved.azimuthDeg, -45, 1e-9);
  EXPECT_NEAR(moved.elevationDeg, 20, 1e-9);
  EXPECT_DOUBLE_EQ(moved.widthDeg, 30);
  Position cart;
  cart.cartesian = true;
  const Position c = movedTo(cart, {2.0, -0.5, 0.25});
  EXPECT_TRUE(c.cartesian);
  EXPECT_DOUBLE_EQ(c.x, 1.0);
  EXPECT_DOUBLE_EQ(c.y, -0.5);
}

// The demo's objects, drawn at two times: every dot at the pixel the mapping predicts, in its
// stem's colour, in both views; the car has moved between the two.
TEST_F(Inspector, DemoScreenshotsPutEveryDotWhereTheMappingSays) {
  InspectorModel model(
      loadSession(std::filesystem::path(VKMIX_SOURCE_DIR) / "assets/demo/demo.json"), "");
  OffscreenInspector inspector(*context_, model, kWidth, kHeight);
  inspector.setMouse(-1, -1, false);
  std::vector<Pixel> carAt;
  for (double t : {3.0, 9.0}) {
    model.time = t;
    inspector.frame(false);
    const auto rgba = inspector.frame(true);
    ASSERT_EQ(rgba.size(), static_cast<std::size_t>(kWidth) * kHeight * 4);
    int checked = 0;
    for (int track = 0; track < static_cast<int>(model.session().tracks.size()); ++track) {
      if (!model.isObject(track)) continue;
      const Rgb want =
          colourOf(stemColour(model.session().tracks[static_cast<std::size_t>(track)].stem));
      for (View v : {View::Top, View::Front}) {
        const Rect& rect = v == View::Top ? inspector.layout().top : inspector.layout().front;
        const Pixel p = toPixel(v, rect, *model.roomAt(track, t));
        const Rgb got = pixelAt(rgba, kWidth, p);
        EXPECT_TRUE(near(got, want))
            << model.session().tracks[static_cast<std::size_t>(track)].name << " at " << t
            << " s, view " << static_cast<int>(v) << ": (" << got.r << "," << got.g << "," << got.b
            << ") at " << p.x << "," << p.y;
        // A few pixels off the dot's edge is background, not the dot.
        const Rgb off = pixelAt(rgba, kWidth, {p.x + 9.0f, p.y + 9.0f});
        EXPECT_FALSE(near(off, want) &&
                     near(pixelAt(rgba, kWidth, {p.x - 9.0f, p.y - 9.0f}), want));
        ++checked;
      }
      if (model.session().tracks[static_cast<std::size_t>(track)].name == "FX car pass-by")
        carAt.push_back(toPixel(View::Top, inspector.layout().top, *model.roomAt(track, t)));
    }
    EXPECT_EQ(checked, 6);  // three objects, two views
  }
  ASSERT_EQ(carAt.size(), 2u);
  EXPECT_GT(std::hypot(carAt[0].x - carAt[1].x, carAt[0].y - carAt[1].y), 50.0f);
}

// The CLI's --screenshot writes a PNG a decoder reads, the same frame size.
TEST_F(Inspector, ScreenshotCommandWritesAPng) {
  test::ScratchDir dir;
  std::string out;
  const auto png = dir / "shot.png";
  ASSERT_EQ(test::runCommand(std::string(VKMIX_BINARY) + " inspect " + VKMIX_SOURCE_DIR +
                                 "/assets/demo/demo.json --screenshot " + png.string() +
                                 " --time 6 --select DX\\ 1 --size 1024x640",
                             &out),
            0)
      << out;
  int w = 0, h = 0, n = 0;
  stbi_uc* data = stbi_load(png.c_str(), &w, &h, &n, 4);
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(w, 1024);
  EXPECT_EQ(h, 640);
  stbi_image_free(data);
  EXPECT_NE(test::runCommand(std::string(VKMIX_BINARY) + " inspect " + VKMIX_SOURCE_DIR +
                                 "/assets/demo/demo.json --screenshot " + png.string() +
                                 " -y --select nobody",
                             &out),
            0);
  EXPECT_THAT(out, HasSubstr("--select: no track named \"nobody\""));
  // --hrtf: a file the binaural preview cannot use is a one-line error before anything is drawn.
  test::writeText(dir / "not.sofa", "not HDF5");
  for (const char* sofa : {"nope.sofa", "not.sofa"}) {
    const auto other = dir / "other.png";
    EXPECT_EQ(test::runCommand(std::string(VKMIX_BINARY) + " inspect " + VKMIX_SOURCE_DIR +
                                   "/assets/demo/demo.json --screenshot " + other.string() +
                                   " --hrtf " + (dir / sofa).string() + " 2>&1",
                               &out),
              1)
        << out;
    EXPECT_THAT(out, HasSubstr((dir / sofa).string() + ": "));
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    EXPECT_FALSE(std::filesystem::exists(other)) << sofa;
  }
}

// Drag the dialogue object from the centre to hard left in the top view, save, and render: the
// saved session has the new azimuth, and the dialogue moved from C to L in the audio.
TEST_F(Inspector, DraggingAnObjectMovesItInTheSavedSessionAndTheAudio) {
  test::ScratchDir dir;
  test::writeFloatWav(dir / "dx.wav", {test::noise(24000, 3, 0.3f)}, 48000);
  test::writeText(dir / "s.json", R"({"vkmix": 1, "layout": "5.1", "tracks": [
    {"name": "DX", "stem": "dialogue", "position": {"azimuth": 0}, "clips": [{"file": "dx.wav"}]},
    {"name": "FX", "stem": "effects", "positionKeys": [{"time": 0, "azimuth": 110}, {"time": 0.5, "azimuth": -110}],
     "clips": [{"file": "dx.wav"}]}]})");
  InspectorModel model(loadSession(dir / "s.json"), "");
  OffscreenInspector inspector(*context_, model, kWidth, kHeight);
  const Rect& top = inspector.layout().top;
  const Pixel from = toPixel(View::Top, top, *model.roomAt(0, 0.0));
  const Pixel to = toPixel(View::Top, top, roomPoint({30, 0, 1}));
  inspector.setMouse(from.x, from.y, false);
  inspector.frame(false);
  inspector.setMouse(from.x, from.y, true);  // grab
  inspector.frame(false);
  for (float step = 1; step <= 4; ++step) {  // drag in four moves: one undo step
    inspector.setMouse(from.x + (to.x - from.x) * step / 4.0f,
                       from.y + (to.y - from.y) * step / 4.0f, true);
    inspector.frame(false);
  }
  inspector.setMouse(to.x, to.y, false);
  inspector.frame(false);
  EXPECT_EQ(model.selected, 0);
  EXPECT_NEAR(model.session().tracks[0].position.azimuthDeg, 30.0, 0.2);
  EXPECT_NEAR(model.session().tracks[0].position.elevationDeg, 0.0, 1e-9);  // top view keeps height

  // Undo restores the centre in one step, redo moves it again.
  ASSERT_TRUE(model.undo());
  EXPECT_NEAR(model.session().tracks[0].position.azimuthDeg, 0.0, 1e-9);
  EXPECT_FALSE(model.canUndo());
  ASSERT_TRUE(model.redo());
  EXPECT_NEAR(model.session().tracks[0].position.azimuthDeg, 30.0, 0.2);

  // A moving object edited at the playhead gets a key there.
  model.time = 0.25;
  model.setPosition(1, Position{.azimuthDeg = 0.0});
  ASSERT_EQ(model.session().tracks[1].positionKeys.size(), 3u);
  EXPECT_DOUBLE_EQ(model.session().tracks[1].positionKeys[1].timeSeconds, 0.25);

  // Gain automation at the playhead: a first key, then that key edited in place.
  model.setAutomationGainDb(0, -6.0);
  model.setAutomationGainDb(0, -9.0);
  ASSERT_EQ(model.session().tracks[0].gainKeys.size(), 1u);
  EXPECT_DOUBLE_EQ(model.session().tracks[0].gainKeys[0].timeSeconds, 0.25);
  EXPECT_DOUBLE_EQ(model.session().tracks[0].gainKeys[0].gainDb, -9.0);
  ASSERT_TRUE(model.undo());
  ASSERT_TRUE(model.undo());
  EXPECT_TRUE(model.session().tracks[0].gainKeys.empty());

  model.save(dir / "edited.json");
  const Session saved = loadSession(dir / "edited.json");
  EXPECT_NEAR(saved.tracks[0].position.azimuthDeg, 30.0, 0.2);
  EXPECT_EQ(saved.tracks[1].positionKeys.size(), 3u);

  RenderOptions o;
  o.device = std::to_string(context_->info().index);
  const RenderedAudio before = renderToMemory(loadSession(dir / "s.json"), o);
  const RenderedAudio after = renderToMemory(saved, o);
  // DX alone is the first 24000 frames of stem "dialogue": C before, L after (5.1: L R C ...).
  const auto& dxBefore = before.stems[0];
  const auto& dxAfter = after.stems[0];
  EXPECT_GT(test::energy(dxBefore[2]), 100.0 * test::energy(dxBefore[0]));
  EXPECT_GT(test::energy(dxAfter[0]), 100.0 * test::energy(dxAfter[2]));
  EXPECT_NEAR(test::energy(dxAfter[0]), test::energy(dxBefore[2]),
              1e-3 * test::energy(dxBefore[2]));
}

// The window path (GLFW, swapchain, ImGui's GLFW backend, the preview) on a virtual X display:
// it opens, plays, draws frames and closes. Without an audio device it says so and still runs.
TEST_F(Inspector, WindowRunsUnderXvfbAndPlays) {
  if (test::runCommand("command -v xvfb-run >/dev/null") != 0) GTEST_SKIP() << "no xvfb-run";
  std::string out;
  ASSERT_EQ(test::runCommand("xvfb-run -a -s '-screen 0 1280x800x24' " + std::string(VKMIX_BINARY) +
                                 " inspect " + VKMIX_SOURCE_DIR +
                                 "/assets/demo/demo.json --frames 20 --play --time 5",
                             &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("inspector: 20 frames in"));
  EXPECT_THAT(out, HasSubstr("frames/s"));
  EXPECT_THAT(out,
              ::testing::AnyOf(HasSubstr("preview: ALSA default"), HasSubstr("no audio device")));
  // ALSA's null device takes the audio: the preview's playback path runs (all 12 channels, then
  // the stereo fold-down when asked for two).
  test::ScratchDir dir;
  test::writeFloatWav(dir / "a.wav", {test::noise(96000, 8, 0.3f)}, 48000);
  test::writeText(dir / "s.json", R"({"vkmix": 1, "tracks": [
    {"name": "a", "positionKeys": [{"time": 0, "azimuth": 0}, {"time": 2, "azimuth": 180}],
     "clips": [{"file": "a.wav"}]}]})");
  for (const char* channels : {"0", "2"}) {
    ASSERT_EQ(
        test::runCommand("xvfb-run -a -s '-screen 0 1280x800x24' " + std::string(VKMIX_BINARY) +
                             " inspect " + (dir / "s.json").string() +
                             " --frames 30 --play --audio-device null --audio-channels " + channels,
                         &out),
        0)
        << out;
    EXPECT_THAT(out, HasSubstr(std::string("preview: ALSA null, ") +
                               (channels[0] == '2' ? "2 ch (stereo fold-down)" : "12 ch")));
  }
  // Without a display the window cannot open: one line pointing at --screenshot.
  EXPECT_NE(test::runCommand("env -u DISPLAY -u WAYLAND_DISPLAY " + std::string(VKMIX_BINARY) +
                                 " inspect " + VKMIX_SOURCE_DIR + "/assets/demo/demo.json",
                             &out),
            0);
  EXPECT_THAT(out, HasSubstr("--screenshot"));
}

// The meters a screenshot shows: the 400 ms before the playhead, rendered by the engine. A stereo
// bed plays in L and R from 0.5 s; the LFE stays silent; before 0.5 s nothing plays.
TEST_F(Inspector, MetersReadTheAudioBeforeThePlayhead) {
  test::ScratchDir dir;
  test::writeFloatWav(dir / "st.wav", {test::noise(48000, 4, 0.3f), test::noise(48000, 5, 0.3f)},
                      48000);
  test::writeText(dir / "s.json", R"({"vkmix": 1, "layout": "5.1", "tracks": [
    {"name": "bed", "type": "bed", "bed": "2.0", "clips": [{"file": "st.wav", "start": 0.5}]}]})");
  InspectorModel model(loadSession(dir / "s.json"), "");
  UiState state;
  meterAt(model, 1.2, state);
  ASSERT_EQ(state.meterPeakDb.size(), 6u);
  EXPECT_GT(state.meterPeakDb[0], -12.0f);
  EXPECT_GT(state.meterPeakDb[1], -12.0f);
  EXPECT_LT(state.meterPeakDb[3], -100.0f);  // LFE
  EXPECT_GT(state.momentaryLufs, -30.0f);
  EXPECT_LT(state.momentaryLufs, 0.0f);
  meterAt(model, 0.45, state);
  EXPECT_LT(state.meterPeakDb[0], -100.0f);
  EXPECT_LT(state.momentaryLufs, -100.0f);
}

// The binaural toggle: the preview plays the two ears (on ALSA's null device here) instead of
// the 12 speaker feeds, and follows an edit: an object moved from the left to the right is then
// louder in the right ear. The meters show what is heard.
TEST(AudioPreview, BinauralToggleRendersTheEarsAndFollowsEdits) {
  test::ScratchDir dir;
  test::writeFloatWav(dir / "a.wav", {test::noise(48000 * 20, 8, 0.3f)}, 48000);
  test::writeText(dir / "s.json", R"({"vkmix": 1, "tracks": [
    {"name": "a", "position": {"azimuth": 90}, "clips": [{"file": "a.wav"}]}]})");
  InspectorModel model(loadSession(dir / "s.json"), "");
  UiState state;
  AudioPreview preview(model, state, "null", 0);
  ASSERT_THAT(state.audioStatus, HasSubstr("preview: ALSA null, 12 ch"));
  // Plays until the meters have `channels` channels and sound, at most 10 s.
  const auto playUntil = [&](std::size_t channels) {
    for (int k = 0; k < 1000; ++k) {
      preview.update(0.01);
      if (state.meterPeakDb.size() == channels &&
          *std::max_element(state.meterPeakDb.begin(), state.meterPeakDb.end()) > -60.0f)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  };
  state.playing = true;
  ASSERT_TRUE(playUntil(12));
  state.binaural = true;
  ASSERT_TRUE(playUntil(2));
  EXPECT_THAT(state.audioStatus, HasSubstr("12 ch (binaural)"));
  EXPECT_GT(state.meterPeakDb[0], state.meterPeakDb[1] + 3.0f);  // the left ear
  Position right;
  right.azimuthDeg = -90.0;
  model.setPosition(0, right);
  state.meterPeakDb.clear();
  bool heard = false;
  for (int k = 0; k < 1000 && !heard; ++k) {
    preview.update(0.01);
    heard = state.meterPeakDb.size() == 2 && state.meterPeakDb[1] > state.meterPeakDb[0] + 3.0f;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(heard) << "the right ear never became the louder one";
  state.playing = false;
  preview.update(0.01);
}

// The binaural preview renders through the inspector's --hrtf (UiState::hrtf): a copy of
// default.sofa plays the ears; a file that is not there is the preview's message, naming it.
TEST(AudioPreview, BinauralPreviewRendersThroughTheHrtfGiven) {
  test::ScratchDir dir;
  test::writeFloatWav(dir / "a.wav", {test::noise(48000 * 20, 8, 0.3f)}, 48000);
  test::writeText(dir / "s.json", R"({"vkmix": 1, "tracks": [
    {"name": "a", "position": {"azimuth": 90}, "clips": [{"file": "a.wav"}]}]})");
  std::filesystem::copy_file(binaural::Hrtf::defaultPath(), dir / "mine.sofa");
  InspectorModel model(loadSession(dir / "s.json"), "");
  UiState state;
  state.binaural = true;
  AudioPreview preview(model, state, "null", 0);
  state.hrtf = dir / "gone.sofa";
  state.playing = true;
  for (int k = 0; k < 1000 && state.message.empty(); ++k) {
    preview.update(0.01);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_THAT(state.message, HasSubstr((dir / "gone.sofa").string() + ": no such SOFA file"));
  state.playing = false;
  preview.update(0.01);
  state.message.clear();
  state.hrtf = dir / "mine.sofa";
  state.playing = true;
  bool heard = false;
  for (int k = 0; k < 1000 && !heard; ++k) {
    preview.update(0.01);
    heard = state.meterPeakDb.size() == 2 && state.meterPeakDb[0] > state.meterPeakDb[1] + 3.0f;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(heard) << "no ears through " << state.hrtf << ": " << state.message;
  EXPECT_TRUE(state.message.empty()) << state.message;
  state.playing = false;
  preview.update(0.01);
}

TEST_F(Inspector, FilterSelectsByNameStemOrClipFile) {
  InspectorModel model(
      loadSession(std::filesystem::path(VKMIX_SOURCE_DIR) / "assets/demo/demo.json"), "");
  model.filter = "FX";
  EXPECT_EQ(model.listed().size(), 2u);
  model.filter = "music";
  ASSERT_EQ(model.listed().size(), 1u);
  EXPECT_EQ(model.session().tracks[static_cast<std::size_t>(model.listed()[0])].name, "Score");
  model.filter = "Car.FLAC";  // a clip's file, as the session writes it
  ASSERT_EQ(model.listed().size(), 1u);
  EXPECT_EQ(model.session().tracks[static_cast<std::size_t>(model.listed()[0])].name,
            "FX car pass-by");
  model.filter = "media/";  // every clip's folder
  EXPECT_EQ(model.listed().size(), model.session().tracks.size());
  model.filter = "";
  EXPECT_EQ(model.listed().size(), model.session().tracks.size());
}

// `vkmix inspect --programme` passes the programme to the ADM import (tests/adm holds the choice
// itself); a plain session has none to choose, and saying one is a one-line error.
TEST(LoadAnySession, AProgrammeIsForAdmMastersOnly) {
  const auto demo = std::filesystem::path(VKMIX_SOURCE_DIR) / "assets/demo/demo.json";
  EXPECT_EQ(loadAnySession(demo).tracks.size(), 4u);
  try {
    (void)loadAnySession(demo, "APR_1001");
    ADD_FAILURE() << "a programme of a plain session must be an error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("--programme"));
    EXPECT_THAT(e.what(), HasSubstr("is not an ADM BWF master"));
  }
}

std::string fileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Save (and Ctrl+S) on a session opened from an ADM master writes a session beside it
// (MASTER.json), never the master: no input is ever written. A file there that is not the
// session's own, the master named outright, a media file or a file that is not .json is refused
// by name, with nothing written.
TEST(InspectorSave, AnAdmMasterIsSavedAsASessionBesideItNeverOverwritten) {
  test::ScratchDir dir;
  adm::DocumentBuilder b({"dialogue"});
  b.object("DX", 0, {test::polarBlock(30, 0, 0.0, 0.1)});
  test::writeAdmFile(dir / "MASTER.wav", b, {test::noise(4800, 7, 0.2f)}, 48000);
  const std::string master = fileBytes(dir / "MASTER.wav");
  const auto expectRefused = [](const std::function<void()>& save, const std::string& path,
                                const std::string& why) {
    try {
      save();
      ADD_FAILURE() << "saving to " << path << " must be refused";
    } catch (const InputError& e) {
      EXPECT_THAT(e.what(), HasSubstr(path));
      EXPECT_THAT(e.what(), HasSubstr(why));
    }
  };

  InspectorModel model(loadAnySession(dir / "MASTER.wav"), "");
  EXPECT_EQ(model.savePath(), dir / "MASTER.json");
  model.setGainDb(0, -3.0);
  model.save();
  EXPECT_TRUE(fileBytes(dir / "MASTER.wav") == master) << "the master was written";
  EXPECT_FALSE(model.dirty());
  const Session saved = loadSession(dir / "MASTER.json");
  ASSERT_EQ(saved.tracks.size(), 1u);
  EXPECT_DOUBLE_EQ(saved.tracks[0].gainDb, -3.0);
  // It plays the master's audio, as the master did.
  EXPECT_TRUE(
      std::filesystem::equivalent(saved.tracks[0].clips.at(0).resolvedPath, dir / "MASTER.wav"));
  // That session is now the model's own: saving again replaces it.
  EXPECT_EQ(model.savePath(), dir / "MASTER.json");
  model.setGainDb(0, -6.0);
  model.save();
  EXPECT_DOUBLE_EQ(loadSession(dir / "MASTER.json").tracks[0].gainDb, -6.0);

  // The master named outright (any name but .json), or by another name (a hard link).
  expectRefused([&] { model.save(dir / "MASTER.wav"); }, (dir / "MASTER.wav").string(),
                "is not a session file");
  std::filesystem::create_hard_link(dir / "MASTER.wav", dir / "link.json");
  expectRefused([&] { model.save(dir / "link.json"); }, (dir / "link.json").string(),
                "is also the ADM master the inspector opened");
  EXPECT_TRUE(fileBytes(dir / "MASTER.wav") == master) << "the master was written";

  // A second inspector of the master: MASTER.json is there and is not its own.
  const std::string first = fileBytes(dir / "MASTER.json");
  InspectorModel again(loadAnySession(dir / "MASTER.wav"), "");
  again.setGainDb(0, -1.0);
  expectRefused([&] { again.save(); }, (dir / "MASTER.json").string(),
                "exists and is not the session the inspector opened");
  EXPECT_EQ(fileBytes(dir / "MASTER.json"), first);
  EXPECT_TRUE(again.dirty());
  again.save(dir / "other.json");
  EXPECT_DOUBLE_EQ(loadSession(dir / "other.json").tracks[0].gainDb, -1.0);
  EXPECT_TRUE(fileBytes(dir / "MASTER.wav") == master) << "the master was written";
}

// A session file is saved over itself whole: written under a temporary name and renamed (a
// hard link to the old file keeps the old text; no temporary is left). What it reads (its
// layout file) is never written, and a layout file named as .json is caught by identity.
TEST(InspectorSave, ASessionFileIsReplacedWholeAndItsInputsAreNeverWritten) {
  test::ScratchDir dir;
  test::writeFloatWav(dir / "dx.wav", {test::noise(4800, 3, 0.3f)}, 48000);
  const std::string room = R"({"name": "room", "speakers": [{"label": "M+030"},
    {"label": "M-030"}]})";
  test::writeText(dir / "room.json", room);
  test::writeText(dir / "s.json", R"({"vkmix": 1, "layout": ")" + (dir / "room.json").string() +
                                      R"(", "tracks": [
    {"name": "DX", "position": {"azimuth": 0}, "clips": [{"file": "dx.wav"}]}]})");
  const std::string before = fileBytes(dir / "s.json");
  std::filesystem::create_hard_link(dir / "s.json", dir / "kept.json");
  InspectorModel model(loadAnySession(dir / "s.json"), "");
  EXPECT_EQ(model.savePath(), dir / "s.json");
  model.setGainDb(0, -4.0);
  model.save();
  EXPECT_DOUBLE_EQ(loadSession(dir / "s.json").tracks[0].gainDb, -4.0);
  EXPECT_EQ(fileBytes(dir / "kept.json"), before);
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().string().find("vkmix-tmp"), std::string::npos) << e.path();

  try {
    model.save(dir / "room.json");
    ADD_FAILURE() << "the session's layout file must not be written";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr((dir / "room.json").string()));
    EXPECT_THAT(e.what(), HasSubstr("is also layout"));
  }
  EXPECT_EQ(fileBytes(dir / "room.json"), room);
}

// A binaural session opens: the room is the loudspeakers its render goes through before the ears
// (9.1.6), and the preview starts binaural; --layout picks loudspeakers over it.
TEST(InspectorModelLayout, ABinauralSessionShowsItsVirtualLoudspeakers) {
  const Session s = parseSession(R"({"vkmix": 1, "layout": "binaural", "tracks": [
    {"name": "a", "position": {"azimuth": 30}, "clips": []}]})",
                                 "/s.json");
  const InspectorModel binaural(s, "");
  EXPECT_EQ(binaural.layout().name, "9.1.6");
  EXPECT_TRUE(binaural.binauralRequested());
  const InspectorModel speakers(s, "5.1");
  EXPECT_EQ(speakers.layout().name, "5.1");
  EXPECT_FALSE(speakers.binauralRequested());
}

TEST(PreviewSession, MutesWhatSoloLeavesOutAndLastsPastThePlayhead) {
  const Session s = parseSession(R"({"vkmix": 1, "tracks": [
    {"name": "a", "clips": [{"file": "x.wav", "start": 1, "length": 4, "fadeIn": 1}]},
    {"name": "b", "clips": []}]})",
                                 "/s.json");
  const Session preview = previewSession(s, {false, true}, 9.0);
  EXPECT_TRUE(preview.tracks[0].mute);  // "b" is soloed
  EXPECT_FALSE(preview.tracks[1].mute);
  EXPECT_DOUBLE_EQ(*preview.lengthSeconds, 9.0);
  // Clips, fades and keys are the session's: the preview renders a range of it.
  EXPECT_DOUBLE_EQ(preview.tracks[0].clips[0].startSeconds, 1.0);
  EXPECT_DOUBLE_EQ(preview.tracks[0].clips[0].fadeInSeconds, 1.0);
  EXPECT_FALSE(previewSession(s, {false, false}, 0.0).tracks[0].mute);
}

// The meters at a playhead read the full render's 400 ms before it: on a reverb's tail after the
// last clip, in a fade longer than what is left of its clip, with a denoised track.
TEST(MeterAt, ReadsTheFullRendersWindowBeforeThePlayhead) {
  test::ScratchDir dir;
  std::vector<float> ir = test::noise(36000, 3, 0.4f);
  for (std::size_t i = 0; i < ir.size(); ++i) ir[i] *= 1.0f - static_cast<float>(i) / 36000.0f;
  test::writeFloatWav(dir / "ir.wav", {ir}, 48000);
  test::writeFloatWav(dir / "dx.wav", {test::noise(48000, 4, 0.3f)}, 48000);
  test::writeText(dir / "s.json", R"({"vkmix": 1, "layout": "5.1",
    "reverbs": [{"name": "room", "ir": "ir.wav"}], "tracks": [
    {"name": "dx", "position": {"azimuth": 0}, "sends": [{"reverb": "room"}],
     "clips": [{"file": "dx.wav", "start": 0.2, "fadeIn": 0.3, "fadeOut": 0.6}]},
    {"name": "vo", "position": {"azimuth": 30}, "denoise": {"reductionDb": 12},
     "clips": [{"file": "dx.wav", "start": 0.1, "length": 0.9}]}]})");
  const Session session = loadSession(dir / "s.json");
  RenderOptions full;
  full.device = "cpu";
  const RenderedAudio want = renderToMemory(session, full);
  InspectorModel model(session, "");
  for (const double time : {1.0, 1.15, 1.5}) {  // in the fade-out; past the clip, the tail ringing
    UiState state;
    meterAt(model, time, state);
    const auto end = static_cast<std::ptrdiff_t>(std::llround(time * 48000));
    const std::ptrdiff_t start = end - 19200;
    ASSERT_EQ(state.meterPeakDb.size(), 6u);
    for (std::size_t c = 0; c < 6; ++c) {
      float peak = 0.0f;
      for (std::ptrdiff_t i = start; i < end; ++i)
        peak = std::max(peak, std::abs(want.channels[c][static_cast<std::size_t>(i)]));
      const float db = peak > 0.0f ? 20.0f * std::log10(peak) : -200.0f;
      EXPECT_NEAR(state.meterPeakDb[c], db, 1e-4) << time << " s, channel " << c;
    }
    EXPECT_GT(state.meterPeakDb[2], -40.0f) << time;  // C: the clip or its reverb
    EXPECT_GT(state.momentaryLufs, -60.0f) << time;
  }
}

}  // namespace
}  // namespace vkmix::ui
