#include "adm/xml.hpp"

#include <cstdint>

#include "vkmix/error.hpp"

namespace vkmix::adm {
namespace {

constexpr int kMaxDepth = 64;

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == ':' || c == '-' || c == '.' || static_cast<unsigned char>(c) >= 0x80;
}

void appendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& source, const std::string& field)
      : s_(text), source_(source), field_(field) {}

  std::unique_ptr<XmlElement> document() {
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // UTF-8 byte order mark
    skipMisc();
    if (!at("<")) fail("expected the root element");
    auto root = element(0);
    skipMisc();
    if (pos_ != s_.size()) fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    int line = 1;
    for (std::size_t i = 0; i < pos_ && i < s_.size(); ++i) line += s_[i] == '\n';
    throw InputError(source_, field_, "line " + std::to_string(line) + ": " + what);
  }
  bool at(std::string_view t) const { return s_.substr(pos_, t.size()) == t; }
  void expect(std::string_view t) {
    if (!at(t)) fail("expected '" + std::string(t) + "'");
    pos_ += t.size();
  }
  void skipSpace() {
    while (pos_ < s_.size() && isSpace(s_[pos_])) ++pos_;
  }
  void skipPast(std::string_view end, const char* what) {
    const std::size_t e = s_.find(end, pos_);
    if (e == std::string_view::npos) fail(std::string("unterminated ") + what);
    pos_ = e + end.size();
  }
  // Whitespace, comments, processing instructions and a DOCTYPE without an internal subset.
  void skipMisc() {
    for (;;) {
      skipSpace();
      if (at("<?")) {
        skipPast("?>", "processing instruction");
      } else if (at("<!--")) {
        skipPast("-->", "comment");
      } else if (at("<!DOCTYPE")) {
        const std::size_t e = s_.find_first_of("[>", pos_);
        if (e == std::string_view::npos || s_[e] == '[') fail("DTDs are not supported");
        pos_ = e + 1;
      } else {
        return;
      }
    }
  }
  std::string name() {
    const std::size_t b = pos_;
    while (pos_ < s_.size() && isNameChar(s_[pos_])) ++pos_;
    if (pos_ == b) fail("expected a name");
    return std::string(s_.substr(b, pos_ - b));
  }
  static std::string localName(const std::string& qualified) {
    const std::size_t colon = qualified.rfind(':');
    return colon == std::string::npos ? qualified : qualified.substr(colon + 1);
  }
  // Appends the character data up to `stop`, resolving references.
  void characters(std::string& out, char stop) {
    while (pos_ < s_.size() && s_[pos_] != stop && s_[pos_] != '<') {
      if (s_[pos_] != '&') {
        out += s_[pos_++];
        continue;
      }
      const std::size_t semi = s_.find(';', pos_);
      if (semi == std::string_view::npos || semi - pos_ > 12) fail("unterminated entity reference");
      const std::string_view ref = s_.substr(pos_ + 1, semi - pos_ - 1);
      if (ref == "amp") {
        out += '&';
      } else if (ref == "lt") {
        out += '<';
      } else if (ref == "gt") {
        out += '>';
      } else if (ref == "quot") {
        out += '"';
      } else if (ref == "apos") {
        out += '\'';
      } else if (ref.size() > 1 && ref[0] == '#') {
        const bool hex = ref[1] == 'x';
        std::uint32_t cp = 0;
        const std::string_view digits = ref.substr(hex ? 2 : 1);
        if (digits.empty()) fail("empty character reference");
        for (char c : digits) {
          int d = -1;
          if (c >= '0' && c <= '9') d = c - '0';
          if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
          if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
          if (d < 0) fail("bad character reference &" + std::string(ref) + ";");
          cp = cp * (hex ? 16u : 10u) + static_cast<std::uint32_t>(d);
          if (cp > 0x10FFFF) fail("character reference out of range");
        }
        if (cp == 0) fail("character reference to NUL");
        appendUtf8(out, cp);
      } else {
        fail("unknown entity &" + std::string(ref) + ";");
      }
      pos_ = semi + 1;
    }
  }
  std::unique_ptr<XmlElement> element(int depth) {
    if (depth >= kMaxDepth) fail("elements nested deeper than " + std::to_string(kMaxDepth));
    auto e = std::make_unique<XmlElement>();
    e->line = lineAt(pos_);
    expect("<");
    const std::string qualified = name();
    e->name = localName(qualified);
    for (;;) {
      skipSpace();
      if (at("/>")) {
        pos_ += 2;
        return e;
      }
      if (at(">")) {
        ++pos_;
        break;
      }
      std::string key = localName(name());
      skipSpace();
      expect("=");
      skipSpace();
      if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) fail("expected a quote");
      const char quote = s_[pos_++];
      std::string value;
      characters(value, quote);
      if (pos_ >= s_.size() || s_[pos_] != quote) fail("unterminated attribute value");
      ++pos_;
      e->attributes.emplace_back(std::move(key), std::move(value));
    }
    std::string text;
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated element <" + qualified + ">");
      if (at("</")) {
        pos_ += 2;
        if (name() != qualified) fail("mismatched end tag for <" + qualified + ">");
        skipSpace();
        expect(">");
        e->text = std::string(trim(text));
        return e;
      }
      if (at("<!--")) {
        skipPast("-->", "comment");
      } else if (at("<![CDATA[")) {
        pos_ += 9;
        const std::size_t end = s_.find("]]>", pos_);
        if (end == std::string_view::npos) fail("unterminated CDATA section");
        text.append(s_.substr(pos_, end - pos_));
        pos_ = end + 3;
      } else if (at("<?")) {
        skipPast("?>", "processing instruction");
      } else if (at("<")) {
        e->children.push_back(element(depth + 1));
      } else {
        characters(text, '<');
      }
    }
  }
  int lineAt(std::size_t p) {
    // Incremental: lines are counted once from the previous position.
    for (; lineScan_ < p && lineScan_ < s_.size(); ++lineScan_) line_ += s_[lineScan_] == '\n';
    return line_;
  }

  std::string_view s_;
  const std::string& source_;
  const std::string& field_;
  std::size_t pos_ = 0;
  std::size_t lineScan_ = 0;
  int line_ = 1;
};

}  // namespace

