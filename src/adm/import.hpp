// From an ADM document and its chna to what vkmix renders: which objects a programme plays, the
// file tracks and channel formats behind each, resolved once for importAdm and describeAdm.
#pragma once

#include <deque>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "adm/model.hpp"
#include "vkmix/adm.hpp"
#include "vkmix/session.hpp"
#include "wave/bw64.hpp"

namespace vkmix::adm {

struct ResolvedChannel {
  int fileChannel = 0;  // 0-based
  std::string uid;
  const ChannelFormat* format = nullptr;
};

struct ResolvedObject {
  const Object* object = nullptr;
  const Content* content = nullptr;  // nullptr when no content lists it
  TypeDefinition type = TypeDefinition::Unknown;
  std::string packId;
  std::vector<ResolvedChannel> channels;
};

struct Resolved {
  const Programme* programme = nullptr;  // the one rendered; nullptr if the file has none
  std::vector<ResolvedObject> objects;
  // A master of chna rows alone (no programme, content or object): an object per instance of
  // each pack the rows name, which `objects` point into (a deque: they never move).
  std::deque<Object> chnaObjects;
  std::vector<std::string> warnings;  // unsupported elements and anything else ignored
};

// `programme`: the audioProgrammeID or audioProgrammeName to render; empty: the first.
// `complementary`: audioObjectIDs chosen from complementary groups (one per group); a group
// without one plays its default, the object that lists the others; the rest of each group is left
// out. Throws InputError(source, "chna"/"axml", ...) when the chunks contradict each other or the
// file, InputError(source, "audioProgramme", ...) naming the file's programmes when none is
// `programme`, and InputError("--complementary", ...) for an ID that is in no group or a second
// choice in one group.
Resolved resolve(const wave::Bw64Info& info, const Document& doc, const std::string& source,
                 const std::string& programme = {},
                 const std::vector<std::string>& complementary = {});

// importAdm's work once the chunks are read: `info` is the file's chunks, `path` the file the
// session's clips play (and the name in messages).
Session sessionFromChunks(const wave::Bw64Info& info, const std::filesystem::path& path,
                          const std::function<void(const std::string&)>& warn,
                          const AdmChoice& choice = {});

// A block's position, size and divergence as a session Position, and back (the importer's and
// the exporter's one mapping; gain and timing are not part of it).
Position positionOf(const BlockFormat& b);
BlockFormat blockAt(const Position& p);

// A track's binauralMode as BS.2076-2's headphoneVirtualise, and back (docs/binaural.md, "In
// ADM"): off is bypass 1; near, mid and far are their rooms' direct-to-reverberant ratios (130 dB,
// no room; 9 dB; 0 dB), and a DRR reads as the mode of the nearest of them.
HeadphoneVirtualise headphoneVirtualiseOf(BinauralMode mode);
BinauralMode binauralModeOf(const HeadphoneVirtualise& h);

// The BS.2051 label of a DirectSpeakers speakerLabel ("urn:itu:bs:2051:0:speaker:M+030",
// "M+030", "LFE" -> "LFE1"); "" when it is not one.
std::string normaliseSpeakerLabel(const std::string& label);

}  // namespace vkmix::adm
