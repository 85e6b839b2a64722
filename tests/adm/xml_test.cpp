// The XML reader and writer under ADM's axml, and BS.2076 timecodes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "adm/model.hpp"
#include "adm/xml.hpp"
#include "support/adm_files.hpp"
#include "support/test_media.hpp"
#include "vkmix/error.hpp"

namespace vkmix::adm {
namespace {

using ::testing::HasSubstr;

std::string errorOf(const std::string& xml) {
  try {
    parseXml(xml, "m.wav", "axml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Xml, ReadsElementsAttributesTextAndReferences) {
  const auto root = parseXml(
      "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- c -->\n<ebu:root xmlns:ebu=\"urn:x\" a='1 &amp; "
      "2'>\n"
      "  <item id=\"x\">caf&#233; &lt;&#x41;&gt;</item>\n  <empty/>\n"
      "  <data><![CDATA[<raw> & ]]></data>\n</ebu:root>\n",
      "m.wav", "axml");
  EXPECT_EQ(root->name, "root");  // the namespace prefix is dropped
  ASSERT_NE(root->attribute("a"), nullptr);
  EXPECT_EQ(*root->attribute("a"), "1 & 2");
  ASSERT_EQ(root->children.size(), 3u);
  EXPECT_EQ(root->child("item")->text, "caf\xC3\xA9 <A>");
  EXPECT_EQ(*root->child("item")->attribute("id"), "x");
  EXPECT_EQ(root->child("item")->line, 4);
  EXPECT_TRUE(root->child("empty")->children.empty());
  EXPECT_EQ(root->child("data")->text, "<raw> &");
  EXPECT_EQ(root->childrenNamed("item").size(), 1u);
  EXPECT_EQ(root->child("missing"), nullptr);
}

TEST(Xml, MalformedInputNamesTheFileAndLine) {
  EXPECT_THAT(errorOf("<a>\n<b></a>"), HasSubstr("m.wav: axml: line 2: mismatched end tag"));
  EXPECT_THAT(errorOf("<a>"), HasSubstr("unterminated element"));
  EXPECT_THAT(errorOf("<a>&bogus;</a>"), HasSubstr("unknown entity &bogus;"));
  EXPECT_THAT(errorOf("<a x=1/>"), HasSubstr("expected a quote"));
  EXPECT_THAT(errorOf("<a/><b/>"), HasSubstr("content after the root element"));
  EXPECT_THAT(errorOf("<!DOCTYPE a [<!ENTITY e 'x'>]><a/>"), HasSubstr("DTDs are not supported"));
  EXPECT_THAT(errorOf("<a>&#0;</a>"), HasSubstr("NUL"));
  EXPECT_THAT(errorOf("<a>&#x110000;</a>"), HasSubstr("out of range"));
  EXPECT_THAT(errorOf(""), HasSubstr("expected the root element"));
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  EXPECT_THAT(errorOf(deep), HasSubstr("nested deeper than 64"));
}

TEST(Xml, WriterOutputReadsBack) {
  XmlWriter w;
  w.open("root").attribute("q", "say \"<hi>\" & go");
  w.leaf("leaf", "a < b");
  w.open("inner").open("empty").close().close();
  const std::string text = w.finish();
  const auto root = parseXml(text, "t", "axml");
  EXPECT_EQ(*root->attribute("q"), "say \"<hi>\" & go");
  EXPECT_EQ(root->child("leaf")->text, "a < b");
  ASSERT_NE(root->child("inner"), nullptr);
  EXPECT_NE(root->child("inner")->child("empty"), nullptr);
}

// "Billion laughs": entities declared in an internal DTD subset, each expanding to ten of the
// previous. The subset is refused outright, and without one an entity is unknown, not expanded.
TEST(Xml, EntityDeclarationsAreRefusedNotExpanded) {
  std::string dtd = "<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n";
  for (int i = 1; i < 10; ++i) {
    dtd += " <!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k)
      dtd += "&lol" + std::string(i == 1 ? "" : std::to_string(i - 1)) + ";";
    dtd += "\">\n";
  }
  dtd += "]>\n";
  EXPECT_THAT(errorOf(dtd + "<lolz>&lol9;</lolz>"),
              HasSubstr("m.wav: axml: line 1: DTDs are not supported"));
  EXPECT_THAT(errorOf("<lolz>\n&lol9;</lolz>"), HasSubstr("line 2: unknown entity &lol9;"));
  // An external DTD is neither fetched nor needed: the document reads as if it had none, and its
  // entities stay unknown.
  const std::string external = "<!DOCTYPE a SYSTEM \"file:///etc/passwd\">\n<a>x</a>";
  EXPECT_EQ(parseXml(external, "m.wav", "axml")->text, "x");
  EXPECT_THAT(errorOf("<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a>&xxe;</a>"),
              HasSubstr("unknown entity &xxe;"));
}

TEST(Xml, DepthAndSizeAreCapped) {
  auto nested = [](int depth) {
    std::string open, close;
    for (int i = 0; i < depth; ++i) {
      open += "<a>\n";
      close += "</a>";
    }
    return open + close;
  };
  const auto deepest = parseXml(nested(64), "m.wav", "axml");
  const XmlElement* e = deepest.get();
  int depth = 1;
  for (; !e->children.empty(); ++depth) e = e->children.front().get();
  EXPECT_EQ(depth, 64);
  EXPECT_EQ(e->line, 64);
  // The 65th element, on line 65, is the one refused.
  EXPECT_THAT(errorOf(nested(65)), HasSubstr("line 65: elements nested deeper than 64"));
  EXPECT_THAT(errorOf(nested(100000)), HasSubstr("line 65: elements nested deeper than 64"));

  std::string big = "<a>" + std::string(kMaxXmlBytes - 7, ' ') + "</a>";
  EXPECT_EQ(big.size(), kMaxXmlBytes);
  EXPECT_EQ(parseXml(big, "m.wav", "axml")->name, "a");
  big.insert(3, " ");
  EXPECT_THAT(errorOf(big), HasSubstr("m.wav: axml: 67108865 bytes of XML; at most 64 MiB"));
}

TEST(Xml, ErrorsNameTheLineOfTheProblem) {
  EXPECT_THAT(errorOf("<a>\n<b>x</b>\n<c>one\ntwo &nope; three</c></a>"),
              HasSubstr("line 4: unknown entity &nope;"));
  EXPECT_THAT(errorOf("<a>\n <b x=\"&#xD800;\"/></a>"),
              HasSubstr("line 2: character reference to a UTF-16 surrogate"));
  EXPECT_THAT(errorOf("<a>\n\n<b></a>"), HasSubstr("line 3: mismatched end tag </a>"));
  EXPECT_THAT(errorOf("<a>\n<!-- never closed"), HasSubstr("line 2: "));
  EXPECT_THAT(errorOf("text\n<a/>"), HasSubstr("line 1: expected the root element"));
  EXPECT_THAT(errorOf("<a/>\n<b/>"), HasSubstr("line 2: content after the root element"));
  EXPECT_THAT(errorOf("<a/>\ntext\n "), HasSubstr("line 2: content after the root element"));
}

// What XML 1.0 cannot carry (control characters other than tab, LF and CR, U+FFFE, surrogates,
// bytes that are not UTF-8) is written as U+FFFD; everything else, non-ASCII text included,
// is written as it is, and libxml2 reads the document.
TEST(Xml, WriterWritesOnlyXml10Characters) {
  const std::string hostile =
      "Cue\x01 1\x1F \xC3\x89tienne \xE2\x98\x83 \xF0\x9F\x8E\xAC "
      "\xFF\xC3 \xED\xA0\x80 \xEF\xBF\xBE \x7F";
  const std::string fffd = "\xEF\xBF\xBD";
  const std::string expected = "Cue" + fffd + " 1" + fffd +
                               " \xC3\x89tienne \xE2\x98\x83 \xF0\x9F\x8E\xAC " + fffd + fffd +
                               " " + fffd + " " + fffd + " \x7F";
  EXPECT_EQ(xmlCharacters(hostile), expected);
  EXPECT_EQ(xmlCharacters("plain\ttab\nline"), "plain\ttab\nline");
  EXPECT_EQ(escapeXml("a\x02<\"&\n"), "a" + fffd + "&lt;&quot;&amp;&#10;");

  XmlWriter w;
  w.open("root").attribute("name", hostile).attribute("lines", "one\ntwo\tthree");
  w.leaf("text", hostile);
  const std::string xml = w.finish();
  const auto root = parseXml(xml, "t", "axml");
  EXPECT_EQ(*root->attribute("name"), expected);
  EXPECT_EQ(*root->attribute("lines"), "one\ntwo\tthree");  // escaped, so not normalised away
  EXPECT_EQ(root->child("text")->text, expected);

  VKMIX_REQUIRE_XMLLINT();
  test::ScratchDir dir;
  test::writeText(dir / "w.xml", xml);
  std::string out;
  EXPECT_EQ(test::xmllint(dir / "w.xml", &out), 0) << out << xml;
}

TEST(Timecode, ReadsBothBs2076FormsAndWritesExactly) {
  EXPECT_DOUBLE_EQ(*parseTimecode("00:00:01.50000"), 1.5);
  EXPECT_DOUBLE_EQ(*parseTimecode("01:02:03"), 3723.0);
  EXPECT_DOUBLE_EQ(*parseTimecode("00:00:02.24000S48000"), 2.0 + 24000.0 / 48000.0);
  for (const char* bad :
       {"", "1:2:3", "00:61:00.0", "00:00:00.", "00:00:00.1S0", "00:00:00,5", "aa:bb:cc.dd"}) {
    EXPECT_FALSE(parseTimecode(bad).has_value()) << bad;
  }
  EXPECT_EQ(formatTimecode(3723.25), "01:02:03.25000");
  for (double t : {0.0, 1.0 / 3.0, 12.345678912, 7199.99999})
    EXPECT_NEAR(*parseTimecode(formatTimecode(t)), t, 1e-9) << t;
}

}  // namespace
}  // namespace vkmix::adm
