#include "ui/inspector_ui.hpp"

#include <imgui.h>
#include <imgui_internal.h>  // GetItemID (public API from 1.87)

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "timeline/automation.hpp"
#include "vkmix/error.hpp"

namespace vkmix::ui {
namespace {

constexpr float kDotRadius = 5.0f;
constexpr float kPickRadius = 9.0f;
constexpr float kSpeakerHalf = 6.0f;
constexpr ImU32 kBackground = IM_COL32(24, 26, 30, 255);
constexpr ImU32 kRoomLine = IM_COL32(70, 74, 82, 255);
constexpr ImU32 kLabel = IM_COL32(150, 155, 165, 255);

ImVec2 im(Pixel p) { return {p.x, p.y}; }

void placeWindow(const char* name, const Rect& r) {
  ImGui::SetNextWindowPos({r.x, r.y});
  ImGui::SetNextWindowSize({r.w, r.h});
  ImGui::Begin(name, nullptr,
               ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                   ImGuiWindowFlags_NoSavedSettings);
}

// True when the item just drawn changed and starts a new undo step (a new item or a new drag).
bool newStep(UiState& s) {
  const auto id = static_cast<unsigned>(ImGui::GetItemID());
  const bool fresh = id != s.lastEditId || ImGui::IsItemActivated();
  s.lastEditId = id;
  return fresh;
}

// The listed objects and where they are at the playhead, computed once per frame for both views.
struct Placed {
  int track;
  RoomPoint at;
  ImU32 colour;
};

std::vector<Placed> placeObjects(const InspectorModel& m, const std::vector<int>& listed) {
  std::vector<Placed> out;
  out.reserve(listed.size());
  for (int t : listed) {
    if (!m.isObject(t)) continue;
    const Track& tr = m.session().tracks[static_cast<std::size_t>(t)];
    out.push_back(
        {t, *m.roomAt(t, m.time), tr.mute ? IM_COL32(110, 110, 110, 255) : stemColour(tr.stem)});
  }
  return out;
}

void drawRoom(InspectorModel& m, UiState& s, View view, const Rect& r, const char* title,
              const std::vector<int>& listed, const std::vector<Placed>& placed) {
  ImDrawList* dl = ImGui::GetBackgroundDrawList();
  dl->AddRectFilled({r.x, r.y}, {r.x + r.w, r.y + r.h}, kBackground);
  const float scale = viewScale(r);
  const ImVec2 centre{r.x + 0.5f * r.w, r.y + 0.5f * r.h};
  dl->AddText({r.x + 6, r.y + 4}, kLabel, title);
  if (view == View::Top) {
    dl->AddCircle(centre, scale, kRoomLine, 64);
    dl->AddText({centre.x - 14, centre.y - scale - 18}, kLabel, "front");
  } else {
    dl->AddLine({centre.x - scale, centre.y}, {centre.x + scale, centre.y}, kRoomLine);
    dl->AddCircle(centre, scale, kRoomLine, 64);
    dl->AddText({centre.x - 8, centre.y - scale - 18}, kLabel, "up");
  }
  dl->AddCircleFilled(centre, 3.0f, kLabel);  // the listener

  // Speakers, lit by the selected track's gains.
  const Layout& layout = m.layout();
  std::vector<double> gains;
  if (m.selected >= 0) gains = m.speakerGains(m.selected, m.time);
  for (int c = 0; c < layout.numChannels(); ++c) {
    const Speaker& sp = layout.speakers[static_cast<std::size_t>(c)];
    if (sp.lfe) continue;
    const Pixel p = toPixel(view, r, roomPoint({sp.azimuthDeg, sp.elevationDeg, 1.0}));
    const float g =
        gains.empty()
            ? 0.0f
            : std::clamp(static_cast<float>(gains[static_cast<std::size_t>(c)]), 0.0f, 1.0f);
    const auto level = static_cast<int>(60 + 195 * g);
    const ImU32 fill = IM_COL32(level, static_cast<int>(60 + 150 * g), 60, 255);
    dl->AddRectFilled({p.x - kSpeakerHalf, p.y - kSpeakerHalf},
                      {p.x + kSpeakerHalf, p.y + kSpeakerHalf}, fill);
    dl->AddText({p.x + kSpeakerHalf + 2, p.y - 7}, kLabel, sp.name.c_str());
  }

  // Trajectories (the selected object's, or every one while there are few), then dots.
  const bool allTrails = listed.size() <= 32;
  for (int t : listed) {
    if (!m.isObject(t) || (!allTrails && t != m.selected)) continue;
    const Track& tr = m.session().tracks[static_cast<std::size_t>(t)];
    if (tr.positionKeys.size() < 2) continue;
    ImVec2 points[65];
    for (int i = 0; i <= 64; ++i) {
      const double when = m.time - s.trajectorySeconds + 2.0 * s.trajectorySeconds * i / 64.0;
      points[i] = im(toPixel(view, r, *m.roomAt(t, std::max(0.0, when))));
    }
    const ImU32 colour =
        (stemColour(tr.stem) & 0x00FFFFFF) | (t == m.selected ? 0xC0000000 : 0x60000000);
    dl->AddPolyline(points, 65, colour, 0, t == m.selected ? 2.0f : 1.0f);
  }
  for (const Placed& o : placed) {
    const Pixel p = toPixel(view, r, o.at);
    dl->AddCircleFilled(im(p), kDotRadius, o.colour, 12);
    if (o.track == m.selected)
      dl->AddCircle(im(p), kDotRadius + 3.0f, IM_COL32(255, 255, 255, 255), 16, 2.0f);
  }

  // Grab the nearest dot and drag it (the view's two coordinates; the third is kept).
  const ImGuiIO& io = ImGui::GetIO();
  const bool over = r.contains(io.MousePos.x, io.MousePos.y) && !io.WantCaptureMouse;
  if (over && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
    float best = kPickRadius;
    int picked = -1;
    for (const Placed& o : placed) {
      const Pixel p = toPixel(view, r, o.at);
      const float d = std::hypot(p.x - io.MousePos.x, p.y - io.MousePos.y);
      if (d <= best) {
        best = d;
        picked = o.track;
      }
    }
    if (picked >= 0) {
      m.selected = picked;
      s.dragging = picked;
      s.dragView = view;
      s.lastEditId = 0;
    }
  }
  if (s.dragging >= 0 && s.dragView == view &&
      ImGui::IsMouseDragging(ImGuiMouseButton_Left, 0.0f)) {
    const RoomPoint keep = *m.roomAt(s.dragging, m.time);
    const RoomPoint to = fromPixel(view, r, {io.MousePos.x, io.MousePos.y}, keep);
    m.moveObject(s.dragging, to, s.lastEditId != 1);
    s.lastEditId = 1;  // the drag's undo step
  }
}

void drawObjectList(InspectorModel& m, const Rect& r) {
  placeWindow("Objects", r);
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s", m.filter.c_str());
  ImGui::SetNextItemWidth(-1);
  if (ImGui::InputTextWithHint("##filter", "filter by name, stem or file", buf, sizeof buf))
    m.filter = buf;
  const std::vector<int> listed = m.listed();
  ImGui::Text("%zu of %zu tracks", listed.size(), m.session().tracks.size());
  ImGui::BeginChild("list");
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(listed.size()));
  while (clipper.Step()) {
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const int t = listed[static_cast<std::size_t>(row)];
      const Track& tr = m.session().tracks[static_cast<std::size_t>(t)];
      ImGui::PushID(t);
      ImGui::PushStyleColor(ImGuiCol_Text, stemColour(tr.stem));
      ImGui::TextUnformatted(tr.type == TrackType::Bed   ? "[]"
                             : tr.type == TrackType::Hoa ? "()"
                                                         : "o");
      ImGui::PopStyleColor();
      ImGui::SameLine();
      if (ImGui::Selectable(tr.name.c_str(), m.selected == t)) m.selected = t;
      ImGui::PopID();
    }
  }
  ImGui::EndChild();
  ImGui::End();
}

