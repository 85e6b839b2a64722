// `vkmix inspect SESSION`: the inspector in a GLFW window, or with --screenshot one frame drawn
// offscreen and saved as a PNG (no window or display needed). No Vulkan or ImGui types here: the
// CLI includes it (ui/offscreen_inspector.hpp has the offscreen inspector).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "vkmix/adm.hpp"
#include "vkmix/session.hpp"

namespace vkmix::ui {

struct InspectOptions {
  std::filesystem::path session;  // a session file or an ADM BWF master
  std::string programme;          // an ADM master's audioProgramme (ID or name); "" = the first
  // An ADM master's object to open from each complementary group; none: each group's default.
  std::vector<std::string> complementary;
  std::string layout;                // "" = the session's
  std::string device;                // Vulkan device (as for render); "" = the best
  std::filesystem::path screenshot;  // set: draw one frame offscreen, write it, exit
  double time = 0.0;                 // the playhead
  std::string select;                // a track to select (name), lighting its speakers
  int width = 1280, height = 760;
  int frames = 0;  // window: close after this many frames and print the frame rate (0: run)
  std::string audioDevice = "default";  // ALSA PCM of the preview
  std::filesystem::path hrtf;           // SOFA HRTF of the binaural preview; "" = default.sofa
  int audioChannels = 0;                // > 0: ask the device for at most this many channels
  bool play = false;                    // window: start playing
  bool validation = false;
};

// Runs the inspector; returns the exit code (errors are thrown as for render).
int runInspector(const InspectOptions& options);

// A session file, or the session an ADM BWF master renders as (its `programme`, "" = the first;
// a programme asked of a plain session is an InputError).
Session loadAnySession(const std::filesystem::path& path, const std::string& programme = {});
// The same with the complementary objects chosen as for render (AdmChoice): an ID in no group of
// the master, or any asked of a plain session, is an InputError naming --complementary.
Session loadAnySession(const std::filesystem::path& path, const AdmChoice& choice);

}  // namespace vkmix::ui
