// The inspector's frame, drawn with Dear ImGui: the object list (with a filter), the top and
// front room views (speakers lit by the selected object's gains, every object a dot in its stem's
// colour with its trajectory), the property panel, and the transport (play, scrub, loop, clip
// lanes, meters). Input edits the model; the frame layout is a pure function of the window size.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "ui/inspector_model.hpp"
#include "ui/room.hpp"

namespace vkmix::ui {

struct FrameLayout {
  Rect objects, top, front, properties, transport;
};
FrameLayout frameLayout(float width, float height);

// What the window loop and the audio preview share with the drawing.
struct UiState {
  bool playing = false;
  bool loop = false;
  // The preview on headphones: the mix through the binaural renderer (docs/binaural.md), each
  // track in its binauralMode, instead of the speaker feeds or their stereo fold-down.
  bool binaural = false;
  std::filesystem::path hrtf;  // its SOFA HRTF (--hrtf); "" = libmysofa's default.sofa
  float loopStart = 0.0f, loopEnd = 0.0f;
  double trajectorySeconds = 2.0;  // drawn before and after the playhead
  // Meters of the preview's output channels (dBFS peak) and momentary loudness; empty when
  // nothing plays.
  std::vector<float> meterPeakDb;
  float momentaryLufs = -200.0f;
  std::string audioStatus;         // "preview: ALSA default, 2 channels" or why there is none
  std::string message;             // last save or error, shown in the transport
  std::filesystem::path savePath;  // "" = InspectorModel::savePath()
  bool quit = false;
  // Dragging a dot: the track, and the view it was grabbed in.
  int dragging = -1;
  View dragView = View::Top;
  unsigned lastEditId = 0;  // the ImGui item whose edits form the current undo step
};

// Draws one frame (between ImGui::NewFrame and ImGui::Render) and applies its input to `model`.
void drawInspector(InspectorModel& model, UiState& state, const FrameLayout& layout);

}  // namespace vkmix::ui
