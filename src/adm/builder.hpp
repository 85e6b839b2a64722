// Builds an ADM document and its chna track by track: an object per Objects channel (its timed
// blocks), a DirectSpeakers pack per bed. IDs follow BS.2076's numbering for custom definitions
// (AO_1001..., AP_00031001..., ATU_00000001...); file track n carries the n-th channel added.
#pragma once

#include <string>
#include <vector>

#include "adm/model.hpp"
#include "vkmix/layout.hpp"
#include "wave/bw64.hpp"

namespace vkmix::adm {

class DocumentBuilder {
 public:
  // One programme with a content per name; "dialogue", "music" and "effects" get BS.2076's
  // dialogue / nonDialogueContentKind flags.
  explicit DocumentBuilder(const std::vector<std::string>& contentNames);

  // An Objects channel on the next file track (block IDs are filled in).
  void object(const std::string& name, int content, std::vector<BlockFormat> blocks);
  // A DirectSpeakers pack with a channel per speaker of `layout`, on the next file tracks.
  void bed(const std::string& name, const Layout& layout, int content);
  // The same as a reference to BS.2094's common pack for `layout` (AP_0001yyyy with its AC_/AT_
  // common definitions, which the file does not define: readers know them), so that BS.2127's
  // mapping rules apply to it; false, and nothing added, when BS.2094 has no pack for it.
  bool commonBed(const std::string& name, const Layout& layout, int content);

  // An HOA pack of the (order + 1)^2 channels at `norm` that `present` marks (empty: all), on
  // the next file tracks in ACN order: BS.2094's common pack and channels (AP_0004yyyy,
  // AC_0004xxxx, referenced, not defined) where it has one, every channel is present and
  // `custom` is false, else a custom pack whose channels say their order, degree and
  // normalization (so a reader designs its decoder for those channels, and the blocks can carry
  // headphoneVirtualise).
  void hoa(const std::string& name, int order, HoaNormalization norm, int content,
           const std::vector<bool>& present = {}, bool custom = false);

  // Every block of the object added last (each channel of a bed) carries `h`.
  void headphoneVirtualise(const HeadphoneVirtualise& h);

  const Document& document() const { return doc_; }
  const std::vector<wave::ChnaEntry>& chna() const { return chna_; }
  // Per file track: the object's name, or the bed's name and the speaker's ("Score R").
  const std::vector<std::string>& trackNames() const { return trackNames_; }

 private:
  Object& newObject(const std::string& name, int content, const std::string& pack);
  void track(Object& o, const std::string& pack, const std::string& channel, unsigned n,
             const char* type);

  Document doc_;
  std::vector<wave::ChnaEntry> chna_;
  std::vector<std::string> trackNames_;
  unsigned nextFormat_ = 0x1001;
};

}  // namespace vkmix::adm