void drawProperties(InspectorModel& m, UiState& s, const Rect& r) {
  placeWindow("Properties", r);
  if (m.selected < 0) {
    ImGui::TextDisabled("Select an object in the list or the room.");
    ImGui::End();
    return;
  }
  const int t = m.selected;
  const Track tr = m.session().tracks[static_cast<std::size_t>(t)];  // a copy: edits replace it
  ImGui::Text("%s", tr.name.c_str());
  const std::string kind = tr.type == TrackType::Bed ? "bed " + tr.bedLayout
                           : tr.type == TrackType::Hoa
                               ? "hoa order " + std::to_string(tr.hoaOrder) + " " +
                                     hoaNormalizationName(tr.hoaNormalization)
                               : std::string("object");
  ImGui::TextDisabled("%s, stem %s", kind.c_str(), tr.stem.c_str());
  ImGui::Separator();
  if (tr.type == TrackType::Object) {
    const bool keyed = !tr.positionKeys.empty();
    ImGui::TextDisabled(keyed ? "position at the playhead (key)" : "position");
    Position p = tr.position;
    if (keyed) {
      Position now = tr.positionKeys.front().position;
      for (const PositionKey& k : tr.positionKeys)
        if (std::abs(k.timeSeconds - m.time) <= 1e-3) now = k.position;
      const layout::Polar at = *m.positionAt(t, m.time);
      p = now;
      if (!p.cartesian) {
        p.azimuthDeg = at.azimuthDeg;
        p.elevationDeg = at.elevationDeg;
      }
    }
    bool changed = false;
    if (p.cartesian) {
      float xyz[3] = {static_cast<float>(p.x), static_cast<float>(p.y), static_cast<float>(p.z)};
      changed = ImGui::DragFloat3("x y z", xyz, 0.01f, -1.0f, 1.0f);
      p.x = xyz[0];
      p.y = xyz[1];
      p.z = xyz[2];
    } else {
      float ae[2] = {static_cast<float>(p.azimuthDeg), static_cast<float>(p.elevationDeg)};
      changed = ImGui::DragFloat2("az el", ae, 0.5f);
      p.azimuthDeg = ae[0];
      p.elevationDeg = std::clamp(ae[1], -90.0f, 90.0f);
    }
    if (changed) m.setPosition(t, p, newStep(s));
    float size[3] = {static_cast<float>(p.widthDeg), static_cast<float>(p.heightDeg),
                     static_cast<float>(p.depth)};
    if (ImGui::DragFloat3("w h depth", size, 0.5f, 0.0f, 360.0f)) {
      p.widthDeg = std::clamp(size[0], 0.0f, 360.0f);
      p.heightDeg = std::clamp(size[1], 0.0f, 360.0f);
      p.depth = std::clamp(size[2], 0.0f, 1.0f);
      m.setPosition(t, p, newStep(s));
    }
  }
  float gain = static_cast<float>(tr.gainDb);
  if (ImGui::SliderFloat("gain", &gain, -60.0f, 12.0f, "%.1f dB")) m.setGainDb(t, gain, newStep(s));
  float automation = static_cast<float>(timeline::automationGainDbAt(tr, m.time));
  if (ImGui::SliderFloat(tr.gainKeys.empty() ? "automate" : "automation", &automation, -60.0f,
                         12.0f, "%.1f dB at playhead"))
    m.setAutomationGainDb(t, automation, newStep(s));
  bool mute = tr.mute;
  if (ImGui::Checkbox("mute", &mute)) m.setMute(t, mute);
  ImGui::SameLine();
  bool solo = m.solo[static_cast<std::size_t>(t)];
  if (ImGui::Checkbox("solo (preview)", &solo)) m.solo[static_cast<std::size_t>(t)] = solo;
  int mode = static_cast<int>(tr.binauralMode);
  if (ImGui::Combo("binaural mode", &mode, "off\0near\0mid\0far\0"))
    m.setBinauralMode(t, static_cast<BinauralMode>(mode));
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "On headphones only (binaural preview, --layout binaural): off = no HRTF (stereo), "
        "near = the HRTF alone, mid = a little room (DRR 9 dB), far = more room (DRR 0 dB)");
  for (std::size_t k = 0; k < tr.sends.size(); ++k) {
    float level = static_cast<float>(tr.sends[k].levelDb);
    const std::string label = "send " + tr.sends[k].reverb;
    if (ImGui::SliderFloat(label.c_str(), &level, -60.0f, 6.0f, "%.1f dB"))
      m.setSendLevelDb(t, k, level, newStep(s));
  }
  bool denoise = tr.denoise.has_value() && tr.denoise->enabled;
  if (ImGui::Checkbox("denoise", &denoise)) {
    Denoise d = tr.denoise.value_or(Denoise{});
    d.enabled = denoise;
    m.setDenoise(t, d);
  }
  if (tr.denoise && tr.denoise->enabled) {
    float reduction = static_cast<float>(tr.denoise->reductionDb);
    if (ImGui::SliderFloat("reduction", &reduction, 0.0f, 60.0f, "%.0f dB")) {
      Denoise d = *tr.denoise;
      d.reductionDb = reduction;
      m.setDenoise(t, d, newStep(s));
    }
  }
  if (!tr.gainKeys.empty()) {
    ImGui::Separator();
    ImGui::TextDisabled("gain keys");
    for (const GainKey& k : tr.gainKeys) {
      const bool here = std::abs(k.timeSeconds - m.time) <= 1e-3;
      ImGui::Text("%s %7.3f s  %6.1f dB  %s", here ? ">" : " ", k.timeSeconds, k.gainDb,
                  k.interpolation == Interpolation::Jump ? "jump" : "linear");
    }
  }
  if (!tr.positionKeys.empty()) {
    ImGui::Separator();
    ImGui::TextDisabled("position keys");
    for (const PositionKey& k : tr.positionKeys) {
      const bool here = std::abs(k.timeSeconds - m.time) <= 1e-3;
      ImGui::Text("%s %7.3f s  %s", here ? ">" : " ", k.timeSeconds,
                  k.interpolation == Interpolation::Jump ? "jump" : "linear");
    }
  }
  ImGui::End();
}

