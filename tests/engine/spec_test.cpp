// Delivery specs: the presets' numbers as the documents give them (docs/loudness.md, "Delivery
// specs"), each limit judged on the figures as the report prints them, every downmix checked, and
// dialogue-measured specs reading the dialogue stem and its downmixes. No rendering: the reports
// are made by hand, so each verdict is set against a figure chosen on either side of its limit.
#include "engine/spec.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vkmix/error.hpp"

namespace vkmix::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

RenderReport reportWith(double mixLufs, double mixTruePeak) {
  RenderReport r;
  r.mix.integratedLufs = mixLufs;
  r.mix.truePeakDbtp = mixTruePeak;
  return r;
}

NamedLoudness programme(const std::string& name, double lufs, double truePeak,
                        std::optional<double> dialogueLufs = std::nullopt) {
  NamedLoudness n;
  n.name = name;
  n.layout = name;
  n.loudness.integratedLufs = lufs;
  n.loudness.truePeakDbtp = truePeak;
  n.dialogueIntegratedLufs = dialogueLufs;
  return n;
}

TEST(DeliverySpec, PresetsCarryTheirDocumentsNumbers) {
  // EBU R 128: -23.0 LUFS +-0.5 LU (file-based programmes), -1 dBTP. ATSC A/85:2013: -24 LKFS +-2
  // dB, -2 dBTP. Netflix: -27 LKFS +-2 LU dialogue-gated, -2 dBTP.
  const DeliverySpec& ebu = findDeliverySpec("ebu-r128");
  EXPECT_EQ(ebu.targetLufs, -23.0);
  EXPECT_EQ(ebu.toleranceLu, 0.5);
  EXPECT_EQ(ebu.truePeakMaxDbtp, -1.0);
  EXPECT_EQ(ebu.measure, SpecMeasure::Programme);
  const DeliverySpec& atsc = findDeliverySpec("atsc-a85");
  EXPECT_EQ(atsc.targetLufs, -24.0);
  EXPECT_EQ(atsc.toleranceLu, 2.0);
  EXPECT_EQ(atsc.truePeakMaxDbtp, -2.0);
  EXPECT_EQ(atsc.measure, SpecMeasure::Programme);
  const DeliverySpec& netflix = findDeliverySpec("netflix");
  EXPECT_EQ(netflix.targetLufs, -27.0);
  EXPECT_EQ(netflix.toleranceLu, 2.0);
  EXPECT_EQ(netflix.truePeakMaxDbtp, -2.0);
  EXPECT_EQ(netflix.measure, SpecMeasure::Dialogue);
  for (const DeliverySpec& s : deliverySpecs()) EXPECT_FALSE(s.source.empty()) << s.name;
}

TEST(DeliverySpec, AnUnknownNameListsThePresets) {
  try {
    findDeliverySpec("ebu");
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("--spec"));
    EXPECT_THAT(e.what(), HasSubstr("\"ebu\" is not one of ebu-r128, atsc-a85, netflix"));
  }
  EXPECT_THAT(deliverySpecSummary(), HasSubstr("ebu-r128 (-23 +-0.5 LU, -1 dBTP)"));
  EXPECT_THAT(deliverySpecSummary(), HasSubstr("netflix (-27 +-2 LU dialogue, -2 dBTP)"));
}

TEST(DeliverySpec, LoudnessPassesWithinTheToleranceAsReported) {
  const DeliverySpec& ebu = findDeliverySpec("ebu-r128");
  struct Case {
    double lufs;
    bool pass;
  };
  // -23.504 prints as -23.50 (inside); -23.506 prints as -23.51 (outside).
  for (const Case c :
       {Case{-23.0, true}, Case{-22.5, true}, Case{-23.5, true}, Case{-23.504, true},
        Case{-23.506, false}, Case{-22.49, false}, Case{-24.0, false}, Case{-200.0, false}}) {
    const SpecResult r = checkSpec(ebu, reportWith(c.lufs, -10.0));
    ASSERT_EQ(r.checks.size(), 1u);
    EXPECT_EQ(r.checks[0].programme, "mix");
    EXPECT_EQ(r.checks[0].loudnessPass, c.pass) << c.lufs;
    EXPECT_TRUE(r.checks[0].truePeakPass);
    EXPECT_EQ(r.pass, c.pass) << c.lufs;
  }
}

