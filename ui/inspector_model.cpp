#include "ui/inspector_model.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/units.hpp"
#include "engine/binaural_render.hpp"
#include "engine/voice_plan.hpp"
#include "io/output_guard.hpp"
#include "layout/layout_file.hpp"
#include "timeline/gains.hpp"
#include "vkmix/adm.hpp"
#include "vkmix/error.hpp"

namespace vkmix::ui {
namespace {

constexpr std::size_t kUndoDepth = 200;
constexpr double kKeyTolerance = 1e-3;  // a key this close to the playhead is "at" it

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// A binaural session or --layout binaural shows the room of the loudspeakers the render goes
// through before the ears (the preview then plays binaurally: binauralRequested()).
Layout resolve(const Session& s, const std::string& layout) {
  if ((layout.empty() ? s.layout : layout) == engine::kBinauralLayout)
    return layout::resolveLayout(engine::binauralVirtualLayoutFor(s), "--layout", "");
  if (layout.empty()) return layout::resolveLayout(s.layout, s.path.string(), "layout");
  return layout::resolveLayout(layout, "--layout", "");
}

bool hasJsonExtension(const std::filesystem::path& path) {
  return lower(path.extension().string()) == ".json";
}

bool sameFile(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  return std::filesystem::absolute(a, ec).lexically_normal() ==
             std::filesystem::absolute(b, ec).lexically_normal() ||
         std::filesystem::equivalent(a, b, ec);
}

}  // namespace

InspectorModel::InspectorModel(Session session, const std::string& layout)
    : session_(std::move(session)),
      openedSessionFile_(hasJsonExtension(session_.path) && !isAdmFile(session_.path)),
      ownFile_(openedSessionFile_ ? session_.path : std::filesystem::path()),
      layout_(resolve(session_, layout)),
      binaural_((layout.empty() ? session_.layout : layout) == engine::kBinauralLayout),
      panner_(layout_) {
  solo.assign(session_.tracks.size(), false);
  end_ = std::max(1.0, sessionNominalEndSeconds(session_));
  for (const Track& t : session_.tracks) {
    for (const PositionKey& k : t.positionKeys) end_ = std::max(end_, k.timeSeconds);
    for (const GainKey& k : t.gainKeys) end_ = std::max(end_, k.timeSeconds);
  }
}

std::vector<int> InspectorModel::listed() const {
  const std::string f = lower(filter);
  std::vector<int> out;
  for (std::size_t i = 0; i < session_.tracks.size(); ++i) {
    const Track& t = session_.tracks[i];
    const auto matches = [&f](const std::string& text) {
      return lower(text).find(f) != std::string::npos;
    };
    if (f.empty() || matches(t.name) || matches(t.stem) ||
        std::any_of(t.clips.begin(), t.clips.end(),
                    [&matches](const Clip& c) { return matches(c.file); }))
      out.push_back(static_cast<int>(i));
  }
  return out;
}

bool InspectorModel::isObject(int track) const {
  return session_.tracks.at(static_cast<std::size_t>(track)).type == TrackType::Object;
}

std::optional<layout::Polar> InspectorModel::positionAt(int track, double t) const {
  if (!isObject(track)) return std::nullopt;
  return timeline::objectStateAt(session_.tracks[static_cast<std::size_t>(track)], t).position;
}

std::optional<RoomPoint> InspectorModel::roomAt(int track, double t) const {
  auto p = positionAt(track, t);
  if (!p) return std::nullopt;
  return roomPoint(*p);
}

std::vector<double> InspectorModel::speakerGains(int track, double t) const {
  return timeline::trackGainsAt(session_.tracks.at(static_cast<std::size_t>(track)), layout_,
                                panner_, t);
}

std::vector<std::pair<double, double>> InspectorModel::clipSpans(int track) const {
  std::vector<std::pair<double, double>> out;
  for (const Clip& c : session_.tracks.at(static_cast<std::size_t>(track)).clips)
    out.emplace_back(c.startSeconds,
                     c.startSeconds + c.lengthSeconds.value_or(end_ - c.startSeconds));
  return out;
}

void InspectorModel::beginEdit(bool newStep) {
  dirty_ = true;
  ++revision_;
  if (!newStep && !undo_.empty()) return;
  undo_.push_back(session_);
  if (undo_.size() > kUndoDepth) undo_.erase(undo_.begin());
  redo_.clear();
}

Track& InspectorModel::track(int index) {
  if (index < 0 || static_cast<std::size_t>(index) >= session_.tracks.size())
    throw InternalError("inspector: no track " + std::to_string(index));
  return session_.tracks[static_cast<std::size_t>(index)];
}

Position& InspectorModel::positionAtPlayhead(Track& t) {
  if (t.positionKeys.empty()) return t.position;
  for (PositionKey& k : t.positionKeys) {
    if (std::abs(k.timeSeconds - time) <= kKeyTolerance) return k.position;
  }
  // A new key at the playhead, where the object is now, in the form of its neighbours.
  PositionKey key;
  key.timeSeconds = time;
  const auto it =
      std::lower_bound(t.positionKeys.begin(), t.positionKeys.end(), time,
                       [](const PositionKey& k, double when) { return k.timeSeconds < when; });
  const PositionKey& near = it == t.positionKeys.end() ? t.positionKeys.back() : *it;
  key.position = near.position;
  const timeline::ObjectState now = timeline::objectStateAt(t, time);
  key.position = movedTo(key.position, roomPoint(now.position));
  if (!key.position.cartesian) key.position.distance = now.position.distance;
  return t.positionKeys.insert(it, key)->position;
}

void InspectorModel::moveObject(int index, const RoomPoint& to, bool newStep) {
  if (!isObject(index)) return;
  beginEdit(newStep);
  Position& p = positionAtPlayhead(track(index));
  p = movedTo(p, to);
}

void InspectorModel::setPosition(int index, const Position& p, bool newStep) {
  if (!isObject(index)) return;
  beginEdit(newStep);
  positionAtPlayhead(track(index)) = p;
}

void InspectorModel::setGainDb(int index, double gainDb, bool newStep) {
  beginEdit(newStep);
  track(index).gainDb = std::min(gainDb, 48.0);
}

void InspectorModel::setAutomationGainDb(int index, double gainDb, bool newStep) {
  beginEdit(newStep);
  std::vector<GainKey>& keys = track(index).gainKeys;
  const double value = std::clamp(gainDb, -200.0, 48.0);
  for (GainKey& k : keys) {
    if (std::abs(k.timeSeconds - time) <= kKeyTolerance) {
      k.gainDb = value;
      return;
    }
  }
  const auto it =
      std::lower_bound(keys.begin(), keys.end(), time,
                       [](const GainKey& k, double when) { return k.timeSeconds < when; });
  keys.insert(it, GainKey{time, value, Interpolation::Linear});
}

void InspectorModel::setMute(int index, bool mute) {
  beginEdit(true);
  track(index).mute = mute;
}

void InspectorModel::setBinauralMode(int index, BinauralMode mode) {
  beginEdit(true);
  track(index).binauralMode = mode;
}

void InspectorModel::setSendLevelDb(int index, std::size_t send, double levelDb, bool newStep) {
  Track& t = track(index);
  if (send >= t.sends.size()) return;
  beginEdit(newStep);
  t.sends[send].levelDb = std::min(levelDb, 48.0);
}

void InspectorModel::setDenoise(int index, std::optional<Denoise> denoise, bool newStep) {
  beginEdit(newStep);
  track(index).denoise = denoise;
}

bool InspectorModel::undo() {
  if (undo_.empty()) return false;
  redo_.push_back(std::move(session_));
  session_ = std::move(undo_.back());
  undo_.pop_back();
  dirty_ = true;
  ++revision_;
  return true;
}

bool InspectorModel::redo() {
  if (redo_.empty()) return false;
  undo_.push_back(std::move(session_));
  session_ = std::move(redo_.back());
  redo_.pop_back();
  dirty_ = true;
  ++revision_;
  return true;
}

std::filesystem::path InspectorModel::savePath() const {
  if (!ownFile_.empty()) return ownFile_;
  std::filesystem::path beside = session_.path;
  return beside.replace_extension(".json");
}

void InspectorModel::save(const std::filesystem::path& path) {
  const std::filesystem::path target = path.empty() ? savePath() : path;
  const std::string name = target.string();
  if (!hasJsonExtension(target))
    throw InputError(name, "save", "is not a session file: the inspector saves sessions as .json");
  // What the session reads is never written: the master it came from, its media, its IRs and its
  // layout file (compared by file identity, so other spellings and links are caught).
  io::OutputGuard guard;
  if (!openedSessionFile_) guard.addInput(session_.path, "the ADM master the inspector opened");
  for (std::size_t r = 0; r < session_.reverbs.size(); ++r)
    guard.addInput(session_.reverbs[r].resolvedIr, "reverbs[" + std::to_string(r) + "].ir");
  for (std::size_t t = 0; t < session_.tracks.size(); ++t) {
    const auto& clips = session_.tracks[t].clips;
    for (std::size_t c = 0; c < clips.size(); ++c)
      guard.addInput(clips[c].resolvedPath,
                     "tracks[" + std::to_string(t) + "].clips[" + std::to_string(c) + "].file");
  }
  if (session_.layout != engine::kBinauralLayout && findLayout(session_.layout) == nullptr)
    guard.addInput(session_.layout, "layout");
  guard.addOutput(target, "save");
  guard.check(true);
  // A file that is there and is not this session's own (another session, say the one the master
  // was exported from) is left alone.
  const bool own = !ownFile_.empty() && sameFile(target, ownFile_);
  std::error_code ec;
  if (!own && std::filesystem::exists(std::filesystem::symlink_status(target, ec)))
    throw InputError(name, "save",
                     "exists and is not the session the inspector opened: not replaced (move it "
                     "away, or open it)");

  Session out = session_;
  const auto folder = std::filesystem::absolute(target).parent_path();
  if (folder != std::filesystem::absolute(session_.path).parent_path()) {
    // Relative media paths are relative to the session file: re-anchor them in the new folder.
    for (Track& t : out.tracks) {
      for (Clip& c : t.clips) {
        if (std::filesystem::path(c.file).is_relative())
          c.file =
              std::filesystem::relative(std::filesystem::absolute(c.resolvedPath), folder).string();
      }
    }
    for (Reverb& r : out.reverbs) {
      if (std::filesystem::path(r.ir).is_relative())
        r.ir = std::filesystem::relative(std::filesystem::absolute(r.resolvedIr), folder).string();
    }
  }
  saveSession(out, target);
  ownFile_ = target;
  dirty_ = false;
}

unsigned stemColour(const std::string& stem) {
  auto rgb = [](unsigned r, unsigned g, unsigned b) {
    return 0xFF000000u | (b << 16) | (g << 8) | r;
  };
  if (stem == "dialogue") return rgb(255, 160, 40);
  if (stem == "music") return rgb(70, 150, 255);
  if (stem == "effects") return rgb(80, 220, 100);
  unsigned h = 2166136261u;
  for (char c : stem) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return rgb(128 + (h & 0x7F), 128 + ((h >> 8) & 0x7F), 128 + ((h >> 16) & 0x7F));
}

}  // namespace vkmix::ui
