// ADM's XML (ITU-R BS.2076 axml) through pugixml: parseXml reads a document into a plain element
// tree for the model, and XmlWriter builds one and writes it indented. No DTDs and no entities
// beyond XML's five predefined ones: a DOCTYPE with an internal subset is refused and nothing is
// ever fetched, so a hostile axml chunk cannot make the reader expand or load anything.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vkmix::adm {

struct XmlElement {
  std::string name;  // local name: a namespace prefix ("adm:") is dropped
  std::vector<std::pair<std::string, std::string>> attributes;
  std::string text;  // the element's own character data, references resolved, trimmed
  std::vector<std::unique_ptr<XmlElement>> children;
  int line = 0;  // where the start tag is, for messages

  const std::string* attribute(std::string_view key) const;
  // The first child with this name, or nullptr; all children with it.
  const XmlElement* child(std::string_view childName) const;
  std::vector<const XmlElement*> childrenNamed(std::string_view childName) const;
};

// Documents larger than this are refused (the same cap as an axml chunk's, wave/bw64.hpp).
inline constexpr std::size_t kMaxXmlBytes = 64u << 20;
// Elements nested deeper than this are refused (ADM nests about 8 deep).
inline constexpr int kMaxXmlDepth = 64;

// Parses a whole UTF-8 document and returns its root element. Throws InputError(source, field,
// "line N: ...") on malformed input, an unknown entity reference, a DOCTYPE with an internal
// subset, nesting past kMaxXmlDepth, and (without a line) a text over kMaxXmlBytes.
std::unique_ptr<XmlElement> parseXml(std::string_view text, const std::string& source,
                                     const std::string& field);

// Builds a document: open/attribute/text/close in document order, written by finish() as
// indented UTF-8 XML 1.0. Text and attribute values are UTF-8; what XML 1.0 cannot carry
// (control characters other than tab, LF and CR, U+FFFE/U+FFFF, bytes that are not UTF-8) is
// written as U+FFFD, so every document it writes is well-formed.
class XmlWriter {
 public:
  XmlWriter();
  ~XmlWriter();
  XmlWriter(const XmlWriter&) = delete;
  XmlWriter& operator=(const XmlWriter&) = delete;

  XmlWriter& open(std::string_view name);
  XmlWriter& attribute(std::string_view key, std::string_view value);
  XmlWriter& text(std::string_view value);
  XmlWriter& close();
  // Shorthand for <name>value</name>.
  XmlWriter& leaf(std::string_view name, std::string_view value);
  std::string finish();  // closes what is still open

 private:
  struct Impl;  // pugixml's document and the element being written, kept out of this header
  std::unique_ptr<Impl> impl_;
};

// `s` as XML 1.0 character data: what XmlWriter writes for it, with &, <, >, " and the
// whitespace that attribute values would lose (tab, LF, CR) escaped, so it fits in text and in
// attribute values alike.
std::string escapeXml(std::string_view s);

// `s` with every byte sequence that is not UTF-8 for a character XML 1.0 allows (§2.2 Char)
// replaced by U+FFFD; `s` itself when it has none.
std::string xmlCharacters(std::string_view s);

}  // namespace vkmix::adm