// Save and Ctrl+S: an ADM master is never written over (the model saves it as a .json beside
// it); the status line says where the session went, or why it did not.
void saveFromTransport(InspectorModel& m, UiState& s) {
  const std::filesystem::path to = s.savePath.empty() ? m.savePath() : s.savePath;
  try {
    m.save(to);
    s.message = "saved " + to.string();
  } catch (const std::exception& e) {
    s.message = e.what();
  }
}

void drawTransport(InspectorModel& m, UiState& s, const Rect& r) {
  placeWindow("Transport", r);
  if (ImGui::Button(s.playing ? "Pause" : "Play")) s.playing = !s.playing;
  ImGui::SameLine();
  if (ImGui::Button("Stop")) {
    s.playing = false;
    m.time = s.loop ? s.loopStart : 0.0;
  }
  ImGui::SameLine();
  ImGui::BeginDisabled(!m.canUndo());
  if (ImGui::Button("Undo")) m.undo();
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(!m.canRedo());
  if (ImGui::Button("Redo")) m.redo();
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (ImGui::Button(m.dirty() ? "Save*" : "Save")) saveFromTransport(m, s);
  if (ImGui::IsItemHovered()) {
    const std::string to = (s.savePath.empty() ? m.savePath() : s.savePath).string();
    ImGui::SetTooltip("Writes the session to %s", to.c_str());
  }
  ImGui::SameLine();
  ImGui::Checkbox("loop", &s.loop);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(180);
  ImGui::DragFloatRange2("##loop", &s.loopStart, &s.loopEnd, 0.1f, 0.0f,
                         static_cast<float>(m.endSeconds()), "%.1f s");
  ImGui::SameLine();
  ImGui::Checkbox("binaural", &s.binaural);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Preview on headphones: the mix through the HRTF (libmysofa's default.sofa), each track "
        "in its binaural mode, instead of the speakers or their stereo fold-down");
  ImGui::SameLine();
  ImGui::TextDisabled("%s  %s", s.audioStatus.c_str(), s.message.c_str());

  float t = static_cast<float>(m.time);
  ImGui::SetNextItemWidth(-1);
  if (ImGui::SliderFloat("##time", &t, 0.0f, static_cast<float>(m.endSeconds()), "%.3f s"))
    m.time = t;

  // Clip lanes of the listed tracks (as many as fit), the playhead across them.
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float lanesWidth = r.w - 260.0f;
  const float laneHeight = 6.0f;
  const auto listed = m.listed();
  const int lanes = std::min<int>(static_cast<int>(listed.size()),
                                  static_cast<int>((r.y + r.h - origin.y - 8) / laneHeight));
  const auto xOf = [&](double when) {
    return origin.x + lanesWidth * static_cast<float>(when / m.endSeconds());
  };
  for (int i = 0; i < lanes; ++i) {
    const int track = listed[static_cast<std::size_t>(i)];
    const ImU32 colour = stemColour(m.session().tracks[static_cast<std::size_t>(track)].stem);
    const float y = origin.y + laneHeight * static_cast<float>(i);
    for (const auto& [from, to] : m.clipSpans(track))
      dl->AddRectFilled({xOf(from), y}, {std::max(xOf(to), xOf(from) + 1), y + laneHeight - 1},
                        track == m.selected ? IM_COL32(255, 255, 255, 255) : colour);
  }
  dl->AddLine({xOf(m.time), origin.y}, {xOf(m.time), r.y + r.h - 4}, IM_COL32(255, 80, 80, 255));

  // Meters: one bar per output channel (peak dBFS, -60..0) and the momentary loudness.
  const float meterX = origin.x + lanesWidth + 12.0f;
  const float meterH = r.y + r.h - origin.y - 24.0f;
  const Layout& layout = m.layout();
  for (int c = 0; c < layout.numChannels(); ++c) {
    const float x = meterX + 14.0f * static_cast<float>(c);
    dl->AddRectFilled({x, origin.y}, {x + 10, origin.y + meterH}, IM_COL32(40, 42, 48, 255));
    if (static_cast<std::size_t>(c) < s.meterPeakDb.size()) {
      const float level =
          std::clamp((s.meterPeakDb[static_cast<std::size_t>(c)] + 60.0f) / 60.0f, 0.0f, 1.0f);
      const ImU32 colour = s.meterPeakDb[static_cast<std::size_t>(c)] > -1.0f
                               ? IM_COL32(255, 60, 60, 255)
                               : IM_COL32(80, 220, 100, 255);
      dl->AddRectFilled({x, origin.y + meterH * (1 - level)}, {x + 10, origin.y + meterH}, colour);
    }
  }
  char lufs[48];
  if (s.momentaryLufs > -100.0f) {
    std::snprintf(lufs, sizeof lufs, "M %.1f LUFS", s.momentaryLufs);
  } else {
    std::snprintf(lufs, sizeof lufs, "M -- LUFS");
  }
  dl->AddText({meterX, origin.y + meterH + 4}, kLabel, lufs);
  ImGui::End();
}

