// What the inspector shows and edits, without any drawing: the session, the playhead, the
// selection and filter, where every object is at a time, the speaker gains of the selected one,
// and edits (move, size, gain, mute, sends, denoise) with undo/redo. Saving writes a session
// file (.json) under a temporary name and renames it; it never writes what the session reads.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "layout/object_panner.hpp"
#include "ui/room.hpp"
#include "vkmix/layout.hpp"
#include "vkmix/session.hpp"

namespace vkmix::ui {

class InspectorModel {
 public:
  // `layout`: "" = the session's.
  InspectorModel(Session session, const std::string& layout);

  const Session& session() const { return session_; }
  const Layout& layout() const { return layout_; }
  // The session (or --layout) asks for the binaural layout: the room is its virtual loudspeakers'
  // and the preview starts binaural.
  bool binauralRequested() const { return binaural_; }
  double endSeconds() const { return end_; }

  double time = 0.0;       // the playhead
  int selected = -1;       // a track index, or -1
  std::string filter;      // case-insensitive substring of track names, stems and clip files
  std::vector<bool> solo;  // per track; preview only, not saved

  // Tracks the object list shows (all tracks whose name, stem or a clip's file matches the
  // filter).
  std::vector<int> listed() const;
  bool isObject(int track) const;
  // Where an object track is at time t (beds: nullopt).
  std::optional<layout::Polar> positionAt(int track, double t) const;
  std::optional<RoomPoint> roomAt(int track, double t) const;
  // Speaker gains (the output layout's order) of a track at time t: the panner for objects, the
  // bed routing's speakers for beds. Times the track's automation gain.
  std::vector<double> speakerGains(int track, double t) const;
  // The track's clips as [start, end) seconds on the timeline (for the clip lanes).
  std::vector<std::pair<double, double>> clipSpans(int track) const;

  // Edits: each is one undo step. Moving an object with position keys edits the key at the
  // playhead (within 1 ms) or adds one there; without keys it moves the static position.
  // `newStep` false continues the previous undo step (a drag is one step, not one per frame).
  void moveObject(int track, const RoomPoint& to, bool newStep = true);
  void setPosition(int track, const Position& p, bool newStep = true);  // typed, same rule
  void setGainDb(int track, double gainDb, bool newStep = true);
  // The gain automation at the playhead: the key there (within 1 ms) changes, or one is added
  // (a track without gain keys gets its first).
  void setAutomationGainDb(int track, double gainDb, bool newStep = true);
  void setMute(int track, bool mute);
  void setBinauralMode(int track, BinauralMode mode);
  void setSendLevelDb(int track, std::size_t send, double levelDb, bool newStep = true);
  void setDenoise(int track, std::optional<Denoise> denoise, bool newStep = true);
  bool undo();
  bool redo();
  bool canUndo() const { return !undo_.empty(); }
  bool canRedo() const { return !redo_.empty(); }
  bool dirty() const { return dirty_; }
  // Changes with every edit, undo and redo (the preview restarts when it moves).
  std::size_t revision() const { return revision_; }

  // Where save() writes when given no path: the session file the model was opened from or last
  // saved to; for an ADM master (or any file that is not a .json session) the master's name with
  // .json, beside it (MASTER.wav: MASTER.json), until a save there makes that its own.
  std::filesystem::path savePath() const;

  // Writes the session to `path` (empty: savePath()); media paths are rewritten for the new
  // folder when it differs. Only a .json file is written, never a file the session reads (the
  // master it was opened from, media, IRs, its layout file), and an existing file only when it is
  // the session's own (opened or saved to before): otherwise an InputError naming the path, and
  // nothing is written. Throws IoError when the file cannot be written.
  void save(const std::filesystem::path& path = {});

 private:
  void beginEdit(bool newStep);
  Track& track(int index);
  Position& positionAtPlayhead(Track& t);

  Session session_;
  // The file the session was opened from is a session file (.json), not an ADM master.
  bool openedSessionFile_ = false;
  std::filesystem::path ownFile_;  // the session file save() may replace; "" = none yet
  Layout layout_;
  bool binaural_ = false;
  layout::ObjectPanner panner_;
  double end_ = 0.0;
  std::vector<Session> undo_, redo_;
  bool dirty_ = false;
  std::size_t revision_ = 0;
};

// Colour of a stem as 0xAABBGGRR (ImGui's packing): dialogue orange, music blue, effects green,
// others a fixed colour from the name.
unsigned stemColour(const std::string& stem);

}  // namespace vkmix::ui
