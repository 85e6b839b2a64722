// A small XML reader and writer, enough for ADM (ITU-R BS.2076) documents: elements, attributes,
// character data, comments, CDATA, processing instructions and the five predefined entities plus
// numeric character references. No DTDs, no external entities (an ADM file has neither), so a
// hostile axml chunk cannot make the reader fetch or expand anything.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vkmix::adm {

struct XmlElement {
  std::string name;  // local name: a namespace prefix ("adm:") is dropped
  std::vector<std::pair<std::string, std::string>> attributes;
  std::string text;  // the element's own character data, entities resolved, trimmed
  std::vector<std::unique_ptr<XmlElement>> children;
  int line = 0;  // where the start tag is, for messages

  const std::string* attribute(std::string_view key) const;
  // The first child with this name, or nullptr; all children with it.
  const XmlElement* child(std::string_view childName) const;
  std::vector<const XmlElement*> childrenNamed(std::string_view childName) const;
};

// Parses a whole document and returns its root element. Throws InputError(source, field,
// "line N: ...") on malformed input. Nesting deeper than 64 elements is refused.
std::unique_ptr<XmlElement> parseXml(std::string_view text, const std::string& source,
                                     const std::string& field);

// Builds an indented document: open/attribute/text/close in document order.
class XmlWriter {
 public:
  XmlWriter();
  XmlWriter& open(std::string_view name);
  XmlWriter& attribute(std::string_view key, std::string_view value);
  XmlWriter& text(std::string_view value);
  XmlWriter& close();
  // Shorthand for <name>value</name>.
  XmlWriter& leaf(std::string_view name, std::string_view value);
  std::string finish();  // closes what is still open

 private:
  void endStartTag();
  std::string out_;
  std::vector<std::string> open_;
  bool inStartTag_ = false;
  bool hasText_ = false;
};

std::string escapeXml(std::string_view s);

}  // namespace vkmix::adm