// ImGui 1.86 keys: the named ones through the key map, letters as the window backend's codes
// (GLFW's are their ASCII capitals).
bool pressed(ImGuiKey key) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(key)); }

void handleKeys(InspectorModel& m, UiState& s) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  if (io.KeyCtrl && pressed(ImGuiKey_Z)) {
    if (io.KeyShift) {
      m.redo();
    } else {
      m.undo();
    }
  }
  if (io.KeyCtrl && pressed(ImGuiKey_Y)) m.redo();
  if (io.KeyCtrl && ImGui::IsKeyPressed('S')) saveFromTransport(m, s);
  if (pressed(ImGuiKey_Space)) s.playing = !s.playing;
}

}  // namespace

FrameLayout frameLayout(float width, float height) {
  const float side = 260.0f, props = 300.0f, transport = 170.0f;
  const float roomW = std::max(100.0f, width - side - props);
  const float roomH = std::max(100.0f, height - transport);
  FrameLayout f;
  f.objects = {0, 0, side, roomH};
  f.top = {side, 0, roomW * 0.5f, roomH};
  f.front = {side + roomW * 0.5f, 0, roomW * 0.5f, roomH};
  f.properties = {side + roomW, 0, props, roomH};
  f.transport = {0, roomH, width, transport};
  return f;
}

void drawInspector(InspectorModel& m, UiState& s, const FrameLayout& layout) {
  if (!ImGui::IsMouseDown(ImGuiMouseButton_Left)) s.dragging = -1;
  const std::vector<int> listed = m.listed();
  const std::vector<Placed> placed = placeObjects(m, listed);
  drawRoom(m, s, View::Top, layout.top, "top view", listed, placed);
  drawRoom(m, s, View::Front, layout.front, "front view", listed, placed);
  drawObjectList(m, layout.objects);
  drawProperties(m, s, layout.properties);
  drawTransport(m, s, layout.transport);
  handleKeys(m, s);
}

}  // namespace vkmix::ui
