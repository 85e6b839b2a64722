// BS.2127's object-level position adjustments, resolved at import for vkmix's one reproduction
// screen (BS.2127's default: centre front at distance 1, 58 degrees wide, aspect ratio 1.78):
// positionOffset (BS.2076-2), screen scaling of screenRef objects from the programme's
// audioProgrammeReferenceScreen (§7.3.3), screenEdgeLock (§7.3.4), and headLocked (nothing to do
// for loudspeakers). Each master is built here with the feature; the expected positions are
// derived from the standard's definitions below, not read back from the code.
//
// The default screen's edges: its half width at distance 1 is tan(29°), so its left and right
// edges are at azimuth ±29 exactly, and its half height is tan(29°) / 1.78, so its top and bottom
// are at elevation ±atan(tan(29°) / 1.78) = ±17.30°. A reference screen W degrees wide centred
// in front has edges at ±W/2 and ±atan(tan(W/2) / aspect). Scaling maps azimuth piecewise
// linearly -180 → -180, the reference's right edge → the reproduction's, its left edge → the
// reproduction's, 180 → 180, and elevation the same way between ±90 and the top and bottom.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "adm/screen.hpp"
#include "support/adm_files.hpp"
#include "support/test_media.hpp"
#include "vkmix/adm.hpp"
#include "vkmix/error.hpp"
#include "vkmix/layout.hpp"
#include "wave/bw64.hpp"