const std::string* XmlElement::attribute(std::string_view key) const {
  for (const auto& [k, v] : attributes) {
    if (k == key) return &v;
  }
  return nullptr;
}

const XmlElement* XmlElement::child(std::string_view childName) const {
  for (const auto& c : children) {
    if (c->name == childName) return c.get();
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::childrenNamed(std::string_view childName) const {
  std::vector<const XmlElement*> out;
  for (const auto& c : children) {
    if (c->name == childName) out.push_back(c.get());
  }
  return out;
}

std::unique_ptr<XmlElement> parseXml(std::string_view text, const std::string& source,
                                     const std::string& field) {
  return Parser(text, source, field).document();
}

std::string escapeXml(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

XmlWriter::XmlWriter() { out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"; }

void XmlWriter::endStartTag() {
  if (inStartTag_) {
    out_ += '>';
    inStartTag_ = false;
  }
}

XmlWriter& XmlWriter::open(std::string_view name) {
  endStartTag();
  if (!open_.empty()) out_ += '\n';
  out_.append(2 * open_.size(), ' ');
  out_ += '<';
  out_ += name;
  open_.emplace_back(name);
  inStartTag_ = true;
  hasText_ = false;
  return *this;
}

XmlWriter& XmlWriter::attribute(std::string_view key, std::string_view value) {
  out_ += ' ';
  out_ += key;
  out_ += "=\"";
  out_ += escapeXml(value);
  out_ += '"';
  return *this;
}

XmlWriter& XmlWriter::text(std::string_view value) {
  endStartTag();
  out_ += escapeXml(value);
  hasText_ = true;
  return *this;
}

XmlWriter& XmlWriter::close() {
  const std::string name = open_.back();
  open_.pop_back();
  if (inStartTag_) {
    out_ += "/>";
    inStartTag_ = false;
  } else {
    if (!hasText_) {
      out_ += '\n';
      out_.append(2 * open_.size(), ' ');
    }
    out_ += "</" + name + ">";
  }
  hasText_ = false;
  return *this;
}

XmlWriter& XmlWriter::leaf(std::string_view name, std::string_view value) {
  return open(name).text(value).close();
}

std::string XmlWriter::finish() {
  while (!open_.empty()) close();
  out_ += '\n';
  return std::move(out_);
}

}  // namespace vkmix::adm
