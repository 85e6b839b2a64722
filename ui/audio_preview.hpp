// The inspector's live preview: while playing, the session is rendered by the same engine from
// the playhead onwards on a worker thread and played through ALSA (the default device), folded
// down to stereo when the device has fewer channels than the layout; the playhead follows the
// audio, edits restart the render at the playhead, and the meters show what is heard. Without an
// audio device the playhead still moves and the meters still run, and the status says so.
#pragma once

#include <memory>
#include <string>

#include "ui/inspector_model.hpp"
#include "ui/inspector_ui.hpp"

namespace vkmix::ui {

class AudioPreview {
 public:
  // `device`: an ALSA PCM name ("default", "hw:1", "null"); `maxChannels` > 0 caps the channels
  // asked of it (2: always the stereo fold-down).
  AudioPreview(InspectorModel& model, UiState& state, const std::string& device = "default",
               int maxChannels = 0);
  ~AudioPreview();
  AudioPreview(const AudioPreview&) = delete;
  AudioPreview& operator=(const AudioPreview&) = delete;

  // Called once per frame with the wall time since the last: starts, stops or restarts the
  // render as the state asks, moves the playhead, updates the meters.
  void update(double dtSeconds);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Fills the state's meters as they would read with the playhead at `time`: the 400 ms before
// it, a range render of the session (its reverbs, denoisers and fades as the full render has
// them); for --screenshot, where nothing plays.
void meterAt(const InspectorModel& model, double time, UiState& state);

// The session as the preview renders it: muted tracks, and unsoloed ones while any track is
// soloed, muted; at least `until` seconds long (silence after the last sound), so a range from
// the playhead is inside the render. The preview renders it from the playhead as a range
// (RenderOptions::range): everything sounds as in the full render from there on.
Session previewSession(const Session& session, const std::vector<bool>& solo, double until);

}  // namespace vkmix::ui