namespace vkmix {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kRate = 48000;
constexpr double kDeg = std::numbers::pi / 180.0;

double deg(double radians) { return radians / kDeg; }
// The elevation of the top edge of a screen centred in front, `width` degrees wide.
double topOf(double width, double aspect = 1.78) {
  return deg(std::atan(std::tan(width / 2.0 * kDeg) / aspect));
}
const double kRepTop = topOf(58.0);  // 17.297...

// BS.2127 §10 for a point in the front-left sector (azimuth 0..30, elevation 0, distance 1): the
// azimuth's tangent-law pan position p between the loudspeakers at 30 (cube corner (-1, 1)) and
// 0 (front centre (0, 1)) puts the point at x = -(1 - p), y = 1.
double frontLeftX(double azimuth) {
  const double mid = 15.0, range = -15.0;
  const double gainRight = 0.5 + 0.5 * std::tan((azimuth - mid) * kDeg) / std::tan(range * kDeg);
  const double p = std::atan2(gainRight, 1.0 - gainRight) * 2.0 / std::numbers::pi;
  return -(1.0 - p);
}

// Blocks of 50 ms; a later one jumps to its position (one key per block).
adm::BlockFormat block(double azimuth, double elevation, double rtime) {
  adm::BlockFormat b = test::polarBlock(azimuth, elevation, rtime, 0.05);
  b.jumpPosition = rtime > 0.0;
  return b;
}
adm::BlockFormat cartesianBlock(double x, double y, double z, double rtime) {
  adm::BlockFormat b = block(0, 0, rtime);
  b.cartesian = true;
  b.x = x;
  b.y = y;
  b.z = z;
  return b;
}

class AdmScreen : public ::testing::Test {
 protected:
  Session import(const adm::Document& doc, const std::vector<wave::ChnaEntry>& chna) {
    test::writeAdmFile(dir_ / "m.wav", doc, chna,
                       std::vector<std::vector<float>>(chna.size(), std::vector<float>(4800)),
                       kRate);
    warnings_.clear();
    return importAdm(dir_ / "m.wav", [this](const std::string& w) { warnings_.push_back(w); });
  }
  std::string allWarnings() const {
    std::string all;
    for (const std::string& w : warnings_) all += w + "\n";
    return all;
  }
  // The position keys of a master with one object of `blocks` (optionally a reference screen
  // and a positionOffset).
  std::vector<PositionKey> keysOf(const std::vector<adm::BlockFormat>& blocks,
                                  const std::optional<adm::Screen>& reference = std::nullopt,
                                  const std::optional<adm::PositionOffset>& offset = std::nullopt) {
    adm::DocumentBuilder b({"effects"});
    b.object("o", 0, blocks);
    adm::Document doc = b.document();
    doc.programmes[0].referenceScreen = reference;
    doc.objects[0].positionOffset = offset;
    const Session s = import(doc, b.chna());
    EXPECT_EQ(s.tracks.size(), 1u);
    return s.tracks.empty() ? std::vector<PositionKey>{} : s.tracks[0].positionKeys;
  }
  test::ScratchDir dir_;
  std::vector<std::string> warnings_;
};

adm::Screen polarScreen(double azimuth, double width) {
  adm::Screen s;
  s.azimuth = azimuth;
  s.widthAzimuth = width;
  return s;
}

TEST(ScreenEdges, AreBs2127sForPolarAndCartesianScreens) {
  const auto def = adm::screenEdges(adm::Screen{});
  ASSERT_TRUE(def);
  EXPECT_NEAR(def->leftAzimuth, 29.0, 1e-12);
  EXPECT_NEAR(def->rightAzimuth, -29.0, 1e-12);
  EXPECT_NEAR(def->topElevation, kRepTop, 1e-12);
  EXPECT_NEAR(def->bottomElevation, -kRepTop, 1e-12);
  // Centred at azimuth 10, 60 wide: the edges are 30 either side of the centre.
  const auto off = adm::screenEdges(polarScreen(10, 60));
  EXPECT_NEAR(off->leftAzimuth, 40.0, 1e-12);
  EXPECT_NEAR(off->rightAzimuth, -20.0, 1e-12);
  EXPECT_NEAR(off->topElevation, topOf(60), 1e-12);
  // Cartesian: centre (0, 1, 0), 2 wide: the edges are the cube's front corners, 45 degrees.
  adm::Screen cart;
  cart.cartesian = true;
  cart.widthX = 2.0;
  const auto c = adm::screenEdges(cart);
  EXPECT_NEAR(c->leftAzimuth, 45.0, 1e-12);
  EXPECT_NEAR(c->rightAzimuth, -45.0, 1e-12);
  EXPECT_NEAR(c->topElevation, topOf(90), 1e-12);
  // Wider than the room (its edges behind the listener): not a screen to scale with.
  EXPECT_FALSE(adm::screenEdges(polarScreen(0, 200)));
  // No width (zero, negative, a centre at the listener): every direction would collapse onto one.
  EXPECT_FALSE(adm::screenEdges(polarScreen(0, 0)));
  EXPECT_FALSE(adm::screenEdges(polarScreen(0, -30)));
  adm::Screen atListener = polarScreen(0, 58);
  atListener.distance = 0.0;
  EXPECT_FALSE(adm::screenEdges(atListener));
  adm::Screen flat = cart;
  flat.widthX = 0.0;
  EXPECT_FALSE(adm::screenEdges(flat));
  flat.widthX = -1.0;
  EXPECT_FALSE(adm::screenEdges(flat));
  // A Cartesian screen behind the listener, as the polar one at azimuth 180.
  EXPECT_FALSE(adm::screenEdges(polarScreen(180, 58)));
  adm::Screen behind = cart;
  behind.y = -1.0;
  behind.widthX = 1.0;
  EXPECT_FALSE(adm::screenEdges(behind));
}

// BS.2127 §10: the loudspeaker directions map to the cube's points, elevation 30 to 45 in the
// cube, and the two mappings invert each other.
TEST(ScreenEdges, Bs2127PointMappingHitsItsAnchorsAndInverts) {
  const adm::CartesianPoint l = adm::cartesianOfPolarPoint({30, 0, 1});
  EXPECT_NEAR(l.x, -1.0, 1e-12);
  EXPECT_NEAR(l.y, 1.0, 1e-12);
  const adm::CartesianPoint rs = adm::cartesianOfPolarPoint({-110, 0, 1});
  EXPECT_NEAR(rs.x, 1.0, 1e-12);
  EXPECT_NEAR(rs.y, -1.0, 1e-12);
  const adm::CartesianPoint up = adm::cartesianOfPolarPoint({0, 30, 1});
  EXPECT_NEAR(up.z, 1.0, 1e-12);  // tan(45°)
  EXPECT_NEAR(adm::cartesianOfPolarPoint({29, 0, 1}).x, frontLeftX(29), 1e-12);
  for (const adm::PolarPoint p : {adm::PolarPoint{29, 0, 1}, adm::PolarPoint{-75, 20, 0.8},
                                  adm::PolarPoint{160, -50, 1}, adm::PolarPoint{-140, 60, 0.5}}) {
    const adm::PolarPoint back = adm::polarOfCartesianPoint(adm::cartesianOfPolarPoint(p));
    EXPECT_NEAR(back.azimuth, p.azimuth, 1e-9);
    EXPECT_NEAR(back.elevation, p.elevation, 1e-9);
    EXPECT_NEAR(back.distance, p.distance, 1e-9);
  }
}

// Without an audioProgrammeReferenceScreen the reference screen is BS.2127's default, the same
// as the reproduction screen: screenRef scales by the identity, and is rendered (no warning).
// The default screen written out explicitly scales by the identity too (to rounding). headLocked
// has nothing to change for loudspeakers and is not warned about either.
TEST_F(AdmScreen, ScreenRefWithTheDefaultReferenceScreenIsTheIdentity) {
  adm::BlockFormat a = block(20, 10, 0), b = block(-100, 40, 0.05);
  a.screenRef = b.screenRef = true;
  adm::BlockFormat c = cartesianBlock(0.3, 0.8, 0.2, 0), d = cartesianBlock(-0.7, -0.4, 0.6, 0.05);
  c.screenRef = d.screenRef = true;
  for (const std::optional<adm::Screen>& reference :
       {std::optional<adm::Screen>{}, std::optional<adm::Screen>{adm::Screen{}}}) {
    const double tolerance = reference ? 1e-9 : 0.0;
    const auto polar = keysOf({a, b}, reference);
    ASSERT_EQ(polar.size(), 2u);
    EXPECT_NEAR(polar[0].position.azimuthDeg, 20, tolerance);
    EXPECT_NEAR(polar[0].position.elevationDeg, 10, tolerance);
    EXPECT_NEAR(polar[1].position.azimuthDeg, -100, tolerance);
    EXPECT_NEAR(polar[1].position.elevationDeg, 40, tolerance);
    EXPECT_THAT(allWarnings(), Not(HasSubstr("screen")));
    const auto cart = keysOf({c, d}, reference);
    ASSERT_EQ(cart.size(), 2u);
    EXPECT_NEAR(cart[0].position.x, 0.3, tolerance);
    EXPECT_NEAR(cart[0].position.y, 0.8, tolerance);
    EXPECT_NEAR(cart[0].position.z, 0.2, tolerance);
    EXPECT_NEAR(cart[1].position.x, -0.7, tolerance);
    EXPECT_NEAR(cart[1].position.y, -0.4, tolerance);
    EXPECT_NEAR(cart[1].position.z, 0.6, tolerance);
  }
  a.screenRef = false;
  std::vector<adm::BlockFormat> locked = {a, b};
  adm::DocumentBuilder builder({"effects"});
  builder.object("o", 0, locked);
  std::string axml = adm::writeAdm(builder.document());
  axml.insert(axml.find("<jumpPosition"), "<headLocked>1</headLocked>");
  EXPECT_THAT(axml, HasSubstr("<screenRef>1</screenRef>"));
  wave::Bw64Writer w(dir_ / "head.wav", 1, kRate, wave::Bw64Sample::Float32, builder.chna());
  w.write(std::vector<float>(4800, 0.0f));
  w.finish(axml);
  warnings_.clear();
  const Session s =
      importAdm(dir_ / "head.wav", [this](const std::string& x) { warnings_.push_back(x); });
  ASSERT_EQ(s.tracks.size(), 1u);
  EXPECT_DOUBLE_EQ(s.tracks[0].positionKeys[0].position.azimuthDeg, 20);
  EXPECT_THAT(allWarnings(), Not(HasSubstr("headLocked")));
}

// A reference screen 90 degrees wide (edges ±45, top atan(1 / 1.78) = 29.33) scaled to the
// default one (±29, 17.30): azimuth 22.5 (half way to the left edge) → 14.5; 90 (a third of the
// way from the edge at 45 to 180) → 29 + 45 × 151 / 135; elevation 10 → 10 × 17.30 / 29.33;
// 45 → 17.30 + (45 − 29.33) × (90 − 17.30) / (90 − 29.33). A screen centred at azimuth 10,
// 60 wide (edges 40 and −20): its centre goes to the reproduction screen's, 0. The Cartesian
// form of the 90-degree screen (centre (0, 1, 0), width X 2) scales the same. A Cartesian
// object goes through §10's mapping: (-1, 1, 0) is azimuth 30, on the edges of a 60-degree
// reference screen, and lands on the default screen's left edge, 29, at x = -(1 - p(29)).
TEST_F(AdmScreen, ScreenRefScalesFromTheReferenceScreenToTheDefault) {
  const double refTop = topOf(90);
  adm::BlockFormat a = block(22.5, 10, 0), b = block(90, 45, 0.05);
  a.screenRef = b.screenRef = true;
  adm::Screen cartesian;
  cartesian.cartesian = true;
  cartesian.widthX = 2.0;
  for (const adm::Screen& reference : {polarScreen(0, 90), cartesian}) {
    const auto k = keysOf({a, b}, reference);
    ASSERT_EQ(k.size(), 2u);
    EXPECT_NEAR(k[0].position.azimuthDeg, 14.5, 1e-9);
    EXPECT_NEAR(k[0].position.elevationDeg, 10 * kRepTop / refTop, 1e-9);
    EXPECT_NEAR(k[1].position.azimuthDeg, 29 + 45.0 * 151 / 135, 1e-9);
    EXPECT_NEAR(k[1].position.elevationDeg,
                kRepTop + (45 - refTop) * (90 - kRepTop) / (90 - refTop), 1e-9);
    EXPECT_NEAR(k[1].position.distance, 1.0, 1e-12);
  }
  // Without screenRef, the same blocks are not scaled.
  adm::BlockFormat plain = block(22.5, 10, 0);
  EXPECT_NEAR(keysOf({plain, b}, polarScreen(0, 90))[0].position.azimuthDeg, 22.5, 1e-12);

  adm::BlockFormat centre = block(10, 0, 0);
  centre.screenRef = true;
  EXPECT_NEAR(keysOf({centre, b}, polarScreen(10, 60))[0].position.azimuthDeg, 0.0, 1e-9);

  adm::BlockFormat corner = cartesianBlock(-1, 1, 0, 0);
  corner.screenRef = true;
  const auto k = keysOf({corner, cartesianBlock(0, 1, 0, 0.05)}, polarScreen(0, 60));
  ASSERT_EQ(k.size(), 2u);
  EXPECT_NEAR(k[0].position.x, frontLeftX(29), 1e-9);
  EXPECT_NEAR(k[0].position.y, 1.0, 1e-9);
  EXPECT_NEAR(k[0].position.z, 0.0, 1e-9);
  EXPECT_NEAR(k[1].position.x, 0.0, 1e-12);  // no screenRef

  // A reference screen that reaches behind the listener scales nothing, and says so.
  const auto wide = keysOf({a, b}, polarScreen(0, 200));
  EXPECT_NEAR(wide[0].position.azimuthDeg, 22.5, 1e-12);
  EXPECT_THAT(allWarnings(), HasSubstr("audioProgrammeReferenceScreen: the screen reaches"));
  const auto narrow = keysOf({a, b}, polarScreen(0, 0));
  EXPECT_NEAR(narrow[0].position.azimuthDeg, 22.5, 1e-12);
  EXPECT_NEAR(narrow[0].position.elevationDeg, a.elevation, 1e-12);
  EXPECT_THAT(allWarnings(), HasSubstr("audioProgrammeReferenceScreen: the screen has no width"));
}

// screenEdgeLock puts the position on the reproduction screen's edge it names (its distance
// kept): left 29, right -29, top 17.30, bottom -17.30; a Cartesian position through §10's
// mapping ((0.2, 1, 0) is azimuth -7.23 at distance 1, locked left it is (-(1 - p(29)), 1, 0)).
// A DirectSpeakers channel placed by its position (a label no layout has) is placed at the
// locked one; a channel routed by its label is unaffected (BS.2127 §8).
TEST_F(AdmScreen, ScreenEdgeLockMovesToTheScreensEdge) {
  adm::BlockFormat a = block(10, 5, 0), b = block(-60, -40, 0.05);
  a.distance = 0.7;
  a.screenEdgeLockHorizontal = "left";
  a.screenEdgeLockVertical = "top";
  b.screenEdgeLockHorizontal = "right";
  b.screenEdgeLockVertical = "bottom";
  const auto k = keysOf({a, b});
  ASSERT_EQ(k.size(), 2u);
  EXPECT_NEAR(k[0].position.azimuthDeg, 29, 1e-12);
  EXPECT_NEAR(k[0].position.elevationDeg, kRepTop, 1e-12);
  EXPECT_DOUBLE_EQ(k[0].position.distance, 0.7);
  EXPECT_NEAR(k[1].position.azimuthDeg, -29, 1e-12);
  EXPECT_NEAR(k[1].position.elevationDeg, -kRepTop, 1e-12);
  EXPECT_THAT(allWarnings(), Not(HasSubstr("screenEdgeLock")));
  adm::BlockFormat horizontal = block(-100, 20, 0);
  horizontal.screenEdgeLockHorizontal = "left";
  const auto h = keysOf({horizontal, b});
  EXPECT_NEAR(h[0].position.azimuthDeg, 29, 1e-12);
  EXPECT_NEAR(h[0].position.elevationDeg, 20, 1e-12);

  adm::BlockFormat c = cartesianBlock(0.2, 1, 0, 0);
  c.screenEdgeLockHorizontal = "left";
  const auto ck = keysOf({c, cartesianBlock(0.2, 1, 0, 0.05)});
  EXPECT_NEAR(ck[0].position.x, frontLeftX(29), 1e-9);
  EXPECT_NEAR(ck[0].position.y, 1.0, 1e-9);
  EXPECT_NEAR(ck[1].position.x, 0.2, 1e-12);

  // A 2.0 bed whose left channel has a label no layout has, at azimuth 10, locked left: an
  // object at 29; the right channel (M-030, locked too) is still routed by its label.
  adm::DocumentBuilder bed({"music"});
  bed.bed("b", *findLayout("2.0"), 0);
  adm::Document doc = bed.document();
  ASSERT_EQ(doc.channels.size(), 2u);
  adm::BlockFormat& left = doc.channels[0].blocks.at(0);
  left.speakerLabel = "RC_Lscr";
  left.azimuth = 10;
  left.screenEdgeLockHorizontal = "left";
  doc.channels[1].blocks.at(0).screenEdgeLockHorizontal = "left";
  const Session s = import(doc, bed.chna());
  int objects = 0;
  for (const Track& t : s.tracks) {
    if (t.type == TrackType::Object) {
      ++objects;
      EXPECT_NEAR(t.position.azimuthDeg, 29, 1e-12);
    } else {
      EXPECT_EQ(t.bedLayout, "2.0");
      ASSERT_EQ(t.clips.size(), 1u);
      EXPECT_EQ(t.clips[0].channels, (std::vector<int>{-1, 1}));  // M-030 on R
    }
  }
  EXPECT_EQ(objects, 1);
}

// positionOffset (BS.2076-2, on the audioObject) is added to every block's position before
// screen scaling: polar (30, 10, -0.2) takes (10, 0, 1) to (40, 10, 0.8) and (-20, 5, 1) to
// (10, 15, 0.8); elevation past the pole comes back over it (80 + 20 → 80, azimuth + 180).
// Cartesian (0.5, 0, 0) takes x 0.8 to 1 (clipped to the cube, as BS.2127 clips) and -0.2 to
// 0.3. An offset of the other kind is not applied (warned), as BS.2127 applies an offset only to
// positions of its kind. Offset then scaling: azimuth 0 + 22.5 on the 90-degree reference
// screen → 14.5.
TEST_F(AdmScreen, PositionOffsetIsAddedToEveryBlock) {
  adm::PositionOffset polar;
  polar.azimuth = 30;
  polar.elevation = 10;
  polar.distance = -0.2;
  const auto k = keysOf({block(10, 0, 0), block(-20, 5, 0.05)}, std::nullopt, polar);
  ASSERT_EQ(k.size(), 2u);
  EXPECT_NEAR(k[0].position.azimuthDeg, 40, 1e-12);
  EXPECT_NEAR(k[0].position.elevationDeg, 10, 1e-12);
  EXPECT_NEAR(k[0].position.distance, 0.8, 1e-12);
  EXPECT_NEAR(k[1].position.azimuthDeg, 10, 1e-12);
  EXPECT_NEAR(k[1].position.elevationDeg, 15, 1e-12);
  EXPECT_THAT(allWarnings(), Not(HasSubstr("positionOffset")));

  adm::PositionOffset up;
  up.elevation = 20;
  const auto over = keysOf({block(10, 80, 0), block(10, 0, 0.05)}, std::nullopt, up);
  EXPECT_NEAR(over[0].position.elevationDeg, 80, 1e-12);
  EXPECT_NEAR(over[0].position.azimuthDeg, 190, 1e-12);
  EXPECT_NEAR(over[1].position.elevationDeg, 20, 1e-12);

  adm::PositionOffset cart;
  cart.cartesian = true;
  cart.x = 0.5;
  const auto c = keysOf({cartesianBlock(0.8, 0.5, 0, 0), cartesianBlock(-0.2, 0.5, 0, 0.05)},
                        std::nullopt, cart);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_DOUBLE_EQ(c[0].position.x, 1.0);
  EXPECT_NEAR(c[1].position.x, 0.3, 1e-12);
  EXPECT_DOUBLE_EQ(c[1].position.y, 0.5);

  const auto mismatch = keysOf({block(10, 0, 0), block(-20, 5, 0.05)}, std::nullopt, cart);
  EXPECT_DOUBLE_EQ(mismatch[0].position.azimuthDeg, 10);
  EXPECT_THAT(allWarnings(), HasSubstr("audioObject AO_1001: a Cartesian positionOffset on polar "
                                       "blocks is not applied"));

  adm::PositionOffset turn;
  turn.azimuth = 22.5;
  adm::BlockFormat front = block(0, 0, 0);
  front.screenRef = true;
  EXPECT_NEAR(keysOf({front, block(0, 0, 0.05)}, polarScreen(0, 90), turn)[0].position.azimuthDeg,
              14.5, 1e-9);
}

// The elements survive writeAdm and parseAdm (the files above are written by writeAdm).
TEST(AdmScreenXml, ReferenceScreenOffsetScreenRefAndEdgeLockReadBack) {
  adm::DocumentBuilder b({"effects"});
  adm::BlockFormat blk = block(10, 5, 0);
  blk.screenRef = true;
  blk.screenEdgeLockHorizontal = "right";
  blk.screenEdgeLockVertical = "bottom";
  b.object("o", 0, {blk});
  adm::Document doc = b.document();
  doc.programmes[0].referenceScreen = polarScreen(5, 70);
  doc.programmes[0].referenceScreen->aspectRatio = 2.39;
  adm::PositionOffset o;
  o.azimuth = -12;
  doc.objects[0].positionOffset = o;
  const std::string axml = adm::writeAdm(doc);
  EXPECT_THAT(axml, HasSubstr("<audioProgrammeReferenceScreen aspectRatio=\"2.39\">"));
  EXPECT_THAT(axml, HasSubstr("<screenWidth azimuth=\"70\" />"));
  EXPECT_THAT(axml, HasSubstr("<positionOffset coordinate=\"azimuth\">-12</positionOffset>"));
  EXPECT_THAT(axml, HasSubstr("screenEdgeLock=\"right\""));
  const adm::Document back = adm::parseAdm(axml, "x.wav");
  ASSERT_TRUE(back.programmes[0].referenceScreen);
  EXPECT_DOUBLE_EQ(back.programmes[0].referenceScreen->azimuth, 5);
  EXPECT_DOUBLE_EQ(back.programmes[0].referenceScreen->widthAzimuth, 70);
  EXPECT_DOUBLE_EQ(back.programmes[0].referenceScreen->aspectRatio, 2.39);
  ASSERT_TRUE(back.objects[0].positionOffset);
  EXPECT_DOUBLE_EQ(back.objects[0].positionOffset->azimuth, -12);
  EXPECT_FALSE(back.objects[0].positionOffset->cartesian);
  const adm::BlockFormat& r = back.channels[0].blocks[0];
  EXPECT_TRUE(r.screenRef);
  EXPECT_EQ(r.screenEdgeLockHorizontal, "right");
  EXPECT_EQ(r.screenEdgeLockVertical, "bottom");
  EXPECT_TRUE(back.unsupported.empty());
  // A lock that names the wrong side for its coordinate is an error naming the element.
  std::string bad = axml;
  bad.replace(bad.find("screenEdgeLock=\"right\""), 22, "screenEdgeLock=\"top\"");
  EXPECT_THROW(adm::parseAdm(bad, "x.wav"), InputError);
}

}  // namespace
}  // namespace vkmix
