// Inspector frame rate with many objects: a session of N moving objects (4 position keys each,
// three stems) drawn offscreen on the Vulkan device frame after frame, the playhead advancing as
// in playback; prints frames per second. With --write PATH it writes the session instead, for
// timing the window (`vkmix inspect PATH --frames F` under Xvfb; benchmarks/run_inspector.sh).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "ui/inspect.hpp"
#include "ui/offscreen_inspector.hpp"

int main(int argc, char** argv) {
  int objects = 1000, frames = 300;
  std::string write;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--objects") == 0) objects = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--frames") == 0) frames = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--write") == 0) write = argv[i + 1];
  }
  using namespace vkmix;
  Session s;
  s.path = write.empty() ? "/bench/session.json" : write;
  s.layout = "7.1.4";
  const char* stems[] = {"dialogue", "music", "effects"};
  for (int o = 0; o < objects; ++o) {
    Track t;
    t.name = "object " + std::to_string(o);
    t.stem = stems[o % 3];
    for (int k = 0; k < 4; ++k) {
      PositionKey key;
      key.timeSeconds = 10.0 * k;
      key.position.azimuthDeg = (o * 37 + k * 90) % 360 - 180;
      key.position.elevationDeg = (o * 13 + k * 7) % 60;
      t.positionKeys.push_back(key);
    }
    Clip c;
    c.file = "media/object.wav";
    c.resolvedPath = "/bench/media/object.wav";
    c.lengthSeconds = 30.0;
    t.clips.push_back(c);
    s.tracks.push_back(t);
  }
  if (!write.empty()) {
    saveSession(s, write);
    return 0;
  }
  const gpu::Context context({.device = "", .validation = false, .graphics = true});
  ui::InspectorModel model(s, "");
  model.selected = objects > 0 ? 0 : -1;
  ui::OffscreenInspector inspector(context, model, 1280, 760);
  inspector.setMouse(-1, -1, false);
  inspector.frame(false);
  const auto start = std::chrono::steady_clock::now();
  for (int f = 0; f < frames; ++f) {
    model.time = f / 60.0;
    inspector.frame(false);
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("offscreen: %d objects, %d frames in %.2f s = %.1f frames/s on %s\n", objects, frames,
              wall, frames / wall, context.info().name.c_str());
  return 0;
}