TEST(DeliverySpec, TruePeakPassesAtOrBelowTheMaximum) {
  const DeliverySpec& atsc = findDeliverySpec("atsc-a85");
  struct Case {
    double dbtp;
    bool pass;
  };
  for (const Case c : {Case{-2.0, true}, Case{-1.996, true}, Case{-1.99, false}, Case{-0.3, false},
                       Case{-200.0, true}}) {
    const SpecResult r = checkSpec(atsc, reportWith(-24.0, c.dbtp));
    EXPECT_EQ(r.checks[0].truePeakPass, c.pass) << c.dbtp;
    EXPECT_TRUE(r.checks[0].loudnessPass);
    EXPECT_EQ(r.pass, c.pass) << c.dbtp;
  }
}

TEST(DeliverySpec, EveryDownmixIsCheckedAndNamedWhenItFails) {
  RenderReport report = reportWith(-23.0, -3.0);
  report.downmixes.push_back(programme("5.1", -23.1, -2.5));
  report.downmixes.push_back(programme("2.0", -21.5, -0.5));
  const SpecResult r = checkSpec(findDeliverySpec("ebu-r128"), report);
  ASSERT_EQ(r.checks.size(), 3u);
  EXPECT_EQ(r.checks[1].programme, "5.1");
  EXPECT_TRUE(r.checks[1].loudnessPass && r.checks[1].truePeakPass);
  EXPECT_EQ(r.checks[2].programme, "2.0");
  EXPECT_FALSE(r.checks[2].loudnessPass);
  EXPECT_FALSE(r.checks[2].truePeakPass);
  EXPECT_FALSE(r.pass);
  EXPECT_THAT(specFailures(r), ElementsAre("2.0: loudness -21.50 LUFS is outside -23 +-0.5 LU",
                                           "2.0: true peak -0.50 dBTP is above -1 dBTP"));
  EXPECT_THAT(specSummary(r), HasSubstr("FAIL, 1 of 3 programmes failed"));
}

TEST(DeliverySpec, DialogueSpecsMeasureTheDialogueStemAndItsDownmixes) {
  // The mix is far louder than its dialogue, as a film's is: only the dialogue counts.
  RenderReport report = reportWith(-18.0, -4.0);
  report.stems.push_back(programme("music", -20.0, -6.0));
  report.stems.push_back(programme("dialogue", -27.4, -9.0));
  report.downmixes.push_back(programme("2.0", -17.0, -3.0, -29.5));
  const SpecResult r = checkSpec(findDeliverySpec("netflix"), report);
  ASSERT_EQ(r.checks.size(), 2u);
  EXPECT_EQ(r.checks[0].integratedLufs, -27.4);
  EXPECT_EQ(r.checks[0].truePeakDbtp, -4.0);  // the programme's own peak, not the stem's
  EXPECT_TRUE(r.checks[0].loudnessPass && r.checks[0].truePeakPass);
  EXPECT_EQ(r.checks[1].integratedLufs, -29.5);
  EXPECT_FALSE(r.checks[1].loudnessPass);
  EXPECT_TRUE(r.checks[1].truePeakPass);
  EXPECT_FALSE(r.pass);
  EXPECT_THAT(specFailures(r),
              ElementsAre("2.0: dialogue loudness -29.50 LUFS is outside -27 +-2 LU"));
}

TEST(DeliverySpec, ASilentMeasurementFailsLoudness) {
  RenderReport report = reportWith(-200.0, -200.0);
  const SpecResult r = checkSpec(findDeliverySpec("atsc-a85"), report);
  EXPECT_FALSE(r.checks[0].loudnessPass);
  EXPECT_TRUE(r.checks[0].truePeakPass);
  EXPECT_THAT(specFailures(r), ElementsAre("mix: loudness silent is outside -24 +-2 LU"));
}

TEST(DeliverySpec, DialogueSpecsNeedADialogueStemBeforeTheRender) {
  Session session;
  session.path = "s.json";
  Track fx;
  fx.stem = "effects";
  session.tracks.push_back(fx);
  EXPECT_NO_THROW(checkSpecApplies(findDeliverySpec("ebu-r128"), session));
  try {
    checkSpecApplies(findDeliverySpec("netflix"), session);
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("--spec: netflix: "));
    EXPECT_THAT(e.what(), HasSubstr("no track with stem \"dialogue\""));
  }
  Track dx;
  dx.stem = "dialogue";
  session.tracks.push_back(dx);
  EXPECT_NO_THROW(checkSpecApplies(findDeliverySpec("netflix"), session));
}

}  // namespace
}  // namespace vkmix::engine
