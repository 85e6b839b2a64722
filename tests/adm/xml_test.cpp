// The XML reader and writer under ADM's axml, and BS.2076 timecodes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "adm/model.hpp"
#include "adm/xml.hpp"
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
