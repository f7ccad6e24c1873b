#include <gtest/gtest.h>

#include "caldera/ops/adjust.hpp"
#include "caldera/status.hpp"
#include "core/number_text.hpp"

namespace caldera {
namespace {

TEST(Status, ContextIsPrependedOnceAndKeepsTheCode) {
  const Status s = invalid_argument("dst width is 0");
  const Status c = s.with_context("resize");
  EXPECT_EQ(c.code(), StatusCode::InvalidArgument);
  EXPECT_EQ(c.message(), "resize: dst width is 0");
  // The same context again (an operator's message under its filter's name) is not repeated...
  EXPECT_EQ(c.with_context("resize").message(), "resize: dst width is 0");
  // ...but another one, or a longer name that merely starts alike, is.
  EXPECT_EQ(c.with_context("stage 'a'").message(), "stage 'a': resize: dst width is 0");
  EXPECT_EQ(invalid_argument("resizer: x").with_context("resize").message(), "resize: resizer: x");
  EXPECT_TRUE(Status::ok().with_context("resize").is_ok());
}

TEST(NumberText, WritesTheShortestFormThatReadsBack) {
  EXPECT_EQ(number_text(-1.0), "-1");
  EXPECT_EQ(number_text(0.25), "0.25");
  EXPECT_EQ(number_text(100.0), "100");
  EXPECT_EQ(number_text(1e-7), "1e-07");
  EXPECT_EQ(number_text(0.1), "0.1");
  EXPECT_EQ(std::stod(number_text(1.0 / 3.0)), 1.0 / 3.0);
}

// Operators' range errors name the value as given, not std::to_string's six decimals.
TEST(NumberText, OperatorErrorsSayTheValueGiven) {
  AdjustParams a;
  a.saturation = -1;
  const ImageDesc d{8, 8, PixelFormat::RGB24};
  const Status s = check_adjust(d, d, a);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("saturation -1 is outside [0, 4]"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace caldera
