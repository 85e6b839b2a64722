// `--range START:END` (vkmix render): the frames of the session's timeline a range render
// delivers, from seconds or HH:MM:SS.fff.
#pragma once

#include <string>

#include "vkmix/render.hpp"

namespace vkmix::cli {

// "START:END" or "START:" (to the render's end), each as seconds ("12.5") or HH:MM:SS.fff
// ("00:01:02.500"), both sides in one form; frames at `sampleRate`, rounded to the nearest. An
// open end is the largest frame (the engine stops at the render's end). InputError naming --range
// when malformed or negative; END <= START is the engine's to refuse (RenderOptions::range).
FrameRange parseRange(const std::string& text, int sampleRate);

}  // namespace vkmix::cli
