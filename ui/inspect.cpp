#include "ui/inspect.hpp"

#include <cstdio>

#include "binaural/hrtf.hpp"
#include "core/one_line.hpp"
#include "gpu/context.hpp"
#include "ui/audio_preview.hpp"
#include "ui/offscreen_inspector.hpp"
#include "ui/window.hpp"
#include "vkmix/adm.hpp"
#include "vkmix/error.hpp"

namespace vkmix::ui {

Session loadAnySession(const std::filesystem::path& path, const std::string& programme) {
  return loadAnySession(path, AdmChoice{programme, {}});
}

Session loadAnySession(const std::filesystem::path& path, const AdmChoice& choice) {
  return loadSessionOrMaster(
      path, [](const std::string& w) { std::fprintf(stderr, "vkmix: warning: %s\n", w.c_str()); },
      choice);
}

namespace {

int selectByName(const InspectorModel& model, const std::string& name) {
  for (std::size_t i = 0; i < model.session().tracks.size(); ++i) {
    if (model.session().tracks[i].name == name) return static_cast<int>(i);
  }
  throw InputError("--select", "", "no track named \"" + name + "\"");
}

}  // namespace

int runInspector(const InspectOptions& options) {
  InspectorModel model(
      loadAnySession(options.session, AdmChoice{options.programme, options.complementary}),
      options.layout);
  if (!(options.time >= 0.0)) throw InputError("--time", "", "must not be negative");
  model.time = options.time;
  if (!options.select.empty()) model.selected = selectByName(model, options.select);
  if (options.width < 640 || options.height < 400 || options.width > 8192 || options.height > 8192)
    throw InputError("--size", "", "must be within 640x400..8192x8192");
  // Opened once here, so that a missing or malformed file is a one-line error naming it before
  // the window opens, not a message when the binaural preview first plays.
  if (!options.hrtf.empty()) binaural::Hrtf(options.hrtf, model.session().sampleRate);

  if (!options.screenshot.empty()) {
    const gpu::Context context(
        {.device = options.device, .validation = options.validation, .graphics = true});
    OffscreenInspector inspector(context, model, options.width, options.height);
    inspector.state().hrtf = options.hrtf;
    try {
      meterAt(model, model.time, inspector.state());
      inspector.state().audioStatus = "meters: the 400 ms before the playhead";
    } catch (const InputError& e) {
      // The room still draws when the audio cannot render (missing media, an IR that does not fit
      // this layout); the transport says why the meters are empty.
      inspector.state().audioStatus = std::string("no meters: ") + e.what();
    }
    inspector.setMouse(-1.0f, -1.0f, false);
    inspector.frame(false);  // ImGui lays windows out on the first frame
    const auto pixels = inspector.frame(true);
    writePng(options.screenshot, pixels, options.width, options.height);
    if (context.validationErrorCount() > 0) {
      std::fprintf(stderr, "vkmix: %d Vulkan validation errors\n", context.validationErrorCount());
      return 5;
    }
    std::printf("%s\n", oneLine(options.screenshot.string()).c_str());
    return 0;
  }
  return runWindow(model, options);
}

}  // namespace vkmix::ui
