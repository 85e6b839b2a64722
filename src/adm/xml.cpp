// pugixml parses and writes; this file adds what ADM needs on top: the plain element tree with
// namespace prefixes dropped and line numbers, strict references (pugixml would keep an unknown
// "&name;" as text), one root element, the size and depth caps, and only XML 1.0 characters out.
#include "adm/xml.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "vkmix/error.hpp"

namespace vkmix::adm {
namespace {

// pugixml's defaults (CDATA, end-of-line and attribute whitespace normalisation; comments,
// processing instructions and the declaration skipped), and:
// - parse_doctype: the DOCTYPE is kept so that one with an internal subset (where entities are
//   declared, as in "billion laughs") can be refused. pugixml never expands a declared entity nor
//   fetches an external DTD; refusing the subset makes that plain rather than silent;
// - parse_fragment: text outside the root element is kept, to be refused as XML 1.0 requires
//   (pugixml would drop it), and a second root element is refused below;
// - no parse_escapes: pugixml keeps an unknown reference as text, decodes "&#0;" to a NUL that
//   ends the string and "&#x110000;" to bytes that are not UTF-8, so references are resolved
//   here (Reader::resolve), strictly.
constexpr unsigned kParseOptions =
    (pugi::parse_default & ~pugi::parse_escapes) | pugi::parse_doctype | pugi::parse_fragment;

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string localName(const char* qualified) {
  const char* colon = std::strrchr(qualified, ':');
  return colon == nullptr ? qualified : colon + 1;
}

bool isXmlChar(std::uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
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

// What is wrong at a syntax error pugixml reports (r.offset into `text`), told from the text
// where it can be (the end tag found, a missing quote), else in pugixml's words.
std::string syntaxError(const pugi::xml_parse_result& r, std::string_view text) {
  const auto at = static_cast<std::size_t>(std::max<std::ptrdiff_t>(r.offset, 0));
  switch (r.status) {
    case pugi::status_end_element_mismatch: {
      // At the end of the input pugixml reports the last byte: an element was left open.
      if (at + 1 >= text.size()) return "unterminated element: the document ends inside it";
      std::size_t end = at;
      while (end < text.size() && !isSpace(text[end]) && text[end] != '>') ++end;
      return "mismatched end tag </" +
             std::string(text.substr(at, std::min<std::size_t>(end - at, 64))) + ">";
    }
    case pugi::status_bad_attribute: {
      std::size_t p = std::min(at, text.size());
      while (p > 0 && isSpace(text[p - 1])) --p;
      if (p > 0 && text[p - 1] == '=') return "expected a quote";
      return "malformed attribute (expected name=\"value\")";
    }
    case pugi::status_bad_start_element:
      return "malformed start tag";
    case pugi::status_bad_end_element:
      return "malformed end tag";
    case pugi::status_bad_comment:
      return "malformed or unterminated comment";
    case pugi::status_bad_cdata:
      return "unterminated CDATA section";
    case pugi::status_bad_pi:
      return "malformed processing instruction or XML declaration";
    case pugi::status_bad_doctype:
      return "malformed DOCTYPE";
    case pugi::status_unrecognized_tag:
      return "'<' starts no tag";
    default:
      return r.description();
  }
}

class Reader {
 public:
  Reader(std::string_view text, const std::string& source, const std::string& field)
      : text_(text), source_(source), field_(field) {}

  [[noreturn]] void fail(int line, const std::string& what) const {
    throw InputError(source_, field_, "line " + std::to_string(line) + ": " + what);
  }

  // The line holding byte `offset`. Offsets asked in document order cost one pass in all.
  int lineAt(std::ptrdiff_t offset) {
    if (offset < 0) return line_;  // pugixml knows no offset for this node: near the last one
    const std::size_t to = std::min(static_cast<std::size_t>(offset), text_.size());
    if (to < scanned_) {
      scanned_ = 0;
      line_ = 1;
    }
    line_ += static_cast<int>(std::count(text_.begin() + scanned_, text_.begin() + to, '\n'));
    scanned_ = to;
    return line_;
  }

  // The root element. With `complete` false the document is the part pugixml read before a
  // syntax error: its problems come first in document order, so they are reported first.
  std::unique_ptr<XmlElement> document(const pugi::xml_document& doc, bool complete) {
    std::unique_ptr<XmlElement> root;
    for (const pugi::xml_node n : doc.children()) {
      switch (n.type()) {
        case pugi::node_element:
          if (root) fail(lineAt(n.offset_debug()), "content after the root element");
          root = element(n, 0);
          break;
        case pugi::node_doctype:
          if (std::strchr(n.value(), '[') != nullptr)
            fail(lineAt(n.offset_debug()),
                 "DTDs are not supported (a DOCTYPE with an internal subset)");
          break;
        case pugi::node_pcdata:
        case pugi::node_cdata: {
          // The line of the text itself, past the line breaks before it.
          const std::string_view value = n.value();
          const std::string_view lead = value.substr(0, value.find_first_not_of(" \t\r\n"));
          fail(lineAt(n.offset_debug()) +
                   static_cast<int>(std::count(lead.begin(), lead.end(), '\n')),
               root ? "content after the root element" : "expected the root element");
        }
        default:
          break;
      }
    }
    if (!root && complete)
      fail(lineAt(static_cast<std::ptrdiff_t>(text_.size())), "expected the root element");
    return root;
  }

 private:
  std::unique_ptr<XmlElement> element(const pugi::xml_node n, int depth) {
    auto e = std::make_unique<XmlElement>();
    e->line = lineAt(n.offset_debug());
    if (depth >= kMaxXmlDepth)
      fail(e->line, "elements nested deeper than " + std::to_string(kMaxXmlDepth));
    e->name = localName(n.name());
    for (const pugi::xml_attribute a : n.attributes())
      e->attributes.emplace_back(localName(a.name()), resolve(a.value(), e->line));
    std::string text;
    for (const pugi::xml_node c : n.children()) {
      if (c.type() == pugi::node_element) {
        e->children.push_back(element(c, depth + 1));
      } else if (c.type() == pugi::node_pcdata) {
        text += resolve(c.value(), lineAt(c.offset_debug()));
      } else if (c.type() == pugi::node_cdata) {
        text += c.value();
      }
    }
    e->text = std::string(trim(text));
    return e;
  }

  // `raw` (character data as written, starting on `line`) with XML's five predefined entities
  // and character references resolved; any other reference is an error, since an ADM document
  // declares no entities.
  std::string resolve(std::string_view raw, int line) const {
    std::string out;
    out.reserve(raw.size());
    std::size_t pos = 0;
    for (std::size_t amp; (amp = raw.find('&', pos)) != std::string_view::npos; pos = amp) {
      out.append(raw.substr(pos, amp - pos));
      auto failHere = [&](const std::string& what) {
        fail(line + static_cast<int>(std::count(raw.begin(), raw.begin() + amp, '\n')), what);
      };
      const std::size_t semi = raw.find(';', amp);
      if (semi == std::string_view::npos || semi - amp > 12)
        failHere("unterminated entity reference");
      const std::string_view ref = raw.substr(amp + 1, semi - amp - 1);
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
        const std::string_view digits = ref.substr(hex ? 2 : 1);
        if (digits.empty()) failHere("empty character reference");
        std::uint32_t cp = 0;
        for (const char c : digits) {
          int d = -1;
          if (c >= '0' && c <= '9') d = c - '0';
          if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
          if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
          if (d < 0) failHere("bad character reference &" + std::string(ref) + ";");
          cp = cp * (hex ? 16u : 10u) + static_cast<std::uint32_t>(d);
          if (cp > 0x10FFFF) failHere("character reference out of range");
        }
        if (cp == 0) failHere("character reference to NUL");
        if (cp >= 0xD800 && cp <= 0xDFFF) failHere("character reference to a UTF-16 surrogate");
        appendUtf8(out, cp);
      } else {
        failHere("unknown entity &" + std::string(ref) + ";");
      }
      amp = semi + 1;
    }
    out.append(raw.substr(pos));
    return out;
  }

  std::string_view text_;
  const std::string& source_;
  const std::string& field_;
  std::size_t scanned_ = 0;
  int line_ = 1;
};

// Appends what pugixml saves to a string.
struct StringSink final : pugi::xml_writer {
  std::string out;
  void write(const void* data, std::size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
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
  if (text.size() > kMaxXmlBytes) {
    throw InputError(source, field,
                     std::to_string(text.size()) + " bytes of XML; at most 64 MiB is read");
  }
  pugi::xml_document doc;
  // UTF-8 as ADM files are (a BOM is skipped); no conversion keeps pugixml's offsets the input's.
  const pugi::xml_parse_result r =
      doc.load_buffer(text.data(), text.size(), kParseOptions, pugi::encoding_utf8);
  Reader reader(text, source, field);
  if (!r) {
    reader.document(doc, false);
    reader.fail(reader.lineAt(r.offset), syntaxError(r, text));
  }
  return reader.document(doc, true);
}

std::string xmlCharacters(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const std::size_t n = lead < 0x80             ? 1
                          : (lead & 0xE0) == 0xC0 ? 2
                          : (lead & 0xF0) == 0xE0 ? 3
                          : (lead & 0xF8) == 0xF0 ? 4
                                                  : 0;
    bool utf8 = n != 0 && i + n <= s.size();
    std::uint32_t cp = n == 1 ? lead : lead & (0x7F >> n);
    for (std::size_t k = 1; utf8 && k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      utf8 = (b & 0xC0) == 0x80;
      cp = (cp << 6) | (b & 0x3F);
    }
    // Overlong encodings and code points past U+10FFFF are not UTF-8 either.
    constexpr std::uint32_t kShortest[] = {0, 0, 0x80, 0x800, 0x10000};
    utf8 = utf8 && cp >= kShortest[n] && cp <= 0x10FFFF;
    if (utf8 && isXmlChar(cp)) {
      out.append(s.substr(i, n));
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
    }
    i += utf8 ? n : 1;  // a malformed sequence is replaced byte by byte
  }
  return out;
}

std::string escapeXml(std::string_view s) {
  std::string out;
  for (const char c : xmlCharacters(s)) {
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
      case '\t':
        out += "&#9;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The document, and the element open() made last that close() has not closed (the document node
// itself when none is open).
struct XmlWriter::Impl {
  pugi::xml_document doc;
  pugi::xml_node current;
};

XmlWriter::XmlWriter() : impl_(std::make_unique<Impl>()) {
  pugi::xml_node declaration = impl_->doc.append_child(pugi::node_declaration);
  declaration.append_attribute("version") = "1.0";
  declaration.append_attribute("encoding") = "UTF-8";
  impl_->current = impl_->doc;
}

XmlWriter::~XmlWriter() = default;

XmlWriter& XmlWriter::open(std::string_view name) {
  impl_->current = impl_->current.append_child(std::string(name).c_str());
  return *this;
}

XmlWriter& XmlWriter::attribute(std::string_view key, std::string_view value) {
  const std::string v = xmlCharacters(value);
  impl_->current.append_attribute(std::string(key).c_str()).set_value(v.data(), v.size());
  return *this;
}

XmlWriter& XmlWriter::text(std::string_view value) {
  const std::string v = xmlCharacters(value);
  impl_->current.append_child(pugi::node_pcdata).set_value(v.data(), v.size());
  return *this;
}

XmlWriter& XmlWriter::close() {
  impl_->current = impl_->current.parent();
  return *this;
}

XmlWriter& XmlWriter::leaf(std::string_view name, std::string_view value) {
  return open(name).text(value).close();
}

std::string XmlWriter::finish() {
  StringSink sink;
  impl_->doc.save(sink, "  ", pugi::format_indent, pugi::encoding_utf8);
  return std::move(sink.out);
}

}  // namespace vkmix::adm
